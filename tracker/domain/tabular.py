"""Read the columns a check needs from an uploaded table: CSV, XLSX, XLSM, ODS or XLS.

What a council's systems export is read as it comes (see ``docs``: the README's "Loading data"):

- the format is recognised by the file's content, never its name;
- CSV: the encoding (UTF-8 with or without a byte-order mark, Windows-1252, UTF-16 with a
  byte-order mark), the delimiter (comma, semicolon, tab or bar) and a ``sep=`` first line;
- workbooks through python-calamine (a maintained Rust reader: about 17 times faster than
  openpyxl on a 100,000-row sheet, see bench/readers.py): the sheet that holds the header when
  it is not the first (or the one asked for), and the list of sheets;
- the header row below title rows and merged group-header rows: the row among the first
  ``HEADER_SEARCH_ROWS`` that names the most known columns;
- a totals row at the bottom is left out (and said so).

Every file is bounded while it is read, never after: ``Limits`` caps the rows, the columns, the
cells and the length of a cell, and a workbook's sheet is scanned as a compressed stream before
any reader lays it out in memory (a sheet with one cell in column XFD on 20,000 rows would
otherwise take 2.7 GB). Anything that cannot be read ends in ``ExtractValidationError``, never
another exception.

Rows are numbered as a spreadsheet shows them. Headers match case-insensitively, ignoring
surrounding spaces; other columns, and cells beyond the header row's width, are ignored. A row
blank in every column read is left out. Only the needed columns are kept, parsed straight into
categoricals so that each distinct value is handled once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from tracker.domain.problems import ExtractValidationError, Problem, quote
from tracker.domain.spellings import suggest

XLSX_MAGIC = b"PK\x03\x04"
# Old .xls workbooks and password-protected .xlsx files are OLE compound documents.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: UTF-8 first (a byte-order mark is dropped), then Windows-1252, which Excel writes.
ENCODINGS = ("utf-8", "cp1252")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark",
                  "cp1252": "Windows-1252", "utf-16": "UTF-16"}
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
NOT_A_TABLE = ("The file must be a CSV file or a spreadsheet workbook (.xlsx, .xlsm, .ods or "
               ".xls)")
#: Rows at the top of a file searched for the header row.
HEADER_SEARCH_ROWS = 30
#: Cell texts that mark a totals row at the bottom of a file.
TOTAL_WORDS = frozenset({"total", "totals", "grand total", "overall total", "all staff"})
#: Sample values kept per column, for the mapping page.
SAMPLES = 5


@dataclass(frozen=True)
class Limits:
    """The largest table read. The defaults take the largest council's extracts with room to
    spare (an Excel sheet's 1,048,576 rows; 1,000 columns where HR exports have at most a few
    hundred) and refuse what could only be an accident or an attack."""

    rows: int = 1_048_576
    columns: int = 1_000
    cells: int = 30_000_000
    cell_length: int = 32_767  # Excel's own limit
    #: Bytes a workbook's sheet (with its shared strings) may unpack to.
    unpacked_bytes: int = 1_500_000_000

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Limits:
        """Build limits from ``UPLOAD_MAX_*`` settings, defaults for those not set."""
        names = {"rows": "UPLOAD_MAX_ROWS", "columns": "UPLOAD_MAX_COLUMNS",
                 "cells": "UPLOAD_MAX_CELLS", "cell_length": "UPLOAD_MAX_CELL_LENGTH"}
        return cls(**{key: int(settings[name]) for key, name in names.items()
                      if settings.get(name) is not None})


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Layout:
    """What was found in a file and how it was read, for the preview and the mapping page."""

    format: str                      # CSV, XLSX, XLSM, ODS or XLS
    header_row: int                  # as the spreadsheet numbers it
    headers: tuple[str, ...]
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    delimiter: str | None = None
    encoding: str | None = None
    totals_row: int | None = None
    #: Header position -> the first few distinct non-blank values under it (as shown).
    samples: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        """Say in words how the file was read."""
        if self.format == "CSV":
            text = (f"Read as CSV: {DELIMITER_NAMES[self.delimiter or ',']}-delimited, "
                    f"{ENCODING_NAMES.get(self.encoding or 'utf-8', self.encoding)}")
        else:
            text = f"Read sheet {quote(self.sheet)} of the {self.format} workbook"
            if len(self.sheets) > 1:
                others = ", ".join(quote(s) for s in self.sheets if s != self.sheet)
                text += f" (other sheets: {others})"
        text += f"; headers in row {self.header_row}"
        if self.totals_row:
            text += f"; the totals row (row {self.totals_row}) was left out"
        return text

    def to_dict(self) -> dict:
        """Return a JSON-serialisable copy (samples keyed by header position)."""
        return {"format": self.format, "sheet": self.sheet, "sheets": list(self.sheets),
                "delimiter": self.delimiter, "encoding": self.encoding,
                "header_row": self.header_row, "headers": list(self.headers),
                "totals_row": self.totals_row, "description": self.describe(),
                "samples": {str(k): list(v) for k, v in self.samples.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Layout:
        """Return the layout ``to_dict`` wrote (kept by a background check)."""
        return cls(data["format"], data["header_row"], tuple(data["headers"]),
                   sheet=data.get("sheet"), sheets=tuple(data.get("sheets", ())),
                   delimiter=data.get("delimiter"), encoding=data.get("encoding"),
                   totals_row=data.get("totals_row"),
                   samples={int(k): tuple(v) for k, v in data.get("samples", {}).items()})


@dataclass(frozen=True, eq=False)
class Columns:
    """The required columns found in a file, indexed by spreadsheet row number.

    Each column is categorical (categories are the distinct cell texts) except those read as
    text, which are ``str``. A blank cell is ''. ``problems`` lists missing or repeated columns;
    ``found`` says which header each column was read from.
    """

    filename: str
    columns: dict[str, pd.Series]
    problems: list[Problem]
    layout: Layout | None = None
    found: dict[str, str] = field(default_factory=dict)
    #: Workbook cells (such as 'K12') in the columns read whose formula has no saved value.
    formula_cells: tuple[str, ...] = ()
    #: Merged ranges (such as 'F3:F7') that reach into the data rows of the columns read.
    merged_ranges: tuple[str, ...] = ()

    @property
    def missing(self) -> list[str]:
        """Return the required columns that were not found, or found more than once."""
        return [p.column for p in self.problems if p.column]

    @property
    def absent(self) -> list[str]:
        """Return the required columns not found at all (a header can be chosen for them)."""
        return [p.column for p in self.problems if p.column and p.value != "repeated"]


def normalise_header(value: object) -> str:
    """Match headers case-insensitively, ignoring surrounding and repeated spaces."""
    return " ".join(str(value).split()).casefold()


def read_columns(
    data: bytes,
    filename: str,
    required: Sequence[str],
    *,
    text: Collection[str] = (),
    flags: Collection[str] = (),
    spellings: Mapping[str, str] | None = None,
    chosen: Mapping[str, str] | None = None,
    sheet: str | None = None,
    prefer_sheet: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    totals: bool = False,
) -> Columns:
    """Read the ``required`` columns of a table's bytes (``text`` ones as plain strings).

    A column is the header ``chosen`` for it (canonical name -> header text), else a header
    spelled as its name, else one of its ``spellings`` (normalised header -> canonical name).
    ``flags`` are yes/no columns: their categories may come back as booleans, or as the integers
    0 and 1, when every cell looks like one. With ``totals``, a totals row at the bottom is
    left out (``layout.totals_row`` says which). A workbook's ``sheet`` is read as asked (an
    error names the sheets when it has no such sheet); else the first sheet naming known
    columns, looking at ``prefer_sheet`` first when the workbook has it. Raises
    ``ExtractValidationError`` when the bytes are not a readable table, it is larger than
    ``limits``, or it has no rows.
    """
    if not data:
        raise _fatal(filename, "The file is empty")
    reader = _open(data, filename, limits, sheet, _Matcher(required, spellings, chosen),
                   prefer_sheet)
    layout = reader.layout
    found, problems = _find_columns(filename, layout, required, spellings or {}, chosen or {})
    if not found:
        return Columns(filename, {}, problems, layout)
    frame, rows = reader.columns(
        {name: (position, name in text) for name, position in found.items()}, flags
    )
    if len(frame) == 0:
        raise _fatal(filename, "The file has no rows under the header row")
    _check_lengths(filename, frame, limits)
    blank = _blank_rows(frame)
    if blank is not None:
        frame, rows = frame[~blank], rows[~blank]
        if len(frame) == 0:
            raise _fatal(filename, "The file has no rows of data under the header row")
    totals_row = reader.totals_row(rows) if totals else None
    if totals_row is not None:
        keep = rows != totals_row
        frame, rows = frame[keep], rows[keep]
        layout = _replace(layout, totals_row=totals_row)
    index = pd.Index(rows, name="row")
    columns = {name: frame[name].set_axis(index) for name in found}
    used = set(found.values())
    return Columns(
        filename, columns, problems, layout,
        found={name: layout.headers[p] for name, p in found.items()},
        formula_cells=reader.formula_cells(used),
        merged_ranges=reader.merged_ranges(used, int(rows[-1]) if len(rows) else 0),
    )


def _replace(layout: Layout, **changes) -> Layout:
    from dataclasses import replace

    return replace(layout, **changes)


class _Matcher:
    """Score a row as a header: how many required columns it names."""

    def __init__(self, required: Sequence[str], spellings: Mapping[str, str] | None,
                 chosen: Mapping[str, str] | None):
        self.keys: dict[str, str] = {normalise_header(k): v for k, v in (spellings or {}).items()}
        self.keys.update({normalise_header(name): name for name in required})
        self.keys.update({normalise_header(h): name for name, h in (chosen or {}).items() if h})

    def score(self, row: Sequence[str]) -> tuple[int, int]:
        names = {self.keys.get(normalise_header(c)) for c in row if c.strip()}
        names.discard(None)
        return len(names), sum(1 for c in row if c.strip())


def _header_index(rows: Sequence[Sequence[str]], matcher: _Matcher) -> int:
    """Return the position of the header among the first rows (title rows and group headers
    above it name fewer known columns, or fill fewer cells)."""
    scores = [matcher.score(row) for row in rows]
    if not scores:
        return 0
    best = max(s[0] for s in scores)
    if best:
        return next(i for i, s in enumerate(scores) if s[0] == best)
    widest = max(s[1] for s in scores)
    return next(i for i, s in enumerate(scores) if s[1] == widest)


def _find_columns(
    filename: str, layout: Layout, required: Sequence[str], spellings: Mapping[str, str],
    chosen: Mapping[str, str],
) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, list[int]] = {}
    for position, cell in enumerate(layout.headers):
        positions.setdefault(normalise_header(cell), []).append(position)
    by_spelling: dict[str, list[str]] = {}
    for spelling, name in spellings.items():
        by_spelling.setdefault(name, []).append(normalise_header(spelling))
    problems: list[Problem] = []
    found: dict[str, int] = {}
    row = layout.header_row
    for name in required:
        keys = [normalise_header(name)] + by_spelling.get(name, [])
        if chosen.get(name):  # the header chosen first; a known spelling when it has gone
            keys.insert(0, normalise_header(chosen[name]))
        key = next((k for k in keys if k in positions), None)
        where = positions.get(key, []) if key is not None else []
        header = layout.headers[where[0]] if where else chosen.get(name)
        if not where:
            message = (f"The column {quote(chosen[name])} chosen for {name} is not in the file"
                       if chosen.get(name) else f"The file must have a column called '{name}'")
            near = suggest(name, layout.headers)
            if near is not None:
                message += f". Did you mean {quote(near)}?"
            problems.append(Problem(filename, row, name, message, headers=tuple(
                h for h in layout.headers if h.strip())))
        elif len(where) > 1:
            problems.append(Problem(
                filename, row, name, value="repeated",
                message=f"The file has {len(where)} columns called {quote(header)} (in row "
                        f"{row}). Keep one of them"))
        else:
            found[name] = where[0]
    return found, problems


def _check_lengths(filename: str, frame: pd.DataFrame, limits: Limits) -> None:
    for name in frame.columns:
        column = frame[name]
        values = column.cat.categories if isinstance(column.dtype, pd.CategoricalDtype) else column
        if len(values) and pd.Series(values).astype(str).str.len().max() > limits.cell_length:
            raise _fatal(filename, f"A cell in column {name} is longer than "
                                   f"{limits.cell_length:,} characters")


def _blank_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """Return which rows are blank (or only spaces) in every column, or None when none is."""
    blank = np.ones(len(frame), dtype=bool)
    text_columns = []
    for name in frame.columns:
        column = frame[name]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            text_columns.append(column)
            continue
        empty = np.array([not str(c).strip() for c in column.cat.categories] + [True])
        blank &= empty[column.cat.codes.to_numpy()]
        if not blank.any():
            return None
    for column in text_columns:  # plain-text columns are long: look only where still blank
        where = np.flatnonzero(blank)
        blank[where] = (column.iloc[where].str.strip() == "").to_numpy()
        if not blank.any():
            return None
    return blank


def cell_text(value: object) -> str:
    """Turn a workbook cell into the text a person sees (1.0 -> '1', empty -> '')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T00:00:00)?$")


def display_text(value: str) -> str:
    """Show a cell's text the way a person in England reads it (dates as 21/04/2024)."""
    match = _ISO_DATE.match(value)
    return f"{match[3]}/{match[2]}/{match[1]}" if match else value


def _fatal(filename: str, message: str) -> ExtractValidationError:
    return ExtractValidationError([Problem(filename, None, None, message)])


def _too_large(filename: str, what: str, limit: int) -> ExtractValidationError:
    return _fatal(filename, f"The file has more than {limit:,} {what}, more than a table of "
                            f"staff, applicants or respondents can have. Check that it is the "
                            f"right file, or remove what is not part of the table")


# -- opening ------------------------------------------------------------------------------------


def _open(data: bytes, filename: str, limits: Limits, sheet: str | None,
          matcher: _Matcher, prefer_sheet: str | None = None) -> _CsvReader | _WorkbookReader:
    if data.startswith(XLSX_MAGIC):
        return _WorkbookReader(data, filename, limits, sheet, matcher, prefer=prefer_sheet)
    if data.startswith(OLE_MAGIC):
        return _WorkbookReader(data, filename, limits, sheet, matcher, fmt="XLS",
                               prefer=prefer_sheet)
    return _CsvReader(data, filename, limits, matcher)


def _samples(rows: Sequence[Sequence[str]], width: int) -> dict[int, tuple[str, ...]]:
    samples: dict[int, list[str]] = {}
    for row in rows:
        for position in range(min(width, len(row))):
            value = row[position].strip()
            kept = samples.setdefault(position, [])
            if value and value not in kept and len(kept) < SAMPLES:
                kept.append(display_text(value))
    return {position: tuple(values) for position, values in samples.items()}


def _is_total(row: Sequence[str]) -> bool:
    """Say whether a row is a totals row: its first filled cell says so ('Total', 'Totals:')."""
    first = next((" ".join(c.split()).casefold().rstrip(":") for c in row if c.strip()), "")
    return first in TOTAL_WORDS or first.startswith("total ")


class _CsvReader:
    """CSV: detect the encoding, a ``sep=`` line, the delimiter and the header, then let
    pandas' C parser read the columns wanted."""

    def __init__(self, data: bytes, filename: str, limits: Limits, matcher: _Matcher):
        self.filename = filename
        self.limits = limits
        self.data, self.encoding, text = self._decode(data)
        if "\x00" in text:
            raise _fatal(filename, NOT_A_TABLE)
        # Quoted line breaks make this an overestimate, never an underestimate.
        if text.count("\n") > limits.rows + HEADER_SEARCH_ROWS:
            raise _too_large(filename, "rows", limits.rows)
        lines = text.splitlines()[: HEADER_SEARCH_ROWS + 1] if len(text) < 2**20 else \
            _first_lines(text, HEADER_SEARCH_ROWS + 1)
        skip = 0
        named: str | None = None  # by a sep= first line
        if lines and lines[0].lstrip("\ufeff").strip().casefold().startswith("sep=") and \
                len(lines[0].strip()) in (5, 6):
            named = lines[0].strip()[4:5] or ","
            skip = 1
            lines = lines[1:]
        if not any(line.strip() for line in lines):
            raise _fatal(filename, "The file is empty")
        self.delimiter: str = named or _sniff_delimiter(lines, matcher, limits.columns)
        widest = max(line.count(self.delimiter) for line in lines) + 1
        if widest > limits.columns:
            raise _too_large(filename, "columns", limits.columns)
        records, consumed = _records(lines, self.delimiter)
        index = _header_index(records, matcher)
        header = tuple(records[index]) if records else ()
        if not any(cell.strip() for cell in header):
            raise _fatal(filename, "The first row must be a header row naming the columns")
        self.skip_lines = skip + consumed[index]
        self.header_row = index + 1  # Excel hides a sep= line: rows are numbered after it
        self.layout = Layout(
            "CSV", self.header_row, header, delimiter=self.delimiter,
            encoding=self.encoding, samples=_samples(records[index + 1:], len(header)),
        )
        self._text_tail = text[-4096:]

    def _decode(self, data: bytes) -> tuple[bytes, str, str]:
        if data.startswith(UTF16_BOMS):
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                raise _fatal(self.filename, "The file's text cannot be read. Save it as CSV "
                                            "UTF-8 (comma delimited)") from None
            return text.encode("utf-8"), "utf-16", text
        if data.startswith(codecs.BOM_UTF8):
            try:
                return data, "utf-8-sig", data.decode("utf-8-sig")
            except UnicodeDecodeError:
                pass
        for encoding in ENCODINGS:
            try:
                return data, encoding, data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise _fatal(self.filename,
                     "The file's text cannot be read. Save it as CSV UTF-8 (comma delimited)")

    def _read(self, **options) -> pd.DataFrame:
        encoding = "utf-8" if self.encoding == "utf-16" else self.encoding
        try:
            return pd.read_csv(
                io.BytesIO(self.data), header=None, na_filter=False, skip_blank_lines=False,
                encoding=encoding, engine="c", sep=self.delimiter, skiprows=self.skip_lines,
                **options,
            )
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        # The C parser reports malformed text as ParserError or other ValueErrors (and
        # overflow on absurd field sizes); to the person uploading, each means the same.
        except (ValueError, OverflowError, UnicodeDecodeError):
            raise _fatal(self.filename, f"{NOT_A_TABLE}. This file cannot be read as "
                                        "CSV") from None

    def columns(
        self, wanted: Mapping[str, tuple[int, bool]], flags: Collection[str] = ()
    ) -> tuple[pd.DataFrame, np.ndarray]:
        width = len(self.layout.headers)
        # Names fix the width, so short or long rows cannot shift the columns read.
        names = [f"c{i}" for i in range(width)]
        by_position = {f"c{position}": name for name, (position, _) in wanted.items()}
        dtypes = {f"c{position}": (str if as_text else "category")
                  for position, as_text in wanted.values()}
        frame = self._read(names=names, usecols=list(by_position), dtype=dtypes)
        # read_csv turns categories that all look like numbers or booleans into them ('01' and
        # '1' both become 1): read such columns again as the text people typed, unless the
        # caller takes booleans and 0/1 as they are (yes/no columns: Excel writes TRUE/FALSE).
        lenient = {f"c{wanted[name][0]}" for name in flags if name in wanted}
        inferred = [c for c in frame.columns if dtypes[c] == "category"
                    and not _text_categories(frame[c].cat.categories, c in lenient)]
        if inferred:
            text = self._read(names=names, usecols=inferred, dtype=str)
            frame = frame.assign(**{c: pd.Categorical.from_codes(*pd.factorize(text[c]))
                                    for c in inferred})
        if len(frame) > self.limits.rows:
            raise _too_large(self.filename, "rows", self.limits.rows)
        rows = np.arange(self.header_row + 1, self.header_row + 1 + len(frame))
        return frame.rename(columns=by_position), rows

    def totals_row(self, rows: np.ndarray) -> int | None:
        if not len(rows):
            return None
        tail = [line for line in self._text_tail.splitlines() if line.strip()]
        if not tail:
            return None
        last = next(csv.reader([tail[-1]], delimiter=self.delimiter), [])
        return int(rows[-1]) if _is_total(last) else None

    def formula_cells(self, used: Collection[int]) -> tuple[str, ...]:
        return ()

    def merged_ranges(self, used: Collection[int], last_row: int) -> tuple[str, ...]:
        return ()


def _first_lines(text: str, count: int) -> list[str]:
    lines: list[str] = []
    start = 0
    while len(lines) < count and start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        lines.append(text[start:end].rstrip("\r\n"))
        start = end
    return lines


def _sniff_delimiter(lines: Sequence[str], matcher: _Matcher, most: int) -> str:
    """Choose the delimiter whose header names the most known columns; failing that, the one
    that splits the most lines into the same number (above 1) of cells."""
    best, best_score = ",", (0, 0, 0)
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines if line.strip()]
        counts = [c for c in counts if c]
        if not counts or max(counts) >= most:  # too wide to parse: refused once chosen
            named = 0
        else:
            records, _ = _records(lines, delimiter)
            named = max((matcher.score(r)[0] for r in records), default=0)
        modal = max(set(counts), key=lambda c: (counts.count(c), c)) if counts else 0
        score = (named, counts.count(modal) if counts else 0, modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(lines: Sequence[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    """Parse the first lines into records, with the lines each record ends on."""
    buffer = io.StringIO("\n".join(lines))
    reader = csv.reader(buffer, delimiter=delimiter)
    records: list[list[str]] = []
    consumed: list[int] = []
    try:
        for record in reader:
            records.append(record)
            consumed.append(reader.line_num)
    except csv.Error:
        pass
    return records[:HEADER_SEARCH_ROWS], consumed[:HEADER_SEARCH_ROWS]


def _text_categories(categories: pd.Index, lenient: bool) -> bool:
    """Say whether read_csv kept the categories as text (or, when lenient, as flags)."""
    if pd.api.types.is_string_dtype(categories.dtype):
        return True
    if not lenient:
        return False
    if pd.api.types.is_bool_dtype(categories.dtype):
        return True
    return pd.api.types.is_integer_dtype(categories.dtype) and set(categories) <= {0, 1}


# -- workbooks ----------------------------------------------------------------------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_SMALL_PART = 20_000_000  # workbook.xml and its relationships are small in any real file
_CHUNK = 1 << 22
_ROW_REF = re.compile(rb'<row[^>]*?\sr="(\d+)"')
_WIDE_REF = re.compile(rb'<c[^>]*?\sr="([A-Z]{2,3})\d')
_ANY_REF = re.compile(rb'<c[^>]*?\sr="([A-Z]{1,3})\d')
# A formula cell whose value was never saved (<v/> or none): written by a script, not Excel.
_NO_CACHED_VALUE = re.compile(
    rb'<c\s[^>]*?r="([A-Z]+\d+)"[^>/]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


def column_letters(position: int) -> str:
    """Name a column as a spreadsheet does (0 -> A, 26 -> AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_position(letters: bytes | str) -> int:
    """Return the position of a column named as a spreadsheet does (A -> 0)."""
    number = 0
    for letter in letters if isinstance(letters, str) else letters.decode():
        number = number * 26 + ord(letter) - 64
    return number - 1


@dataclass
class _SheetScan:
    rows: int = 0
    last_row: int = 0
    last_column: int = 0
    formula_cells: list[str] = field(default_factory=list)


def _xlsx_sheet_parts(archive: zipfile.ZipFile, filename: str) -> dict[str, str]:
    """Return each worksheet's name -> its part in the archive, in workbook order."""
    def small(name: str) -> bytes:
        info = archive.getinfo(name)
        if info.file_size > _SMALL_PART:
            raise _fatal(filename, f"{NOT_A_TABLE}. This workbook's parts are too large")
        return archive.read(name)

    workbook = ElementTree.fromstring(small("xl/workbook.xml"))
    relations = ElementTree.fromstring(small("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in relations.findall("rel:Relationship", _NS)}
    parts: dict[str, str] = {}
    for element in workbook.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(element.get(f"{{{_NS['r']}}}id"), "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts[element.get("name", "")] = target
    return parts


def _scan_xlsx_sheet(archive: zipfile.ZipFile, part: str, filename: str,
                     limits: Limits) -> _SheetScan:
    """Stream a sheet's XML and refuse it as soon as it is larger than the limits, before any
    reader lays its cells out in memory."""
    scan = _SheetScan()
    try:
        info = archive.getinfo(part)
    except KeyError:
        return scan
    unpacked = info.file_size
    if "xl/sharedStrings.xml" in archive.namelist():
        unpacked += archive.getinfo("xl/sharedStrings.xml").file_size
    if unpacked > limits.unpacked_bytes:
        raise _too_large(filename, "bytes of cells", limits.unpacked_bytes)
    tail = b""
    with archive.open(part) as stream:  # never yields more than the size the archive declares
        while chunk := stream.read(_CHUNK):
            buffer = tail + chunk
            cut = buffer.rfind(b">") + 1  # look at whole tags only
            whole, tail = buffer[:cut], buffer[cut:]
            if len(tail) > 65536:
                raise _fatal(filename, f"{NOT_A_TABLE}. This workbook's sheet cannot be read")
            _scan_chunk(whole, scan, filename, limits)
    if tail:
        _scan_chunk(tail, scan, filename, limits)
    return scan


# Writers put a cell's or row's reference first (<c r="B7" ...>): with a literal prefix the
# patterns below are found at memory speed. A sheet that puts it elsewhere is scanned with the
# general patterns, slower but as strict.
_FAST = {"row": re.compile(rb'<row r="(\d+)"'), "wide": re.compile(rb'<c r="([A-Z]{2,3})\d'),
         "any": re.compile(rb'<c r="([A-Z]{1,3})\d')}
_SLOW = {"row": _ROW_REF, "wide": _WIDE_REF, "any": _ANY_REF}
_CELL_REF_LATER = re.compile(rb'<c(?:>| (?!r="))')
_ROW_REF_LATER = re.compile(rb'<row (?!r=")')


def _scan_chunk(chunk: bytes, scan: _SheetScan, filename: str, limits: Limits) -> None:
    cells = b"<c" in chunk
    fast_cells = _CELL_REF_LATER.search(chunk) is None
    patterns = _FAST if fast_cells and _ROW_REF_LATER.search(chunk) is None else _SLOW
    rows = [int(n) for n in patterns["row"].findall(chunk)]
    scan.rows += chunk.count(b"<row")
    # Rows without a reference follow the one before: the last row is at least the count.
    scan.last_row = max(scan.last_row, max(rows, default=0), scan.rows)
    if scan.rows > limits.rows or scan.last_row > limits.rows:
        raise _too_large(filename, "rows", limits.rows)
    # A cell's own reference places it: one far below its row would stretch the sheet, so
    # refuse references with more digits than the last row's.
    digits = len(str(max(scan.last_row, 1)))
    prefix = rb'<c r="' if fast_cells else rb'<c[^>]*?\sr="'
    if re.search(prefix + rb'[A-Z]+\d{%d}' % (digits + 1), chunk):
        raise _too_large(filename, "rows", limits.rows)
    refs = patterns["any"] if limits.columns < 26 else patterns["wide"]
    for letters in set(refs.findall(chunk)):
        scan.last_column = max(scan.last_column, column_position(letters) + 1)
    if scan.last_column > limits.columns:
        raise _too_large(filename, "columns", limits.columns)
    # Columns A to Z are not searched for: count them as Z at most.
    width = max(scan.last_column, min(26, limits.columns) if cells else 0)
    if scan.last_row * width > limits.cells:
        raise _too_large(filename, "cells", limits.cells)
    if b"<f" in chunk and len(scan.formula_cells) < 1000:
        scan.formula_cells += [ref.decode() for ref in _NO_CACHED_VALUE.findall(chunk)]


class _WorkbookReader:
    """XLSX, XLSM, ODS and XLS through python-calamine, bounded before it reads a sheet."""

    def __init__(self, data: bytes, filename: str, limits: Limits, sheet: str | None,
                 matcher: _Matcher, fmt: str | None = None, prefer: str | None = None):
        self.filename = filename
        self.limits = limits
        self.scan = _SheetScan()
        self.format = fmt or "XLSX"
        self.format = fmt or self._zip_format(data)
        try:
            self._open(data, sheet, matcher, prefer)
        except ExtractValidationError:
            raise
        # A damaged or hostile workbook can fail in the zip, XML or reader layers with almost
        # any exception type; each means the same thing to the person who uploaded it.
        except Exception:
            raise _fatal(filename, self._unreadable()) from None

    def _unreadable(self) -> str:
        if self.format == "XLS":
            return (f"{NOT_A_TABLE}. This file cannot be opened: if it has a password, save it "
                    "without one, as .xlsx or as CSV UTF-8")
        return f"{NOT_A_TABLE}. This file looks like a workbook but cannot be opened"

    def _zip_format(self, data: bytes) -> str:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = set(archive.namelist())
        except Exception:
            raise _fatal(self.filename, self._unreadable()) from None
        self.archive = archive
        if "xl/workbook.xml" in names:
            return "XLSM" if "xl/vbaProject.bin" in names else "XLSX"
        if "content.xml" in names:
            return "ODS"
        raise _fatal(self.filename, NOT_A_TABLE)

    def _open(self, data: bytes, wanted: str | None, matcher: _Matcher,
              prefer: str | None = None) -> None:
        import python_calamine

        parts: dict[str, str] = {}
        if self.format in ("XLSX", "XLSM"):
            parts = _xlsx_sheet_parts(self.archive, self.filename)
        elif self.format == "ODS":
            if self.archive.getinfo("content.xml").file_size > self.limits.unpacked_bytes:
                raise _too_large(self.filename, "bytes of cells", self.limits.unpacked_bytes)
        # Macros are never run: calamine reads cell values only.
        self.book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = self.book.sheets_metadata
        names = [m.name for m in metadata if str(m.typ).endswith("WorkSheet")] or \
            list(self.book.sheet_names)
        if wanted is not None and wanted not in names:
            raise _fatal(self.filename, f"The workbook has no sheet called {quote(wanted)}. "
                                        f"Its sheets are {', '.join(quote(n) for n in names)}")
        candidates = [wanted] if wanted is not None else \
            [prefer, *(n for n in names if n != prefer)] if prefer in names else names
        best = None
        for name in candidates:
            scan = _scan_xlsx_sheet(self.archive, parts[name], self.filename, self.limits) \
                if name in parts else _SheetScan()
            sheet = self.book.get_sheet_by_name(name)
            if sheet.height * sheet.width > self.limits.cells:
                raise _too_large(self.filename, "cells", self.limits.cells)
            rows = self._rows(sheet)
            top = list(islice(rows, HEADER_SEARCH_ROWS))
            index = _header_index(top, matcher) if top else 0
            score = matcher.score(top[index]) if top else (0, 0)
            if best is None or score[0] > best[0][0]:
                best = (score, name, sheet, scan, top, index, rows)
            if score[0] >= 2 or wanted is not None:
                break  # the first sheet naming known columns holds the data
        if best is None or not best[4] or not any(c.strip() for c in best[4][best[5]]):
            raise ExtractValidationError([Problem(
                self.filename, None, None, "The file is empty" if not best or not best[4] else
                "The first row must be a header row naming the columns",
                sheet=best[1] if best is not None and len(names) > 1 else None)])
        _, name, sheet, self.scan, top, index, rows = best
        self.sheet = sheet
        self.top, self.index = top, index
        self.rest = rows
        header = tuple(top[index])
        self.header_row = index + 1
        self.layout = Layout(self.format, self.header_row, header, sheet=name,
                             sheets=tuple(names), samples=_samples(top[index + 1:], len(header)))

    def _rows(self, sheet) -> Iterator[list[str]]:
        """Yield each row as the texts a person sees, from the sheet's first row."""
        start = sheet.start
        pad = [""] * (start[1] if start else 0)
        for row in sheet.iter_rows():
            yield pad + [v if type(v) is str else cell_text(v) for v in row]

    def columns(
        self, wanted: Mapping[str, tuple[int, bool]], flags: Collection[str] = ()
    ) -> tuple[pd.DataFrame, np.ndarray]:
        start = self.sheet.start
        offset = start[1] if start else 0
        positions = {name: position - offset for name, (position, _) in wanted.items()}
        collected: dict[str, list] = {name: [] for name in wanted}
        self.tail: deque[list[str]] = deque(maxlen=1)
        below = self.top[self.index + 1:]
        count = 0
        raw_rows = self.sheet.iter_rows()
        for _ in range(len(self.top)):  # already read, as text, in self.top
            next(raw_rows, None)
        batch: list[list] = [r[offset:] for r in below]
        for row in raw_rows:
            batch.append(row)
            if len(batch) >= 65536:
                count += self._take(batch, positions, collected)
        count += self._take(batch, positions, collected)
        data: dict[str, object] = {}
        for name, (_, as_text) in wanted.items():
            parts = collected[name]
            values = np.concatenate(parts) if parts else np.array([], dtype=object)
            if as_text:
                data[name] = pd.array(
                    [v if type(v) is str else cell_text(v) for v in values], dtype="str")
            else:
                codes, uniques = pd.factorize(values)
                texts = [cell_text(v) for v in uniques]
                merged, categories = _merge_texts(codes, texts)
                data[name] = pd.Categorical.from_codes(merged, pd.Index(categories))
        rows = np.arange(self.header_row + 1, self.header_row + 1 + count)
        return pd.DataFrame(data, index=pd.RangeIndex(count)), rows

    def _take(self, batch: list[list], positions: Mapping[str, int],
              collected: dict[str, list]) -> int:
        n = len(batch)
        if not n:
            return 0
        for name, position in positions.items():
            if position < 0:
                collected[name].append(np.full(n, "", dtype=object))
                continue
            column = np.empty(n, dtype=object)
            column[:] = [row[position] if position < len(row) else "" for row in batch]
            collected[name].append(column)
        self.tail.append([cell_text(v) for v in batch[-1]])
        self.counted = getattr(self, "counted", 0) + n
        if self.counted > self.limits.rows:
            raise _too_large(self.filename, "rows", self.limits.rows)
        batch.clear()
        return n

    def totals_row(self, rows: np.ndarray) -> int | None:
        if not len(rows) or not self.tail:
            return None
        last = self.tail[-1]
        # The last row read may be blank; the totals row is the last row with data.
        return int(rows[-1]) if _is_total(last) and any(c.strip() for c in last) else None

    def formula_cells(self, used: Collection[int]) -> tuple[str, ...]:
        letters = {column_letters(p) for p in used}
        return tuple(ref for ref in self.scan.formula_cells
                     if ref.rstrip("0123456789") in letters
                     and int(ref[len(ref.rstrip("0123456789")):] or 0) > self.header_row)

    def merged_ranges(self, used: Collection[int], last_row: int) -> tuple[str, ...]:
        try:
            ranges = self.sheet.merged_cell_ranges or []
        except Exception:  # a reader that cannot list them (ODS) has none to report
            ranges = []
        found = []
        for (top, left), (bottom, right) in ranges:
            if bottom + 1 <= self.header_row or top + 1 > last_row or top == bottom:
                continue
            if any(left <= p <= right for p in used):
                found.append(f"{column_letters(left)}{top + 1}:{column_letters(right)}"
                             f"{bottom + 1}")
        return tuple(found)


def _merge_texts(codes: np.ndarray, texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """Merge values that read as the same text (1.0 and '1'), keeping first appearance."""
    categories: list[str] = []
    index: dict[str, int] = {}
    remap = np.empty(len(texts) + 1, dtype=np.int64)
    for i, t in enumerate(texts):
        remap[i] = index.setdefault(t, len(categories))
        if remap[i] == len(categories):
            categories.append(t)
    if "" not in index:
        index[""] = len(categories)
        categories.append("")
    remap[-1] = index[""]  # a missing value reads as a blank cell
    return remap[codes], categories


@dataclass(frozen=True, eq=False)
class Encoded:
    """Integer codes for a column, and the values no code was found for."""

    #: One code per row; ``INVALID`` where the value was not recognised.
    codes: np.ndarray
    #: Each unrecognised value (first spelling seen) with the positions (not rows) holding it,
    #: in order of first appearance; spellings that normalise alike are one entry.
    invalid: tuple[tuple[str, np.ndarray], ...]


INVALID = -128


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Return each row's position in the distinct values, and those values (-1 when missing)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    positions, uniques = pd.factorize(values)
    return positions, pd.Index(uniques)


def encode(
    values: pd.Series, normalise: Callable[[object], str], codes_by_key: Mapping[str, int]
) -> Encoded:
    """Encode a column by normalising and looking up each distinct value once, not each row."""
    positions, uniques = distinct(values)
    keys = [normalise(u) for u in uniques]
    # A missing value (position -1) picks the extra last entry: it reads as a blank cell.
    lookup = np.array(
        [codes_by_key.get(k, INVALID) for k in keys] + [codes_by_key.get("", INVALID)],
        dtype=np.int8,
    )
    codes = lookup[positions]
    if not (lookup == INVALID).any():
        return Encoded(codes, ())
    bad = np.flatnonzero(codes == INVALID)
    if not bad.size:
        return Encoded(codes, ())
    # Spellings that normalise alike are one entry, shown as the spelling seen first.
    by_key: dict[str, list[np.ndarray]] = {}
    for chunk in group_positions(positions, bad):
        unique = positions[chunk[0]]
        by_key.setdefault(keys[unique] if unique >= 0 else "", []).append(chunk)
    invalid = []
    for chunks in by_key.values():  # in order of first appearance
        first = positions[chunks[0][0]]
        raw = str(uniques[first]) if first >= 0 else ""
        invalid.append((raw, np.sort(np.concatenate(chunks))))
    return Encoded(codes, tuple(invalid))


def group_positions(codes: np.ndarray, where: np.ndarray) -> list[np.ndarray]:
    """Split the positions ``where`` by their code, each group in order, groups by first position."""
    where = where[np.argsort(codes[where], kind="stable")]
    groups = np.split(where, np.flatnonzero(np.diff(codes[where])) + 1)
    groups.sort(key=lambda group: group[0])
    return groups


def fold(value: object) -> str:
    """Normalise a simple cell (yes/no, service area): trim spaces and fold case."""
    if value is None or value != value:
        return ""
    return " ".join(str(value).replace("\u2019", "'").split()).casefold()
