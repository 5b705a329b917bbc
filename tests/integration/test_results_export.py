"""Results export: every figure of a cycle or of all cycles, CSV and XLSX, read back."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tracker.domain.roles import Role
from tracker.kept_pages import forget_kept_pages

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def council(factories):
    """An organisation with two cycles of figures, a data-quality note and an awkward band."""
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    older = factories.cycle(organisation=org, start_year=2023)
    newer = factories.cycle(organisation=org, start_year=2024)
    factories.dataset(cycle=older)
    dataset = factories.dataset(cycle=newer)
    dataset.provenance = {**dataset.provenance, "warnings": [
        {"message": "=HYPERLINK(\"http://evil.example\") declaration is below 90%",
         "file": "test counts", "row": 4, "column": "ethnicity"}]}
    return {"lead": lead, "org": org, "older": older, "newer": newer, "dataset": dataset}


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _sheet_rows(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _find(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, len(found))
    return found[0]


def test_a_cycle_exports_every_figure_as_xlsx(client_for, council):
    org, dataset = council["org"], council["dataset"]
    response = client_for(council["lead"]).get(f"/org/{org.slug}/cycles/2024-25/results.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert f'filename="{org.slug}-2024-25-sc-wres-figures.xlsx"' in \
        response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Figures", "Data quality", "About"]
    rows = _sheet_rows(workbook["Figures"])
    assert {r["cycle"] for r in rows} == {"2024-25"}
    assert {r["service_area"] for r in rows} == {"All staff", "Adult social care",
                                                 "Children's social care"}
    real = dataset.results["adults"]["indicators"]["SCW2"]
    scw2 = _find(rows, service_area="Adult social care", indicator="SCW2")
    assert scw2["relative_likelihood"] == pytest.approx(real["rl"])  # unrounded
    assert (scw2["ci95_lower"], scw2["ci95_upper"]) == pytest.approx(tuple(real["ci95"]))
    assert scw2["gm_numerator"] == real["gm"]["numerator"] == 43
    assert scw2["gm_denominator"] == 290 and scw2["white_numerator"] == 117
    assert scw2["gm_rate"] == pytest.approx(43 / 290)
    assert scw2["state"] == "ok" and scw2["ratio"] == "global majority / white"
    assert scw2["rating"] in {"Within range", "Adverse", "Reverse: check recording"}
    band = _find(rows, service_area="Adult social care", indicator="SCW1", band="70k+")
    assert (band["gm_numerator"], band["white_numerator"], band["unknown_numerator"]) == (9, 61, 3)
    assert band["gm_denominator"] == 399  # staff in post: the SCW1 bands added up
    whole = _find(rows, service_area="Adult social care", indicator="SCW1", band="All bands")
    assert whole["gm_share"] == pytest.approx(399 / (399 + 1571))
    # The note is there, and a formula-looking text stays text (a text cell, never a formula).
    assert "declaration is below 90%" in scw2["data_quality_notes"]
    cells = [c for c in workbook["Data quality"]["E"] if c.value and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    about = dict(workbook["About"].iter_rows(values_only=True, max_row=3))
    assert about["SC-WRES figures"] == org.name


def test_all_cycles_export_as_csv_with_the_formula_guard(client_for, council):
    org = council["org"]
    response = client_for(council["lead"]).get(f"/org/{org.slug}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _rows(response.data)
    assert [r["cycle"] for r in rows][0] == "2023-24"
    assert {r["cycle"] for r in rows} == {"2023-24", "2024-25"}
    newer = [r for r in rows if r["cycle"] == "2024-25"]
    scw2 = _find(newer, service_area="Adult social care", indicator="SCW2")
    assert scw2["gm_numerator"] == "43"
    # CSV: the note that starts with "=" is written behind an apostrophe.
    assert scw2["data_quality_notes"].startswith("'=HYPERLINK")


def test_the_nhs_way_up_is_said_in_the_export(client_for, council):
    org = council["org"]
    data = client_for(council["lead"]).get(
        f"/org/{org.slug}/cycles/2024-25/results.csv?orientation=nhs").data
    scw2 = _find(_rows(data), service_area="All staff", indicator="SCW2")
    assert scw2["ratio"] == "white / global majority (NHS WRES)"


def test_for_publication_no_count_below_ten_is_shown(client_for, council):
    org = council["org"]
    response = client_for(council["lead"]).get(
        f"/org/{org.slug}/cycles/2024-25/results.csv?for=publication")
    rows = _rows(response.data)
    assert "for-publication" in response.headers["Content-Disposition"]
    counts = [r[c] for r in rows for c in ("gm_numerator", "gm_denominator", "white_numerator",
                                           "white_denominator", "unknown_numerator",
                                           "unknown_denominator")]
    numbers = [int(v) for v in counts if v.isdigit()]
    assert numbers and min(numbers) >= 10
    scw4 = _find(rows, service_area="Adult social care", indicator="SCW4")
    assert scw4["gm_numerator"] == "fewer than 10"
    assert scw4["relative_likelihood"] == "not shown" and scw4["state"] == "withheld"
    assert "relative likelihood: not shown" in scw4["withheld_because"]


@pytest.mark.parametrize("who, status", [
    ("edi_lead", 200), ("owner", 200), ("sponsor", 200), ("viewer", 200), ("advisor", 200),
    ("outsider", 404), ("administrator", 404), ("anonymous", 302)])
def test_who_may_download_the_figures(factories, client_for, client, council, who, status):
    org = council["org"]
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
    for url in (f"/org/{org.slug}/cycles/2024-25/results.xlsx", f"/org/{org.slug}/results.csv"):
        assert browser.get(url).status_code == status, url


def test_no_figures_or_no_format_is_not_found(factories, client_for, council):
    org = council["org"]
    factories.cycle(organisation=org, start_year=2025)
    browser = client_for(council["lead"])
    assert browser.get(f"/org/{org.slug}/cycles/2025-26/results.csv").status_code == 404
    assert browser.get(f"/org/{org.slug}/cycles/2024-25/results.pdf").status_code == 404


def test_the_command_line_writes_the_same_figures(runner, council, tmp_path):
    org = council["org"]
    out = tmp_path / "figures.xlsx"
    result = runner.invoke(args=["tracker", "results", "export", "--org", org.slug,
                                 "--cycle", "2024-25", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _sheet_rows(load_workbook(out)["Figures"])
    assert _find(rows, service_area="Adult social care", indicator="SCW2")["gm_numerator"] == 43
    out_csv = tmp_path / "all.csv"
    result = runner.invoke(args=["tracker", "results", "export", "--org", org.slug, "--format",
                                 "csv", "--out", str(out_csv), "--for-publication"])
    assert result.exit_code == 0, result.output
    assert {r["cycle"] for r in _rows(out_csv.read_bytes())} == {"2023-24", "2024-25"}


def test_the_command_line_names_what_is_wrong(runner, council, tmp_path):
    out = str(tmp_path / "x.csv")
    result = runner.invoke(args=["tracker", "results", "export", "--org", "nowhere",
                                 "--format", "csv", "--out", out])
    assert result.exit_code == 2
    assert "no organisation with the short name 'nowhere'" in result.output
    result = runner.invoke(args=["tracker", "results", "export", "--org", council["org"].slug,
                                 "--cycle", "1999-00", "--format", "csv", "--out", out])
    assert result.exit_code == 2 and "has no cycle '1999-00'" in result.output


def test_the_results_and_trends_pages_link_to_the_downloads(client_for, council):
    from tests.helpers import page

    org = council["org"]
    browser = client_for(council["lead"])
    results = page(browser.get(f"/org/{org.slug}/cycles/2024-25/indicators"))
    links = {a["href"] for a in results.select("#downloads ~ ul a")}
    assert f"/org/{org.slug}/cycles/2024-25/results.xlsx" in links
    assert f"/org/{org.slug}/cycles/2024-25/results.csv?for=publication" in links
    trends = page(browser.get(f"/org/{org.slug}/trends"))
    links = {a["href"] for a in trends.select("#downloads ~ ul a")}
    assert f"/org/{org.slug}/results.xlsx" in links
    for href in links:
        assert browser.get(href).status_code == 200, href


def test_the_workbook_keeps_its_layout(client_for, council):
    org = council["org"]
    data = client_for(council["lead"]).get(f"/org/{org.slug}/cycles/2024-25/results.xlsx").data
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:  # every header in bold
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None), sheet.title
    figures = workbook["Figures"]
    assert figures.freeze_panes == "F2"
    column = {cell.value: cell.column_letter for cell in figures[1]}
    numbers = {name: {c.number_format for c in figures[column[name]][1:]
                      if isinstance(c.value, float)}
               for name in ("relative_likelihood", "gm_rate", "gap_pp")}
    assert numbers == {"relative_likelihood": {"0.00"}, "gm_rate": {"0.0%"}, "gap_pp": {"0.0"}}
    counts = [c.value for c in figures[column["gm_numerator"]][1:] if c.value is not None]
    assert counts and all(type(v) is int for v in counts)  # numbers, not text
    note = next(c for c in workbook["Data quality"]["E"] if c.value and "HYPERLINK" in c.value)
    assert note.quotePrefix and note.data_type == "s"
    assert workbook["About"].column_dimensions["B"].width >= 100


def test_a_workbook_is_written_once_per_version_of_its_figures(client_for, council, db_session):
    from tests.helpers import statements

    org, dataset = council["org"], council["dataset"]
    browser = client_for(council["lead"])
    url = f"/org/{org.slug}/results.xlsx"
    first = browser.get(url).data
    forget_kept_pages()  # the workbook kept in kept_files, not the answer kept in this process
    with statements(db_session) as seen:
        again = browser.get(url)
    assert again.status_code == 200 and again.data == first  # the kept workbook, as written
    assert not [s for s in seen if s.lstrip().upper().startswith("INSERT")]
    assert len([s for s in seen if "kept_files" in s]) == 1
    # Changed figures are another version: a new workbook with them, never the kept one.
    results = dict(dataset.results)
    adults = dict(results["adults"])
    adults["indicators"] = {**adults["indicators"], "SCW2": {
        **adults["indicators"]["SCW2"], "rl": 1.5}}
    dataset.results = {**results, "adults": adults}
    db_session.flush()
    changed = browser.get(url).data
    assert changed != first
    rows = _sheet_rows(load_workbook(io.BytesIO(changed))["Figures"])
    newer = [r for r in rows if r["cycle"] == "2024-25"]
    assert _find(newer, service_area="Adult social care", indicator="SCW2")[
        "relative_likelihood"] == 1.5


def test_the_workbook_takes_the_same_statements_however_many_cycles(factories, client_for,
                                                                   council, db_session):
    from tests.helpers import statements

    org = council["org"]
    browser = client_for(council["lead"])

    def counted() -> tuple[int, int]:  # written, then kept
        browser.get(f"/org/{org.slug}/cycles/2024-25/results.xlsx")  # signed in, warmed
        numbers = []
        for _ in range(2):
            with statements(db_session) as seen:
                assert browser.get(f"/org/{org.slug}/results.xlsx").status_code == 200
            numbers.append(len(seen))
        return numbers[0], numbers[1]

    two = counted()
    for year in (2025, 2026, 2027):
        factories.dataset(cycle=factories.cycle(organisation=org, start_year=year))
    assert counted() == two
