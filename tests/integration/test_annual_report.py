"""The council's SC-WRES report: Word (read back with python-docx) and PDF (read back with pypdf)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from pypdf import PdfReader

from tests.helpers import csrf_token, prepared_document
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.models import AnnualReview, ReviewAmendment, ReviewNarrative

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def council(factories, db_session, frozen_clock):
    """Two cycles of figures, a plan with a linked action, and a signed review with narratives
    and an amendment."""
    lead = factories.member(role=Role.EDI_LEAD, name="Priya Shah")
    org = lead.memberships[0].organisation
    factories.dataset(cycle=factories.cycle(organisation=org, start_year=2023))
    cycle = factories.cycle(organisation=org, start_year=2024)
    dataset = factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    action = factories.action(plan=plan, theme=plan.themes[2], owner=lead,
                              title="Anonymous shortlisting", status=ActionStatus.COMPLETE,
                              due_date=date(2025, 3, 1))
    factories.link(action=action, indicator="SCW2", service_area="all")
    review = AnnualReview(cycle_id=cycle.id, summary="Appointments improved.\n\nDisciplinaries "
                          "did not.", signer_name="Helen Clarke",
                          signer_role="Director of Adult Social Services",
                          signed_at=datetime(2025, 5, 28, 9, tzinfo=UTC))
    db_session.add(review)
    db_session.flush()
    db_session.add(ReviewNarrative(review_id=review.id, indicator="SCW2", service_area="all",
                                   what_we_did="Shortlisting without names since July.",
                                   what_changed="More global majority applicants appointed.",
                                   next_steps="Extend it to agency roles."))
    db_session.add(ReviewAmendment(review_id=review.id, author_id=lead.id,
                                   text="SCW3's narrative is corrected in the plan.",
                                   created_at=datetime(2025, 5, 30, 8, tzinfo=UTC)))
    db_session.flush()
    return {"lead": lead, "org": org, "cycle": cycle, "dataset": dataset, "review": review}


def _docx_body(document) -> list[tuple[str, str]]:
    """Every paragraph as (style, text), in order."""
    return [(p.style.name, p.text) for p in document.paragraphs]


def test_the_word_report_has_the_summary_narratives_figures_trends_and_plan(client_for, council):
    org, dataset = council["org"], council["dataset"]
    response = prepared_document(client_for(council["lead"]),
                                 f"/org/{org.slug}/cycles/2024-25/sc-wres-report.docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert f'filename="{org.slug}-2024-25-sc-wres-report.docx"' in \
        response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    assert document.core_properties.title == f"SC-WRES report 2024-25: {org.name}"
    assert document.core_properties.language == "en-GB"
    body = _docx_body(document)
    texts = [t for _, t in body]
    assert body[0] == ("Title", "SC-WRES report 2024-25") and texts[1] == org.name
    summary = texts.index("Summary")
    assert texts[summary + 1:summary + 3] == ["Appointments improved.", "Disciplinaries did not."]
    assert ("Signed off by Helen Clarke, Director of Adult Social Services, on 28 May 2025 at "
            "10:00am.") in texts
    # SCW2's narrative, under its own heading, with its figure and linked actions.
    heading = texts.index("SCW2 Appointed from shortlisting, all staff")
    assert body[heading][0] == "Heading 2"
    rl = dataset.results["all"]["indicators"]["SCW2"]["rl"]
    assert texts[heading + 1].startswith(f"RL {rl:.2f} (")
    assert "Linked actions: 1 completed, 0 overdue, 0 carried over, 0 open." in texts[heading + 1]
    assert texts[heading + 2:heading + 8] == [
        "What we did", "Shortlisting without names since July.",
        "What changed", "More global majority applicants appointed.",
        "What we will do next", "Extend it to agency roles."]
    scw3 = texts.index("SCW3 Formal disciplinary, all staff")
    assert texts[scw3 + 2] == "No narrative has been written for this indicator yet."
    # The figures: a table per service area, the header row repeated on every page.
    tables = document.tables
    header = [c.text for c in tables[0].rows[0].cells]
    assert header == ["Indicator", "RL", "In words", "Rating", "95% confidence interval",
                      "Global majority", "White"]
    assert tables[0].rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    scw2_adults = next(r for r in tables[1].rows if r.cells[0].text.startswith("SCW2"))
    real = dataset.results["adults"]["indicators"]["SCW2"]
    assert scw2_adults.cells[5].text == f"{real['gm']['numerator']} of {real['gm']['denominator']}"
    assert scw2_adults.cells[4].text == f"{real['ci95'][0]:.2f} to {real['ci95'][1]:.2f}"
    # Year on year, the plan, the amendment.
    trend = next(t for t in tables if t.rows[0].cells[2].text == "Change")
    assert any("since 2023-24" in r.cells[2].text for r in trend.rows)
    plan_rows = [[c.text for c in r.cells] for t in tables for r in t.rows]
    assert ["Anonymous shortlisting", "Priya Shah", "1 March 2025", "Complete"] in plan_rows
    amendments = texts.index("Amendments after sign-off")
    assert texts[amendments + 1] == "30 May 2025 at 9:00am, Priya Shah"
    assert texts[amendments + 2] == "SCW3's narrative is corrected in the plan."


def test_the_pdf_report_has_the_same_content(client_for, council):
    org = council["org"]
    response = prepared_document(client_for(council["lead"]),
                                 f"/org/{org.slug}/cycles/2024-25/sc-wres-report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    pages = [p.extract_text() for p in reader.pages]
    text = " ".join(" ".join(pages).split())
    assert "SC-WRES report 2024-25" in text and org.name in text
    assert "Appointments improved." in text and "Disciplinaries did not." in text
    assert "What we did Shortlisting without names since July." in text
    assert "What we will do next Extend it to agency roles." in text
    assert "Anonymous shortlisting Priya Shah 1 March 2025 Complete" in text
    assert "SCW3's narrative is corrected in the plan." in text
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_a_review_not_signed_off_makes_a_draft_report(factories, client_for, frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org, start_year=2024)
    browser = client_for(lead)
    document = Document(io.BytesIO(prepared_document(
        browser, f"/org/{org.slug}/cycles/2024-25/sc-wres-report.docx").data))
    texts = [p.text for p in document.paragraphs]
    assert "No summary has been written yet." in texts
    assert "The annual review has not been signed off yet: this is a draft." in texts
    assert "No figures are loaded for 2024-25 yet." in texts
    reports = browser.get(f"/org/{org.slug}/cycles/2024-25/reports").get_data(as_text=True)
    assert "The review is not signed off yet, so the report says it is a draft." in reports


def test_reading_the_report_never_starts_a_review(factories, client_for, db_session, frozen_clock):
    from sqlalchemy import func, select

    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org, start_year=2024)
    prepared_document(client_for(lead), f"/org/{org.slug}/cycles/2024-25/sc-wres-report.docx")
    assert db_session.scalar(select(func.count(AnnualReview.id))) == 0


@pytest.mark.parametrize("who, status", [
    ("edi_lead", 200), ("sponsor", 200), ("viewer", 200), ("advisor", 200),
    ("outsider", 404), ("administrator", 404), ("anonymous", 302)])
def test_who_may_download_the_report(factories, client_for, client, who, status, frozen_clock):
    org = factories.organisation()
    factories.cycle(organisation=org, start_year=2024)
    roles = {"edi_lead": Role.EDI_LEAD, "sponsor": Role.SPONSOR, "viewer": Role.VIEWER}
    if who in roles:
        user = factories.member(role=roles[who], organisation=org)
    elif who == "advisor":
        user = factories.advisor(follows=org)
    elif who == "outsider":
        user = factories.member(role=Role.EDI_LEAD)
    elif who == "administrator":
        user = factories.administrator()
    browser = client if who == "anonymous" else client_for(user)
    cycle_url = f"/org/{org.slug}/cycles/2024-25"
    if status == 200:
        assert prepared_document(browser, f"{cycle_url}/sc-wres-report.docx").status_code == 200
        return
    token = csrf_token(browser, "/sign-in" if who == "anonymous" else "/")
    asked = browser.post(f"{cycle_url}/reports/sc-wres-report.docx", data={"csrf_token": token})
    assert asked.status_code == status
    assert browser.get(f"{cycle_url}/sc-wres-report.docx").status_code == status


def test_an_unknown_format_or_cycle_is_not_found(client_for, council):
    org, browser = council["org"], client_for(council["lead"])
    assert browser.get(f"/org/{org.slug}/cycles/2024-25/sc-wres-report.odt").status_code == 404
    token = csrf_token(browser, f"/org/{org.slug}/cycles/2024-25/reports")
    for name in ("sc-wres-report.odt", "board-pack.docx", "minutes.pdf"):
        assert browser.post(f"/org/{org.slug}/cycles/2024-25/reports/{name}",
                            data={"csrf_token": token}).status_code == 404, name
    assert browser.get(f"/org/{org.slug}/cycles/1999-00/sc-wres-report.docx").status_code == 404


def test_the_command_line_writes_both_formats(runner, council, tmp_path, frozen_clock):
    org = council["org"]
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(args=["tracker", "report", "annual", "--org", org.slug,
                                     "--cycle", "2024-25", "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
    texts = [p.text for p in Document(str(tmp_path / "report.docx")).paragraphs]
    assert "Shortlisting without names since July." in texts
    pdf = " ".join(p.extract_text() for p in PdfReader(str(tmp_path / "report.pdf")).pages)
    assert "Extend it to agency roles." in " ".join(pdf.split())
    result = runner.invoke(args=["tracker", "report", "annual", "--org", org.slug, "--cycle",
                                 "2024-25", "--format", "rtf", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "'rtf' is not one of 'docx', 'pdf'" in result.output
    result = runner.invoke(args=["tracker", "report", "annual", "--org", "nowhere", "--cycle",
                                 "2024-25", "--format", "docx", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "no organisation with the short name 'nowhere'" in \
        result.output


def test_gathering_the_report_asks_the_same_queries_however_many_narratives(
        app, factories, db_session, council, frozen_clock):
    from sqlalchemy import event

    from tracker.services import reports as report_service

    def queries() -> int:
        db_session.flush()
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db_session.connection(), "before_cursor_execute", listener)
        try:
            with app.app_context():
                access = report_service.reader_access(organisation_id=council["org"].id)
                report_service.annual_report(access=access, cycle=council["cycle"],
                                             today=date(2025, 6, 2))
        finally:
            event.remove(db_session.connection(), "before_cursor_execute", listener)
        return len(seen)

    before = queries()
    for sid in ("SCW3", "SCW4", "SCW5"):
        db_session.add(ReviewNarrative(review_id=council["review"].id, indicator=sid,
                                       service_area="adults", what_we_did="Something."))
        db_session.add(ReviewAmendment(review_id=council["review"].id, text=sid,
                                       author_id=council["lead"].id,
                                       created_at=datetime(2025, 5, 30, tzinfo=UTC)
                                       + timedelta(hours=1)))
    assert queries() == before
