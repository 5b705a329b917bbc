"""Read and check the staff, recruitment and survey extracts (docs/domain.md section 4).

Each extract is CSV or XLSX, one row a person. Headers match case-insensitively, ignoring
surrounding spaces; extra columns are ignored. Every problem in every file is collected and raised
together as one ``ExtractValidationError``. The result keeps only the coded columns the counts
need; nothing here writes person rows anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from tracker.domain.definitions import (
    EXTRACT_KINDS,
    GROUPS,
    RECRUITMENT,
    ROW_SERVICE_AREAS,
    STAFF,
    SURVEY,
)
from tracker.domain.ethnicity import build_mapping, classify
from tracker.domain.mappings import ColumnMapping
from tracker.domain.problems import (
    ROWS_KEPT,
    ExtractValidationError,
    Problem,
    describe_rows,
    format_problems,
    quote,
    rows_problem,
)
from tracker.domain.spellings import (
    APPOINTED,
    NO_SPELLINGS,
    NOT_SHORTLISTED,
    OUTCOMES,
    SERVICE_AREA_SPELLINGS,
    YES_SPELLINGS,
    spellings_for,
)
from tracker.domain.tabular import (
    DEFAULT_LIMITS,
    Columns,
    Encoded,
    Layout,
    Limits,
    display_text,
    distinct,
    encode,
    fold,
    group_positions,
    read_columns,
)

__all__ = [
    "SCHEMAS",
    "Examined",
    "Extract",
    "ExtractValidationError",
    "Problem",
    "Schema",
    "examine_extract",
    "format_problems",
    "read_extract",
    "read_extracts",
    "read_recruitment",
    "read_staff",
    "read_survey",
]

#: Problems of one kind listed one by one in a file before the rest are counted in one line.
PROBLEMS_LISTED = 50

YES, NO, NOT_ANSWERED = 1, 0, -1
#: A recruitment outcome meaning the applicant was never shortlisted: the row is left out.
LEFT_OUT = 2
YES_NO: dict[str, int] = {
    **dict.fromkeys(YES_SPELLINGS, YES),
    **dict.fromkeys(NO_SPELLINGS, NO),
}
#: Survey answers: as yes/no, except that a blank means the question was not answered.
ANSWERS: dict[str, int] = {**YES_NO, "": NOT_ANSWERED}
#: The appointed column: yes/no, or a recruitment system's outcome words.
OUTCOME_CODES: dict[str, int] = {
    **YES_NO,
    **{word: {APPOINTED: YES, NOT_SHORTLISTED: LEFT_OUT}.get(meaning, NO)
       for word, meaning in OUTCOMES.items()},
}
SERVICE_AREA_CODES: dict[str, int] = {
    spelling: ROW_SERVICE_AREAS.index(area) for spelling, area in SERVICE_AREA_SPELLINGS.items()
}


@dataclass(frozen=True)
class Schema:
    """The columns an extract must have and how each is read."""

    kind: str
    columns: tuple[str, ...]
    #: yes/no columns where a blank means no.
    yes_no: tuple[str, ...] = ()
    #: yes/no survey answers where a blank means not answered.
    answers: tuple[str, ...] = ()
    #: Columns read as plain text, not categories: those with a different value on every row.
    text: tuple[str, ...] = ()
    #: yes/no columns that may hold a recruitment system's outcome words instead.
    outcome: tuple[str, ...] = ()


SCHEMAS: dict[str, Schema] = {
    STAFF: Schema(
        STAFF,
        ("staff_id", "ethnicity", "service_area", "pay_band", "senior_manager",
         "regulated_professional", "formal_disciplinary", "ftp_referral", "funded_cpd",
         "left_in_period"),
        yes_no=("senior_manager", "regulated_professional", "formal_disciplinary",
                "ftp_referral", "funded_cpd", "left_in_period"),
        text=("staff_id",),
    ),
    RECRUITMENT: Schema(
        RECRUITMENT, ("ethnicity", "service_area", "appointed"), yes_no=("appointed",),
        outcome=("appointed",),
    ),
    SURVEY: Schema(
        SURVEY,
        ("ethnicity", "service_area", "hba_public", "hba_colleagues", "hba_managers"),
        answers=("hba_public", "hba_colleagues", "hba_managers"),
    ),
}


@dataclass(frozen=True, eq=False)
class Extract:
    """A checked extract, coded for counting.

    ``frame`` is indexed by spreadsheet row number and has ``service_area`` (categorical:
    adults, children), ``ethnic_group`` (categorical: gm, white, unknown) and, per kind, the
    yes/no columns as bool (survey answers as nullable ``boolean``: missing = not answered) and,
    for staff, ``pay_band`` (categorical, in order of first appearance). Staff ids are checked
    and then dropped.
    """

    kind: str
    filename: str
    frame: pd.DataFrame
    layout: Layout | None = None
    #: Canonical column -> the file's header it was read from.
    found: dict[str, str] = field(default_factory=dict)
    #: Yes/no columns present but blank on every row: their indicator was not collected.
    blank_columns: tuple[str, ...] = ()
    #: Rows left out because their recruitment outcome says the applicant was not shortlisted.
    left_out: int = 0

    def __len__(self) -> int:
        return len(self.frame)

    def codes(self, column: str) -> np.ndarray:
        """Return the integer codes of a categorical column (fast counting)."""
        return self.frame[column].cat.codes.to_numpy()


def read_extract(
    kind: str, data: bytes, filename: str, *, extra_mapping: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS, columns: Mapping[str, str] | None = None,
    sheet: str | None = None, mapping: ColumnMapping | None = None,
) -> Extract:
    """Read and check one extract; raise ``ExtractValidationError`` listing every problem.

    ``columns`` chooses the file's header for a column (canonical name -> header), ``sheet``
    the workbook's sheet (else the first that names known columns); ``mapping`` is an
    organisation's saved mapping (its columns for this kind, and its values).
    """
    mapping = mapping or ColumnMapping()
    chosen = {**mapping.for_kind(kind), **(columns or {})}
    extract, problems = _read(kind, data, filename, Vocabulary.build(extra_mapping, mapping),
                              limits, chosen, sheet, mapping.sheets.get(kind))
    if problems:
        raise ExtractValidationError(problems)
    assert extract is not None  # read without problems
    return extract


def read_staff(data: bytes, filename: str, **options) -> Extract:
    """Read and check a staff extract (options as ``read_extract`` takes them)."""
    return read_extract(STAFF, data, filename, **options)


def read_recruitment(data: bytes, filename: str, **options) -> Extract:
    """Read and check a recruitment extract (options as ``read_extract`` takes them)."""
    return read_extract(RECRUITMENT, data, filename, **options)


def read_survey(data: bytes, filename: str, **options) -> Extract:
    """Read and check a survey extract (options as ``read_extract`` takes them)."""
    return read_extract(SURVEY, data, filename, **options)


def read_extracts(
    *,
    staff: tuple[bytes, str] | None = None,
    recruitment: tuple[bytes, str] | None = None,
    survey: tuple[bytes, str] | None = None,
    extra_mapping: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    mapping: ColumnMapping | None = None,
    sheets: Mapping[str, str] | None = None,
) -> dict[str, Extract]:
    """Read and check the extracts given as (bytes, filename), raising every file's problems.

    The problems of all the files are raised together in one ``ExtractValidationError``.
    """
    mapping = mapping or ColumnMapping()
    vocabulary = Vocabulary.build(extra_mapping, mapping)
    given = {STAFF: staff, RECRUITMENT: recruitment, SURVEY: survey}
    extracts: dict[str, Extract] = {}
    problems: list[Problem] = []
    for kind, upload in given.items():
        if upload is None:
            continue
        data, filename = upload
        extract, found = _read(kind, data, filename, vocabulary, limits, mapping.for_kind(kind),
                               (sheets or {}).get(kind), mapping.sheets.get(kind))
        problems.extend(found)
        if extract is not None:
            extracts[kind] = extract
    if problems:
        raise ExtractValidationError(problems)
    return extracts


@dataclass(frozen=True)
class Vocabulary:
    """What cells mean: built-in value sets plus the installation's and organisation's own."""

    ethnicity: Mapping[str, str]
    service_area: Mapping[str, int]
    yes_no: Mapping[str, int]
    answers: Mapping[str, int]
    outcome: Mapping[str, int]

    @classmethod
    def build(cls, extra_mapping: Mapping[str, str] | None = None,
              mapping: ColumnMapping | None = None) -> Vocabulary:
        """Combine the built-in value sets with an installation's and an organisation's."""
        values = (mapping or ColumnMapping()).values
        ethnicity = build_mapping({**(extra_mapping or {}), **values.get("ethnicity", {})})
        area = dict(SERVICE_AREA_CODES)
        area.update({fold(k): ROW_SERVICE_AREAS.index(v)
                     for k, v in values.get("service_area", {}).items()})
        flags = {fold(k): YES if v == "yes" else NO for k, v in values.get("yes_no", {}).items()}
        outcomes = {fold(k): {APPOINTED: YES, NOT_SHORTLISTED: LEFT_OUT}.get(v, NO)
                    for k, v in values.get("outcome", {}).items()}
        return cls(ethnicity, area, {**YES_NO, **flags},
                   {**ANSWERS, **{k: v for k, v in flags.items() if k}},
                   {**OUTCOME_CODES, **flags, **outcomes})


def inspect_extract(
    kind: str, data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS,
    columns: Mapping[str, str] | None = None, sheet: str | None = None,
    prefer_sheet: str | None = None,
) -> Columns:
    """Read a file's layout and columns for the mapping page (headers, samples, what matched)."""
    schema = SCHEMAS[kind]
    return read_columns(data, filename, schema.columns, text=schema.text,
                        flags=schema.yes_no + schema.answers, limits=limits, totals=True,
                        spellings=spellings_for(schema.columns), chosen=columns, sheet=sheet,
                        prefer_sheet=prefer_sheet)


#: The value set each column's cells belong to, for the mapping page.
VALUE_SETS: dict[str, str] = {
    "ethnicity": "ethnicity", "service_area": "service_area",
    **{c: "yes_no" for schema in SCHEMAS.values() for c in schema.yes_no + schema.answers},
    **{c: "outcome" for schema in SCHEMAS.values() for c in schema.outcome},
}


@dataclass(frozen=True, eq=False)
class Examined:
    """What the mapping page needs to know about one uploaded file."""

    kind: str
    filename: str
    #: How the file was read, with its headers and sample values (None if it cannot be read).
    layout: Layout | None
    #: Canonical column -> the file's header it was found under.
    found: dict[str, str]
    #: Required columns with no header found for them.
    absent: tuple[str, ...]
    #: Value set -> label -> rows holding it, for labels nobody knows (blanks aside).
    unknown: dict[str, dict[str, int]]
    #: Problems no mapping can solve (an unreadable file, a header twice...).
    problems: list[Problem]

    @property
    def needs_mapping(self) -> bool:
        """Say whether choosing headers or meanings could let this file in."""
        return bool(self.absent or any(self.unknown.values()))

    def to_dict(self) -> dict:
        """Return a JSON-serialisable copy (a background check keeps it for the mapping page)."""
        return {"kind": self.kind, "filename": self.filename,
                "layout": self.layout.to_dict() if self.layout else None,
                "found": dict(self.found), "absent": list(self.absent),
                "unknown": {k: dict(v) for k, v in self.unknown.items()},
                "problems": [p.to_dict() for p in self.problems]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Examined:
        """Return the examination ``to_dict`` wrote."""
        return cls(data["kind"], data["filename"],
                   Layout.from_dict(data["layout"]) if data.get("layout") else None,
                   dict(data["found"]), tuple(data["absent"]),
                   {k: dict(v) for k, v in data["unknown"].items()},
                   [Problem.from_dict(p) for p in data["problems"]])


def examine_extract(
    kind: str, data: bytes, filename: str, *, mapping: ColumnMapping | None = None,
    extra_mapping: Mapping[str, str] | None = None, limits: Limits = DEFAULT_LIMITS,
    sheet: str | None = None,
) -> Examined:
    """Find which required columns a file lacks and which of its labels nobody knows."""
    mapping = mapping or ColumnMapping()
    vocabulary = Vocabulary.build(extra_mapping, mapping)
    try:
        found = inspect_extract(kind, data, filename, limits=limits,
                                columns=mapping.for_kind(kind), sheet=sheet,
                                prefer_sheet=mapping.sheets.get(kind))
    except ExtractValidationError as error:
        return Examined(kind, filename, None, {}, (), {}, error.problems)
    schema = SCHEMAS[kind]
    unknown: dict[str, dict[str, int]] = {}
    for column, values in found.columns.items():
        value_set = VALUE_SETS.get(column)
        if value_set is None:
            continue
        if value_set == "ethnicity":
            encoded = classify(values, vocabulary.ethnicity)
        elif value_set == "service_area":
            encoded = encode(values, fold, vocabulary.service_area)
        elif value_set == "outcome":
            encoded = encode(values, fold, vocabulary.outcome)
        else:
            encoded = encode(values, fold, vocabulary.answers if column in schema.answers
                             else vocabulary.yes_no)
        labels = unknown.setdefault(value_set, {})
        for raw, where in encoded.invalid:
            if raw.strip():
                labels[raw.strip()] = labels.get(raw.strip(), 0) + len(where)
    unsolvable = [p for p in found.problems if p.column not in found.absent]
    return Examined(kind, filename, found.layout, dict(found.found), tuple(found.absent),
                    {k: v for k, v in unknown.items() if v},
                    _in_sheet(unsolvable, found.layout.sheet if found.layout else None))


def _read(
    kind: str, data: bytes, filename: str, vocabulary: Vocabulary,
    limits: Limits = DEFAULT_LIMITS, chosen: Mapping[str, str] | None = None,
    sheet: str | None = None, prefer_sheet: str | None = None,
) -> tuple[Extract | None, list[Problem]]:
    if kind not in SCHEMAS:
        raise ValueError(f"extract kind must be one of {', '.join(EXTRACT_KINDS)}, not {kind!r}")
    try:
        found = inspect_extract(kind, data, filename, limits=limits, columns=chosen, sheet=sheet,
                                prefer_sheet=prefer_sheet)
    except ExtractValidationError as error:
        return None, error.problems
    extract, problems = _check(SCHEMAS[kind], found, vocabulary)
    return extract, _in_sheet(problems, found.layout.sheet if found.layout else None)


def _in_sheet(problems: list[Problem], sheet: str | None) -> list[Problem]:
    """Place each problem in the workbook's sheet it was found in (when there is one)."""
    if sheet is None:
        return problems
    return [p if p.sheet else replace(p, sheet=sheet) for p in problems]


def _check(
    schema: Schema, found: Columns, vocabulary: Vocabulary
) -> tuple[Extract | None, list[Problem]]:
    columns, name = found.columns, found.filename
    coded: dict[str, Any] = {}  # a column's codes (np.ndarray); the pay bands' Categorical
    cell_problems: list[Problem] = []

    def code(column: str, encoded: Encoded, message: Callable[[str], str], what: str) -> None:
        rows = columns[column].index.to_numpy()
        # a date shows as a person in England writes it (21/04/2024), never 2024-04-21T00:00:00
        found_here = [rows_problem(name, column, rows[where], message(display_text(raw)),
                                   value=raw) for raw, where in encoded.invalid]
        cell_problems.extend(_listed(found_here, name, column, what))
        coded[column] = encoded.codes

    if "ethnicity" in columns:
        code("ethnicity", classify(columns["ethnicity"], vocabulary.ethnicity),
             lambda raw: f"Unknown ethnicity label {quote(raw)} in {{rows}}",
             "unknown ethnicity labels")
    if "service_area" in columns:
        code("service_area", encode(columns["service_area"], fold, vocabulary.service_area),
             lambda raw: f"Service area must be adults or children, not {quote(raw)}, in {{rows}}"
             if raw.strip() else "Enter a service area (adults or children) in {rows}",
             "service areas that are not adults or children")
    for column in schema.yes_no + schema.answers:
        if column in columns:
            def not_yes_or_no(raw: str, column: str = column) -> str:
                if column in schema.outcome:
                    return (f"Enter yes or no, or an outcome such as Appointed, Unsuccessful at "
                            f"interview or Not shortlisted, in column {column}, not "
                            f"{quote(raw)}, in {{rows}}")
                return f"Enter yes or no in column {column}, not {quote(raw)}, in {{rows}}"

            words = vocabulary.answers if column in schema.answers else \
                vocabulary.outcome if column in schema.outcome else vocabulary.yes_no
            code(column, encode(columns[column], fold, words), not_yes_or_no,
                 "cells that are not yes or no")
    if schema.kind == STAFF:
        cell_problems += _check_staff_ids(name, columns)
        band_problems, bands = _pay_bands(name, columns, coded)
        cell_problems += band_problems
        coded["pay_band"] = bands

    order = {column: i for i, column in enumerate(schema.columns)}
    cell_problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", 0)))
    problems = list(found.problems) + _workbook_problems(found) + cell_problems
    if problems:
        return None, problems
    index = next(iter(columns.values())).index
    blank = tuple(c for c in schema.yes_no + schema.answers if _all_blank(columns[c]))
    coded, index, left_out = _leave_out_unshortlisted(schema, coded, index)
    if left_out and not len(index):
        return None, [Problem(name, None, schema.outcome[0],
                              "Every applicant's outcome says they were not shortlisted: the "
                              "file must hold the shortlisted applicants")]
    return Extract(schema.kind, name, _frame(schema, coded, index), found.layout,
                   dict(found.found), blank, left_out), []


def _leave_out_unshortlisted(
    schema: Schema, coded: dict[str, Any], index: pd.Index
) -> tuple[dict[str, Any], pd.Index, int]:
    """Leave out the applicants whose outcome says they were never shortlisted (not SCW2's)."""
    left_out = 0
    for column in schema.outcome:
        keep = coded[column] != LEFT_OUT
        if not keep.all():
            left_out += int((~keep).sum())
            coded = {c: v[keep] for c, v in coded.items()}
            index = index[keep]
    return coded, index, left_out


def _all_blank(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = column.cat.categories[np.unique(column.cat.codes[column.cat.codes >= 0])]
        return all(not str(c).strip() for c in used)
    return bool((column.str.strip() == "").all())


def _workbook_problems(found: Columns) -> list[Problem]:
    """Formulas whose value was never saved read as blank, and merged cells fill one row: both
    would give a wrong figure, so neither is read."""
    problems = []
    if found.formula_cells:
        cells = ", ".join(found.formula_cells[:10])
        more = len(found.formula_cells) - 10
        problems.append(Problem(
            found.filename, None, None,
            f"Cell{'s' if len(found.formula_cells) > 1 else ''} {cells}"
            f"{f' and {more:,} more' if more > 0 else ''} "
            f"{'have formulas' if len(found.formula_cells) > 1 else 'has a formula'} whose "
            "value was never saved, so it would read as blank. Open and save the file in "
            "Excel, or copy the cells and paste them as values"))
    for cells in found.merged_ranges:
        problems.append(Problem(
            found.filename, None, None,
            f"Cells {cells} are merged, so only the first row would have a value. Unmerge "
            "them and fill in every row"))
    return problems


def _frame(schema: Schema, coded: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    data: dict[str, object] = {
        "service_area": pd.Categorical.from_codes(coded["service_area"], pd.Index(ROW_SERVICE_AREAS)),
        "ethnic_group": pd.Categorical.from_codes(coded["ethnicity"], pd.Index(GROUPS)),
    }
    if schema.kind == STAFF:
        data["pay_band"] = coded["pay_band"]
    for column_name in schema.yes_no:
        data[column_name] = coded[column_name] == YES
    for column_name in schema.answers:
        codes = coded[column_name]
        data[column_name] = pd.arrays.BooleanArray(codes == YES, codes == NOT_ANSWERED)
    return pd.DataFrame(data, index=index)


def _check_staff_ids(name: str, columns: Mapping[str, pd.Series]) -> list[Problem]:
    if "staff_id" not in columns:
        return []
    column = columns["staff_id"]
    stripped = np.array([v.strip() for v in column.to_numpy(dtype=object)], dtype=object)
    # ' S1' and 'S1' are the same person. Almost every file passes, so check that fast first.
    if pd.Index(stripped).is_unique and not (stripped == "").any():
        return []
    positions, uniques = pd.factorize(stripped)
    ids = list(uniques)
    rows = column.index.to_numpy()
    counts = np.bincount(positions, minlength=len(ids))
    problems: list[Problem] = []
    if "" in ids:
        blank = ids.index("")
        problems.append(
            rows_problem(name, "staff_id", rows[positions == blank], "Enter a staff ID in {rows}")
        )
        counts[blank] = 1
    repeated = np.flatnonzero(counts > 1)
    if not len(repeated):
        return problems
    duplicates = []
    for chunk in group_positions(positions, np.flatnonzero(np.isin(positions, repeated))):
        staff_id = ids[positions[chunk[0]]]
        duplicates.append(
            rows_problem(
                name, "staff_id", rows[chunk],
                f"Staff ID {quote(staff_id)} appears more than once, in {{rows}}. "
                "Give each person one row",
                value=staff_id,
            )
        )
    return problems + _listed(duplicates, name, "staff_id", "staff IDs that appear more than once")


def _pay_bands(
    name: str, columns: Mapping[str, pd.Series], coded: Mapping[str, np.ndarray]
) -> tuple[list[Problem], pd.Categorical[str] | None]:
    """Code pay bands in order of first appearance, merging spellings that differ only in case
    or spacing; staff in post must have one."""
    if "pay_band" not in columns:
        return [], None
    column = columns["pay_band"]
    positions, uniques = distinct(column)
    categories: list[str] = []
    code_of: dict[str, int] = {}
    remap = np.zeros(len(uniques), dtype=np.int32)
    for i in pd.unique(positions):  # in order of first appearance
        label = " ".join(str(uniques[i]).split())
        key = label.casefold()
        if key not in code_of:
            code_of[key] = len(categories)
            categories.append(label)
        remap[i] = code_of[key]
    codes = remap[positions]
    problems: list[Problem] = []
    if "" in code_of and "left_in_period" in coded:
        missing = (coded["left_in_period"] == NO) & (codes == code_of[""])
        if missing.any():
            problems.append(
                rows_problem(name, "pay_band", column.index.to_numpy()[missing],
                             "Enter a pay band for staff in post in {rows}")
            )
    return problems, pd.Categorical.from_codes(codes, pd.Index(categories))


def _listed(problems: list[Problem], name: str, column: str, what: str) -> list[Problem]:
    """Keep a long list readable: list the first problems of a kind, then count the rest."""
    if len(problems) <= PROBLEMS_LISTED:
        return problems
    rest = problems[PROBLEMS_LISTED:]
    rows = sorted(r for p in rest for r in p.rows)
    total = sum(p.row_count for p in rest)
    summary = Problem(
        name, rows[0], column,
        f"There are {len(rest):,} more {what} in column {column} "
        f"(in {describe_rows(rows, total)})",
        rows=tuple(rows[:ROWS_KEPT]), row_count=total,
    )
    return problems[:PROBLEMS_LISTED] + [summary]
