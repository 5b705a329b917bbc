"""The national report's pages, files and publication: programme lead only, public once published."""

from __future__ import annotations

import io
import random

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tests.factories import demo_counts_rows
from tests.helpers import page, post_form
from tracker.domain.roles import Role
from tracker.kept_pages import forget_kept_pages
from tracker.models import AuditEvent, Organisation, Submission


def _jittered(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for row in demo_counts_rows():
        row = dict(row)
        if row["denominator"] is None:
            row["numerator"] += rng.randint(0, 30)
        else:
            row["denominator"] += rng.randint(0, 40)
            row["numerator"] = min(row["denominator"], row["numerator"] + rng.randint(0, 25))
        rows.append(row)
    return rows


@pytest.fixture
def submitted(factories, db_session):
    """Six councils submitted 2024-25 (three in London, three in the North West); one did not."""
    rows = {}
    for i in range(6):
        org = factories.organisation(name=f"Council {i}", slug=f"council-{i}",
                                     region="London" if i < 3 else "North West")
        rows[i] = _jittered(i)
        dataset = factories.dataset(cycle=factories.cycle(organisation=org, start_year=2024),
                                    rows=rows[i])
        db_session.add(Submission(cycle_id=dataset.cycle_id, data_loaded_at=dataset.loaded_at))
    hidden = factories.organisation(name="Secretshire Council", slug="secretshire")
    factories.dataset(cycle=factories.cycle(organisation=hidden, start_year=2024),
                      rows=[{**r, "numerator": 0} if r["indicator"] == "SCW2" else r
                            for r in demo_counts_rows()])
    db_session.flush()
    return rows


@pytest.fixture
def programme(client_for, factories):
    return client_for(factories.user(is_programme_lead=True))


def _pooled(rows, sid, group, area="all"):
    picked = [r for council in rows.values() for r in council if r["indicator"] == sid
              and r["group"] == group and (area == "all" or r["service_area"] == area)]
    return sum(r["numerator"] for r in picked), sum(r["denominator"] for r in picked)


def test_the_programme_lead_reads_the_report_from_submitted_data_only(programme, submitted):
    response = programme.get("/programme/2024-25/report")
    assert response.status_code == 200
    html = page(response)
    text = html.get_text(" ", strip=True)
    assert "6 councils submitted 2024-25" in text
    a, n1 = _pooled(submitted, "SCW2", "gm")
    c, n2 = _pooled(submitted, "SCW2", "white")
    row = html.select_one("#national-figures tbody tr")
    assert row.th.get_text(strip=True).startswith("SCW2")
    assert row.td.get_text(strip=True) == f"{(a / n1) / (c / n2):.2f}"
    for name in ("Council 0", "Secretshire", "council-"):
        assert name not in text
    # the regions have 3 councils each: neither is shown
    assert "No group has enough councils" in html.select_one("#by-region").find_next("p").text
    chart = programme.get("/programme/2024-25/report/chart.svg?area=adults")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert b"adult social care" in chart.data


def test_the_report_downloads_as_a_workbook_and_a_pdf(programme, submitted):
    response = programme.get("/programme/2024-25/report.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["National figures"]
    header = [c.value for c in sheet[1]]
    rows = {(r[0], r[1]): dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True)}
    scw3 = rows[("Adult social care", "SCW3")]
    assert (scw3["gm_numerator"], scw3["gm_denominator"]) == _pooled(submitted, "SCW3", "gm",
                                                                     "adults")
    assert scw3["councils"] == 6
    response = programme.get("/programme/2024-25/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "SC-WRES national report 2024-25" in text and "Secretshire" not in text


def test_publish_puts_the_report_public_and_withdrawal_takes_it_down(programme, client,
                                                                     submitted, db_session):
    assert client.get("/public/national/2024-25").status_code == 404
    base = "/programme/2024-25/report"
    assert post_form(programme, base + "/publish", {}, token_from=base).status_code == 302
    response = client.get("/public/national/2024-25")
    assert response.status_code == 200
    text = page(response).get_text(" ", strip=True)
    assert "SC-WRES national report 2024-25" in text and "Council 0" not in text
    assert client.get("/public/national/2024-25/chart.svg").status_code == 200
    assert post_form(programme, base + "/withdraw", {}, token_from=base).status_code == 302
    assert client.get("/public/national/2024-25").status_code == 404
    assert [e.action for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "national_report").order_by(AuditEvent.id))] == [
        "published", "withdrawn"]


def test_nothing_to_publish_without_submissions(programme, factories):
    factories.cycle(start_year=2025)
    base = "/programme/2025-26/report"
    response = post_form(programme, base + "/publish", {}, token_from=base)
    assert response.status_code == 400
    assert "No council has submitted 2025-26" in page(response).get_text()


@pytest.mark.parametrize("who", ["edi_lead", "administrator", "sponsor"])
def test_only_the_programme_lead_reads_the_unpublished_report(client_for, factories, submitted,
                                                              who, client):
    user = factories.administrator() if who == "administrator" else factories.member(
        role=Role.EDI_LEAD if who == "edi_lead" else Role.SPONSOR)
    other = client_for(user)
    for url in ("/programme/2024-25/report", "/programme/2024-25/report.xlsx",
                "/programme/2024-25/report/chart.svg"):
        assert other.get(url).status_code == 403
    assert client.get("/programme/2024-25/report").status_code == 302


def _publish(programme):
    base = "/programme/2024-25/report"
    assert post_form(programme, base + "/publish", {}, token_from=base).status_code == 302


def test_a_council_sees_its_position_and_its_own_point_only(programme, submitted, client_for,
                                                            factories, db_session):
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "council-2"))
    lead = client_for(factories.member(role=Role.VIEWER, organisation=org))
    results = "/org/council-2/cycles/2024-25/indicators"
    assert "Your position nationally" not in page(lead.get(results)).get_text()
    assert lead.get("/org/council-2/cycles/2024-25/national/SCW3/funnel.svg").status_code == 404
    _publish(programme)
    response = lead.get(results + "?funnel=SCW3")
    html = page(response)
    assert "Your position nationally" in html.get_text(), html.get_text(" ", strip=True)[:1500]
    table = html.select_one("#national-position-table")
    rows = {tr.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr("td")]
            for tr in table.select("tbody tr")}
    a, n1 = _pooled(submitted, "SCW3", "gm")
    c, n2 = _pooled(submitted, "SCW3", "white")
    assert rows["SCW3"][1] == f"{(a / n1) / (c / n2):.2f}"
    assert rows["SCW3"][3].endswith("quarter")
    assert html.select_one("#funnel img")["src"].endswith("funnel.svg?area=all")
    svg = lead.get("/org/council-2/cycles/2024-25/national/SCW3/funnel.svg").get_data(as_text=True)
    assert "Your council" in svg and "99.8% limits" in svg
    for i in (0, 1, 3, 4, 5):
        assert f"Council {i}" not in svg
    # nobody else reaches this council's funnel
    stranger = client_for(factories.member(role=Role.EDI_LEAD))
    assert stranger.get("/org/council-2/cycles/2024-25/national/SCW3/funnel.svg"
                        ).status_code == 404


def test_the_published_figure_replaces_the_typed_in_one_on_trends(programme, submitted,
                                                                  factories, db_session, app):
    from tracker.models import NationalFigure
    from tracker.services.reviews import national_values
    db_session.add(NationalFigure(year="2025", indicator="SCW3", band="", value=9.99))
    db_session.flush()
    with app.app_context():
        assert national_values()[("2025", "SCW3", "")] == 9.99
    _publish(programme)
    a, n1 = _pooled(submitted, "SCW3", "gm")
    c, n2 = _pooled(submitted, "SCW3", "white")
    with app.app_context():
        assert national_values()[("2025", "SCW3", "")] == pytest.approx((a / n1) / (c / n2))


def test_the_data_return_reads_back_through_the_counts_upload(programme, submitted, client_for,
                                                              factories, db_session, runner,
                                                              tmp_path):
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "council-1"))
    viewer = client_for(factories.member(role=Role.VIEWER, organisation=org))
    response = viewer.get("/org/council-1/cycles/2024-25/data-return.xlsx")
    assert response.status_code == 200
    # loaded back into another council's cycle, it gives the same counts
    target = factories.cycle(organisation=factories.organisation(slug="copy"), start_year=2024)
    (tmp_path / "return.xlsx").write_bytes(response.data)
    result = runner.invoke(args=["tracker", "indicators", "load", "--org", "copy", "--cycle",
                                 "2024-25", "--counts", str(tmp_path / "return.xlsx")])
    assert result.exit_code == 0, result.output
    from tracker.models import IndicatorDataset
    datasets = {d.cycle_id: d for d in db_session.scalars(select(IndicatorDataset))}
    source = next(d for d in datasets.values()
                  if d.cycle.organisation_id == org.id)
    assert datasets[target.id].counts == source.counts
    assert viewer.get("/programme/2024-25/data-return.csv").status_code == 403
    everyone = programme.get("/programme/2024-25/data-return.csv")
    assert everyone.status_code == 200
    text = everyone.get_data(as_text=True)
    assert text.lstrip("\ufeff").startswith("organisation,service_area,indicator")
    slugs = {line.split(",")[0] for line in text.splitlines()[1:]}
    assert slugs == {f"council-{i}" for i in range(6)}  # submitted only: not secretshire


def test_the_report_page_asks_the_same_queries_for_more_councils(app, programme, factories,
                                                                  db_session):
    from tests.integration.test_plans import count_queries

    def add(n):
        for i in range(n):
            dataset = factories.dataset(cycle=factories.cycle(start_year=2024),
                                        rows=_jittered(100 + len(added) + i))
            db_session.add(Submission(cycle_id=dataset.cycle_id,
                                      data_loaded_at=dataset.loaded_at))
            added.append(dataset)
        db_session.flush()

    added: list = []
    add(5)
    forget_kept_pages()  # the written page's statements, here and below
    with count_queries(app) as few:
        assert programme.get("/programme/2024-25/report").status_code == 200
    add(4)
    forget_kept_pages()
    with count_queries(app) as more:
        assert programme.get("/programme/2024-25/report").status_code == 200
    assert len(more) == len(few)


def _scw2_shown(programme, label="2024-25") -> str:
    row = page(programme.get(f"/programme/{label}/report")).select_one(
        "#national-figures tbody tr")
    assert row.th.get_text(strip=True).startswith("SCW2")
    return row.td.get_text(strip=True)


def _expected_scw2(rows) -> str:
    a, n1 = _pooled(rows, "SCW2", "gm")
    c, n2 = _pooled(rows, "SCW2", "white")
    return f"{(a / n1) / (c / n2):.2f}"


def test_the_figures_are_kept_and_a_changed_submission_gives_new_ones(programme, submitted,
                                                                       db_session):
    """Worked out once per version of the submitted data (kept_files); never stale."""
    from tests.factories import _results, counts_from_rows
    from tracker.models import IndicatorDataset, KeptFile, ReportingCycle, utcnow

    def kept() -> int:
        return len(db_session.scalars(select(KeptFile.key)).all())

    assert _scw2_shown(programme) == _expected_scw2(submitted)
    assert kept() == 1
    assert _scw2_shown(programme) == _expected_scw2(submitted)
    assert kept() == 1  # the second request read the kept figures
    # council 0 saves other counts and submits them again: other figures
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "council-0"))
    cycle = db_session.scalar(select(ReportingCycle).where(
        ReportingCycle.organisation_id == org.id))
    changed = {**submitted, 0: [{**row, "numerator": row["denominator"]}
                                if row["indicator"] == "SCW2" and row["group"] == "gm" else row
                                for row in submitted[0]]}
    assert _expected_scw2(changed) != _expected_scw2(submitted)
    counts = {area: c.to_dict() for area, c in
              counts_from_rows(changed[0], source="test counts").items()}
    dataset = db_session.scalar(select(IndicatorDataset).where(
        IndicatorDataset.cycle_id == cycle.id))
    dataset.counts, dataset.results = counts, _results(counts)  # as saving again does
    dataset.loaded_at = utcnow()
    db_session.flush()
    # saved again since its submission: council 0 counts in no report until it submits again
    without = {i: rows for i, rows in submitted.items() if i}
    assert _scw2_shown(programme) == _expected_scw2(without)
    submission = db_session.scalar(select(Submission).where(Submission.cycle_id == cycle.id))
    submission.data_loaded_at = dataset.loaded_at
    db_session.flush()
    assert _scw2_shown(programme) == _expected_scw2(changed)
    # withdrawn: the other five councils' figures
    db_session.delete(submission)
    db_session.flush()
    assert _scw2_shown(programme) == _expected_scw2(without)
    assert "5 councils submitted 2024-25" in page(programme.get(
        "/programme/2024-25/report")).get_text(" ", strip=True)


def test_a_changed_grouping_gives_new_breakdowns(programme, submitted, factories, db_session):
    def regions() -> list[str]:
        html = page(programme.get("/programme/2024-25/report"))
        return [table.caption.get_text(" ", strip=True) if table.caption else table["id"]
                for table in html.select("table[id^=by-region-]")]

    for i in range(4):  # five councils in each region
        org = factories.organisation(region="London" if i < 2 else "North West")
        dataset = factories.dataset(cycle=factories.cycle(organisation=org, start_year=2024),
                                    rows=_jittered(50 + i))
        db_session.add(Submission(cycle_id=dataset.cycle_id, data_loaded_at=dataset.loaded_at))
    db_session.flush()
    assert len(regions()) == 2
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "council-0"))
    org.region = "North West"  # London has four councils now: neither region is shown
    db_session.flush()
    assert regions() == []


def test_the_report_files_are_kept_and_follow_a_changed_submission(programme, submitted,
                                                                    db_session):
    from tracker.models import KeptFile

    def scw2_gm() -> tuple:
        sheet = load_workbook(io.BytesIO(programme.get(
            "/programme/2024-25/report.xlsx").data))["National figures"]
        header = [c.value for c in sheet[1]]
        rows = {(r[0], r[1]): dict(zip(header, r, strict=True))
                for r in sheet.iter_rows(min_row=2, values_only=True)}
        return rows[("All staff", "SCW2")]["gm_numerator"], rows[("All staff", "SCW2")][
            "gm_denominator"]

    assert scw2_gm() == _pooled(submitted, "SCW2", "gm")
    kept = len(db_session.scalars(select(KeptFile.key)).all())
    assert kept == 2  # the figures and the workbook
    assert scw2_gm() == _pooled(submitted, "SCW2", "gm")
    assert len(db_session.scalars(select(KeptFile.key)).all()) == kept
    db_session.delete(db_session.scalars(select(Submission)).first())
    db_session.flush()
    assert scw2_gm() != _pooled(submitted, "SCW2", "gm")


def test_the_data_return_is_kept_and_follows_the_submissions(programme, submitted, db_session):
    from tracker.models import KeptFile

    def slugs() -> set[str]:
        text = programme.get("/programme/2024-25/data-return.csv").get_data(as_text=True)
        return {line.split(",")[0] for line in text.splitlines()[1:]}

    assert slugs() == {f"council-{i}" for i in range(6)}
    assert slugs() == {f"council-{i}" for i in range(6)}
    assert len(db_session.scalars(select(KeptFile.key)).all()) == 1  # made once
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "council-5"))
    org.slug = "council-five"
    db_session.flush()
    assert "council-five" in slugs()
    db_session.delete(db_session.scalars(select(Submission)).first())
    db_session.flush()
    assert len(slugs()) == 5
    assert programme.get("/programme/2024-25/data-return.ods").status_code == 404


def test_a_councils_data_return_is_kept_and_follows_its_saved_data(client_for, factories,
                                                                   db_session):
    from tests.factories import _results, counts_from_rows
    from tracker.models import KeptFile, utcnow

    dataset = factories.dataset(cycle=factories.cycle(start_year=2024))
    org = db_session.get(Organisation, dataset.cycle.organisation_id)
    viewer = client_for(factories.member(organisation=org, role=Role.VIEWER))
    url = f"/org/{org.slug}/cycles/2024-25/data-return.csv"
    first = viewer.get(url).data
    assert viewer.get(url).data == first
    assert len(db_session.scalars(select(KeptFile.key)).all()) == 1  # made once
    rows = [{**r, "numerator": r["numerator"] + 1} if r["indicator"] == "SCW3" else r
            for r in demo_counts_rows()]
    dataset.counts = {a: c.to_dict() for a, c in counts_from_rows(rows, source="t").items()}
    dataset.results, dataset.loaded_at = _results(dataset.counts), utcnow()  # saved again
    db_session.flush()
    assert viewer.get(url).data != first
    assert viewer.get(url.replace(".csv", ".ods")).status_code == 404
