"""Templates that teach: a guidance sheet, an example sheet, drop-downs, labelled counts rows;
and the wide counts layout (groups across) read like the long one."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tracker.domain.counts import read_counts_template
from tracker.domain.extracts import SCHEMAS, read_extract
from tracker.domain.templates import (
    DROP_DOWN_ROWS,
    download_frame,
    teaching_xlsx,
    template_frame,
    to_csv_bytes,
    to_xlsx_bytes,
    wide_counts_frame,
)


def _book(kind: str):
    return openpyxl.load_workbook(io.BytesIO(teaching_xlsx(kind)))


@pytest.mark.parametrize("kind", ["staff", "recruitment", "survey"])
def test_an_extract_template_teaches_and_offers_drop_downs(kind):
    book = _book(kind)
    assert book.sheetnames == ["data", "Guidance", "Example", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    header = [c.value for c in book["data"][1]]
    assert header == list(SCHEMAS[kind].columns)
    guidance = {row[0]: row[1] for row in book["Guidance"].iter_rows(min_row=6,
                                                                      values_only=True)}
    assert set(guidance) == set(header) and all(guidance.values())
    lists = {}
    for rule in book["data"].data_validations.dataValidation:
        for cells in rule.sqref.ranges:
            lists[header[cells.min_col - 1]] = (rule.formula1, cells.max_row)
    schema = SCHEMAS[kind]
    for column in schema.yes_no + schema.answers:
        assert lists[column] == ('"yes,no"', DROP_DOWN_ROWS + 1)
    assert lists["service_area"][0] == '"adults,children"'
    assert lists["ethnicity"][0].startswith("Lists!$A$1:$A$")
    ethnicity = [r[0] for r in book["Lists"].iter_rows(values_only=True)]
    assert "White: Roma" in ethnicity and "Asian, Asian British or Asian Welsh: Indian" in ethnicity


@pytest.mark.parametrize("kind", ["staff", "recruitment", "survey"])
def test_the_example_rows_read_when_put_in_the_data_sheet(kind):
    """What the example shows is accepted: copy its rows into the data sheet and upload."""
    book = _book(kind)
    for row in book["Example"].iter_rows(min_row=2, values_only=True):
        book["data"].append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    extract = read_extract(kind, buffer.getvalue(), "filled.xlsx")
    assert len(extract) == len(template_frame(kind, example=True))
    assert extract.layout.sheet == "data"


def test_an_unfilled_extract_template_is_empty_not_the_example():
    with pytest.raises(Exception, match="no rows under the header row"):
        read_extract("staff", teaching_xlsx("staff"), "blank.xlsx")


@pytest.mark.parametrize("kind", ["counts", "counts-wide"])
def test_counts_rows_are_labelled_and_the_label_is_not_read(kind):
    frame = download_frame(kind, example=True)
    described = dict(zip(frame["indicator"], frame["description"], strict=False))
    assert described["SCW3"] == ("SCW3 Formal disciplinary: numerator = entered the formal "
                                 "disciplinary process; denominator = staff")
    assert described["SCW1"].startswith("SCW1 pay band ")
    book = _book(kind)
    assert book.sheetnames == ["data", "Guidance", "Example"]
    for row in book["Example"].iter_rows(min_row=2, values_only=True):
        book["data"].append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    long = read_counts_template(to_csv_bytes(template_frame("counts", example=True)), "c.csv")
    assert read_counts_template(buffer.getvalue(), "filled.xlsx") == long


@pytest.mark.parametrize("writer", [to_csv_bytes, to_xlsx_bytes], ids=["csv", "xlsx"])
def test_the_wide_counts_layout_gives_the_same_counts(writer):
    long = read_counts_template(to_csv_bytes(template_frame("counts", example=True)), "c.csv")
    wide = wide_counts_frame(example=True)
    assert len(wide) * 3 == len(template_frame("counts", example=True))
    assert read_counts_template(writer(wide), "wide") == long
    renamed = wide.rename(columns={"gm_numerator": "Global majority numerator",
                                   "white_denominator": "White - denominator",
                                   "unknown_numerator": "Unknown ethnicity: numerator"})
    assert read_counts_template(writer(renamed), "wide") == long


def test_a_wide_layout_error_names_the_row_and_the_group():
    wide = wide_counts_frame(example=True).astype(object)
    wide.loc[3, "white_numerator"] = "lots"
    with pytest.raises(Exception) as raised:
        read_counts_template(to_csv_bytes(wide), "wide.csv")
    assert "The numerator in row 5 (white) must be a whole number" in str(raised.value)
