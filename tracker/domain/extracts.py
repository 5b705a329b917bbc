"""Read and check the staff, recruitment and survey extracts (domain.md section 4).

Each extract is CSV or XLSX, one row a person. Headers match case-insensitively, ignoring
surrounding spaces; extra columns are ignored. Every problem in every file is collected and raised
together as one ``ExtractValidationError``. The result keeps only the coded columns the counts
need; nothing here writes person rows anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
from tracker.domain.problems import (
    ROWS_KEPT,
    ExtractValidationError,
    Problem,
    describe_rows,
    format_problems,
    quote,
    rows_problem,
)
from tracker.domain.tabular import Table, encode, fold, read_table, select_columns

__all__ = [
    "SCHEMAS",
    "Extract",
    "ExtractValidationError",
    "Problem",
    "Schema",
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
YES_NO: dict[str, int] = {
    **dict.fromkeys(("yes", "y", "true", "1"), YES),
    **dict.fromkeys(("no", "n", "false", "0", ""), NO),
}
#: Survey answers: as yes/no, except that a blank means the question was not answered.
ANSWERS: dict[str, int] = {**YES_NO, "": NOT_ANSWERED}
SERVICE_AREA_CODES: dict[str, int] = {area: code for code, area in enumerate(ROW_SERVICE_AREAS)}


@dataclass(frozen=True)
class Schema:
    """The columns an extract must have and how each is read."""

    kind: str
    columns: tuple[str, ...]
    #: yes/no columns where a blank means no.
    yes_no: tuple[str, ...] = ()
    #: yes/no survey answers where a blank means not answered.
    answers: tuple[str, ...] = ()


SCHEMAS: dict[str, Schema] = {
    STAFF: Schema(
        STAFF,
        ("staff_id", "ethnicity", "service_area", "pay_band", "senior_manager",
         "regulated_professional", "formal_disciplinary", "ftp_referral", "funded_cpd",
         "left_in_period"),
        yes_no=("senior_manager", "regulated_professional", "formal_disciplinary",
                "ftp_referral", "funded_cpd", "left_in_period"),
    ),
    RECRUITMENT: Schema(
        RECRUITMENT, ("ethnicity", "service_area", "appointed"), yes_no=("appointed",)
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

    def __len__(self) -> int:
        return len(self.frame)

    def codes(self, column: str) -> np.ndarray:
        """Return the integer codes of a categorical column (fast counting)."""
        return self.frame[column].cat.codes.to_numpy()


def read_extract(
    kind: str, data: bytes, filename: str, *, extra_mapping: Mapping[str, str] | None = None
) -> Extract:
    """Read and check one extract; raise ``ExtractValidationError`` listing every problem."""
    extract, problems = _read(kind, data, filename, build_mapping(extra_mapping))
    if problems:
        raise ExtractValidationError(problems)
    return extract


def read_staff(data: bytes, filename: str, *, extra_mapping=None) -> Extract:
    """Read and check a staff extract."""
    return read_extract(STAFF, data, filename, extra_mapping=extra_mapping)


def read_recruitment(data: bytes, filename: str, *, extra_mapping=None) -> Extract:
    """Read and check a recruitment extract."""
    return read_extract(RECRUITMENT, data, filename, extra_mapping=extra_mapping)


def read_survey(data: bytes, filename: str, *, extra_mapping=None) -> Extract:
    """Read and check a survey extract."""
    return read_extract(SURVEY, data, filename, extra_mapping=extra_mapping)


def read_extracts(
    *,
    staff: tuple[bytes, str] | None = None,
    recruitment: tuple[bytes, str] | None = None,
    survey: tuple[bytes, str] | None = None,
    extra_mapping: Mapping[str, str] | None = None,
) -> dict[str, Extract]:
    """Read and check the extracts given as (bytes, filename), reporting the problems of all
    files together in one ``ExtractValidationError``."""
    mapping = build_mapping(extra_mapping)
    given = {STAFF: staff, RECRUITMENT: recruitment, SURVEY: survey}
    extracts: dict[str, Extract] = {}
    problems: list[Problem] = []
    for kind, upload in given.items():
        if upload is None:
            continue
        data, filename = upload
        extract, found = _read(kind, data, filename, mapping)
        problems.extend(found)
        if extract is not None:
            extracts[kind] = extract
    if problems:
        raise ExtractValidationError(problems)
    return extracts


def _read(
    kind: str, data: bytes, filename: str, mapping: Mapping[str, str]
) -> tuple[Extract | None, list[Problem]]:
    if kind not in SCHEMAS:
        raise ValueError(f"extract kind must be one of {', '.join(EXTRACT_KINDS)}, not {kind!r}")
    try:
        table = read_table(data, filename)
    except ExtractValidationError as error:
        return None, error.problems
    return _check(SCHEMAS[kind], table, mapping)


def _check(
    schema: Schema, table: Table, mapping: Mapping[str, str]
) -> tuple[Extract | None, list[Problem]]:
    columns, problems = select_columns(table, schema.columns)
    name = table.filename
    coded: dict[str, object] = {}
    cell_problems: list[Problem] = []

    if "ethnicity" in columns:
        column = columns["ethnicity"]
        groups = classify(column, mapping)
        rows = column.index.to_numpy()
        cell_problems += _listed(
            [
                rows_problem(name, "ethnicity", rows[where],
                             f"Unknown ethnicity label {quote(raw)} in {{rows}}", value=raw)
                for raw, where in groups.invalid
            ],
            name, "ethnicity", "unknown ethnicity labels",
        )
        coded["ethnic_group"] = groups.codes

    if "service_area" in columns:
        column = columns["service_area"]
        areas = encode(column, fold, SERVICE_AREA_CODES)
        rows = column.index.to_numpy()
        cell_problems += _listed(
            [
                rows_problem(
                    name, "service_area", rows[where],
                    f"Service area must be adults or children, not {quote(raw)}, in {{rows}}"
                    if raw.strip() else "Enter a service area (adults or children) in {rows}",
                    value=raw,
                )
                for raw, where in areas.invalid
            ],
            name, "service_area", "service areas that are not adults or children",
        )
        coded["service_area"] = areas.codes

    for column_name in schema.yes_no + schema.answers:
        if column_name not in columns:
            continue
        column = columns[column_name]
        answers = encode(column, fold, ANSWERS if column_name in schema.answers else YES_NO)
        rows = column.index.to_numpy()
        cell_problems += _listed(
            [
                rows_problem(
                    name, column_name, rows[where],
                    f"Enter yes or no in column {column_name}, not {quote(raw)}, in {{rows}}",
                    value=raw,
                )
                for raw, where in answers.invalid
            ],
            name, column_name, "cells that are not yes or no",
        )
        coded[column_name] = answers.codes

    if schema.kind == STAFF:
        cell_problems += _check_staff_ids(name, columns)
        band_problems, bands = _pay_bands(name, columns, coded)
        cell_problems += band_problems
        if bands is not None:
            coded["pay_band"] = bands

    cell_problems.sort(key=lambda p: (p.row or 0, schema.columns.index(p.column)
                                      if p.column in schema.columns else 0))
    problems += cell_problems
    if problems:
        return None, problems
    index = next(iter(columns.values())).index
    return Extract(schema.kind, name, _frame(schema, coded, index)), []


def _frame(schema: Schema, coded: dict[str, object], index: pd.Index) -> pd.DataFrame:
    data: dict[str, object] = {
        "service_area": pd.Categorical.from_codes(coded["service_area"], ROW_SERVICE_AREAS),
        "ethnic_group": pd.Categorical.from_codes(coded["ethnic_group"], GROUPS),
    }
    if "pay_band" in coded:
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
    positions, uniques = pd.factorize(column)
    ids = [str(u).strip() for u in uniques]  # ' S1' and 'S1' are the same person
    if any(i != u for i, u in zip(ids, uniques, strict=True)):
        remap, uniques = pd.factorize(pd.Series(ids, dtype=object))
        positions = remap[positions]
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
    where = np.flatnonzero(np.isin(positions, repeated))
    where = where[np.argsort(positions[where], kind="stable")]
    chunks = np.split(where, np.flatnonzero(np.diff(positions[where])) + 1)
    chunks.sort(key=lambda chunk: chunk[0])
    duplicates = []
    for chunk in chunks:
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
) -> tuple[list[Problem], pd.Categorical | None]:
    """Code pay bands in order of first appearance, merging spellings that differ only in case
    or spacing; staff in post must have one."""
    if "pay_band" not in columns:
        return [], None
    column = columns["pay_band"]
    positions, uniques = pd.factorize(column)
    categories: list[str] = []
    code_of: dict[str, int] = {}
    remap = np.empty(len(uniques), dtype=np.int32)
    for i, unique in enumerate(uniques):
        label = " ".join(str(unique).split())
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
    return problems, pd.Categorical.from_codes(codes, categories)


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
