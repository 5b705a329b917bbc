"""The action plan as a spreadsheet: written to CSV and XLSX, read back unchanged, problems named."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.domain.definitions import INDICATOR_IDS, SERVICE_AREAS
from tracker.domain.plan_sheet import (
    MAX_ACTIONS,
    PLAN_COLUMNS,
    STATUS_LABELS,
    TEXT_LIMITS,
    IndicatorRef,
    PlanRow,
    format_indicators,
    number_text,
    plan_csv_bytes,
    plan_frame,
    plan_xlsx_bytes,
    read_plan_sheet,
)
from tracker.domain.problems import ExtractValidationError, Problem

FORMATS = pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])

GOOD = {
    "action_id": "", "theme": "Leadership", "title": "Reverse mentoring", "description": "",
    "indicators": "", "owner_email": "edi.lead@council.gov.uk", "lead_role": "", "partners": "",
    "start_date": "", "due_date": "31/03/2026", "status": "On track", "success_measure": "",
    "measure_unit": "", "measure_baseline": "", "measure_target": "", "measure_current": "",
    "version": "",
}


def sheet(files, rows, *, xlsx=False, header=PLAN_COLUMNS) -> bytes:
    """Write rows (dicts of cells over GOOD's) under the plan header."""
    table = [[{**GOOD, **row}.get(column.strip().casefold(), "") for column in header]
             for row in rows]
    return files.xlsx(header, table) if xlsx else files.csv(header, table)


def read_one(files, xlsx=False, **cells) -> PlanRow:
    rows = read_plan_sheet(sheet(files, [cells], xlsx=xlsx), "plan.xlsx" if xlsx else "plan.csv")
    assert len(rows) == 1
    return rows[0]


def problems_of(data: bytes, filename: str = "plan.csv") -> list[Problem]:
    with pytest.raises(ExtractValidationError) as caught:
        read_plan_sheet(data, filename)
    return caught.value.problems


def only_problem(data: bytes, filename: str = "plan.csv") -> Problem:
    problems = problems_of(data, filename)
    assert len(problems) == 1, problems
    return problems[0]


def full_row(**changes) -> PlanRow:
    values = dict(
        action_id=12,
        theme="Workforce diversity and recruitment",
        title="Anonymous shortlisting, \"anti-bias\" panels; café – naïve résumé 🙂",
        description="Remove names at shortlisting.\nTrain panels, then review:\n- quarterly\n- yearly",
        indicators=(IndicatorRef("SCW2", "adults"), IndicatorRef("SCW3"),
                    IndicatorRef("SCW7b", "children")),
        owner_email="o'brien@council.gov.uk",
        lead_role="Head of HR",
        partners="Staff network, trade unions",
        start_date=date(2025, 4, 1),
        due_date=date(2026, 3, 31),
        status="at_risk",
        success_measure="RL of appointment within 0.80 to 1.25",
        measure_unit="relative likelihood",
        measure_baseline=Decimal("0.52"),
        measure_target=Decimal("1"),
        measure_current=Decimal("1200.5"),
    )
    return PlanRow(**{**values, **changes})


ROWS = [
    full_row(),
    PlanRow(theme="Leadership", title="=HYPERLINK(\"http://evil\")", owner_email="a@b.uk",
            due_date=date(2027, 1, 1), status="not_started"),
    PlanRow(action_id=3, theme="Anti-racism", title="'Quoted' - with a leading apostrophe",
            description="- bullet\n+ plus\n@ at", owner_email="-x@b.uk",
            start_date=date(1850, 6, 1), due_date=date(1899, 12, 31), status="cancelled",
            measure_baseline=Decimal("-0.25"), measure_target=Decimal("0"),
            measure_current=Decimal("1E+3")),
]


def xlsx_cells(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(cell for cell in row) for row in workbook.worksheets[0].iter_rows()]


# -- writing and reading back -------------------------------------------------------------------


@pytest.mark.parametrize("write", [plan_csv_bytes, plan_xlsx_bytes], ids=["csv", "xlsx"])
def test_a_plan_reads_back_as_it_was_written(write):
    data = write(ROWS)
    rows = read_plan_sheet(data, "plan")
    assert rows == ROWS
    assert [r.row for r in rows] == [2, 3, 4]
    # and once more: exporting what was imported changes nothing
    assert read_plan_sheet(write(rows), "plan") == ROWS


def test_the_csv_is_what_people_expect_to_see():
    text = plan_csv_bytes(ROWS).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ",".join(PLAN_COLUMNS)
    assert lines[1].startswith('12,Workforce diversity and recruitment,"Anonymous shortlisting, ')
    assert ",SCW2 adults; SCW3; SCW7b children,o'brien@council.gov.uk," in text
    assert ",2025-04-01,2026-03-31,At risk," in text
    assert text.rstrip().endswith(",1850-06-01,1899-12-31,Cancelled,,,-0.25,0,1000,")
    assert ",0.52,1,1200.5" in text  # no spurious .0, no exponents
    # text a spreadsheet would run as a formula sits behind an apostrophe
    assert ',"\'=HYPERLINK(""http://evil"")",' in text
    assert ",''Quoted' - with a leading apostrophe," in text
    assert ",'-x@b.uk," in text


def test_the_workbook_has_date_cells_number_cells_and_formulas_kept_as_text():
    header, first, second, third = xlsx_cells(plan_xlsx_bytes(ROWS))
    assert [c.value for c in header] == list(PLAN_COLUMNS)
    cells = dict(zip(PLAN_COLUMNS, first, strict=True))
    assert cells["action_id"].value == 12
    assert cells["start_date"].value == datetime(2025, 4, 1)
    assert cells["start_date"].is_date
    assert cells["start_date"].number_format == "DD/MM/YYYY"
    assert cells["measure_baseline"].value == 0.52
    assert cells["measure_target"].value == 1
    assert cells["status"].value == "At risk"
    title = second[PLAN_COLUMNS.index("title")]
    assert title.data_type == "s"
    assert title.value == '=HYPERLINK("http://evil")'
    assert title.quotePrefix  # Excel keeps it text when the cell is edited
    assert third[PLAN_COLUMNS.index("owner_email")].quotePrefix  # '-x@b.uk' too
    assert not first[PLAN_COLUMNS.index("title")].quotePrefix
    assert header[0].font.b
    # Excel cannot show a date before 1900, so it is written as text
    assert third[PLAN_COLUMNS.index("due_date")].value == "1899-12-31"


def test_the_frame_keeps_types_for_a_workbook():
    frame = plan_frame(ROWS[:2])
    assert list(frame.columns) == list(PLAN_COLUMNS)
    assert frame["action_id"].tolist()[0] == 12
    assert frame["action_id"].isna().tolist() == [False, True]
    assert frame["due_date"].tolist() == [date(2026, 3, 31), date(2027, 1, 1)]
    assert frame["measure_baseline"].tolist() == [Decimal("0.52"), None]
    assert frame["indicators"].tolist() == ["SCW2 adults; SCW3; SCW7b children", ""]
    assert frame["status"].tolist() == ["At risk", "Not started"]
    assert plan_frame([]).columns.tolist() == list(PLAN_COLUMNS)


def test_an_empty_plan_writes_just_the_header():
    assert plan_csv_bytes([]).decode("utf-8-sig").strip() == ",".join(PLAN_COLUMNS)
    assert [c.value for c in xlsx_cells(plan_xlsx_bytes([]))[0]] == list(PLAN_COLUMNS)


def test_rows_keep_text_as_a_spreadsheet_does():
    row = full_row(title="  A title ", description="a\r\nb\rc\x01\x0bWord's line break\u2028d",
                   status=_StrStatus("complete"), start_date=datetime(2025, 4, 1, 9, 30))
    assert row.title == "A title"
    assert row.description == "a\nb\nc\nWord's line break\nd"
    assert row.status == "complete" and type(row.status) is str
    assert row.start_date == date(2025, 4, 1) and type(row.start_date) is date
    assert read_plan_sheet(plan_xlsx_bytes([row]), "plan.xlsx") == [row]
    with pytest.raises(ValueError):
        full_row(status="done")


class _StrStatus(str):
    """Stands in for the app's ActionStatus (a StrEnum): str() gives the value."""


def test_the_row_number_does_not_count_in_equality():
    assert full_row() == PlanRow(**{**full_row().__dict__, "row": 7})


def test_indicator_refs():
    assert str(IndicatorRef("SCW3")) == "SCW3"
    assert str(IndicatorRef("SCW7a", "adults")) == "SCW7a adults"
    assert format_indicators([IndicatorRef("SCW1", "children"), IndicatorRef("SCW9")]) == (
        "SCW1 children; SCW9")
    with pytest.raises(ValueError):
        IndicatorRef("SCW7")
    with pytest.raises(ValueError):
        IndicatorRef("SCW2", "elderly")


@pytest.mark.parametrize("value, text", [
    (Decimal("1200.00"), "1200"), (Decimal("1E+3"), "1000"), (Decimal("0.5"), "0.5"),
    (Decimal("-0.250"), "-0.25"), (Decimal("-0.00"), "0"), (Decimal("0.0001"), "0.0001"),
])
def test_numbers_are_written_as_people_type_them(value, text):
    assert number_text(value) == text


def test_statuses_in_order():
    assert list(STATUS_LABELS) == ["not_started", "on_track", "at_risk", "off_track", "complete",
                                   "carried_over", "cancelled"]
    assert STATUS_LABELS["carried_over"] == "Carried over"


# -- what is accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize("cell, value", [
    *((label, value) for value, label in STATUS_LABELS.items()),
    *((value, value) for value in STATUS_LABELS),
    ("ON TRACK", "on_track"), ("  at risk ", "at_risk"), ("Carried-Over", "carried_over"),
    ("NOT_STARTED", "not_started"), ("complete", "complete"),
])
def test_status_spellings(files, cell, value):
    assert read_one(files, status=cell).status == value


@pytest.mark.parametrize("cell", [
    "2026-03-31", "2026-3-31", "31/03/2026", "31/3/2026", "31-03-2026", "31.03.2026",
    "31 March 2026", "31 march 2026", "31 MAR 2026", "31st March 2026", "31 Mar. 2026",
    "31 March, 2026", " 31/03/2026 ", "2026-03-31T00:00:00", "2026-03-31 00:00:00",
])
def test_date_spellings(files, cell):
    assert read_one(files, due_date=cell).due_date == date(2026, 3, 31)


def test_more_date_spellings(files):
    assert read_one(files, due_date="1 Sept 2026").due_date == date(2026, 9, 1)
    assert read_one(files, due_date="29 February 2028").due_date == date(2028, 2, 29)


@pytest.mark.parametrize("cell", [date(2026, 3, 31), datetime(2026, 3, 31),
                                  datetime(2026, 3, 31, 17, 45), "31/03/2026"])
def test_workbook_date_cells(files, cell):
    row = read_one(files, xlsx=True, start_date=cell, due_date=cell)
    assert row.start_date == row.due_date == date(2026, 3, 31)


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
@pytest.mark.parametrize("cell, value", [
    ("12.5", Decimal("12.5")), ("1,200", Decimal("1200")), ("1,234,567.25", Decimal("1234567.25")),
    ("-4", Decimal("-4")), ("0.0001", Decimal("0.0001")), (".5", Decimal("0.5")),
    ("+3", Decimal("3")), ("1.50", Decimal("1.5")), ("  7 ", Decimal("7")),
])
def test_number_spellings(files, xlsx, cell, value):
    row = read_one(files, xlsx=xlsx, measure_baseline=cell, measure_target=cell,
                   measure_current=cell)
    assert row.measure_baseline == row.measure_target == row.measure_current == value


@pytest.mark.parametrize("cell, value", [
    (1200, Decimal("1200")), (12.5, Decimal("12.5")), (0.1, Decimal("0.1")),
    (-0.0001, Decimal("-0.0001")), (9_999_999_999.9999, Decimal("9999999999.9999")),
])
def test_workbook_number_cells(files, cell, value):
    assert read_one(files, xlsx=True, measure_current=cell).measure_current == value


@pytest.mark.parametrize("xlsx, cell", [(False, "12"), (False, "007"), (True, 12), (True, 12.0),
                                        (True, "12")])
def test_action_ids(files, xlsx, cell):
    assert read_one(files, xlsx=xlsx, action_id=cell).action_id == int(cell)


@pytest.mark.parametrize("cell, refs", [
    ("SCW2 adults; SCW3; SCW7b children",
     (IndicatorRef("SCW2", "adults"), IndicatorRef("SCW3"), IndicatorRef("SCW7b", "children"))),
    ("scw2 ADULTS, scw7A", (IndicatorRef("SCW2", "adults"), IndicatorRef("SCW7a"))),
    ("SCW1 all;SCW9 ;", (IndicatorRef("SCW1"), IndicatorRef("SCW9"))),
    ("SCW3 adults; SCW3 children; SCW3", (IndicatorRef("SCW3", "adults"),
                                          IndicatorRef("SCW3", "children"), IndicatorRef("SCW3"))),
    ("  SCW4\tchildren  ", (IndicatorRef("SCW4", "children"),)),
    ("", ()),
])
def test_indicator_spellings(files, cell, refs):
    assert read_one(files, indicators=cell).indicators == refs


def test_headers_in_any_case_and_order_with_extra_columns(files):
    header = [f"  {c.upper()} " for c in reversed(PLAN_COLUMNS)] + ["Notes"]
    data = files.csv(header, [[{**GOOD, "notes": "ignored"}[c.strip().casefold()]
                               for c in header]])
    [row] = read_plan_sheet(data, "plan.csv")
    assert row.title == "Reverse mentoring"


def test_optional_cells_can_be_blank(files):
    row = read_one(files)
    assert row == PlanRow(theme="Leadership", title="Reverse mentoring",
                          owner_email="edi.lead@council.gov.uk", due_date=date(2026, 3, 31),
                          status="on_track")
    assert row.action_id is None and row.indicators == () and row.measure_target is None


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(files):
    data = sheet(files, [{"title": "First"}, dict.fromkeys(GOOD, ""), {"title": "Second"},
                         dict.fromkeys(GOOD, "  ")])
    rows = read_plan_sheet(data, "plan.csv")
    assert [(r.title, r.row) for r in rows] == [("First", 2), ("Second", 4)]


def test_an_apostrophe_is_kept_in_a_workbook_and_in_a_plain_csv_cell(files):
    assert read_one(files, xlsx=True, title="'=x").title == "'=x"
    assert read_one(files, title="'Tis the season").title == "'Tis the season"
    assert read_one(files, title="'=x").title == "=x"


def test_due_date_on_the_start_date(files):
    row = read_one(files, start_date="31/03/2026", due_date="2026-03-31")
    assert row.start_date == row.due_date


def test_text_at_its_limit(files):
    for column, limit in TEXT_LIMITS.items():
        if limit is not None:
            assert getattr(read_one(files, **{column: "x" * limit}), column) == "x" * limit


@FORMATS
def test_drafts_may_leave_the_owner_and_due_date_blank(xlsx):
    draft = PlanRow(action_id=5, theme="Leadership", title="Draft from a team discussion",
                    owner_email=None, due_date=None, status="not_started")
    assert draft.owner_email == ""
    data = plan_xlsx_bytes([draft]) if xlsx else plan_csv_bytes([draft])
    assert read_plan_sheet(data, "plan", drafts=True) == [draft]
    assert [(p.column, p.message) for p in problems_of(data, "plan")] == [
        ("owner_email", "Enter the owner's email address in row 2"),
        ("due_date", "Enter a due date in row 2"),
    ]


def test_drafts_still_need_a_theme_title_and_status(files):
    data = sheet(files, [{"theme": "", "title": "", "status": "", "owner_email": "", "partners": "x",
                          "due_date": ""}])
    problems = problems_of(data)
    assert [p.column for p in problems] == ["theme", "title", "owner_email", "due_date", "status"]
    with pytest.raises(ExtractValidationError) as caught:
        read_plan_sheet(data, "plan.csv", drafts=True)
    assert [p.column for p in caught.value.problems] == ["theme", "title", "status"]


# -- problems, each placed by row and column ----------------------------------------------------

LONG = {column: "x" * (limit + 1) for column, limit in TEXT_LIMITS.items() if limit}


@pytest.mark.parametrize("column, cell, message", [
    ("action_id", "abc", "Action ID in row 2 must be a whole number above 0, like 12, or blank "
                         "for a new action, not 'abc'"),
    ("action_id", "0", "Action ID in row 2 must be a whole number above 0"),
    ("action_id", "-3", "Action ID in row 2 must be a whole number above 0"),
    ("action_id", "12.5", "Action ID in row 2 must be a whole number above 0"),
    ("action_id", "99999999999", "Action ID in row 2 is too large"),
    ("theme", "", "Enter a theme in row 2"),
    ("theme", "   ", "Enter a theme in row 2"),
    ("title", "", "Enter a title in row 2"),
    ("title", LONG["title"], "Title in row 2 must be 200 characters or fewer (it has 201)"),
    ("description", LONG["description"], "Description in row 2 must be 4,000 characters or fewer"),
    ("lead_role", LONG["lead_role"], "Lead role in row 2 must be 200 characters or fewer"),
    ("partners", LONG["partners"], "Partners in row 2 must be 200 characters or fewer"),
    ("success_measure", LONG["success_measure"],
     "Success measure in row 2 must be 2,000 characters or fewer"),
    ("measure_unit", LONG["measure_unit"], "Measure unit in row 2 must be 200 characters or fewer"),
    ("indicators", "SCW10", "Indicator 'SCW10' in row 2 is not one of SCW1 to SCW9"),
    ("indicators", "SCW7", "Indicator 'SCW7' in row 2 is not one of SCW1 to SCW9 (SCW7 is SCW7a "
                           "or SCW7b)"),
    ("indicators", "SCW2 elderly", "Service area 'elderly' for SCW2 in row 2 must be all, adults "
                                   "or children"),
    ("indicators", "SCW2 adults only", "Indicators in row 2 must each be an indicator and, if "
                                       "needed, a service area, like 'SCW2 adults; SCW3', not "
                                       "'SCW2 adults only'"),
    ("indicators", "SCW2 adults; scw2 Adults", "Indicators in row 2 list SCW2 adults more than once"),
    ("indicators", "SCW3; SCW3 all", "Indicators in row 2 list SCW3 more than once"),
    ("owner_email", "", "Enter the owner's email address in row 2"),
    ("owner_email", "J Smith", "Owner email in row 2 must be an email address in the correct "
                               "format, like name@example.com, not 'J Smith'"),
    ("owner_email", "j@localhost", "Owner email in row 2 must be an email address"),
    ("owner_email", "a@b@c.uk", "Owner email in row 2 must be an email address"),
    ("start_date", "31/02/2026", "Start date in row 2 must be a real date, like 31/03/2026, "
                                 "not '31/02/2026'"),
    ("due_date", "", "Enter a due date in row 2"),
    ("due_date", "next March", "Due date in row 2 must be a real date, like 31/03/2026"),
    ("due_date", "31/03/26", "Due date in row 2 must be a real date"),
    ("due_date", "2026-13-01", "Due date in row 2 must be a real date"),
    ("due_date", "03/31/2026", "Due date in row 2 must be a real date"),
    ("due_date", "31 Marchember 2026", "Due date in row 2 must be a real date"),
    ("due_date", "0000-01-01", "Due date in row 2 must be a real date"),
    ("status", "", "Enter a status in row 2"),
    ("status", "Done", "Status 'Done' in row 2 is not one of: Not started, On track, At risk, "
                       "Off track, Complete, Carried over, Cancelled"),
    ("measure_baseline", "about 10", "Measure baseline in row 2 must be a number, like 12.5 or "
                                     "1,200, not 'about 10'"),
    ("measure_target", "1,20", "Measure target in row 2 must be a number"),
    ("measure_target", "1_000", "Measure target in row 2 must be a number"),
    ("measure_target", "NaN", "Measure target in row 2 must be a number"),
    ("measure_target", "Infinity", "Measure target in row 2 must be a number"),
    ("measure_target", "12%", "Measure target in row 2 must be a number"),
    ("measure_current", "10000000000", "Measure current in row 2 must be between "
                                       "-10,000,000,000 and 10,000,000,000"),
    ("measure_current", "-1e12", "Measure current in row 2 must be between"),
    ("measure_current", "0.12345", "Measure current in row 2 must have 4 decimal places or fewer, "
                                   "not '0.12345'"),
])
def test_each_problem_names_its_row_and_column(files, column, cell, message):
    problem = only_problem(sheet(files, [{column: cell}]))
    assert problem.message.startswith(message)
    assert (problem.file, problem.row, problem.column) == ("plan.csv", 2, column)
    assert problem.rows == (2,)
    assert problem.value == (cell.strip() or None)


def test_due_date_before_the_start_date(files):
    problem = only_problem(sheet(files, [{}, {"start_date": "1 April 2026",
                                              "due_date": "31/03/2026"}]))
    assert (problem.row, problem.column) == (3, "due_date")
    assert problem.message == "Due date in row 3 must be on or after the start date"


def test_a_repeated_action_id_names_every_row(files):
    data = sheet(files, [{"action_id": "12"}, {"action_id": "4"}, {"action_id": "12"},
                         {"action_id": "12", "title": ""}, {}])
    problems = problems_of(data)
    assert [(p.row, p.column) for p in problems] == [(2, "action_id"), (5, "title")]
    assert problems[0].message == "Action ID 12 appears more than once, in rows 2, 4, 5"
    assert problems[0].rows == (2, 4, 5)
    assert problems[0].value == "12"


@FORMATS
def test_every_problem_in_a_file_is_reported_in_row_and_column_order(files, xlsx):
    data = sheet(files, [
        {"title": "", "status": "Done", "due_date": "soon"},
        {},
        {"owner_email": "nobody", "indicators": "SCW0; SCW2 everyone", "measure_target": "x"},
        {"action_id": "-1", "theme": ""},
    ], xlsx=xlsx)
    problems = problems_of(data, "plan.xlsx" if xlsx else "plan.csv")
    assert [(p.row, p.column) for p in problems] == [
        (2, "title"), (2, "due_date"), (2, "status"),
        (4, "indicators"), (4, "indicators"), (4, "owner_email"), (4, "measure_target"),
        (5, "action_id"), (5, "theme"),
    ]
    assert all(f"row {p.row}" in p.message for p in problems)


def test_a_missing_column_is_named(files):
    header = [c for c in PLAN_COLUMNS if c not in ("status", "partners")]
    problems = problems_of(sheet(files, [{}], header=header))
    assert [(p.row, p.column, p.message) for p in problems] == [
        (1, "partners", "The file must have a column called 'partners'"),
        (1, "status", "The file must have a column called 'status'"),
    ]


@FORMATS
def test_a_file_without_actions(files, xlsx):
    filename = "plan.xlsx" if xlsx else "plan.csv"
    for data in (sheet(files, [], xlsx=xlsx), sheet(files, [dict.fromkeys(GOOD, "")], xlsx=xlsx)):
        problem = only_problem(data, filename)
        assert (problem.row, problem.message) == (None, "The file has no actions in it")
    assert only_problem(b"", filename).message == "The file has no actions in it"


@pytest.mark.parametrize("data", [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old workbook", b"PK\x03\x04not really a zip",
    b"\x00\x01\x02",
])
def test_a_file_that_is_not_a_csv_or_workbook(data):
    problem = only_problem(data, "plan.docx")
    assert problem.file == "plan.docx"
    assert problem.message.startswith("The file must be a CSV file or a spreadsheet workbook")


def test_too_many_actions(files):
    problem = only_problem(sheet(files, [{}] * (MAX_ACTIONS + 1)))
    assert problem.message == (f"The file has {MAX_ACTIONS + 1:,} actions in it. A plan sheet can "
                               f"have at most {MAX_ACTIONS:,}")


# -- properties ---------------------------------------------------------------------------------

# Text as a spreadsheet keeps it: no control characters (a line break aside), trimmed.
_CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Cn", "Zl", "Zp"))


def _text(min_size: int = 0, max_size: int = 60, *, lines: bool = False) -> st.SearchStrategy[str]:
    alphabet = st.one_of(_CHARACTERS, st.sampled_from(",;\"'=+-@\n" if lines else ",;\"'=+-@"))
    return st.text(alphabet, max_size=max_size).map(str.strip).filter(
        lambda text: len(text) >= min_size)


_MEASURES = st.one_of(st.none(), st.decimals(min_value=-10**9, max_value=10**9, places=2))
_REFS = st.lists(
    st.builds(IndicatorRef, st.sampled_from(INDICATOR_IDS), st.sampled_from(SERVICE_AREAS)),
    unique=True, max_size=4,
).map(tuple)


@st.composite
def plan_rows(draw) -> PlanRow:
    due = draw(st.dates())
    return PlanRow(
        action_id=draw(st.one_of(st.none(), st.integers(1, 2**31 - 1))),
        theme=draw(_text(1)),
        title=draw(_text(1, TEXT_LIMITS["title"])),
        description=draw(_text(max_size=300, lines=True)),
        indicators=draw(_REFS),
        owner_email=draw(st.from_regex(r"[a-z0-9.'=+@-]{0,12}[a-z0-9]@[a-z0-9-]{1,12}\.[a-z]{2,6}",
                                       fullmatch=True).filter(lambda e: e.count("@") == 1)),
        lead_role=draw(_text()),
        partners=draw(_text()),
        start_date=draw(st.one_of(st.none(), st.dates(max_value=due))),
        due_date=due,
        status=draw(st.sampled_from(list(STATUS_LABELS))),
        success_measure=draw(_text(max_size=200, lines=True)),
        measure_unit=draw(_text(max_size=20)),
        measure_baseline=draw(_MEASURES),
        measure_target=draw(_MEASURES),
        measure_current=draw(_MEASURES),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(plan_rows(), min_size=1, max_size=5, unique_by=lambda r: r.action_id or id(r)))
def test_generated_plans_read_back_as_written(rows):
    assert read_plan_sheet(plan_csv_bytes(rows), "plan.csv") == rows
    assert read_plan_sheet(plan_xlsx_bytes(rows), "plan.xlsx") == rows


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=2_000),
    st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0"]).flatmap(
        lambda prefix: st.binary(max_size=1_000).map(lambda body: prefix + body)),
))
def test_arbitrary_bytes_end_in_a_validation_error(data):
    with pytest.raises(ExtractValidationError) as caught:
        read_plan_sheet(data, "upload")
    assert caught.value.problems


HEADER = ",".join(PLAN_COLUMNS).encode() + b"\r\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(
    st.binary(max_size=500),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([
        "12", "0", "Leadership", "a@b.uk", "31/03/2026", "2026-13-01", "On track", "Done",
        "SCW2 adults", "SCW7", "1,200", "0.123456", "", ",", ",,,,,", "\n", "\r\n", '"', "'",
        "=", "é",
    ]), max_size=80).map(lambda parts: "".join(parts).encode()),
))
def test_arbitrary_rows_under_a_valid_header_are_read_or_refused_cleanly(body):
    try:
        rows = read_plan_sheet(HEADER + body, "upload.csv")
    except ExtractValidationError as error:
        assert error.problems
        assert all(isinstance(p, Problem) and p.message for p in error.problems)
    else:
        assert rows and all(isinstance(r, PlanRow) for r in rows)
        assert read_plan_sheet(plan_csv_bytes(rows), "again.csv") == rows


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d",
                                   "\uff20", "\ufe66", "\ufe62", "\ufe63", "\u2212"])
def test_every_formula_start_is_kept_as_text_and_reads_back(start):
    from tracker.domain.plan_sheet import formula_safe

    text = f"{start}HYPERLINK(\"http://evil\")"
    assert formula_safe(text) == "'" + text
    if start in "\t\r":
        return  # a title holds neither (one line of text); other cells are guarded the same
    row = dataclasses.replace(ROWS[0], title=text)
    for write in (plan_csv_bytes, plan_xlsx_bytes):
        [back] = read_plan_sheet(write([row]), "plan")
        assert back.title == text


def test_the_version_goes_out_and_comes_back_but_is_not_what_the_row_says(files):
    row = PlanRow(action_id=7, version=3, theme="Leadership", title="Coaching",
                  owner_email="a@b.uk", due_date=date(2026, 3, 31), status="on_track")
    [back] = read_plan_sheet(plan_csv_bytes([row]), "plan.csv")
    assert back.version == 3 and back == row
    assert back == PlanRow(action_id=7, version=4, theme="Leadership", title="Coaching",
                           owner_email="a@b.uk", due_date=date(2026, 3, 31), status="on_track")


@pytest.mark.parametrize("text", ["0", "three", "2.5", "-1"])
def test_a_version_that_is_not_one_is_named(files, text):
    with pytest.raises(ExtractValidationError) as error:
        read_plan_sheet(sheet(files, [{"action_id": "7", "version": text}]), "plan.csv")
    assert [p.column for p in error.value.problems] == ["version"]
    assert "Version in row 2 must be the whole number the export gave" in \
        error.value.problems[0].message
