"""Write an action plan as a spreadsheet (CSV or XLSX) and read it back, every problem named.

Councils keep plans in spreadsheets, so a plan goes out and comes back in one sheet, one row an
action, with the columns of ``PLAN_COLUMNS`` (headers match case-insensitively, ignoring
surrounding spaces; every column must be there; extra columns are ignored; blank rows are
skipped). Reading what was written gives equal rows: ``read_plan_sheet(plan_csv_bytes(rows), ...)
== rows`` for any rows the reader accepts, and the same for XLSX.

- ``action_id``: blank for a new action, else the existing action's id.
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

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from tracker.domain.definitions import ALL, INDICATOR_IDS, SERVICE_AREAS
from tracker.domain.plans import STATUS_LABELS as PLAN_STATUS_LABELS
from tracker.domain.problems import ExtractValidationError, Problem, quote, rows_problem
from tracker.domain.tabular import DEFAULT_LIMITS, XLSX_MAGIC, Limits, read_columns
from tracker.domain.templates import to_csv_bytes

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

PLAN_COLUMNS: tuple[str, ...] = (
    "action_id", "theme", "title", "description", "indicators", "owner_email", "lead_role",
    "partners", "start_date", "due_date", "status", "success_measure", "measure_unit",
    "measure_baseline", "measure_target", "measure_current",
)

#: Action statuses (value -> label) in the order people meet them (domain.md section 5).
#: Status value -> label, in order (the single table lives in tracker.domain.plans).
STATUS_LABELS: dict[str, str] = {status.value: label for status, label in PLAN_STATUS_LABELS.items()}

#: Longest text each column may hold, in characters (None: no limit here).
TEXT_LIMITS: dict[str, int | None] = {
    "theme": None, "title": 200, "description": 4000, "lead_role": 200, "partners": 200,
    "success_measure": 2000, "measure_unit": 200,
}
#: Measures are stored as Numeric(14, 4): at most 4 decimal places, and below 10 billion in size.
MEASURE_PLACES = 4
MEASURE_LIMIT = Decimal(10) ** 10
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

_TEXT_COLUMNS = ("theme", "title", "description", "indicators", "owner_email", "lead_role",
                 "partners", "status", "success_measure", "measure_unit")
_DATE_COLUMNS = ("start_date", "due_date")
_NUMBER_COLUMNS = ("measure_baseline", "measure_target", "measure_current")
_REQUIRED = {
    "theme": "Enter a theme",
    "title": "Enter a title",
    "owner_email": "Enter the owner's email address",
    "due_date": "Enter a due date",
    "status": "Enter a status",
}
#: Required cells that a draft action may leave blank.
_DRAFT_BLANKS = frozenset({"owner_email", "due_date"})
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


# Characters an XLSX file cannot hold (as openpyxl refuses them); a vertical tab is Word's line
# break pasted into a cell, so it becomes one.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return _UNSTORABLE.sub("", text).strip()


# -- writing ------------------------------------------------------------------------------------


def plan_frame(rows: Iterable[PlanRow]) -> pd.DataFrame:
    """Return the plan as a frame: ``PLAN_COLUMNS``, one row an action.

    ``action_id`` is a nullable integer, dates are ``datetime.date`` and measures ``Decimal``
    (None when blank); other cells are text, the status as its label.
    """
    rows = list(rows)
    data: dict[str, object] = {
        "action_id": pd.array([r.action_id for r in rows], dtype="Int64"),
        "indicators": pd.array([format_indicators(r.indicators) for r in rows], dtype="str"),
        "status": pd.array([STATUS_LABELS[r.status] for r in rows], dtype="str"),
    }
    for column in _TEXT_COLUMNS:
        if column not in data:
            data[column] = pd.array([getattr(r, column) for r in rows], dtype="str")
    for column in (*_DATE_COLUMNS, *_NUMBER_COLUMNS):
        data[column] = pd.Series([getattr(r, column) for r in rows], dtype=object)
    return pd.DataFrame({column: data[column] for column in PLAN_COLUMNS})


def _each(column: pd.Series, convert: Callable[[Any], object]) -> pd.Series:
    """Convert each cell, keeping Python objects (no inferred dtype turning 12 into 12.0)."""
    return pd.Series([convert(value) for value in column], index=column.index, dtype=object)


def plan_csv_bytes(rows: Iterable[PlanRow]) -> bytes:
    """Write the plan as CSV UTF-8 (dates as 2026-03-31, numbers as typed: 1200, 12.5)."""
    frame = plan_frame(rows)
    for column in _TEXT_COLUMNS:
        frame[column] = _each(frame[column], _csv_text)
    for column in _DATE_COLUMNS:
        frame[column] = _each(frame[column], lambda d: "" if d is None else d.isoformat())
    for column in _NUMBER_COLUMNS:
        frame[column] = _each(frame[column], lambda n: "" if n is None else number_text(n))
    return to_csv_bytes(frame)


def plan_xlsx_bytes(rows: Iterable[PlanRow], *, sheet_name: str = "Action plan") -> bytes:
    """Write the plan as a one-sheet workbook with date cells, number cells and text cells."""
    frame = plan_frame(rows)
    for column in _DATE_COLUMNS:
        frame[column] = _each(frame[column], _xlsx_date)
    for column in _NUMBER_COLUMNS:
        frame[column] = _each(frame[column], _xlsx_number)
    # templates.to_xlsx_bytes, plus: openpyxl stores text starting '=' as a formula (which
    # would run, or read back blank), and dates are shown the British way.
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet_name)
        for line in writer.sheets[sheet_name].iter_rows(min_row=2):
            for cell in line:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True
                elif cell.is_date:
                    cell.number_format = "DD/MM/YYYY"
    return buffer.getvalue()


def number_text(value: Decimal) -> str:
    """Write a number as people type it: no exponent, no trailing zeros (1200, 12.5, -0.25)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# A leading apostrophe stops a spreadsheet running the cell as a formula (OWASP's advice on CSV
# injection); one is added before an apostrophe too, so that removing one is always right.
_FORMULA_START = ("=", "+", "-", "@", "'")


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
        texts = [_clean(t) for t in texts]
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
_NUMBER = re.compile(
    r"[+-]?(?:(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?", re.ASCII
)
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

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
                       re.ASCII)
_UK_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII)
_WORDS_DATE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})",
                         re.ASCII | re.IGNORECASE)
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}


def parse_date(text: str) -> date | None:
    """Read 2026-03-31, 31/03/2026 (or 31-03-2026, 31.03.2026) or 31 March 2026; None if not a date.

    An ISO date may carry a time, as a workbook's date cell does (2026-03-31T00:00:00).
    """
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.group(1, 2, 3)
    elif match := _UK_DATE.fullmatch(text):
        day, month, year = match.group(1, 3, 4)
    elif (match := _WORDS_DATE.fullmatch(text)) and match.group(2).casefold() in _MONTHS:
        day, month, year = match.group(1), _MONTHS[match.group(2).casefold()], match.group(3)
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


class _RowReader:
    """Read the cells of one row, keeping a problem for each cell that cannot be used."""

    def __init__(self, filename: str, row: int, cells: Mapping[str, str], *, unguard: bool,
                 drafts: bool):
        self.filename = filename
        self.required = _REQUIRED.keys() - _DRAFT_BLANKS if drafts else _REQUIRED.keys()
        self.row = row
        self.cells = {c: _csv_unguard(t) if unguard else t for c, t in cells.items()}
        self.where = f" in row {row}"
        self.problems: list[Problem] = []
        self.action_id: int | None = None

    def plan_row(self) -> PlanRow | None:
        values = {column: self.read(column) for column in PLAN_COLUMNS}
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
        limit = TEXT_LIMITS[column]
        if limit is not None and len(text) > limit:
            self.problem(column, f"{_LABELS[column]}{self.where} must be {limit:,} characters or "
                                 f"less (it has {len(text):,})")
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

    def email(self, column: str, text: str) -> str:
        if len(text) > _EMAIL_LIMIT or not _EMAIL.fullmatch(text):
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
        label = _LABELS[column]
        if not _NUMBER.fullmatch(text):
            self.problem(column, f"{label}{self.where} must be a number, like 12.5 or 1,200, "
                                 f"not {quote(text)}")
            return None
        value = Decimal(text.replace(",", ""))
        if abs(value) >= MEASURE_LIMIT:
            self.problem(column, f"{label}{self.where} must be between -{MEASURE_LIMIT:,} and "
                                 f"{MEASURE_LIMIT:,}, not {quote(text)}")
            return None
        if _decimal_places(value) > MEASURE_PLACES:
            self.problem(column, f"{label}{self.where} must have {MEASURE_PLACES} decimal places "
                                 f"or fewer, not {quote(text)}")
            return None
        return value

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
    "owner_email": _RowReader.email,
    "status": _RowReader.status,
    "indicators": _RowReader.indicators,
}
#: What a blank optional cell reads as (None where not listed).
_BLANK: dict[str, object] = {
    **dict.fromkeys(("description", "lead_role", "partners", "success_measure", "measure_unit"),
                    ""),
    "indicators": (),
}


def _decimal_places(value: Decimal) -> int:
    """Count the decimal places a number needs (1.50 needs 1), without rounding."""
    _, digits, exponent = value.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if trailing == len(digits):  # zero
        return 0
    return max(0, -(exponent + trailing))
