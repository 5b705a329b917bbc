"""Read one value of each kind the tracker stores, the same way from a form and from a file.

One parser per kind of value: counts (whole numbers of people), decimals (a measure, stored as
``Numeric(14, 4)``), dates, single-line text (titles, names, labels) and multi-line text (notes,
descriptions). Forms (tracker/forms) and file readers (plan sheets, the counts template) call
these, so a value one accepts the other accepts too, and a value one refuses the other refuses
with the same words.

Each parser takes the text as typed and a ``name`` that starts its message ("Title", or "Title in
row 3" for a file). A refused value raises ``ValueRejected`` with a message that reads on its own.
``shown``, when given, is the text as the person typed it, quoted at the end of the message (files
show it; a form shows it in the box already). A blank value reads as None (or "" for text): the
caller decides whether a blank is allowed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

__all__ = [
    "DECIMAL_LIMIT",
    "DECIMAL_PLACES",
    "ValueRejected",
    "date_from_parts",
    "decimal_places",
    "multi_line",
    "parse_count",
    "parse_date",
    "parse_decimal",
    "single_line",
    "storable",
]


class ValueRejected(ValueError):
    """A value that cannot be used; ``message`` says why, naming the field (and row)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _not(shown: str | None) -> str:
    if shown is None:
        return ""
    text = shown if len(shown) <= 60 else shown[:59] + "…"
    return f", not '{text}'"


# -- counts -------------------------------------------------------------------------------------

#: A whole number as people write it: 1200 or 1,200 (commas only between groups of three).
_COUNT = re.compile(r"\d+|\d{1,3}(?:,\d{3})+", re.ASCII)
#: More digits than any count: refused before Python turns a huge string into an integer.
_COUNT_DIGITS = 12


def parse_count(text: str, *, name: str, maximum: int | None = None,
                shown: str | None = None) -> int | None:
    """Read a whole number of people, 0 or more (``1,200`` yes; ``1,2,3``, ``12.0``, ``-1`` no)."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("-") and _COUNT.fullmatch(text[1:]):
        raise ValueRejected(f"{name} must be 0 or more{_not(shown)}")
    if not _COUNT.fullmatch(text):
        example = "" if shown is not None else ", like 12"
        raise ValueRejected(f"{name} must be a whole number{example}{_not(shown)}")
    digits = text.replace(",", "")
    if maximum is not None and (len(digits) > _COUNT_DIGITS or int(digits) > maximum):
        raise ValueRejected(f"{name} must be {maximum:,} or fewer{_not(shown)}")
    return int(digits)


# -- decimals -----------------------------------------------------------------------------------

#: Measures are stored as Numeric(14, 4): at most 4 decimal places, and below 10 billion in size.
DECIMAL_PLACES = 4
DECIMAL_LIMIT = Decimal(10) ** 10
_DECIMAL = re.compile(
    r"[+-]?(?:(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?", re.ASCII
)


def parse_decimal(text: str, *, name: str, places: int = DECIMAL_PLACES,
                  limit: Decimal = DECIMAL_LIMIT, shown: str | None = None) -> Decimal | None:
    """Read a number such as 12.5, -3 or 1,200, with at most ``places`` decimal places.

    Never rounds: a value the database would round is refused, saying how many places it may have.
    """
    text = text.strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise ValueRejected(f"{name} must be a number, like 12.5 or 1,200{_not(shown)}")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValueRejected(f"{name} must be a number, like 12.5 or 1,200{_not(shown)}") from None
    if abs(value) >= limit:
        raise ValueRejected(f"{name} must be between -{limit:,} and {limit:,}{_not(shown)}")
    if decimal_places(value) > places:
        raise ValueRejected(f"{name} must have {places} decimal places or fewer{_not(shown)}")
    return value


def decimal_places(value: Decimal) -> int:
    """Count the decimal places a number needs (1.50 needs 1), without rounding."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: the pattern admits no NaN or Infinity
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if trailing == len(digits):  # zero
        return 0
    return max(0, -(exponent + trailing))


# -- dates --------------------------------------------------------------------------------------

#: The first year a date may have: earlier years are typing mistakes (25 for 2025).
FIRST_YEAR = 1900

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
        day, month, year = match.group(1), str(_MONTHS[match.group(2).casefold()]), match.group(3)
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def date_from_parts(day: str, month: str, year: str, *, noun: str) -> date | None:
    """Read a date typed in the GOV.UK day, month and year boxes; None when all are blank.

    ``noun`` names the date in the messages ("due date": "Due date must be a real date").
    """
    parts = [part.strip() for part in (day, month, year)]
    name = noun[:1].upper() + noun[1:]
    if not any(parts):
        return None
    if not all(parts):
        missing = [box for box, part in zip(("day", "month", "year"), parts, strict=True)
                   if not part]
        raise ValueRejected(f"{name} must include a {' and '.join(missing)}")
    if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
        raise ValueRejected(f"{name} must be a real date")
    if len(parts[2]) != 4:
        raise ValueRejected(f"{name} must have a 4-digit year, like 2025")
    try:
        value = datetime.strptime(" ".join(parts), "%d %m %Y").date()
    except ValueError:
        raise ValueRejected(f"{name} must be a real date") from None
    if value.year < FIRST_YEAR:
        raise ValueRejected(f"{name} must have a 4-digit year, like 2025")
    return value


# -- text ---------------------------------------------------------------------------------------

#: Line breaks of every kind a browser, a spreadsheet or a word processor may send.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: Control characters other than tab and line breaks (NUL among them), and the two non-characters
#: a workbook cannot hold.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def single_line(text: str, *, name: str, max_length: int | None = None) -> str:
    """Check one line of text (a title, a name, a label): no line breaks, tabs or control characters.

    Returns the text with surrounding spaces removed.
    """
    text = text.strip()
    if _LINE_BREAKS.search(text):
        raise ValueRejected(f"{name} must be on one line: remove the line break")
    if "\t" in text or _CONTROL.search(text):
        raise ValueRejected(f"{name} must not contain tabs or control characters")
    _check_length(text, name, max_length)
    return text


def multi_line(text: str, *, name: str, max_length: int | None = None) -> str:
    """Check text that may span lines (a description, a note): newlines and tabs only.

    Every kind of line break becomes a newline ('\\n'); surrounding spaces are removed.
    """
    text = _LINE_BREAKS.sub("\n", text).strip()
    if _CONTROL.search(text):
        raise ValueRejected(f"{name} must not contain control characters")
    _check_length(text, name, max_length)
    return text


def storable(text: str) -> str:
    """Return text as a file keeps it: every line break a newline, control characters dropped."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text)).strip()


def _check_length(text: str, name: str, max_length: int | None) -> None:
    if max_length is not None and len(text) > max_length:
        raise ValueRejected(f"{name} must be {max_length:,} characters or fewer "
                            f"(it has {len(text):,})")
