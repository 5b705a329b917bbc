"""Choosing a workbook's sheet: on the preview (the file is held and read again with every
check), remembered per organisation and extract kind, and `--sheet` on the command line.

The workbooks are real .xlsx (openpyxl), .ods (odfpy through pandas) and .xls (xlwt) files
with several sheets, as HR systems and people's own spreadsheets hold them.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.extract_files import small_extracts
from tests.helpers import csrf_token, page
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ExtractMapping,
    HeldExtract,
    IndicatorDataset,
    IndicatorDraft,
    Organisation,
    ReportingCycle,
)

UPLOAD = "/org/northshire/cycles/2024-25/indicators/upload"
MAPPING = "/org/northshire/cycles/2024-25/indicators/mapping"
SAVED = "/org/northshire/extract-mapping"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return small_extracts(tmp_path_factory.mktemp("sheet-extracts"))


@pytest.fixture(scope="module")
def staff(extracts) -> pd.DataFrame:
    return pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)


def rows_of(frame: pd.DataFrame) -> list[list]:
    return [list(frame.columns), *frame.values.tolist()]


def workbook(fmt: str, sheets: dict[str, list[list]]) -> bytes:
    """Write sheets of rows (the first row of each its header) as a real workbook."""
    buffer = io.BytesIO()
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in sheets.items():
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
        book.save(buffer)
    elif fmt == "ods":
        with pd.ExcelWriter(buffer, engine="odf") as writer:
            for name, rows in sheets.items():
                pd.DataFrame(rows[1:], columns=rows[0]).to_excel(writer, sheet_name=name,
                                                                  index=False)
    else:
        import xlwt

        book = xlwt.Workbook()
        for name, rows in sheets.items():
            sheet = book.add_sheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    sheet.write(r, c, value)
        book.save(buffer)
    return buffer.getvalue()


def years(staff: pd.DataFrame, fmt: str = "xlsx") -> bytes:
    """Last year's 40 people first, a notes sheet, then this year's 60."""
    return workbook(fmt, {"2023": rows_of(staff.head(40)), "Notes": [["Read me first"]],
                          "2024": rows_of(staff.head(60))})


def _upload(client, content: bytes, name: str):
    data = {"csrf_token": csrf_token(client, UPLOAD), "extracts-submit": "Upload and check",
            "extracts-staff": (io.BytesIO(content), name)}
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _choose(client, preview_url: str, sheet: str, kind: str = "staff"):
    return client.post(preview_url + "/sheet", data={
        "csrf_token": csrf_token(client, preview_url), "kind": kind, f"sheet-{kind}": sheet})


def _options(soup, name: str) -> list[str]:
    return [o["value"] for o in soup.select(f"select[name='{name}'] option")]


def _held(app) -> list[HeldExtract]:
    with app.app_context():
        return db.session.scalars(db.select(HeldExtract)).all()


def _loaded(app) -> tuple | None:
    """The cycle's saved data as it stands (which row, loaded when), if any."""
    dataset = _dataset(app)
    return None if dataset is None else (dataset.id, dataset.loaded_at)


def _dataset(app) -> IndicatorDataset | None:
    with app.app_context():
        return db.session.scalar(
            db.select(IndicatorDataset).join(ReportingCycle)
            .where(ReportingCycle.label == "2024-25",
                   ReportingCycle.organisation.has(slug="northshire")))


def _drafts(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(db.select(IndicatorDraft.id)).all()


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_the_preview_lists_the_sheets_and_reads_another_with_every_check(
        app, client_as, staff, fmt):
    lead = client_as("edi_lead")
    before = _loaded(app)
    response = _upload(lead, years(staff, fmt), f"hr.{fmt}")
    assert response.status_code == 302 and "/preview/" in response.headers["Location"]
    first = response.headers["Location"]
    soup = page(lead.get(first))
    assert f"hr.{fmt} (40 rows)" in soup.get_text()
    assert _options(soup, "sheet-staff") == ["2023", "Notes", "2024"]
    assert soup.select_one("select[name='sheet-staff'] option[selected]")["value"] == "2023"
    assert "Read from sheet '2023'. The workbook has 3 sheets" in soup.get_text()
    [held] = _held(app)
    assert (held.kind, held.filename, held.sheet) == ("staff", f"hr.{fmt}", None)

    moved = _choose(lead, first, "2024")
    assert moved.status_code == 302 and "/preview/" in moved.headers["Location"]
    second = moved.headers["Location"]
    assert len(_drafts(app)) == 1  # the new preview replaced the first
    soup = page(lead.get(second))
    assert f"hr.{fmt} (60 rows)" in soup.get_text()
    assert f"Read sheet '2024' of the {fmt.upper()} workbook" in soup.get_text()
    assert soup.select_one("select[name='sheet-staff'] option[selected]")["value"] == "2024"
    assert _loaded(app) == before  # nothing is saved until the figures are
    saved = lead.post(second, data={"csrf_token": csrf_token(lead, second), "confirmed": "yes"})
    assert saved.status_code == 302
    staff_files = [f for f in _dataset(app).provenance["files"] if f["kind"] == "staff"]
    assert [(f["sheet"], f["rows"]) for f in staff_files] == [("2024", 60)]
    assert _held(app) == []  # the file is forgotten once its figures are saved


def test_the_sheet_chosen_is_remembered_for_the_organisations_next_workbook(
        app, client_as, runner, staff, tmp_path):
    lead = client_as("edi_lead")
    first = _upload(lead, years(staff), "hr.xlsx").headers["Location"]
    second = _choose(lead, first, "2024").headers["Location"]
    with app.app_context():
        row = db.session.scalars(db.select(ExtractMapping)).one()
        assert (row.kind, row.sheet, row.entries) == ("staff", "2024", {})
        event = db.session.scalars(db.select(AuditEvent).filter_by(
            entity_type="extract_mapping")).one()
        assert event.after["staff"] == {"columns": {}, "sheet": "2024"}
    # the mapping page shows it and its file carries it
    soup = page(lead.get(SAVED))
    assert "The sheet of a workbook to read first" in soup.get_text()
    downloaded = json.loads(lead.get(SAVED + ".json").get_data())
    assert downloaded["staff"] == {"columns": {}, "sheet": "2024"}
    # next year's workbook goes straight to the sheet of that name
    again = _upload(lead, years(staff), "hr-next.xlsx")
    soup = page(lead.get(again.headers["Location"]))
    assert "Read sheet '2024' of the XLSX workbook" in soup.get_text()
    assert "hr-next.xlsx (60 rows)" in soup.get_text()
    # a workbook without it is searched as before
    other = workbook("xlsx", {"Notes": [["Read me"]], "Staff": rows_of(staff.head(30))})
    soup = page(lead.get(_upload(lead, other, "new.xlsx").headers["Location"]))
    assert "Read sheet 'Staff' of the XLSX workbook" in soup.get_text()
    assert second
    # the downloaded file does the same on the command line
    mapping = tmp_path / "mapping.json"
    mapping.write_bytes(lead.get(SAVED + ".json").get_data())
    book = tmp_path / "hr.xlsx"
    book.write_bytes(years(staff))
    result = runner.invoke(args=["tracker", "indicators", "compute", "--staff", str(book),
                                 "--mapping", str(mapping), "--json"])
    assert result.exit_code == 0, result.output
    counted = json.loads(result.stdout)["declaration_rate"]
    plain = runner.invoke(args=["tracker", "indicators", "compute", "--staff", str(book),
                                "--sheet", "staff=2024", "--json"])
    assert json.loads(plain.stdout)["declaration_rate"] == counted


def test_a_sheet_without_a_header_or_not_in_the_workbook_is_refused_and_nothing_changes(
        app, client_as, staff):
    lead = client_as("edi_lead")
    first = _upload(lead, years(staff), "hr.xlsx").headers["Location"]
    drafts = _drafts(app)
    for sheet, message in [
        ("Notes", "Sheet 'Notes' of hr.xlsx has no header row naming the columns of a staff "
                  "extract (such as staff_id, ethnicity, service_area): choose the sheet that "
                  "holds one row a person"),
        ("../../etc/passwd", "hr.xlsx has no sheet called '../../etc/passwd': choose one of "
                             "'2023', 'Notes', '2024'"),
    ]:
        response = _choose(lead, first, sheet)
        assert response.status_code == 400
        soup = page(response)
        assert soup.title.get_text().startswith("Error: ")
        summary = soup.select_one(".govuk-error-summary")
        assert summary.select_one("a")["href"] == "#sheet-staff"
        assert summary.get_text(" ", strip=True).endswith(message)
        assert soup.select_one("#sheet-staff-error").get_text(" ", strip=True) == \
            f"Error: {message}"
        assert _drafts(app) == drafts  # the preview is as it was
        assert [h.sheet for h in _held(app)] == [None]
    with app.app_context():
        assert db.session.scalars(db.select(ExtractMapping)).all() == []
    assert "hr.xlsx (40 rows)" in page(lead.get(first)).get_text()


def test_a_sheet_with_problems_lists_them_by_sheet_row_and_column(app, client_as, staff):
    bad = staff.head(40).copy()
    bad.loc[5, "staff_id"] = bad.loc[4, "staff_id"]
    content = workbook("xlsx", {"Good": rows_of(staff.head(40)), "Bad": rows_of(bad)})
    lead = client_as("edi_lead")
    first = _upload(lead, content, "hr.xlsx").headers["Location"]
    drafts = _drafts(app)
    response = _choose(lead, first, "Bad")
    assert response.status_code == 400
    item = page(response).select_one(".app-problem-list li").get_text(" ", strip=True)
    assert item.startswith("hr.xlsx , sheet 'Bad', column staff_id :")
    assert f"Staff ID '{bad.loc[4, 'staff_id']}' appears more than once, in rows 6, 7" in item
    assert _drafts(app) == drafts
    with app.app_context():
        assert db.session.scalars(db.select(ExtractMapping)).all() == []


def test_a_sheet_whose_headers_need_matching_goes_to_the_mapping_page(app, client_as, staff):
    renamed = staff.head(50).rename(columns={"staff_id": "Emp Ref"})
    content = workbook("xlsx", {"Summary": rows_of(staff.head(40)), "HR": rows_of(renamed)})
    lead = client_as("edi_lead")
    first = _upload(lead, content, "hr.xlsx").headers["Location"]
    moved = _choose(lead, first, "HR")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(MAPPING)
    soup = page(lead.get(MAPPING))
    assert "Read sheet 'HR' of the XLSX workbook" in soup.get_text()
    choice = next(o["value"] for o in soup.select("select[name='column-staff-staff_id'] option")
                  if o.get_text().startswith("Emp Ref"))
    done = lead.post(MAPPING, data={"csrf_token": csrf_token(lead, MAPPING),
                                    "column-staff-staff_id": choice})
    assert done.status_code == 302 and "/preview/" in done.headers["Location"]
    soup = page(lead.get(done.headers["Location"]))
    assert "hr.xlsx (50 rows)" in soup.get_text()
    # still held (the workbook has another sheet); the sheet and the header are both kept
    assert soup.select_one("select[name='sheet-staff'] option[selected]")["value"] == "HR"
    with app.app_context():
        row = db.session.scalars(db.select(ExtractMapping).filter_by(kind="staff")).one()
        assert (row.sheet, row.entries) == ("HR", {"staff_id": "Emp Ref"})


def test_a_csv_or_a_one_sheet_workbook_is_not_kept(app, client_as, staff, extracts):
    lead = client_as("edi_lead")
    for content, name in [(extracts["staff"].read_bytes(), "staff.csv"),
                          (workbook("xlsx", {"Staff": rows_of(staff.head(30))}), "one.xlsx")]:
        preview = _upload(lead, content, name).headers["Location"]
        assert _held(app) == []
        assert page(lead.get(preview)).select("select[name='sheet-staff']") == []
        assert _choose(lead, preview, "Staff").status_code == 400


@pytest.mark.parametrize("role,status", [
    ("action_owner", 403), ("sponsor", 403), ("viewer", 403), ("advisor", 403),
    ("administrator", 404), ("other_org", 404), ("anonymous", 302)])
def test_only_the_uploader_may_read_another_sheet(app, client_as, staff, role, status):
    lead = client_as("edi_lead")
    preview = _upload(lead, years(staff), "hr.xlsx").headers["Location"]
    drafts = _drafts(app)
    client = client_as(role)
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/")
    response = client.post(preview + "/sheet", data={"csrf_token": token, "kind": "staff",
                                                     "sheet-staff": "2024"})
    assert response.status_code == status
    assert _drafts(app) == drafts


def test_another_edi_lead_cannot_read_the_uploaders_file(
        app, client_as, client_for, factories, staff, db_session):
    lead = client_as("edi_lead")
    preview = _upload(lead, years(staff), "hr.xlsx").headers["Location"]
    northshire = db_session.scalar(db.select(Organisation).filter_by(slug="northshire"))
    other = client_for(factories.member(role=Role.EDI_LEAD, organisation=northshire))
    db_session.commit()
    response = other.post(preview + "/sheet", data={"csrf_token": csrf_token(other, UPLOAD),
                                                    "kind": "staff", "sheet-staff": "2024"})
    assert response.status_code == 404
    assert [h.sheet for h in _held(app)] == [None]


# -- the command line ---------------------------------------------------------------------


def _compute(runner, *args):
    return runner.invoke(args=["tracker", "indicators", "compute", *args])


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_compute_reads_the_sheet_asked_for(runner, staff, tmp_path, fmt):
    book = tmp_path / f"hr.{fmt}"
    # 120 people and no leavers: the warning names the sheet it comes from
    everyone = staff.head(120).assign(left_in_period="no")
    book.write_bytes(workbook(fmt, {"2023": rows_of(staff.head(40)), "Notes": [["Read me"]],
                                    "2024": rows_of(everyone)}))
    detected = _compute(runner, "--staff", str(book), "--json")
    assert detected.exit_code == 0, detected.output
    chosen = _compute(runner, "--staff", str(book), "--sheet", "staff=2024", "--json")
    assert chosen.exit_code == 0, chosen.output
    scw3 = json.loads(chosen.stdout)["indicators"]["SCW3"]
    assert scw3["gm"]["denominator"] + scw3["white"]["denominator"] + \
        scw3["unknown"]["denominator"] == 120
    warnings = json.loads(chosen.stdout)["warnings"]
    assert {"file": f"hr.{fmt}", "sheet": "2024"}.items() <= next(
        w for w in warnings if "Nobody left" in w["message"]).items()
    assert json.loads(detected.stdout) != json.loads(chosen.stdout)
    bare = _compute(runner, "--staff", str(book), "--sheet", "2024", "--json")
    assert json.loads(bare.stdout) == json.loads(chosen.stdout)


def test_compute_names_the_file_and_sheet_of_each_problem(runner, staff, tmp_path, extracts):
    bad = staff.head(40).copy()
    bad.loc[5, "staff_id"] = bad.loc[4, "staff_id"]
    book = tmp_path / "hr.xlsx"
    book.write_bytes(workbook("xlsx", {"Good": rows_of(staff.head(40)), "Notes": [["Read me"]],
                                       "Bad": rows_of(bad)}))
    survey = str(extracts["survey"])
    cases = {
        ("--sheet", "staff=Bad"):
            f"hr.xlsx, sheet 'Bad': Staff ID '{bad.loc[4, 'staff_id']}' appears more than once, "
            "in rows 6, 7",
        ("--sheet", "staff=Nope"):
            "hr.xlsx: The workbook has no sheet called 'Nope'. Its sheets are 'Good', 'Notes', "
            "'Bad'",
        ("--sheet", "staff=Notes"):
            "hr.xlsx, sheet 'Notes': The file must have a column called 'staff_id'",
    }
    for args, message in cases.items():
        result = _compute(runner, "--staff", str(book), *args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr, result.stderr
    for args, message in [
        (("--survey", survey, "--sheet", "Bad"), "say which file's sheet it is, as KIND=SHEET"),
        (("--sheet", "recruitment=Bad"), "there is no --recruitment file to read it from"),
        (("--sheet", "staff=Bad", "--sheet", "staff=Good"), "the staff file's sheet is given "
                                                            "twice"),
    ]:
        result = _compute(runner, "--staff", str(book), *args)
        assert result.exit_code == 2 and message in result.output, result.output


def test_load_reads_the_sheet_asked_for_and_saves_it(app, runner, staff, tmp_path, demo):
    book = tmp_path / "hr.ods"
    book.write_bytes(years(staff, "ods"))
    result = runner.invoke(args=["tracker", "indicators", "load", "--org", "northshire",
                                 "--cycle", "2024-25", "--staff", str(book),
                                 "--sheet", "staff=2024", "--confirm-warnings"])
    assert result.exit_code == 0, result.output
    staff_files = [f for f in _dataset(app).provenance["files"] if f["kind"] == "staff"]
    assert [(f["sheet"], f["rows"]) for f in staff_files] == [("2024", 60)]
