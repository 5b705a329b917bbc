"""Any reasonable file goes in: delimiters, encodings, title rows, other sheets, totals rows."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pandas as pd
import pytest

from tracker.domain.extracts import read_recruitment
from tracker.domain.problems import ExtractValidationError
from tracker.domain.tabular import read_columns

HEADER = ["ethnicity", "service_area", "appointed"]
ROWS = [["A", "adults", "yes"], ["H", "children", "no"], ["Not stated", "adults", "no"]]


def csv_text(delimiter: str = ",", rows=ROWS, header=HEADER) -> str:
    return "\r\n".join(delimiter.join(r) for r in [header, *rows]) + "\r\n"


def appointed(data: bytes, name: str = "r.csv", **options) -> list[bool]:
    return read_recruitment(data, name, **options).frame["appointed"].tolist()


@pytest.mark.parametrize("delimiter, word", [(",", "comma"), (";", "semicolon"),
                                             ("\t", "tab"), ("|", "vertical bar")])
def test_the_delimiter_is_detected_and_said(delimiter, word):
    data = csv_text(delimiter).encode()
    assert appointed(data) == [True, False, False]
    layout = read_columns(data, "r.csv", HEADER).layout
    assert layout.delimiter == delimiter
    assert layout.describe().startswith(f"Read as CSV: {word}-delimited, UTF-8")


@pytest.mark.parametrize("encoding, name", [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with a byte-order mark"), ("cp1252", "Windows-1252"),
    ("utf-16", "UTF-16"),
])
def test_the_encoding_is_detected_and_said(encoding, name):
    text = csv_text(rows=[["Any other ethnic group", "adults", "yes", "café"]],
                    header=[*HEADER, "note"])
    data = (text + "Roma,children,no,naïve\r\n").encode(encoding)
    columns = read_columns(data, "r.csv", HEADER)
    assert columns.layout.describe() == f"Read as CSV: comma-delimited, {name}; headers in row 1"
    assert appointed(data) == [True, False]


def test_windows_1252_accents_survive():
    data = "ethnicity;service_area;appointed;note\r\nA;adults;yes;café\r\n".encode("cp1252")
    assert appointed(data) == [True]


def test_a_sep_line_sets_the_delimiter():
    data = ("sep=;\r\n" + csv_text(";")).encode()
    layout = read_columns(data, "r.csv", HEADER).layout
    assert (layout.delimiter, layout.header_row) == (";", 1)
    assert appointed(data) == [True, False, False]


def test_the_header_is_found_below_title_rows_and_a_group_header_row():
    text = ("Recruitment report 2024-25,,\r\nRun on 21/04/2025,,\r\n,,\r\n"
            "Applicant,,Outcome\r\n" + csv_text())
    problems_rows = read_columns(text.encode(), "r.csv", HEADER)
    assert problems_rows.layout.header_row == 5
    assert problems_rows.columns["appointed"].index.tolist() == [6, 7, 8]


def workbook(sheets: dict[str, list[list]], merge: dict[str, str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge and title in merge:
            sheet.merge_cells(merge[title])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_sheet_holding_the_header_is_found_and_the_sheets_listed():
    data = workbook({"Notes": [["Read me first"]], "Data": [["Title"], HEADER, *ROWS],
                     "Lookup": [["A", "White"]]})
    columns = read_columns(data, "r.xlsx", HEADER)
    assert (columns.layout.sheet, columns.layout.sheets) == ("Data", ("Notes", "Data", "Lookup"))
    assert columns.layout.describe() == ("Read sheet 'Data' of the XLSX workbook (other sheets: "
                                         "'Notes', 'Lookup'); headers in row 2")
    assert columns.columns["appointed"].index.tolist() == [3, 4, 5]


def test_another_sheet_can_be_chosen():
    data = workbook({"2023": [HEADER, ["A", "adults", "no"]], "2024": [HEADER, *ROWS]})
    assert appointed(data, "r.xlsx") == [False]
    assert appointed(data, "r.xlsx", sheet="2024") == [True, False, False]


def test_a_sheet_that_is_not_there_is_named_with_the_others():
    data = workbook({"Staff": [HEADER, *ROWS]})
    with pytest.raises(ExtractValidationError) as caught:
        read_recruitment(data, "r.xlsx", sheet="Survey")
    assert caught.value.problems[0].message == (
        "The workbook has no sheet called 'Survey'. Its sheets are 'Staff'")


def test_an_ods_spreadsheet_is_read():
    buffer = io.BytesIO()
    pd.DataFrame(ROWS, columns=HEADER).to_excel(buffer, engine="odf", index=False)
    data = buffer.getvalue()
    assert appointed(data, "r.ods") == [True, False, False]
    assert read_columns(data, "r.ods", HEADER).layout.format == "ODS"


def test_a_totals_row_is_left_out_and_said():
    rows = [*ROWS, ["Total", "", "1"]]
    data = csv_text(rows=rows).encode()
    extract = read_recruitment(data, "r.csv")
    assert len(extract) == 3
    layout = read_columns(data, "r.csv", HEADER, totals=True).layout
    assert layout.totals_row == 5
    assert "the totals row (row 5) was left out" in layout.describe()


def test_a_totals_row_in_a_workbook_is_left_out():
    data = workbook({"Data": [HEADER, *ROWS, ["Grand total", None, 1]]})
    assert len(read_recruitment(data, "r.xlsx")) == 3


def test_a_formula_without_a_saved_value_is_found():
    data = workbook({"Data": [HEADER, ["A", "adults", "=IF(1,\"yes\",\"no\")"], *ROWS]})
    columns = read_columns(data, "r.xlsx", HEADER)
    assert columns.formula_cells == ("C2",)


def test_merged_cells_in_the_data_rows_are_found_but_not_in_the_header_rows():
    data = workbook({"Data": [["Applicants", None, None], HEADER, *ROWS]},
                    merge={"Data": "C3:C5"})
    assert read_columns(data, "r.xlsx", HEADER).merged_ranges == ("C3:C5",)
    grouped = workbook({"Data": [["Applicants", None, None], HEADER, *ROWS]},
                       merge={"Data": "A1:C1"})
    assert read_columns(grouped, "r.xlsx", HEADER).merged_ranges == ()


def test_a_missing_column_suggests_a_near_header(files):
    data = files.csv(["ethnicty", "service_area", "appointed"], [["A", "adults", "yes"]])
    with pytest.raises(ExtractValidationError) as caught:
        read_recruitment(data, "r.csv")
    assert caught.value.problems[0].message == (
        "The file must have a column called 'ethnicity'. Did you mean 'ethnicty'?")


def test_sample_values_are_kept_for_the_mapping_page():
    data = workbook({"Data": [["Start date", *HEADER],
                              [datetime.datetime(2024, 4, 21), "A", "adults", "yes"]]})
    layout = read_columns(data, "r.xlsx", HEADER).layout
    assert layout.samples[0] == ("21/04/2024",)


def test_a_date_in_a_message_reads_as_a_person_writes_it(files):
    from datetime import datetime

    from tracker.domain.extracts import read_staff
    from tracker.domain.problems import ExtractValidationError

    header = ["staff_id", "ethnicity", "service_area", "pay_band", "senior_manager",
              "regulated_professional", "formal_disciplinary", "ftp_referral", "funded_cpd",
              "left_in_period"]
    data = files.xlsx(header, [["S1", "Indian", datetime(2024, 4, 21), "A", "no", "no", "no",
                                "no", "no", "no"]])
    with pytest.raises(ExtractValidationError) as raised:
        read_staff(data, "staff.xlsx")
    message = str(raised.value)
    assert "Service area must be adults or children, not '21/04/2024', in row 2" in message
    assert "2024-04-21" not in message


STAFF_HEADER = ["Employee Number", "Ethnic Origin", "Directorate", "Grade", "Senior Manager",
                "Regulated Professional", "Formal Disciplinary", "FtP Referral", "Funded CPD",
                "Leaver"]
STAFF_ROWS = [["E1", "White - British", "Adult Social Care", "G7", "N", "Y", "N", "N", "Y", "N"],
              ["E2", "APKN", "Children's Services", "G9", "Y", "N", "N", "N", "N", "Y"]]


def test_a_legacy_xls_workbook_is_read_below_its_title_row():
    """A real Excel 97-2003 file (written by xlwt, as old HR systems still export)."""
    import xlwt

    from tracker.domain.extracts import read_staff

    book = xlwt.Workbook()
    book.add_sheet("Notes").write(0, 0, "Read me first")
    sheet = book.add_sheet("Staff")
    sheet.write(0, 0, "Staff extract 2024-25")
    for col, name in enumerate(STAFF_HEADER):
        sheet.write(2, col, name)
    for row, values in enumerate(STAFF_ROWS, start=3):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    extract = read_staff(buffer.getvalue(), "itrent.xls")
    assert extract.layout.describe() == ("Read sheet 'Staff' of the XLS workbook (other sheets: "
                                         "'Notes'); headers in row 3")
    assert extract.frame["ethnic_group"].tolist() == ["white", "gm"]
    assert extract.frame["service_area"].tolist() == ["adults", "children"]
    assert extract.frame.index.tolist() == [4, 5]


def test_an_xlsm_workbook_is_read_and_its_macros_never_run():
    import zipfile

    from tracker.domain.extracts import read_staff

    book = openpyxl.Workbook()
    book.active.append(STAFF_HEADER)
    for row in STAFF_ROWS:
        book.active.append(row)
    plain = io.BytesIO()
    book.save(plain)
    macro = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(macro, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            target.writestr(item, data)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    extract = read_staff(macro.getvalue(), "export.xlsm")
    assert extract.layout.format == "XLSM"
    assert extract.layout.describe().startswith("Read sheet 'Sheet' of the XLSM workbook")
    assert len(extract) == 2


def test_a_remembered_sheet_is_looked_at_first_and_else_the_sheets_are_searched():
    data = workbook({"2023": [HEADER, ["A", "adults", "no"]], "2024": [HEADER, *ROWS]})
    assert read_columns(data, "r.xlsx", HEADER, prefer_sheet="2024").layout.sheet == "2024"
    assert read_columns(data, "r.xlsx", HEADER, prefer_sheet="2025").layout.sheet == "2023"
    notes = workbook({"Notes": [["Read me first"]], "Data": [HEADER, *ROWS]})
    assert read_columns(notes, "r.xlsx", HEADER, prefer_sheet="Notes").layout.sheet == "Data"


def test_a_mapping_file_keeps_a_sheet_per_kind():
    from tracker.domain.extracts import SCHEMAS
    from tracker.domain.mappings import ColumnMapping, parse_mapping

    mapping = parse_mapping(b'{"staff": {"columns": {}, "sheet": "Data"}}', "m.json", SCHEMAS)
    assert mapping.sheets == {"staff": "Data"}
    assert mapping.to_dict()["staff"] == {"columns": {}, "sheet": "Data"}
    assert ColumnMapping().merged(mapping).sheets == {"staff": "Data"}
    with pytest.raises(ExtractValidationError) as caught:
        parse_mapping(b'{"survey": {"columns": {}, "sheet": 3}}', "m.json", SCHEMAS)
    assert caught.value.problems[0].message == (
        "The sheet for the survey extract must be the name of a sheet (text)")


def test_a_problem_in_a_workbook_names_its_sheet():
    from tracker.domain.extracts import read_staff
    from tracker.domain.problems import format_problems

    data = workbook({"Notes": [["Read me first"]], "Staff": [STAFF_HEADER, STAFF_ROWS[0],
                                                             STAFF_ROWS[0]]})
    with pytest.raises(ExtractValidationError) as caught:
        read_staff(data, "hr.xlsx")
    assert format_problems(caught.value.problems) == (
        "hr.xlsx, sheet 'Staff': Staff ID 'E1' appears more than once, in rows 2, 3. Give each "
        "person one row")
    assert caught.value.problems[0].to_dict()["sheet"] == "Staff"


def test_an_examination_is_kept_and_read_back_whole():
    from tracker.domain.extracts import Examined, examine_extract

    data = workbook({"Notes": [["Read me"]], "Staff": [["Emp Ref", *STAFF_HEADER[1:]],
                                                       *STAFF_ROWS]})
    examined = examine_extract("staff", data, "hr.xlsx")
    again = Examined.from_dict(json.loads(json.dumps(examined.to_dict())))
    assert (again.layout, again.found, again.absent, again.unknown, again.problems) == (
        examined.layout, examined.found, examined.absent, examined.unknown, examined.problems)
    assert again.absent == ("staff_id",) and again.layout.sheet == "Staff"
