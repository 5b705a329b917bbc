"""Reading and checking the staff, recruitment and survey extracts (CSV and XLSX)."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.domain.counts import counts_from_extracts
from tracker.domain.extracts import (
    PROBLEMS_LISTED,
    SCHEMAS,
    ExtractValidationError,
    read_extract,
    read_extracts,
    read_recruitment,
    read_staff,
    read_survey,
)
from tracker.domain.problems import ROWS_KEPT, Problem, describe_rows, format_problems

YES = ["yes", "YES", "Yes", "y", "Y", "true", "TRUE", "True", "1", " yes "]
NO = ["no", "NO", "No", "n", "N", "false", "FALSE", "False", "0", "", " n "]


def problems_of(call, *args, **kwargs) -> list[Problem]:
    with pytest.raises(ExtractValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.problems


def only_problem(call, *args, **kwargs) -> Problem:
    problems = problems_of(call, *args, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# -- what is accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_a_staff_extract_is_coded_for_counting(files, xlsx):
    data = files.staff([
        {"ethnicity": "White: Irish", "service_area": "adults", "pay_band": "<30k",
         "funded_cpd": "yes"},
        {"ethnicity": "Indian", "service_area": "Children", "pay_band": "70k+",
         "senior_manager": "Y", "left_in_period": "1"},
        {"ethnicity": "", "service_area": "ADULTS", "pay_band": "30-69k"},
    ], xlsx=xlsx)
    extract = read_staff(data, "staff.xlsx" if xlsx else "staff.csv")
    frame = extract.frame
    assert extract.kind == "staff"
    assert list(frame.index) == [2, 3, 4]
    assert list(frame["ethnic_group"]) == ["white", "gm", "unknown"]
    assert list(frame["service_area"]) == ["adults", "children", "adults"]
    assert list(frame["pay_band"]) == ["<30k", "70k+", "30-69k"]
    assert list(frame["funded_cpd"]) == [True, False, False]
    assert list(frame["senior_manager"]) == [False, True, False]
    assert list(frame["left_in_period"]) == [False, True, False]
    assert "staff_id" not in frame  # checked, then not kept


@pytest.mark.parametrize("cell", YES)
def test_yes_spellings(files, cell):
    extract = read_recruitment(files.recruitment([{"appointed": cell}]), "r.csv")
    assert extract.frame["appointed"].tolist() == [True]


@pytest.mark.parametrize("cell", NO)
def test_no_spellings_and_blank_mean_no(files, cell):
    extract = read_recruitment(files.recruitment([{"appointed": cell}]), "r.csv")
    assert extract.frame["appointed"].tolist() == [False]


def test_xlsx_numbers_and_booleans_are_yes_no(files):
    data = files.xlsx(["ethnicity", "service_area", "appointed"], [
        ["A", "adults", 1], ["A", "adults", 0], ["A", "adults", True], ["A", "adults", False],
        ["A", "adults", 1.0], ["A", "adults", None],
    ])
    extract = read_recruitment(data, "r.xlsx")
    assert extract.frame["appointed"].tolist() == [True, False, True, False, True, False]


def test_a_blank_survey_answer_is_not_answered(files):
    extract = read_survey(files.survey([
        {"hba_public": "yes", "hba_colleagues": "", "hba_managers": "No"},
    ]), "s.csv")
    frame = extract.frame
    assert frame["hba_public"].tolist() == [True]
    assert frame["hba_colleagues"].isna().tolist() == [True]
    assert frame["hba_managers"].tolist() == [False]


@pytest.mark.parametrize("area", ["adults", "Adults", "ADULTS", " adults ", "children",
                                  "CHILDREN", "Children"])
def test_service_area_in_any_case(files, area):
    extract = read_recruitment(files.recruitment([{"service_area": area}]), "r.csv")
    assert extract.frame["service_area"].tolist() == [area.strip().lower()]


def test_headers_match_in_any_case_and_order_and_extra_columns_are_ignored(files):
    data = files.csv(
        ["Notes", " APPOINTED ", "Service_Area", "Ethnicity ", "Name"],
        [["first", "yes", "adults", "D", "Ann"], ["second", "no", "children", "A", "Bob"]],
    )
    frame = read_recruitment(data, "r.csv").frame
    assert frame["appointed"].tolist() == [True, False]
    assert frame["ethnic_group"].tolist() == ["gm", "white"]


def test_utf8_with_byte_order_mark_is_read(files):
    data = "\ufeff".encode() + files.recruitment([{"ethnicity": "Roma"}])
    assert read_recruitment(data, "r.csv").frame["ethnic_group"].tolist() == ["white"]


def test_windows_1252_text_that_excel_writes_is_read(files):
    data = files.csv(SCHEMAS["staff"].columns, [
        ["José", "White: Irish", "adults", "£30k–£69k", "no", "no", "no", "no", "no", "no"],
    ], encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    extract = read_staff(data, "staff.csv")
    assert extract.frame["pay_band"].tolist() == ["£30k–£69k"]


def test_rows_numbered_as_the_spreadsheet_shows_them_across_blank_rows(files):
    data = files.csv(["ethnicity", "service_area", "appointed"], [
        ["A", "adults", "yes"], ["", "", ""], ["Martian", "adults", "yes"],
    ])
    problem = only_problem(read_recruitment, data, "r.csv")
    assert problem.row == 4
    assert problem.message == "Unknown ethnicity label 'Martian' in row 4"


def test_blank_rows_are_left_out(files):
    data = files.csv(["ethnicity", "service_area", "appointed"], [
        ["A", "adults", "yes"], ["", "", ""], ["D", "children", "no"], ["", "", ""],
    ])
    assert list(read_recruitment(data, "r.csv").frame.index) == [2, 4]


def test_cells_that_all_look_like_numbers_keep_the_text_people_typed(files):
    data = files.staff([
        {"pay_band": "01", "funded_cpd": "1"},
        {"pay_band": "1", "funded_cpd": "0"},
        {"pay_band": "1.0", "funded_cpd": "1"},
    ])
    frame = read_staff(data, "staff.csv").frame
    assert frame["pay_band"].tolist() == ["01", "1", "1.0"]  # three different bands
    assert frame["funded_cpd"].tolist() == [True, False, True]


def test_a_numeric_label_is_quoted_as_typed(files):
    rows = [{"ethnicity": "01"}, {"ethnicity": "2"}]
    problems = problems_of(read_recruitment, files.recruitment(rows), "r.csv")
    assert [p.value for p in problems] == ["01", "2"]


@pytest.mark.parametrize("cells, expected", [
    (["TRUE", "FALSE", "TRUE"], [True, False, True]),
    (["1", "0", "0"], [True, False, False]),
    (["true", "False", "TRUE"], [True, False, True]),
])
def test_a_yes_no_column_all_of_booleans_or_numbers(files, cells, expected):
    rows = [{"appointed": cell} for cell in cells]
    frame = read_recruitment(files.recruitment(rows), "r.csv").frame
    assert frame["appointed"].tolist() == expected


def test_a_yes_no_column_of_only_numbers_with_a_typo(files):
    rows = [{"appointed": "1"}, {"appointed": "0"}, {"appointed": "0.5"}]
    problem = only_problem(read_recruitment, files.recruitment(rows), "r.csv")
    assert (problem.row, problem.value) == (4, "0.5")


def test_cells_beyond_the_header_are_ignored_like_unlabelled_columns(files):
    data = b"ethnicity,service_area,appointed\nA,adults,yes,extra,cells\nD,children\n"
    frame = read_recruitment(data, "r.csv").frame
    assert frame["appointed"].tolist() == [True, False]


def test_quoted_cells_with_commas_and_line_breaks(files):
    data = (b'ethnicity,service_area,appointed\n'
            b'"Asian, Asian British or Asian Welsh: Indian",adults,yes\n'
            b'"Other ethnic group:\nArab",adults,no\n'
            b'Martian,adults,no\n')
    problem = only_problem(read_recruitment, data, "r.csv")
    assert problem.row == 4  # the two-line cell is one spreadsheet row


# -- every problem, with its row and column ---------------------------------------------------


def test_unknown_ethnicity_label_names_the_label_and_all_its_rows(files):
    rows = [{"ethnicity": "A"}] * 9
    for i in (1, 5, 7):
        rows[i] = {"ethnicity": "Martian"}
    problem = only_problem(read_staff, files.staff(rows), "staff.csv")
    assert problem == Problem(
        file="staff.csv", row=3, column="ethnicity",
        message="Unknown ethnicity label 'Martian' in rows 3, 7, 9",
        rows=(3, 7, 9), row_count=3, value="Martian",
    )


def test_spellings_of_one_unknown_label_are_one_problem(files):
    rows = [{"ethnicity": "Martian"}, {"ethnicity": "MARTIAN "}, {"ethnicity": "Venusian"}]
    problems = problems_of(read_recruitment, files.recruitment(rows), "r.csv")
    assert [p.message for p in problems] == [
        "Unknown ethnicity label 'Martian' in rows 2, 3",
        "Unknown ethnicity label 'Venusian' in row 4",
    ]


def test_consecutive_rows_are_shown_as_a_range(files):
    rows = [{"ethnicity": "Martian"}] * 5 + [{"ethnicity": "A"}, {"ethnicity": "Martian"}]
    problem = only_problem(read_recruitment, files.recruitment(rows), "r.csv")
    assert problem.message == "Unknown ethnicity label 'Martian' in rows 2 to 6, 8"


def test_a_huge_number_of_rows_is_truncated_but_counted(files):
    rows = [{"ethnicity": "Martian"}, {"ethnicity": "A"}] * 1_000
    problem = only_problem(read_recruitment, files.recruitment(rows), "r.csv")
    assert problem.row_count == 1_000
    assert len(problem.rows) == ROWS_KEPT
    assert problem.rows[:3] == (2, 4, 6)
    assert problem.message == (
        "Unknown ethnicity label 'Martian' in rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 "
        "and 990 more"
    )


def test_many_different_unknown_labels_are_listed_then_counted(files):
    rows = [{"ethnicity": f"Label {i}"} for i in range(PROBLEMS_LISTED + 7)]
    problems = problems_of(read_recruitment, files.recruitment(rows), "r.csv")
    assert len(problems) == PROBLEMS_LISTED + 1
    summary = problems[-1]
    assert summary.message.startswith("There are 7 more unknown ethnicity labels")
    assert summary.row_count == 7
    assert summary.rows == tuple(range(PROBLEMS_LISTED + 2, PROBLEMS_LISTED + 9))


@pytest.mark.parametrize("kind, missing", [
    ("staff", "left_in_period"),
    ("staff", "staff_id"),
    ("recruitment", "appointed"),
    ("survey", "hba_managers"),
])
def test_a_missing_column_is_named(files, kind, missing):
    header = [c for c in SCHEMAS[kind].columns if c != missing]
    data = files.extract(kind, [{}], header=header)
    problem = only_problem(read_extract, kind, data, f"{kind}.csv")
    assert (problem.file, problem.row, problem.column) == (f"{kind}.csv", 1, missing)
    assert problem.message == f"The file must have a column called '{missing}'"


def test_a_column_given_twice_is_a_problem(files):
    data = files.csv(["ethnicity", "service_area", "appointed", "Appointed "],
                     [["A", "adults", "yes", "no"]])
    problem = only_problem(read_recruitment, data, "r.csv")
    assert problem.column == "appointed"
    assert problem.message == "The file has 2 columns called 'appointed' (in row 1). Keep one of them"


def test_other_columns_are_still_checked_when_one_is_missing(files):
    data = files.csv(["ethnicity", "service_area"], [["Martian", "adults"]])
    problems = problems_of(read_recruitment, data, "r.csv")
    assert [(p.row, p.column) for p in problems] == [(1, "appointed"), (2, "ethnicity")]


def test_a_duplicated_staff_id_names_the_id_and_its_rows(files):
    rows = [{"staff_id": "S1"}, {"staff_id": "S2"}, {"staff_id": " S1"}, {"staff_id": "S3"},
            {"staff_id": "S2"}]
    problems = problems_of(read_staff, files.staff(rows), "staff.csv")
    assert [(p.row, p.column, p.value, p.rows) for p in problems] == [
        (2, "staff_id", "S1", (2, 4)),
        (3, "staff_id", "S2", (3, 6)),
    ]
    assert problems[0].message == (
        "Staff ID 'S1' appears more than once, in rows 2, 4. Give each person one row"
    )


def test_a_blank_staff_id_is_a_problem(files):
    rows = [{"staff_id": "S1"}, {"staff_id": ""}, {"staff_id": "  "}]
    problem = only_problem(read_staff, files.staff(rows), "staff.csv")
    assert (problem.column, problem.rows) == ("staff_id", (3, 4))
    assert problem.message == "Enter a staff ID in rows 3, 4"


@pytest.mark.parametrize("column", SCHEMAS["staff"].yes_no)
def test_a_cell_that_is_not_yes_or_no_is_named_with_row_and_column(files, column):
    rows = [{}, {column: "maybe"}]
    problem = only_problem(read_staff, files.staff(rows), "staff.csv")
    assert (problem.row, problem.column, problem.value) == (3, column, "maybe")
    assert problem.message == f"Enter yes or no in column {column}, not 'maybe', in row 3"


@pytest.mark.parametrize("column", SCHEMAS["survey"].answers)
def test_a_survey_answer_that_is_not_yes_or_no(files, column):
    problem = only_problem(read_survey, files.survey([{column: "sometimes"}]), "s.csv")
    assert (problem.row, problem.column) == (2, column)


@pytest.mark.parametrize("area, message", [
    ("health", "Service area must be adults or children, not 'health', in row 2"),
    ("Public Health", "Service area must be adults or children, not 'Public Health', in row 2"),
    ("", "Enter a service area (adults or children) in row 2"),
])
def test_a_service_area_that_is_not_adults_or_children(files, area, message):
    problem = only_problem(read_recruitment, files.recruitment([{"service_area": area}]), "r.csv")
    assert (problem.row, problem.column, problem.message) == (2, "service_area", message)


def test_staff_in_post_need_a_pay_band_but_leavers_do_not(files):
    rows = [{"pay_band": ""}, {"pay_band": "", "left_in_period": "yes"}]
    problem = only_problem(read_staff, files.staff(rows), "staff.csv")
    assert (problem.row, problem.column) == (2, "pay_band")
    assert problem.message == "Enter a pay band for staff in post in row 2"


def test_every_problem_in_a_file_is_reported_in_row_order(files):
    rows = [
        {"ethnicity": "Martian", "service_area": "health"},
        {"staff_id": "S1", "funded_cpd": "perhaps"},
    ]
    problems = problems_of(read_staff, files.staff(rows), "staff.csv")
    assert [(p.row, p.column) for p in problems] == [
        (2, "staff_id"), (2, "ethnicity"), (2, "service_area"), (3, "funded_cpd"),
    ]


def test_problems_of_every_file_are_raised_together(files):
    with pytest.raises(ExtractValidationError) as caught:
        read_extracts(
            staff=(files.staff([{"ethnicity": "Martian"}]), "staff.csv"),
            recruitment=(b"", "recruitment.csv"),
            survey=(files.survey([{"hba_public": "often"}]), "survey.xlsx"),
        )
    assert [p.file for p in caught.value.problems] == [
        "staff.csv", "recruitment.csv", "survey.xlsx",
    ]
    assert format_problems(caught.value.problems).splitlines() == [
        "staff.csv: Unknown ethnicity label 'Martian' in row 2",
        "recruitment.csv: The file is empty",
        "survey.xlsx: Enter yes or no in column hba_public, not 'often', in row 2",
    ]


def test_an_extra_mapping_extends_the_labels(files):
    data = files.recruitment([{"ethnicity": "White British"}, {"ethnicity": "Martian"}])
    extracts = read_extracts(recruitment=(data, "r.csv"),
                             extra_mapping={"White British": "white", "Martian": "unknown"})
    assert extracts["recruitment"].frame["ethnic_group"].tolist() == ["white", "unknown"]


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    (b"ethnicity,service_area,appointed\r\n", "The file has no rows under the header row"),
    (b"ethnicity,service_area,appointed\n,,\n , ,\n",
     "The file has no rows of data under the header row"),
    (b"\n\n\n", "The file is empty"),
])
def test_an_empty_file(data, message):
    assert only_problem(read_recruitment, data, "r.csv").message == message


def test_an_empty_workbook(files):
    problem = only_problem(read_recruitment, files.xlsx(["ethnicity", "service_area",
                                                         "appointed"], []), "r.xlsx")
    assert problem.message == "The file has no rows under the header row"


def _zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="png"),
    pytest.param(b"%PDF-1.7\n\x00\xff\xfe binary", id="pdf"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), id="old-xls"),
    pytest.param(b"PK\x03\x04garbage that is not a zip", id="broken-zip"),
    pytest.param(_zip_of("hello.txt", b"not a workbook"), id="zip-not-xlsx"),
])
def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_its_content(data):
    problem = only_problem(read_recruitment, data, "r.csv")
    assert problem.message.startswith("The file must be a CSV file or a spreadsheet workbook")
    assert problem.row is None


def test_xlsx_content_is_read_whatever_the_file_is_called(files):
    data = files.recruitment([{"appointed": "yes"}], xlsx=True)
    assert read_recruitment(data, "recruitment.csv").frame["appointed"].tolist() == [True]


def test_text_that_is_neither_utf8_nor_windows_1252_is_refused():
    data = b"ethnicity,service_area,appointed\n\x81\x8d,adults,yes\n"
    problem = only_problem(read_recruitment, data, "r.csv")
    assert problem.message == (
        "The file's text cannot be read. Save it as CSV UTF-8 (comma delimited)"
    )


def test_xlsx_problems_use_the_sheet_row_numbers(files):
    data = files.xlsx(["ethnicity", "service_area", "appointed"], [
        ["A", "adults", "yes"], [None, None, None], ["D", "adults", "maybe"],
    ])
    problem = only_problem(read_recruitment, data, "r.xlsx")
    assert (problem.row, problem.column) == (4, "appointed")


def test_describe_rows():
    assert describe_rows([5]) == "row 5"
    assert describe_rows([3, 7, 9]) == "rows 3, 7, 9"
    assert describe_rows([3, 4]) == "rows 3, 4"
    assert describe_rows([3, 4, 5, 9, 10, 11, 12]) == "rows 3 to 5, 9 to 12"
    assert describe_rows(list(range(2, 100, 2)), total=500) == (
        "rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 490 more"
    )


# -- arbitrary bytes ----------------------------------------------------------------------------

KINDS = st.sampled_from(list(SCHEMAS))
HEADERS = {kind: ",".join(schema.columns).encode() + b"\n" for kind, schema in SCHEMAS.items()}


@settings(max_examples=300, deadline=None)
@given(kind=KINDS, data=st.binary(max_size=2_000))
def test_arbitrary_bytes_end_in_a_validation_error(kind, data):
    with pytest.raises(ExtractValidationError):
        read_extract(kind, data, "upload")


@settings(max_examples=150, deadline=None)
@given(kind=KINDS, prefix=st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0"]),
       data=st.binary(max_size=2_000))
def test_arbitrary_bytes_behind_a_file_signature_end_in_a_validation_error(kind, prefix, data):
    with pytest.raises(ExtractValidationError):
        read_extract(kind, prefix + data, "upload")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=KINDS, body=st.one_of(
    st.binary(max_size=500),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300).map(str.encode),
    st.lists(st.sampled_from(["yes", "no", "A", "D", "adults", "children", "", ",", "\n", '"',
                              "Martian", "\r", "S1"]), max_size=60).map(
        lambda parts: "".join(parts).encode()),
))
def test_arbitrary_rows_under_a_valid_header_are_read_or_refused_cleanly(kind, body):
    try:
        extract = read_extract(kind, HEADERS[kind] + body, "upload.csv")
    except ExtractValidationError as error:
        assert error.problems
        assert all(isinstance(p, Problem) and p.message for p in error.problems)
    else:
        counts = counts_from_extracts(**{kind: extract})
        assert set(counts) == {"all", "adults", "children"}
