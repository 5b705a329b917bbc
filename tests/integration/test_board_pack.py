"""The board pack: a cycle's PDF for the board, read back with pypdf and checked figure by figure."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event

from tests.helpers import csrf_token, page, prepared_document
from tracker.domain.comments import Outcome
from tracker.domain.definitions import SERIES_IDS
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.models import AnnualReview, FeedbackResponse, PlanSignOff

PDF = "application/pdf"


@pytest.fixture
def council(factories, db_session, frozen_clock):
    """A cycle with the demo's figures, last year's too, a plan with overdue actions, answered
    feedback and both sign-offs."""
    sponsor = factories.member(role=Role.SPONSOR, name="Helen Clarke")
    org = sponsor.memberships[0].organisation
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org, name="Nadia Hussain")
    older = factories.cycle(organisation=org, start_year=2023)
    cycle = factories.cycle(organisation=org, start_year=2024)
    factories.dataset(cycle=older)
    dataset = factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    governance, recruitment = plan.themes[0], plan.themes[2]
    today = date(2025, 6, 2)
    late = factories.action(plan=plan, theme=recruitment, owner=owner,
                            title="Diverse interview panels", status=ActionStatus.AT_RISK,
                            due_date=today - timedelta(days=20))
    factories.action(plan=plan, theme=recruitment, owner=owner, title="Anonymous shortlisting",
                     status=ActionStatus.OFF_TRACK, due_date=today - timedelta(days=3))
    factories.action(plan=plan, theme=governance, owner=sponsor, title="Board champion",
                     status=ActionStatus.COMPLETE, due_date=today - timedelta(days=40))
    factories.action(plan=plan, theme=governance, owner=None, title="Quarterly EDI report",
                     status=ActionStatus.ON_TRACK, due_date=today + timedelta(days=60))
    advisor = factories.advisor(follows=org, name="Grace Mensah")
    comment = factories.comment(action=late, author=advisor, posted_as="Advisor, IAG",
                                body="Panels should include someone from outside the team.",
                                needs_response=True)
    db_session.add(FeedbackResponse(comment_id=comment.id, outcome=Outcome.ACTIONED,
                                    reason="Every panel now has an independent member.",
                                    action_id=late.id, responder_id=sponsor.id,
                                    responded_at=datetime(2025, 5, 20, 10, tzinfo=UTC)))
    db_session.add(PlanSignOff(plan_id=plan.id, signed_by_id=sponsor.id, signer_name="Helen Clarke",
                               signer_role="Director of Adult Social Services", snapshot={},
                               signed_at=datetime(2025, 4, 30, 14, tzinfo=UTC)))
    db_session.add(AnnualReview(cycle_id=cycle.id, signer_name="Helen Clarke",
                                signer_role="Director of Adult Social Services",
                                signed_at=datetime(2025, 5, 28, 9, tzinfo=UTC)))
    db_session.flush()
    return {"sponsor": sponsor, "org": org, "cycle": cycle, "dataset": dataset, "plan": plan}


def _read(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [p.extract_text() for p in reader.pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_board_pack_has_the_cycles_figures_plan_feedback_and_sign_offs(client_for, council):
    org, dataset = council["org"], council["dataset"]
    response = prepared_document(client_for(council["sponsor"]),
                                 f"/org/{org.slug}/cycles/2024-25/board-pack.pdf")
    assert response.status_code == 200 and response.mimetype == PDF
    assert f'filename="{org.slug}-2024-25-board-pack.pdf"' in response.headers["Content-Disposition"]
    reader, pages = _read(response.data)
    first = _flat(pages[0])
    # The first page: adverse results counted from the saved results themselves.
    results = dataset.results
    rated = [(area, sid) for area in results for sid in SERIES_IDS
             if results[area]["indicators"][sid].get("rating")]
    adverse = [(a, s) for a, s in rated if results[a]["indicators"][s]["rating"] == "adverse"]
    assert 0 < len(adverse) < len(rated)
    assert f"{len(adverse)} of {len(rated)} rated results are adverse" in first
    assert org.name in first and "SC-WRES board pack 2024-25" in first
    assert "Produced on 2 June 2025" in first
    assert "4 actions in the plan: 1 complete, 2 overdue" in first
    # Plan status by theme: workforce diversity has two actions, both overdue.
    assert "Workforce diversity and recruitment 2 0 0 1 1 0 0 0 2" in first
    assert "Governance and accountability 2 0 1 0 0 1 0 0 0" in first
    # Overdue actions with their owners and UK due dates, the oldest first.
    assert first.index("Diverse interview panels Nadia Hussain 13 May 2025") < \
        first.index("Anonymous shortlisting Nadia Hussain 30 May 2025")
    assert "Board champion" not in first.split("Overdue actions")[1]
    everything = _flat(" ".join(pages))
    # The indicators with their ratings and intervals, for each service area.
    scw2 = results["adults"]["indicators"]["SCW2"]
    assert f"{scw2['ci95'][0]:.2f} to {scw2['ci95'][1]:.2f}" in everything
    assert "43 of 290" in everything
    assert "Adult social care" in everything and "Children's social care" in everything
    # Year on year with the change words, the plan by theme, you said we did, sign-offs.
    assert "Year on year" in everything and "since 2023-24" in everything
    assert "Quarterly EDI report No owner yet" in everything
    assert "Panels should include someone from outside the team." in everything
    assert "Grace Mensah (Advisor, IAG)" in everything
    assert "Actioned on 20 May 2025: Every panel now has an independent member." in everything
    assert "The action plan Helen Clarke, Director of Adult Social Services" in everything
    assert "30 April 2025" in everything and "The annual review" in everything
    # Page numbers on every page, the organisation's name from the second page on.
    count = len(reader.pages)
    assert count > 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in text
    assert org.name in pages[1]


def test_the_board_pack_is_a_tagged_pdf_ua_document(client_for, council):
    org = council["org"]
    response = prepared_document(client_for(council["sponsor"]),
                                 f"/org/{org.slug}/cycles/2024-25/board-pack.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert reader.metadata.title == f"Board pack 2024-25: {org.name}"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp, xmp
    tags, alts = set(), []

    def walk(element, depth=0):
        element = element.get_object()
        if not hasattr(element, "get"):
            return
        if element.get("/S"):
            tags.add(element["/S"])
            if element["/S"] == "/Figure":
                alts.append(str(element.get("/Alt", "")))
        kids = element.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object"):
                walk(kid, depth + 1)

    walk(root["/StructTreeRoot"])
    assert {"/Document", "/H1", "/H2", "/P", "/L", "/LI", "/Table", "/TR", "/TH", "/TD",
            "/Figure"} <= tags
    assert len(alts) == 3 and all(a.startswith("Chart of the relative likelihoods") for a in alts)


def test_the_board_pack_of_a_cycle_without_figures_says_so(factories, client_for, frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org, start_year=2024)
    response = prepared_document(client_for(lead),
                                 f"/org/{org.slug}/cycles/2024-25/board-pack.pdf")
    assert response.status_code == 200
    text = _flat(" ".join(_read(response.data)[1]))
    assert "No figures are loaded for 2024-25 yet." in text
    assert "0 actions in the plan" in text and "No action is overdue." in text
    assert "Neither the plan nor the annual review of 2024-25 has been signed off yet." in text


@pytest.mark.parametrize("who, status", [
    ("edi_lead", 200), ("owner", 200), ("sponsor", 200), ("viewer", 200), ("advisor", 200),
    ("outsider", 404), ("administrator", 404), ("anonymous", 302)])
def test_who_may_ask_for_and_download_the_board_pack_and_see_the_reports(
        factories, client_for, client, who, status, frozen_clock):
    org = factories.organisation()
    factories.cycle(organisation=org, start_year=2024)
    roles = {"edi_lead": Role.EDI_LEAD, "owner": Role.ACTION_OWNER, "sponsor": Role.SPONSOR,
             "viewer": Role.VIEWER}
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
    assert browser.get(f"{cycle_url}/reports").status_code == status
    if status == 200:
        assert prepared_document(browser, f"{cycle_url}/board-pack.pdf").status_code == 200
        return
    # With a valid token from a page they may see, the request is still refused
    token = csrf_token(browser, "/sign-in" if who == "anonymous" else "/")
    asked = browser.post(f"{cycle_url}/reports/board-pack.pdf", data={"csrf_token": token})
    assert asked.status_code == status
    assert browser.get(f"{cycle_url}/board-pack.pdf").status_code == status


def test_an_unknown_cycle_has_no_board_pack(client_for, council):
    org = council["org"]
    browser = client_for(council["sponsor"])
    assert browser.get(f"/org/{org.slug}/cycles/1999-00/board-pack.pdf").status_code == 404
    assert browser.get(f"/org/{org.slug}/cycles/1999-00/reports").status_code == 404


def test_one_click_from_the_accountability_view_and_the_reports_page(client_for, council):
    org = council["org"]
    browser = client_for(council["sponsor"])
    cycle_url = f"/org/{org.slug}/cycles/2024-25"
    accountability = page(browser.get(f"{cycle_url}/plan/accountability"))
    button = accountability.select_one(f'form[action="{cycle_url}/reports/board-pack.pdf"] button')
    assert button.get_text(strip=True) == "Get the board pack for 2024-25 (PDF)"
    reports = page(browser.get(f"{cycle_url}/reports"))
    assert reports.select_one(f'form[action="{cycle_url}/reports/board-pack.pdf"]') is not None
    assert reports.find("a", href=f"{cycle_url}/board-pack.pdf") is None  # none made yet
    hrefs = {a["href"] for a in reports.select("a[href]")}
    assert f"{cycle_url}/results.xlsx" in hrefs
    assert f"{cycle_url}/results.csv?for=publication" in hrefs
    overview = page(browser.get(f"/org/{org.slug}"))
    assert overview.find("a", href=f"{cycle_url}/reports") is not None


def test_the_command_line_writes_the_board_pack(runner, council, tmp_path, frozen_clock):
    org = council["org"]
    out = tmp_path / "pack.pdf"
    result = runner.invoke(args=["tracker", "report", "board-pack", "--org", org.slug,
                                 "--cycle", "2024-25", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = _flat(" ".join(_read(out.read_bytes())[1]))
    assert "SC-WRES board pack 2024-25" in text and "Diverse interview panels" in text
    result = runner.invoke(args=["tracker", "report", "board-pack", "--org", org.slug,
                                 "--cycle", "1999-00", "--out", str(out)])
    assert result.exit_code == 2 and "has no cycle '1999-00'" in result.output


def test_gathering_the_board_pack_asks_the_same_queries_however_big_the_plan(
        app, factories, db_session, council, frozen_clock):
    from tracker.services import reports as report_service
    from tracker.services.reports import reader_access

    def queries() -> int:
        db_session.flush()
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db_session.connection(), "before_cursor_execute", listener)
        try:
            with app.app_context():
                access = reader_access(organisation_id=council["org"].id)
                pack = report_service.board_pack(access=access, cycle=council["cycle"],
                                                 today=date(2025, 6, 2))
                assert pack.overall.total >= 4
        finally:
            event.remove(db_session.connection(), "before_cursor_execute", listener)
        return len(seen)

    before = queries()
    owner = factories.member(role=Role.ACTION_OWNER, organisation=council["org"])
    for n in range(12):
        action = factories.action(plan=council["plan"], theme=council["plan"].themes[n % 7],
                                  owner=owner, due_date=date(2025, 1, 1) + timedelta(days=n))
        factories.link(action=action, indicator="SCW3", service_area="adults")
    assert queries() == before


def test_awkward_figures_still_make_both_documents(factories, client_for, frozen_clock):
    """No global majority staff in adults' social care and a 0 numerator in children's: every
    figure that cannot be computed says why, and the PDFs are still laid out."""
    from tests.integration.test_no_none import _edge_counts

    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.dataset(cycle=factories.cycle(organisation=org, start_year=2024),
                      rows=_edge_counts())
    browser = client_for(lead)
    for url in ("board-pack.pdf", "sc-wres-report.pdf", "sc-wres-report.docx"):
        response = prepared_document(browser, f"/org/{org.slug}/cycles/2024-25/{url}")
        assert response.status_code == 200, url
    text = _flat(" ".join(_read(browser.get(
        f"/org/{org.slug}/cycles/2024-25/board-pack.pdf").data)[1]))
    assert " None " not in f" {text} "
    assert "No global majority staff in post" in text
