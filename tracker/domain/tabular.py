"""Read the columns a check needs from an uploaded CSV or XLSX file, recognised by its content.

Rows are numbered as a spreadsheet shows them: the header is row 1, so the first data row is
row 2. Headers match case-insensitively, ignoring surrounding spaces; other columns, and cells
beyond the header row's width, are ignored (as a spreadsheet would show them: unlabelled). A row
blank in every column read is left out. Anything that cannot be read ends in
``ExtractValidationError``, never another exception.

Speed matters (100,000-row extracts): only the needed columns are parsed, and columns with few
distinct values are parsed straight into categoricals so that each distinct value is handled once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from tracker.domain.problems import ExtractValidationError, Problem

XLSX_MAGIC = b"PK\x03\x04"
# Old .xls workbooks and password-protected .xlsx files are OLE compound documents.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: UTF-8 first (a byte-order mark is dropped), then Windows-1252, which Excel writes.
ENCODINGS = ("utf-8", "cp1252")
NOT_A_TABLE = "The file must be a CSV file or an Excel workbook (.xlsx)"


@dataclass(frozen=True, eq=False)
class Columns:
    """The required columns found in a file, indexed by spreadsheet row number.

    Each column is categorical (categories are the distinct cell texts) except those read as
    text, which are ``str``. A blank cell is ''. ``problems`` lists missing or repeated columns.
    """

    filename: str
    columns: dict[str, pd.Series]
    problems: list[Problem]


def normalise_header(value: object) -> str:
    """Match headers case-insensitively, ignoring surrounding spaces."""
    return str(value).strip().casefold()


def read_columns(
    data: bytes,
    filename: str,
    required: Sequence[str],
    *,
    text: Collection[str] = (),
    flags: Collection[str] = (),
) -> Columns:
    """Read the ``required`` columns of CSV or XLSX bytes (``text`` ones as plain strings).

    ``flags`` are yes/no columns: their categories may come back as booleans, or as the integers
    0 and 1, when every cell looks like one (so '01' reads as 1). Raises
    ``ExtractValidationError`` when the bytes are not a readable table, or it has no rows.
    """
    if not data:
        raise _fatal(filename, "The file is empty")
    if data.startswith(XLSX_MAGIC):
        reader = _XlsxReader(data, filename)
    elif data.startswith(OLE_MAGIC):
        raise _fatal(
            filename,
            f"{NOT_A_TABLE}. Older .xls workbooks and password-protected workbooks cannot be "
            "read: save it as .xlsx or as CSV UTF-8 without a password",
        )
    elif data.startswith(UTF16_BOMS):
        raise _fatal(filename, f"{NOT_A_TABLE}. Save it as CSV UTF-8 (comma delimited)")
    elif b"\x00" in data:
        raise _fatal(filename, NOT_A_TABLE)
    else:
        reader = _CsvReader(data, filename)
    header = reader.header()
    if not any(cell.strip() for cell in header):
        raise _fatal(filename, "The file is empty" if reader.is_empty() else
                     "The first row must be a header row naming the columns")
    found, problems = _find_columns(filename, header, required)
    if not found:
        return Columns(filename, {}, problems)
    frame = reader.columns(
        {name: (position, name in text) for name, position in found.items()}, flags
    )
    if len(frame) == 0:
        raise _fatal(filename, "The file has no rows under the header row")
    rows = np.arange(2, len(frame) + 2)
    blank = _blank_rows(frame)
    if blank is not None:
        frame, rows = frame[~blank], rows[~blank]
        if len(frame) == 0:
            raise _fatal(filename, "The file has no rows of data under the header row")
    index = pd.Index(rows, name="row")
    columns = {name: frame[name].set_axis(index) for name in found}
    return Columns(filename, columns, problems)


def _find_columns(
    filename: str, header: Sequence[str], required: Sequence[str]
) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, list[int]] = {}
    for position, cell in enumerate(header):
        positions.setdefault(normalise_header(cell), []).append(position)
    problems: list[Problem] = []
    found: dict[str, int] = {}
    for name in required:
        where = positions.get(name, [])
        if not where:
            problems.append(
                Problem(filename, 1, name, f"The file must have a column called '{name}'")
            )
        elif len(where) > 1:
            problems.append(
                Problem(filename, 1, name,
                        f"The file has {len(where)} columns called '{name}'. Keep one of them")
            )
        else:
            found[name] = where[0]
    return found, problems


def _blank_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """Return which rows are blank (or only spaces) in every column, or None when none is."""
    blank = np.ones(len(frame), dtype=bool)
    text_columns = []
    for name in frame.columns:
        column = frame[name]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            text_columns.append(column)
            continue
        empty = np.array([not c.strip() for c in column.cat.categories] + [True])
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
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _fatal(filename: str, message: str) -> ExtractValidationError:
    return ExtractValidationError([Problem(filename, None, None, message)])


class _CsvReader:
    def __init__(self, data: bytes, filename: str):
        self.data = data
        self.filename = filename
        self.encoding = ENCODINGS[0]
        self._header: tuple[str, ...] | None = None

    def _read(self, **options) -> pd.DataFrame:
        return pd.read_csv(
            io.BytesIO(self.data), header=None, na_filter=False, skip_blank_lines=False,
            encoding=self.encoding, engine="c", **options,
        )

    def _attempt(self, read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Run a read, moving to the next encoding while the text does not decode."""
        while True:
            try:
                return read()
            except UnicodeDecodeError:
                following = ENCODINGS.index(self.encoding) + 1
                if following == len(ENCODINGS):
                    raise _fatal(
                        self.filename,
                        "The file's text cannot be read. Save it as CSV UTF-8 (comma delimited)",
                    ) from None
                self.encoding = ENCODINGS[following]
            except pd.errors.EmptyDataError:
                return pd.DataFrame()
            # The C parser reports malformed text as ParserError or other ValueErrors (and
            # overflow on absurd field sizes); to the person uploading, each means the same.
            except (ValueError, OverflowError):
                raise _fatal(self.filename, f"{NOT_A_TABLE}. This file cannot be read as "
                                            "CSV") from None

    def header(self) -> tuple[str, ...]:
        if self._header is None:
            probe = self._attempt(lambda: self._read(nrows=1, dtype=str))
            self._header = tuple(probe.iloc[0]) if len(probe) else ()
        return self._header

    def is_empty(self) -> bool:
        probe = self._attempt(lambda: self._read(nrows=2, dtype=str, usecols=[0]))
        return len(probe) < 2

    def columns(
        self, wanted: Mapping[str, tuple[int, bool]], flags: Collection[str] = ()
    ) -> pd.DataFrame:
        width = len(self.header())
        # Names fix the width, so short or long rows cannot shift the columns read.
        names = [f"c{i}" for i in range(width)]
        by_position = {f"c{position}": name for name, (position, _) in wanted.items()}
        dtypes = {f"c{position}": (str if as_text else "category")
                  for position, as_text in wanted.values()}
        frame = self._attempt(lambda: self._read(
            skiprows=1, names=names, usecols=list(by_position), dtype=dtypes,
        ))
        # read_csv turns categories that all look like numbers or booleans into them ('01' and
        # '1' both become 1): read such columns again as the text people typed, unless the
        # caller takes booleans and 0/1 as they are (yes/no columns: Excel writes TRUE/FALSE).
        lenient = {f"c{wanted[name][0]}" for name in flags if name in wanted}
        inferred = [c for c in frame.columns if dtypes[c] == "category"
                    and not _text_categories(frame[c].cat.categories, c in lenient)]
        if inferred:
            text = self._attempt(lambda: self._read(
                skiprows=1, names=names, usecols=inferred, dtype=str,
            ))
            frame = frame.assign(**{c: pd.Categorical.from_codes(*pd.factorize(text[c]))
                                    for c in inferred})
        return frame.rename(columns=by_position)


def _text_categories(categories: pd.Index, lenient: bool) -> bool:
    """Say whether read_csv kept the categories as text (or, when lenient, as flags)."""
    if pd.api.types.is_string_dtype(categories.dtype):
        return True
    if not lenient:
        return False
    if pd.api.types.is_bool_dtype(categories.dtype):
        return True
    return pd.api.types.is_integer_dtype(categories.dtype) and set(categories) <= {0, 1}


class _XlsxReader:
    def __init__(self, data: bytes, filename: str):
        rows = _xlsx_rows(data, filename)
        self._header = tuple(cell_text(v) for v in rows[0]) if rows else ()
        self._rows = rows[1:]

    def header(self) -> tuple[str, ...]:
        return self._header

    def is_empty(self) -> bool:
        return not self._rows

    def columns(
        self, wanted: Mapping[str, tuple[int, bool]], flags: Collection[str] = ()
    ) -> pd.DataFrame:
        data = {}
        for name, (position, as_text) in wanted.items():
            cells = [cell_text(row[position]) if position < len(row) else ""
                     for row in self._rows]
            data[name] = pd.array(cells, dtype="str") if as_text else pd.Categorical(cells)
        return pd.DataFrame(data, index=pd.RangeIndex(len(self._rows)))


def _xlsx_rows(data: bytes, filename: str) -> list[tuple]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some writers record a wrong used range
            return [tuple(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    # A damaged or hostile workbook can fail in the zip, XML or openpyxl layers with almost any
    # exception type; each means the same thing to the person who uploaded it.
    except Exception:
        raise _fatal(
            filename, f"{NOT_A_TABLE}. This file looks like a workbook but cannot be opened"
        ) from None


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
    return "" if value is None or value != value else str(value).strip().casefold()
