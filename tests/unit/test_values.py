"""One parser per kind of value (tracker/domain/values.py), and the action field table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain import action_fields
from tracker.domain.plan_sheet import PLAN_COLUMNS, TEXT_LIMITS
from tracker.domain.values import (
    ValueRejected,
    date_from_parts,
    multi_line,
    parse_count,
    parse_date,
    parse_decimal,
    single_line,
    storable,
)


def rejected(parse, *args, **kwargs) -> str:
    with pytest.raises(ValueRejected) as caught:
        parse(*args, **kwargs)
    return caught.value.message


# -- counts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("0", 0), ("12", 12), (" 12 ", 12), ("1,200", 1200), ("1,234,567", 1234567), ("", None),
    ("   ", None), ("007", 7),
])
def test_counts_people_write(text, value):
    assert parse_count(text, name="Staff") == value


@pytest.mark.parametrize("text", ["1,2,3", "12,00", ",12", "12,", "12.0", "1e3", "twelve",
                                  "١٢", "+3", "1 200"])
def test_not_counts(text):
    assert rejected(parse_count, text, name="Staff") == "Staff must be a whole number, like 12"


def test_counts_say_what_was_typed_in_a_file_and_refuse_negatives_and_huge_numbers():
    assert rejected(parse_count, "1,2,3", name="The numerator in row 3", shown="1,2,3") == (
        "The numerator in row 3 must be a whole number, not '1,2,3'")
    assert rejected(parse_count, "-5", name="Staff") == "Staff must be 0 or more"
    assert rejected(parse_count, "11", name="Staff", maximum=10) == "Staff must be 10 or fewer"
    assert rejected(parse_count, "9" * 5000, name="Staff", maximum=10) == (
        "Staff must be 10 or fewer")


@given(st.integers(min_value=0, max_value=10**12))
def test_a_count_reads_back_as_written_with_or_without_thousands(number):
    assert parse_count(str(number), name="n") == number
    assert parse_count(f"{number:,}", name="n") == number


# -- decimals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("12.5", Decimal("12.5")), ("-3", Decimal(-3)), ("1,200.25", Decimal("1200.25")),
    (".5", Decimal("0.5")), ("0.1234", Decimal("0.1234")), ("1.50000", Decimal("1.5")),
    ("1e3", Decimal(1000)), ("", None),
])
def test_decimals(text, value):
    assert parse_decimal(text, name="Target") == value


@pytest.mark.parametrize("text, message", [
    ("lots", "Target must be a number, like 12.5 or 1,200"),
    ("1,20", "Target must be a number, like 12.5 or 1,200"),
    ("NaN", "Target must be a number, like 12.5 or 1,200"),
    ("Infinity", "Target must be a number, like 12.5 or 1,200"),
    ("12%", "Target must be a number, like 12.5 or 1,200"),
    ("0.123456", "Target must have 4 decimal places or fewer"),
    ("1e10", "Target must be between -10,000,000,000 and 10,000,000,000"),
    ("1e-9", "Target must have 4 decimal places or fewer"),
])
def test_not_decimals(text, message):
    assert rejected(parse_decimal, text, name="Target") == message


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4))
def test_every_value_the_database_holds_exactly_is_read_exactly(value):
    assert parse_decimal(format(value, "f"), name="n") == value


# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-03-31", "31/03/2026", "31-3-2026", "31.03.2026",
                                  "31 March 2026", "31st Mar 2026", "2026-03-31T00:00:00"])
def test_date_spellings(text):
    assert parse_date(text) == date(2026, 3, 31)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "March 2026", "soon", ""])
def test_not_dates(text):
    assert parse_date(text) is None


def test_dates_from_the_day_month_and_year_boxes():
    assert date_from_parts(" 31", "3 ", "2026", noun="due date") == date(2026, 3, 31)
    assert date_from_parts("", " ", "", noun="due date") is None
    assert rejected(date_from_parts, "31", "", "", noun="due date") == (
        "Due date must include a month and year")
    assert rejected(date_from_parts, "31", "2", "2026", noun="due date") == (
        "Due date must be a real date")
    assert rejected(date_from_parts, "1", "2", "x", noun="due date") == (
        "Due date must be a real date")
    assert rejected(date_from_parts, "1", "2", "25", noun="due date") == (
        "Due date must have a 4-digit year, like 2025")


# -- text ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["a\nb", "a\r\nb", "a\rb", "a\u2028b", "a\u2029b", "a\x0bb",
                                  "a\x85b"])
def test_one_line_refuses_every_line_break(text):
    assert rejected(single_line, text, name="Title in row 3") == (
        "Title in row 3 must be on one line: remove the line break")


@pytest.mark.parametrize("text", ["a\x00b", "a\tb", "a\x1bb", "a\x7fb", "a\x9fb"])
def test_one_line_refuses_tabs_nul_and_control_characters(text):
    assert rejected(single_line, text, name="Title") == (
        "Title must not contain tabs or control characters")


def test_one_line_trims_and_keeps_everything_else():
    assert single_line("  Reverse mentoring – für Ärzte 👩🏽‍⚕️ ", name="Title") == (
        "Reverse mentoring – für Ärzte 👩🏽‍⚕️")
    assert rejected(single_line, "x" * 201, name="Title", max_length=200) == (
        "Title must be 200 characters or fewer (it has 201)")


def test_several_lines_keep_newlines_and_tabs_only():
    assert multi_line(" a\r\nb\rc\u2028d\u2029e\x0bf\tg ", name="Note") == "a\nb\nc\nd\ne\nf\tg"
    assert rejected(multi_line, "a\x00b", name="Note") == "Note must not contain control characters"
    assert rejected(multi_line, "a\x07b", name="Note") == "Note must not contain control characters"


@given(st.text())
def test_what_a_file_stores_passes_the_multi_line_rule(text):
    assert multi_line(storable(text), name="Note") == storable(text)


# -- the action field table ---------------------------------------------------------------------

def test_the_plan_sheet_columns_come_from_the_field_table():
    assert PLAN_COLUMNS == (
        "action_id", "theme", "title", "description", "indicators", "owner_email", "lead_role",
        "partners", "start_date", "due_date", "status", "success_measure", "measure_unit",
        "measure_baseline", "measure_target", "measure_current", "version")
    for field in action_fields.TEXT_FIELDS:
        assert TEXT_LIMITS[field.column] == field.max_length


def test_every_field_has_its_words():
    for field in action_fields.ACTION_FIELDS:
        assert field.label and field.question and field.column and field.snapshot
        if field.required:
            assert field.missing and field.missing_cell
    assert action_fields.OWNER_FIELDS == ("status", "measure_current")
