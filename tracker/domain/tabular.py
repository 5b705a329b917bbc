"""Read an uploaded CSV or XLSX file into strings, recognising the format by its content.

Every cell is text; a blank cell is ''. Rows are numbered as a spreadsheet shows them: the header
is row 1, so the first data row is row 2. Anything that cannot be read ends in
``ExtractValidationError``, never another exception.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from tracker.domain.problems import ExtractValidationError, Problem

XLSX_MAGIC = b"PK\x03\x04"
# Old .xls workbooks and password-protected .xlsx files are OLE compound documents.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
NOT_A_TABLE = "The file must be a CSV file or an Excel workbook (.xlsx)"
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True, eq=False)
class Table:
    """The cells of a file's first sheet: the header row and the data rows under it."""

    filename: str
    #: Header cells as written in the file.
    header: tuple[str, ...]
    #: Data rows, one column per header cell (columns are numbered 0, 1, ...); every cell a str.
    frame: pd.DataFrame
    #: Spreadsheet row number of each row of ``frame``.
    rows: np.ndarray


def normalise_header(value: str) -> str:
    """Match headers case-insensitively, ignoring surrounding spaces."""
    return value.strip().casefold()


def read_table(data: bytes, filename: str) -> Table:
    """Read CSV or XLSX bytes; raise ``ExtractValidationError`` when they are neither."""
    if not data:
        raise _fatal(filename, "The file is empty")
    if data.startswith(XLSX_MAGIC):
        header, frame = _read_xlsx(data, filename)
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
        header, frame = _read_csv(data, filename)
    if frame is None or len(frame) == 0:
        raise _fatal(
            filename,
            "The file is empty" if not any(h.strip() for h in header)
            else "The file has no rows under the header row",
        )
    rows = np.arange(2, len(frame) + 2)
    return Table(filename, header, frame, rows)


def select_columns(
    table: Table, required: Sequence[str]
) -> tuple[dict[str, pd.Series], list[Problem]]:
    """Find each required column by its normalised header; extra columns are ignored.

    Rows that are blank in every required column that is present are left out (spreadsheets keep
    empty rows). Returns the columns found, as string Series indexed by row number, and the
    problems: a missing column, a column given twice, or no rows left.
    """
    positions: dict[str, list[int]] = {}
    for position, cell in enumerate(table.header):
        positions.setdefault(normalise_header(cell), []).append(position)
    problems: list[Problem] = []
    found: dict[str, int] = {}
    for name in required:
        where = positions.get(name, [])
        if not where:
            problems.append(
                Problem(table.filename, 1, name, f"The file must have a column called '{name}'")
            )
        elif len(where) > 1:
            problems.append(
                Problem(
                    table.filename, 1, name,
                    f"The file has {len(where)} columns called '{name}'. Keep one of them",
                )
            )
        else:
            found[name] = where[0]
    if not found:
        return {}, problems
    frame = table.frame[list(found.values())]
    rows = table.rows
    blank = np.logical_and.reduce([frame[c].to_numpy() == "" for c in frame.columns])
    if blank.any():
        frame = frame[~blank]
        rows = rows[~blank]
        if len(frame) == 0:
            problems.append(Problem(table.filename, None, None, "The file has no rows of data"))
            return {}, problems
    index = pd.Index(rows, name="row")
    columns = {
        name: frame[position].set_axis(index).rename(name) for name, position in found.items()
    }
    return columns, problems


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


def _fatal(filename: str, message: str, row: int | None = None) -> ExtractValidationError:
    return ExtractValidationError([Problem(filename, row, None, message)])


def _read_csv(data: bytes, filename: str) -> tuple[tuple[str, ...], pd.DataFrame | None]:
    # UTF-8 first (pandas drops a byte-order mark), then Windows-1252, which Excel writes.
    for encoding in ("utf-8", "cp1252"):
        try:
            raw = pd.read_csv(
                io.BytesIO(data),
                header=None,
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                encoding=encoding,
                engine="c",
            )
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise _fatal(filename, "The file is empty") from None
        except pd.errors.ParserError as error:
            raise _ragged(filename, str(error)) from None
        except (ValueError, OverflowError) as error:
            raise _fatal(filename, NOT_A_TABLE) from error
        break
    else:
        raise _fatal(
            filename,
            "The file's text cannot be read. Save it as CSV UTF-8 (comma delimited)",
        )
    header = tuple(raw.iloc[0]) if len(raw) else ()
    frame = raw.iloc[1:]
    return header, frame


def _ragged(filename: str, detail: str) -> ExtractValidationError:
    match = _RAGGED.search(detail)
    if not match:
        return _fatal(filename, NOT_A_TABLE)
    expected, line, saw = (int(g) for g in match.groups())
    return ExtractValidationError(
        [
            Problem(
                filename, line, None,
                f"Row {line} has {saw} cells but the header row has {expected}. "
                "Remove the extra cells or give them a heading",
            )
        ]
    )


def _read_xlsx(data: bytes, filename: str) -> tuple[tuple[str, ...], pd.DataFrame | None]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    # A damaged or hostile workbook can fail in the zip, XML or openpyxl layers with almost any
    # exception type; each means the same thing to the person who uploaded it.
    except Exception:
        raise _fatal(
            filename, f"{NOT_A_TABLE}. This file looks like a workbook but cannot be opened"
        ) from None
    if not rows:
        return (), None
    header = tuple(cell_text(v) for v in rows[0])
    return header, _frame_from_rows(rows[1:], len(header))


def _frame_from_rows(rows: Iterable[tuple], width: int) -> pd.DataFrame:
    rows = list(rows)
    columns = {}
    for j in range(width):
        columns[j] = pd.array(
            [cell_text(row[j]) if j < len(row) else "" for row in rows], dtype="str"
        )
    return pd.DataFrame(columns, index=pd.RangeIndex(1, len(rows) + 1))


@dataclass(frozen=True, eq=False)
class Encoded:
    """Integer codes for a column, and the values no code was found for."""

    #: One code per row; ``INVALID`` where the value was not recognised.
    codes: np.ndarray
    #: Each unrecognised value (first spelling seen) with the positions (not rows) holding it,
    #: in order of first appearance; spellings that normalise alike are one entry.
    invalid: tuple[tuple[str, np.ndarray], ...]


INVALID = -128


def encode(
    values: pd.Series, normalise: Callable[[object], str], codes_by_key: Mapping[str, int]
) -> Encoded:
    """Encode a column by normalising and looking up each distinct value once, not each row."""
    positions, uniques = pd.factorize(values)
    keys = [normalise(u) for u in uniques]
    # factorize marks a missing value -1: the extra last entry treats it as a blank cell.
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
    bad = bad[np.argsort(positions[bad], kind="stable")]
    by_key: dict[str, tuple[str, list[np.ndarray]]] = {}
    for chunk in np.split(bad, np.flatnonzero(np.diff(positions[bad])) + 1):
        unique = positions[chunk[0]]
        raw = "" if unique < 0 else str(uniques[unique])
        by_key.setdefault(keys[unique] if unique >= 0 else "", (raw, []))[1].append(chunk)
    invalid = [(raw, np.sort(np.concatenate(chunks))) for raw, chunks in by_key.values()]
    invalid.sort(key=lambda item: item[1][0])
    return Encoded(codes, tuple(invalid))


def fold(value: object) -> str:
    """Normalise a simple cell (yes/no, service area): trim spaces and fold case."""
    return "" if value is None or value != value else str(value).strip().casefold()
