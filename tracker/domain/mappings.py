"""An organisation's mapping: which of its file's headers is each column, and what its own
values mean (ethnicity, service area, yes/no).

The same JSON is downloaded from the mapping page, uploaded to it, and given to
``flask tracker indicators compute --mapping FILE.json``::

    {"staff": {"columns": {"staff_id": "Employee No", ...}, "sheet": "Data"},
     "recruitment": {"columns": {...}},
     "survey": {"columns": {...}},
     "values": {"ethnicity": {"White - British": "white", "Not Declared": "unknown"},
                "service_area": {"ASC": "adults"},
                "yes_no": {"✓": "yes"},
                "outcome": {"Unsuccessful": "shortlisted"}}}

Canonical column names are the tracker's (``SCHEMAS``); ethnicity meanings are ``white``,
``gm`` and ``unknown``; a recruitment outcome (the ``appointed`` column holding a recruitment
system's outcome words) is ``appointed``, ``shortlisted`` (but not appointed) or
``not-shortlisted`` (that applicant is left out). A kind's ``sheet`` (optional) is the
workbook sheet chosen for it once: it is looked at first in a later workbook, and when that
workbook has no such sheet, or it holds no header, the sheets are searched as usual.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.domain.definitions import EXTRACT_KINDS, GROUPS, ROW_SERVICE_AREAS
from tracker.domain.problems import ExtractValidationError, Problem, quote

#: Each value set and the meanings a value in it may be given.
MEANINGS: dict[str, tuple[str, ...]] = {
    "ethnicity": GROUPS,
    "service_area": ROW_SERVICE_AREAS,
    "yes_no": ("yes", "no"),
    "outcome": ("appointed", "shortlisted", "not-shortlisted"),
}
MEANING_WORDS: dict[str, str] = {"gm": "Global majority", "white": "White",
                                 "unknown": "Unknown (not stated)", "adults": "Adults",
                                 "children": "Children", "yes": "Yes", "no": "No",
                                 "appointed": "Appointed",
                                 "shortlisted": "Shortlisted, not appointed",
                                 "not-shortlisted": "Not shortlisted (left out)"}
#: The longest header or value a mapping keeps (a cell is at most this long in Excel).
LONGEST = 32_767


@dataclass(frozen=True)
class ColumnMapping:
    """Columns per extract kind (canonical -> header) and values per value set (label ->
    meaning)."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Extract kind -> the workbook sheet chosen for it (looked at first next time).
    sheets: dict[str, str] = field(default_factory=dict)

    def for_kind(self, kind: str) -> dict[str, str]:
        """Return the headers chosen for an extract kind's columns."""
        return dict(self.columns.get(kind, {}))

    def to_dict(self) -> dict:
        """Return the JSON shape the mapping page downloads."""
        data: dict = {kind: {"columns": dict(self.columns.get(kind, {})),
                             **({"sheet": self.sheets[kind]} if self.sheets.get(kind) else {})}
                      for kind in EXTRACT_KINDS if self.columns.get(kind) or self.sheets.get(kind)}
        data["values"] = {name: dict(self.values.get(name, {})) for name in MEANINGS}
        return data

    def to_json(self) -> bytes:
        """Return the mapping as the JSON file the mapping page downloads."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2).encode()

    def merged(self, other: ColumnMapping) -> ColumnMapping:
        """Return this mapping with ``other``'s entries added (other wins)."""
        columns = {k: {**self.columns.get(k, {}), **other.columns.get(k, {})}
                   for k in {*self.columns, *other.columns}}
        values = {k: {**self.values.get(k, {}), **other.values.get(k, {})}
                  for k in {*self.values, *other.values}}
        return ColumnMapping(columns, values, {**self.sheets, **other.sheets})


def parse_mapping(data: bytes | str | Mapping, source: str, schemas: Mapping) -> ColumnMapping:
    """Read a mapping file; raise ``ExtractValidationError`` naming every problem in it."""
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(source, None, None, message))

    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise ExtractValidationError([Problem(
                source, None, None, "The mapping file must be JSON, as the mapping page "
                                    "downloads it")]) from None
    if not isinstance(data, Mapping):
        raise ExtractValidationError([Problem(source, None, None,
                                              "The mapping file must hold a JSON object")])
    columns: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, str]] = {}
    sheets: dict[str, str] = {}
    for key, entry in data.items():
        if key in EXTRACT_KINDS:
            _parse_columns(key, entry, schemas[key].columns, columns, problem)
            _parse_sheet(key, entry, sheets, problem)
        elif key == "values":
            _parse_values(entry, values, problem)
        else:
            problem(f"The mapping file has an entry {quote(key)} that is not "
                    f"{', '.join(EXTRACT_KINDS)} or values")
    if problems:
        raise ExtractValidationError(problems)
    return ColumnMapping(columns, values, sheets)


def _parse_sheet(kind: str, entry: object, sheets: dict[str, str], problem) -> None:
    if not isinstance(entry, Mapping) or entry.get("sheet") is None:
        return
    sheet = entry["sheet"]
    # Excel's own limit on a sheet's name is 31 characters; other programs allow more.
    if not isinstance(sheet, str) or not sheet.strip() or len(sheet) > 255:
        problem(f"The sheet for the {kind} extract must be the name of a sheet (text)")
    else:
        sheets[kind] = sheet


def _parse_columns(kind: str, entry: object, wanted: tuple[str, ...],
                   columns: dict[str, dict[str, str]], problem) -> None:
    chosen = entry.get("columns") if isinstance(entry, Mapping) else None
    if not isinstance(chosen, Mapping):
        problem(f"{quote(kind)} must have \"columns\": an object of column -> header")
        return
    for column, header in chosen.items():
        if column not in wanted:
            problem(f"The {kind} extract has no column {quote(column)}. Its columns are "
                    f"{', '.join(wanted)}")
        elif not isinstance(header, str) or not header.strip() or len(header) > LONGEST:
            problem(f"The header for {kind} column {column} must be text")
        else:
            columns.setdefault(kind, {})[column] = header


def _parse_values(entry: object, values: dict[str, dict[str, str]], problem) -> None:
    if not isinstance(entry, Mapping):
        problem("\"values\" must be an object of value sets")
        return
    for name, labels in entry.items():
        if name not in MEANINGS or not isinstance(labels, Mapping):
            problem(f"There is no value set called {quote(name)}. Use {', '.join(MEANINGS)}")
            continue
        for label, meaning in labels.items():
            if not isinstance(meaning, str) or meaning.strip().casefold() not in MEANINGS[name]:
                problem(f"{name} value {quote(label)} must mean "
                        f"{' or '.join(MEANINGS[name])}, not {quote(meaning)}")
            elif len(label) > LONGEST:
                problem(f"{name} value {quote(label)} is too long")
            else:
                values.setdefault(name, {})[label] = meaning.strip().casefold()
