"""Upload bombs: tables larger than the limits are refused while they are read, by their shape."""

from __future__ import annotations

import pytest

from bench.hostile import tall_xlsx, wide_csv, wide_xlsx, xlsx_with_rows
from tracker.domain.extracts import read_staff
from tracker.domain.plan_sheet import read_plan_sheet
from tracker.domain.problems import ExtractValidationError
from tracker.domain.tabular import Limits

TOO_LARGE = ("more than a table of staff, applicants or respondents can have. Check that it is "
             "the right file, or remove what is not part of the table")


def refusal(read, data: bytes, name: str, **options) -> str:
    with pytest.raises(ExtractValidationError) as caught:
        read(data, name, **options)
    [problem] = caught.value.problems
    assert problem.file == name and problem.row is None
    return problem.message


READERS = [pytest.param(read_staff, id="staff extract"),
           pytest.param(read_plan_sheet, id="plan import")]


@pytest.mark.parametrize("read", READERS)
def test_a_sheet_with_a_cell_in_column_xfd_on_every_row_is_refused(read):
    data = wide_xlsx()  # the file: 20,000 rows, each with one cell in column XFD
    assert len(data) < 200_000
    assert refusal(read, data, "wide.xlsx") == f"The file has more than 1,000 columns, {TOO_LARGE}"


@pytest.mark.parametrize("read", READERS)
def test_a_sheet_with_more_rows_than_the_limit_is_refused(read):
    data = tall_xlsx(5_000)
    message = refusal(read, data, "tall.xlsx", limits=Limits(rows=4_000))
    assert message == f"The file has more than 4,000 rows, {TOO_LARGE}"


@pytest.mark.parametrize("read", READERS)
def test_a_csv_header_with_a_million_columns_is_refused(read):
    message = refusal(read, wide_csv(), "wide.csv")
    assert message == f"The file has more than 1,000 columns, {TOO_LARGE}"


@pytest.mark.parametrize("read", READERS)
def test_a_csv_with_more_rows_than_the_limit_is_refused(read):
    data = ("staff_id\n" + "S1\n" * 5_000).encode()
    message = refusal(read, data, "tall.csv", limits=Limits(rows=4_000))
    assert message == f"The file has more than 4,000 rows, {TOO_LARGE}"


def test_a_cell_far_below_its_row_cannot_stretch_the_sheet():
    data = xlsx_with_rows(['<row r="2"><c r="A900000"><v>1</v></c></row>'])
    assert "more than 1,048,576 rows" in refusal(read_staff, data, "far.xlsx")


def test_a_sheet_of_more_cells_than_the_limit_is_refused():
    rows = (f'<row r="{r}"><c r="Z{r}"><v>1</v></c></row>' for r in range(2, 2_000))
    message = refusal(read_staff, xlsx_with_rows(rows), "cells.xlsx", limits=Limits(cells=40_000))
    assert message == f"The file has more than 40,000 cells, {TOO_LARGE}"


def test_a_cell_longer_than_the_limit_is_refused(files):
    data = files.staff([{"ethnicity": "x" * 101}])
    message = refusal(read_staff, data, "long.csv", limits=Limits(cell_length=100))
    assert message == "A cell in column ethnicity is longer than 100 characters"


def test_limits_come_from_settings():
    limits = Limits.from_settings({"UPLOAD_MAX_ROWS": "10", "UPLOAD_MAX_COLUMNS": 5})
    assert (limits.rows, limits.columns, limits.cells) == (10, 5, Limits().cells)


def test_a_table_within_the_limits_is_read(files):
    data = files.staff([{}] * 20, xlsx=True)
    # The header is one of the sheet's rows, as a spreadsheet counts them.
    assert len(read_staff(data, "ok.xlsx", limits=Limits(rows=21, columns=10))) == 20
