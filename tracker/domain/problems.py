"""Describe what is wrong with an uploaded file, every problem at once, in plain words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Rows kept on a problem; the total is in ``row_count``.
ROWS_KEPT = 100
#: Row numbers or ranges written out in a message before "and N more rows".
ROWS_SHOWN = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, placed as a spreadsheet shows it (the header is row 1).

    ``message`` reads on its own (it names the rows, the column and the label or id), so a page or
    a terminal can show it as it is. ``rows`` keeps at most ``ROWS_KEPT`` row numbers;
    ``row_count`` says how many rows the problem covers in all.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    row_count: int = 0
    value: str | None = None
    #: For a column not found: the headers the file has (to list once, beside the problems).
    headers: tuple[str, ...] = ()
    #: The workbook's sheet the problem is in (None for CSV, or before a sheet was read).
    sheet: str | None = None

    @property
    def where(self) -> str:
        """Name the file, and the sheet when it came from a workbook: "hr.xlsx, sheet 'Data'"."""
        return self.file + (f", sheet {quote(self.sheet)}" if self.sheet else "")

    def to_dict(self) -> dict:
        """Return a JSON-serialisable copy."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "rows": list(self.rows),
            "row_count": self.row_count,
            "value": self.value,
            **({"headers": list(self.headers)} if self.headers else {}),
            **({"sheet": self.sheet} if self.sheet else {}),
        }


    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        """Return the problem ``to_dict`` wrote (kept by a background check)."""
        return cls(file=data["file"], row=data.get("row"), column=data.get("column"),
                   message=data["message"], rows=tuple(data.get("rows", ())),
                   row_count=data.get("row_count", 0), value=data.get("value"),
                   headers=tuple(data.get("headers", ())), sheet=data.get("sheet"))


class ProblemsError(Exception):
    """Raised with every problem found, so that people can fix them all in one go."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(format_problems(self.problems))


class ExtractValidationError(ProblemsError):
    """An uploaded extract or counts template cannot be used as it stands."""


class ExtraMappingError(ProblemsError):
    """The installation's extra ethnicity mapping cannot be used as it stands."""


def describe_rows(rows: Sequence[int], total: int | None = None) -> str:
    """Write row numbers as people read them: 'row 3', 'rows 3, 7, 9', 'rows 4 to 8, 12'.

    Consecutive rows become a range; after ``ROWS_SHOWN`` items the rest is counted, not listed.
    ``total`` is the full number of rows when ``rows`` was cut short.
    """
    total = len(rows) if total is None else total
    if total == 1 and rows:
        return f"row {rows[0]}"
    parts: list[str] = []
    shown = 0
    start: int | None = None  # the run being read is start..previous
    previous = 0
    for row in rows:
        if start is not None and row == previous + 1:
            previous = row
            continue
        if start is not None:
            parts.append(_span(start, previous))
            shown += previous - start + 1
            if len(parts) == ROWS_SHOWN:
                start = None
                break
        start = previous = row
    if start is not None:
        parts.append(_span(start, previous))
        shown += previous - start + 1
    text = "rows " + ", ".join(parts)
    if total > shown:
        text += f" and {total - shown:,} more"
    return text


def _span(start: int, end: int) -> str:
    if start == end:
        return str(start)
    if end == start + 1:
        return f"{start}, {end}"
    return f"{start} to {end}"


def rows_problem(
    file: str, column: str | None, rows: Sequence[int], message: str, value: str | None = None
) -> Problem:
    """Build a problem covering ``rows``; ``message`` may use ``{rows}`` for their description."""
    rows = [int(r) for r in rows]
    kept = tuple(rows[:ROWS_KEPT])
    text = message.format(rows=describe_rows(kept, len(rows)))
    return Problem(
        file=file,
        row=kept[0] if kept else None,
        column=column,
        message=text,
        rows=kept,
        row_count=len(rows),
        value=value,
    )


def format_problems(problems: Iterable[Problem]) -> str:
    """Return one line per problem for a terminal: 'file: message' ('file, sheet 'Data':
    message' for a workbook's sheet).

    The message already names the row or rows, the column and the label or id.
    """
    return "\n".join(f"{p.where}: {p.message}" for p in problems)


def quote(value: object, limit: int = 60) -> str:
    """Show a cell value inside a message, shortened when it is long."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def headers_found(problems: Sequence[Problem]) -> list[tuple[str, int | None, str]]:
    """Return (file and sheet, header row, "the headers found" sentence) once for each file
    with a column not found, for listing beside its problems."""
    listed: dict[str, tuple[str, int | None, str]] = {}
    for problem in problems:
        if problem.headers and problem.file not in listed:
            shown = problem.headers
            text = ", ".join(quote(h, 40) for h in shown[:40])
            if len(shown) > 40:
                text += f" and {len(shown) - 40:,} more"
            listed[problem.file] = (problem.where, problem.row,
                                    f"The headers found in row {problem.row} are {text}")
    return list(listed.values())
