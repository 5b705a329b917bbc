"""Write an action plan as a spreadsheet (CSV or XLSX) and read it back, every problem named.

Councils keep plans in spreadsheets, so a plan goes out and comes back in one sheet, one row an
action, with the columns of ``PLAN_COLUMNS`` (headers match case-insensitively, ignoring
surrounding spaces; every column must be there; extra columns are ignored; blank rows are
skipped). Reading what was written gives equal rows: ``read_plan_sheet(plan_csv_bytes(rows), ...)
== rows`` for any rows the reader accepts, and the same for XLSX.

- ``action_id``: blank for a new action, else the existing action's id.
- ``version``: the action's version when the sheet was exported (blank for a new action): an
  import lists the rows whose action has changed since as conflicts (tracker.services.plan_sheets).
- ``theme``, ``title``, ``owner_email``, ``due_date`` and ``status`` are required.
- ``indicators``: ``SCW2 adults; SCW3, SCW7b children`` (an indicator alone is for all staff).
- dates: ``2026-03-31``, ``31/03/2026``, ``31 March 2026`` or a date cell; written as ISO
  text in CSV and as date cells in XLSX.
- ``status``: its value or label in any case (``on_track``, ``On track``).
- measures: numbers like ``12.5`` or ``1,200``, at most ``MEASURE_PLACES`` decimal places.

Text that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-`` or ``@``) is written
to CSV behind an apostrophe, which the reader removes again, and to XLSX as a text cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import xlsxwriter

from tracker.domain.action_fields import ACTION_FIELDS, TEXT_FIELDS, Kind
from tracker.domain.definitions import ALL, INDICATOR_IDS, SERVICE_AREAS
from tracker.domain.plans import STATUS_LABELS as PLAN_STATUS_LABELS
from tracker.domain.problems import ExtractValidationError, Problem, quote, rows_problem
from tracker.domain.tabular import DEFAULT_LIMITS, XLSX_MAGIC, Limits, read_columns
from tracker.domain.values import (
    DECIMAL_LIMIT,
    DECIMAL_PLACES,
    ValueRejected,
    multi_line,
    parse_date,
    parse_decimal,
    single_line,
    storable,
)

__all__ = [
    "MAX_ACTIONS",
    "MEASURE_LIMIT",
    "MEASURE_PLACES",
    "PLAN_COLUMNS",
    "STATUS_LABELS",
    "TEXT_LIMITS",
    "IndicatorRef",
    "PlanRow",
    "PlanSheet",
    "RowKeys",
    "format_indicators",
    "number_text",
    "parse_date",
    "plan_csv_bytes",
    "plan_frame",
    "plan_xlsx_bytes",
    "read_plan_sheet",
    "read_plan_sheet_all",
]

#: The sheet's columns: the action's fields (tracker/domain/action_fields.py) in their order,
#: with the action's id first and its indicators after the description.
_FIELD_COLUMNS = tuple(field.column for field in ACTION_FIELDS)
_AFTER_DESCRIPTION = _FIELD_COLUMNS.index("description") + 1
#: ``version`` last: the action's version when it was exported, so that an import can tell
#: which actions someone changed since (blank for a new action).
PLAN_COLUMNS: tuple[str, ...] = (
    "action_id", *_FIELD_COLUMNS[:_AFTER_DESCRIPTION], "indicators",
    *_FIELD_COLUMNS[_AFTER_DESCRIPTION:], "version",
)

#: Status value -> label, in order (the single table lives in tracker.domain.plans).
STATUS_LABELS: dict[str, str] = {status.value: label for status, label in PLAN_STATUS_LABELS.items()}

#: Longest text each column may hold, in characters (None: no limit here).
TEXT_LIMITS: dict[str, int | None] = {"theme": None, **{
    field.column: field.max_length for field in TEXT_FIELDS}}
#: Measures are stored as Numeric(14, 4): at most 4 decimal places, and below 10 billion in size.
MEASURE_PLACES = DECIMAL_PLACES
MEASURE_LIMIT = DECIMAL_LIMIT
#: More actions than any plan has: a larger file is refused before its rows are checked.
MAX_ACTIONS = 1000
#: The largest id an action can have (a 32-bit database integer).
MAX_ACTION_ID = 2**31 - 1
NO_ACTIONS = "The file has no actions in it"
#: What ``read_columns`` says when there is nothing under (or no) header.
_NO_ROWS = frozenset({
    "The file is empty",
    "The file has no rows under the header row",
    "The file has no rows of data under the header row",
})

#: Columns written as text (everything but the id, the dates and the measures).
_TEXT_COLUMNS = tuple(c for c in PLAN_COLUMNS
                      if c in TEXT_LIMITS.keys() | {"indicators", "owner_email", "status"})
#: Columns that hold one line of text (theme names, titles, roles, e-mail addresses).
_LINE_COLUMNS = frozenset({"theme", "owner_email"} | {
    f.column for f in TEXT_FIELDS if f.kind is Kind.LINE})
_DATE_COLUMNS = tuple(f.column for f in ACTION_FIELDS if f.kind is Kind.DATE)
_NUMBER_COLUMNS = tuple(f.column for f in ACTION_FIELDS if f.kind is Kind.DECIMAL)
_REQUIRED = {f.column: f.missing_cell for f in ACTION_FIELDS if f.required}
#: Required cells that a draft action may leave blank.
_DRAFT_BLANKS = frozenset(f.column for f in ACTION_FIELDS if f.draft_may_omit)
_LABELS = {column: column.replace("_", " ").capitalize() for column in PLAN_COLUMNS} | {
    "action_id": "Action ID",
}


# -- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRef:
    """An indicator result an action addresses: an indicator for all staff, adults or children."""

    indicator: str
    service_area: str = ALL

    def __post_init__(self) -> None:
        if self.indicator not in INDICATOR_IDS:
            raise ValueError(f"indicator must be one of {', '.join(INDICATOR_IDS)}")
        if self.service_area not in SERVICE_AREAS:
            raise ValueError(f"service area must be one of {', '.join(SERVICE_AREAS)}")

    def __str__(self) -> str:
        """Write 'SCW3' for all staff, 'SCW2 adults' otherwise."""
        return self.indicator if self.service_area == ALL else f"{self.indicator} {self.service_area}"


def format_indicators(refs: Iterable[IndicatorRef]) -> str:
    """Write indicators as the sheet holds them: 'SCW2 adults; SCW3'."""
    return "; ".join(str(ref) for ref in refs)


@dataclass(frozen=True, kw_only=True)
class PlanRow:
    """One action as a plan sheet holds it; ``row`` is where it was read (not compared).

    Text is kept as a spreadsheet keeps it: line breaks become '\\n', characters a workbook
    cannot hold are dropped and surrounding spaces trimmed, so rows built from stored actions
    compare equal to the same rows read back from a file. ``status`` is a ``STATUS_LABELS`` key.
    """

    action_id: int | None = None
    theme: str
    title: str
    description: str = ""
    indicators: tuple[IndicatorRef, ...] = ()
    owner_email: str
    lead_role: str = ""
    partners: str = ""
    start_date: date | None = None
    due_date: date | None
    status: str
    success_measure: str = ""
    measure_unit: str = ""
    measure_baseline: Decimal | None = None
    measure_target: Decimal | None = None
    measure_current: Decimal | None = None
    # The action's version when exported: not part of what the row says (not compared).
    version: int | None = field(default=None, compare=False)
    row: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for column in TEXT_LIMITS.keys() | {"owner_email"}:  # None (no owner, say) is blank
            object.__setattr__(self, column, _clean(getattr(self, column) or ""))
        status = str(self.status)  # an ActionStatus (a StrEnum) becomes its value
        if status not in STATUS_LABELS:
            raise ValueError(f"status must be one of {', '.join(STATUS_LABELS)}")
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "indicators", tuple(self.indicators))
        for column in _DATE_COLUMNS:  # a datetime is never equal to a date
            value = getattr(self, column)
            if isinstance(value, datetime):
                object.__setattr__(self, column, value.date())


def _clean(text: str) -> str:
    return storable(text)


# -- writing ------------------------------------------------------------------------------------


def plan_frame(rows: Iterable[PlanRow]) -> pd.DataFrame:
    """Return the plan as a frame: ``PLAN_COLUMNS``, one row an action.

    ``action_id`` is a nullable integer, dates are ``datetime.date`` and measures ``Decimal``
    (None when blank); other cells are text, the status as its label.
    """
    rows = list(rows)
    data: dict[str, object] = {
        "action_id": pd.array([r.action_id for r in rows], dtype="Int64"),
        "version": pd.array([r.version for r in rows], dtype="Int64"),
        "indicators": pd.array([format_indicators(r.indicators) for r in rows], dtype="str"),
        "status": pd.array([STATUS_LABELS[r.status] for r in rows], dtype="str"),
    }
    for column in _TEXT_COLUMNS:
        if column not in data:
            data[column] = pd.array([getattr(r, column) for r in rows], dtype="str")
    for column in (*_DATE_COLUMNS, *_NUMBER_COLUMNS):
        data[column] = pd.Series([getattr(r, column) for r in rows], dtype=object)
    return pd.DataFrame({column: data[column] for column in PLAN_COLUMNS})


def _cells(row: PlanRow) -> dict[str, object]:
    """Return a row's cells by column: the id, version, dates and measures as they are (None
    when blank), the indicators and status as the sheet writes them, the rest as text."""
    cells: dict[str, object] = {column: getattr(row, column) for column in PLAN_COLUMNS}
    cells["indicators"] = format_indicators(row.indicators)
    cells["status"] = STATUS_LABELS[row.status]
    return cells


def plan_csv_bytes(rows: Iterable[PlanRow]) -> bytes:
    """Write the plan as CSV UTF-8 (dates as 2026-03-31, numbers as typed: 1200, 12.5).

    The same bytes as ``templates.to_csv_bytes(plan_frame(rows))`` with text guarded, written
    with the csv module directly (pandas' writer uses it too, with these settings).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PLAN_COLUMNS)
    text_columns, dates, numbers = set(_TEXT_COLUMNS), set(_DATE_COLUMNS), set(_NUMBER_COLUMNS)
    for row in rows:
        line = []
        for column, value in _cells(row).items():
            if value is None:
                line.append("")
            elif column in text_columns:
                line.append(_csv_text(str(value)))
            elif column in dates:
                line.append(value.isoformat())  # type: ignore[attr-defined]
            elif column in numbers:
                line.append(number_text(value))  # type: ignore[arg-type]
            else:
                line.append(str(value))
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8-sig")


def plan_xlsx_bytes(rows: Iterable[PlanRow], *, sheet_name: str = "Action plan") -> bytes:
    """Write the plan as a one-sheet workbook with date cells, number cells and text cells.

    Text is always written as a text cell (never a formula, whatever it starts with: one that
    a spreadsheet would run also gets Excel's quote prefix), dates are shown the British way.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    header = workbook.add_format({"bold": True, "border": 1, "align": "center",
                                  "valign": "top"})
    as_date = workbook.add_format({"num_format": "DD/MM/YYYY"})
    as_text = workbook.add_format({"quote_prefix": True})
    for number, column in enumerate(PLAN_COLUMNS):
        sheet.write_string(0, number, column, header)
    text_columns, numbers = set(_TEXT_COLUMNS), set(_NUMBER_COLUMNS)
    for line, row in enumerate(rows, start=1):
        for number, (column, value) in enumerate(_cells(row).items()):
            if column in numbers:
                value = _xlsx_number(value)  # type: ignore[arg-type]
            elif isinstance(value, date):
                value = _xlsx_date(value)
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(line, number, value,
                                   as_text if column in text_columns
                                   and value.startswith(_FORMULA_START) else None)
            elif isinstance(value, date):
                sheet.write_datetime(line, number, value, as_date)
            else:
                sheet.write_number(line, number, value)
    workbook.close()
    return buffer.getvalue()


def number_text(value: Decimal) -> str:
    """Write a number as people type it: no exponent, no trailing zeros (1200, 12.5, -0.25)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# A leading apostrophe stops a spreadsheet running the cell as a formula (OWASP's advice on CSV
# injection); one is added before an apostrophe too, so that removing one is always right. The
# starts are every character a spreadsheet takes as one: = + - @, tab and the line breaks, and
# their full-width and small forms (an East Asian input method types them, Excel converts them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'",
                  "\uff1d", "\uff0b", "\uff0d", "\uff20",  # full-width = + - @
                  "\ufe66", "\ufe62", "\ufe63",  # small = + -
                  "\u2212")  # minus sign


def _csv_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def formula_safe(text: str) -> str:
    """Return text that a spreadsheet shows as text and never runs as a formula (any export)."""
    return _csv_text(text)


def _csv_unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


#: Excel cannot show dates before 1900: those are written as ISO text, which reads back the same.
_FIRST_EXCEL_DATE = date(1900, 1, 1)


def _xlsx_date(value: date | None) -> date | str | None:
    if value is None or value >= _FIRST_EXCEL_DATE:
        return value
    return value.isoformat()


def _xlsx_number(value: Decimal | None) -> int | float | str | None:
    """Return a number cell when it holds the value exactly (Excel keeps 15 digits), else text."""
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return number_text(value)


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowKeys:
    """What a plan-level check needs of a row, read even when other cells of the row are wrong."""

    row: int
    action_id: int | None
    theme: str
    owner_email: str


@dataclass(frozen=True)
class PlanSheet:
    """A plan sheet read in one pass: its usable rows, the keys of every row, every problem."""

    rows: list[PlanRow]
    keys: list[RowKeys]
    problems: list[Problem]


def read_plan_sheet(
    data: bytes, filename: str, *, drafts: bool = False, limits: Limits = DEFAULT_LIMITS
) -> list[PlanRow]:
    """Read a plan sheet (CSV or XLSX bytes) into rows, in file order.

    Raises ``ExtractValidationError`` listing every problem, each placed by row (the header is
    row 1) and column, when anything in the file cannot be used. With ``drafts``, the owner's
    email and the due date may be blank (draft actions): the caller then decides which rows may
    be drafts.
    """
    sheet = read_plan_sheet_all(data, filename, drafts=drafts, limits=limits)
    if sheet.problems:
        raise ExtractValidationError(sheet.problems)
    return sheet.rows


def read_plan_sheet_all(
    data: bytes, filename: str, *, drafts: bool = False, limits: Limits = DEFAULT_LIMITS
) -> PlanSheet:
    """Read every row of a plan sheet, keeping the problems of each cell instead of stopping.

    The usable rows come back with the keys (action ID, theme, owner) of every row, so that a
    caller can check those against the plan in the same pass and list every problem at once.
    Only a file that cannot be read as a table at all raises ``ExtractValidationError``.
    """
    try:
        found = read_columns(data, filename, PLAN_COLUMNS, text=PLAN_COLUMNS, limits=limits)
    except ExtractValidationError as error:
        if len(error.problems) == 1 and error.problems[0].message in _NO_ROWS:
            raise ExtractValidationError([Problem(filename, None, None, NO_ACTIONS)]) from None
        raise
    if found.problems:
        raise ExtractValidationError(found.problems)
    index = found.columns[PLAN_COLUMNS[0]].index
    if len(index) > MAX_ACTIONS:
        raise ExtractValidationError([Problem(
            filename, None, None,
            f"The file has {len(index):,} actions in it. A plan sheet can have at most "
            f"{MAX_ACTIONS:,}",
        )])
    unguard = not data.startswith(XLSX_MAGIC)
    cells = zip(index, *(found.columns[c].tolist() for c in PLAN_COLUMNS), strict=True)
    rows: list[PlanRow] = []
    keys: list[RowKeys] = []
    problems: list[Problem] = []
    ids: dict[int, list[int]] = {}
    for row, *texts in cells:
        reader = _RowReader(filename, int(row), dict(zip(PLAN_COLUMNS, texts, strict=True)),
                            unguard=unguard, drafts=drafts)
        plan_row = reader.plan_row()
        problems += reader.problems
        keys.append(RowKeys(reader.row, reader.action_id, reader.cells["theme"],
                            reader.cells["owner_email"]))
        if reader.action_id is not None:
            ids.setdefault(reader.action_id, []).append(reader.row)
        if plan_row is not None:
            rows.append(plan_row)
    for action_id, where in ids.items():
        if len(where) > 1:
            problems.append(rows_problem(filename, "action_id", where,
                                         f"Action ID {action_id} appears more than once, in {{rows}}",
                                         value=str(action_id)))
    problems.sort(key=lambda p: (p.row or 0, PLAN_COLUMNS.index(p.column) if p.column else 0))
    return PlanSheet(rows, keys, problems)


_WHOLE = re.compile(r"\d+", re.ASCII)
# Plausible, not RFC 5322: one @, no spaces, a dot in the domain. The caller checks membership.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_EMAIL_LIMIT = 254
_INDICATOR_KEYS = {indicator.casefold(): indicator for indicator in INDICATOR_IDS}
_INDICATOR_SEPARATORS = re.compile(r"[;,]")
_STATUS_KEYS = {
    key: value
    for value, label in STATUS_LABELS.items()
    for key in (value.replace("_", " "), label.casefold())
}
_STATUS_SPACING = re.compile(r"[\s_-]+")


class _RowReader:
    """Read the cells of one row, keeping a problem for each cell that cannot be used."""

    def __init__(self, filename: str, row: int, cells: Mapping[str, str], *, unguard: bool,
                 drafts: bool):
        self.filename = filename
        self.required = _REQUIRED.keys() - _DRAFT_BLANKS if drafts else _REQUIRED.keys()
        self.row = row
        cells = {c: t.strip() for c, t in cells.items()}
        self.cells = {c: _csv_unguard(t) if unguard else t for c, t in cells.items()}
        self.where = f" in row {row}"
        self.problems: list[Problem] = []
        self.action_id: int | None = None

    def plan_row(self) -> PlanRow | None:
        # each column's reader (_READERS) gives the type PlanRow holds in that column
        values: dict[str, Any] = {column: self.read(column) for column in PLAN_COLUMNS}
        self.action_id = values["action_id"]
        start, due = values["start_date"], values["due_date"]
        if start is not None and due is not None and due < start:
            self.problem("due_date", f"Due date{self.where} must be on or after the start date")
        if self.problems:
            return None
        return PlanRow(**values, row=self.row)

    def read(self, column: str) -> object:
        text = self.cells[column]
        if not text:
            if column in self.required:
                self.problem(column, f"{_REQUIRED[column]}{self.where}")
            return _BLANK.get(column)
        if column in _DATE_COLUMNS:
            return self.date(column, text)
        if column in _NUMBER_COLUMNS:
            return self.number(column, text)
        reader = _READERS.get(column)
        return reader(self, column, text) if reader else self.text(column, text)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(
            self.filename, self.row, column, message, rows=(self.row,), row_count=1,
            value=self.cells[column] or None,
        ))

    def text(self, column: str, text: str) -> str:
        check = single_line if column in _LINE_COLUMNS else multi_line
        try:
            return check(text, name=f"{_LABELS[column]}{self.where}", max_length=TEXT_LIMITS[column])
        except ValueRejected as rejected:
            self.problem(column, rejected.message)
            return text

    def action_id_(self, column: str, text: str) -> int | None:
        if not _WHOLE.fullmatch(text) or int(text) == 0:
            self.problem(column, f"Action ID{self.where} must be a whole number above 0, like 12, "
                                 f"or blank for a new action, not {quote(text)}")
            return None
        if int(text) > MAX_ACTION_ID:
            self.problem(column, f"Action ID{self.where} is too large to be an action's ID: leave "
                                 "it blank for a new action")
            return None
        return int(text)

    def version(self, column: str, text: str) -> int | None:
        if not _WHOLE.fullmatch(text) or not 0 < int(text) <= MAX_ACTION_ID:
            self.problem(column, f"Version{self.where} must be the whole number the export gave, "
                                 f"like 3, or blank, not {quote(text)}")
            return None
        return int(text)

    def email(self, column: str, text: str) -> str:
        if len(text) > _EMAIL_LIMIT or not _EMAIL.fullmatch(text) or not text.isprintable():
            self.problem(column, f"Owner email{self.where} must be an email address in the correct "
                                 f"format, like name@example.com, not {quote(text)}")
        return text

    def status(self, column: str, text: str) -> str | None:
        value = _STATUS_KEYS.get(_STATUS_SPACING.sub(" ", text.casefold()).strip())
        if value is None:
            self.problem(column, f"Status {quote(text)}{self.where} is not one of: "
                                 f"{', '.join(STATUS_LABELS.values())}")
        return value

    def date(self, column: str, text: str) -> date | None:
        value = parse_date(text)
        if value is None:
            self.problem(column, f"{_LABELS[column]}{self.where} must be a real date, like "
                                 f"31/03/2026, not {quote(text)}")
        return value

    def number(self, column: str, text: str) -> Decimal | None:
        try:
            return parse_decimal(text, name=f"{_LABELS[column]}{self.where}", shown=text)
        except ValueRejected as rejected:
            self.problem(column, rejected.message)
            return None

    def indicators(self, column: str, text: str) -> tuple[IndicatorRef, ...]:
        refs: list[IndicatorRef] = []
        for item in _INDICATOR_SEPARATORS.split(text):
            ref = self.indicator(column, item.split())
            if ref is None:
                continue
            if ref in refs:
                self.problem(column, f"Indicators{self.where} list {ref} more than once")
            else:
                refs.append(ref)
        return tuple(refs)

    def indicator(self, column: str, words: list[str]) -> IndicatorRef | None:
        if not words:  # nothing between two separators, or after the last
            return None
        if len(words) > 2:
            self.problem(column, f"Indicators{self.where} must each be an indicator and, if "
                                 f"needed, a service area, like 'SCW2 adults; SCW3', not "
                                 f"{quote(' '.join(words))}")
            return None
        indicator = _INDICATOR_KEYS.get(words[0].casefold())
        if indicator is None:
            self.problem(column, f"Indicator {quote(words[0])}{self.where} is not one of SCW1 to "
                                 "SCW9 (SCW7 is SCW7a or SCW7b)")
        area = words[1].casefold() if len(words) == 2 else ALL
        if area not in SERVICE_AREAS:
            self.problem(column, f"Service area {quote(words[1])} for {words[0]}{self.where} must "
                                 "be all, adults or children")
        if indicator is None or area not in SERVICE_AREAS:
            return None
        return IndicatorRef(indicator, area)


_READERS = {
    "action_id": _RowReader.action_id_,
    "version": _RowReader.version,
    "owner_email": _RowReader.email,
    "status": _RowReader.status,
    "indicators": _RowReader.indicators,
}
#: What a blank optional cell reads as (None where not listed).
_BLANK: dict[str, object] = {
    **dict.fromkeys((f.column for f in TEXT_FIELDS), ""),
    "indicators": (),
}
