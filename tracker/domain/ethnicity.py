"""Map ethnicity cells to the groups the indicators compare: white, gm (global majority), unknown.

Accepted, case-insensitively and ignoring repeated or surrounding spaces (and spaces around ':'
and ','), as docs/domain.md section 4 lists them:

- an ONS 2021 label written ``Group: Category`` (``White: Irish``);
- a category alone where only one group has it (all ONS 2021 categories are unambiguous);
- an NHS ethnic category code: A, B, C (white); D, E, F, G, H, J, K, L, M, N, P, R, S (global
  majority); Z (not stated). I, O and Q are not NHS codes and are not accepted;
- a group name alone (``White``, ``Asian, Asian British or Asian Welsh`` ...);
- unknown markers: blank, ``Not stated``, ``Prefer not to say``, ``Unknown``, ``Not known``.

An installation may add labels, or regroup built-in ones, with an extra mapping (label -> group);
its entries win over the built-in ones. Anything else is unrecognised, and callers must report it
as an error naming the label and its rows, never count it as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from tracker.domain.definitions import GM, GROUPS, UNKNOWN, WHITE
from tracker.domain.problems import ExtractValidationError, ExtraMappingError, Problem
from tracker.domain.spellings import ethnicity_spellings
from tracker.domain.tabular import Encoded, encode, read_columns

#: ONS 2021 ethnic groups (England): group label, the group the indicators use, categories.
ONS_2021: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "White", WHITE,
        ("English, Welsh, Scottish, Northern Irish or British", "Irish",
         "Gypsy or Irish Traveller", "Roma", "Other White"),
    ),
    (
        "Mixed or Multiple ethnic groups", GM,
        ("White and Black Caribbean", "White and Black African", "White and Asian",
         "Other Mixed or Multiple ethnic groups"),
    ),
    (
        "Asian, Asian British or Asian Welsh", GM,
        ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Other Asian"),
    ),
    (
        "Black, Black British, Black Welsh, Caribbean or African", GM,
        ("Caribbean", "African", "Other Black"),
    ),
    ("Other ethnic group", GM, ("Arab", "Any other ethnic group")),
)

#: NHS Data Dictionary ethnic category codes.
NHS_CODES: dict[str, str] = {
    **dict.fromkeys("ABC", WHITE),
    **dict.fromkeys("DEFGHJKLMNPRS", GM),
    "Z": UNKNOWN,
}

UNKNOWN_MARKERS: tuple[str, ...] = ("", "Not stated", "Prefer not to say", "Unknown", "Not known")

#: Position of each group in the codes that ``classify`` returns.
GROUP_CODE: dict[str, int] = {group: code for code, group in enumerate(GROUPS)}

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r" ?([:,]) ?")


def normalise_label(value: object) -> str:
    """Fold case, collapse spaces and space ':' and ',' the same way, so spellings compare."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = _SPACES.sub(" ", str(value)).strip()
    return _PUNCTUATION.sub(r"\1 ", text).strip().casefold()


def _builtin_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    category_group: dict[str, set[str]] = {}
    for group_label, group, categories in ONS_2021:
        labels[group_label] = group
        for category in categories:
            labels[f"{group_label}: {category}"] = group
            category_group.setdefault(category, set()).add(group)
    for category, groups in category_group.items():
        if len(groups) == 1:  # a category alone only counts where it is unambiguous
            labels.setdefault(category, groups.pop())
    labels.update(NHS_CODES)
    labels.update(dict.fromkeys(UNKNOWN_MARKERS, UNKNOWN))
    normalised = {normalise_label(label): group for label, group in labels.items()}
    # ONS 2011 labels, DfE codes and NHS codes with their descriptions: ONS 2021 wins a clash.
    for label, group in ethnicity_spellings(NHS_CODES).items():
        normalised.setdefault(normalise_label(label), group)
    return normalised


BUILTIN_MAPPING: Mapping[str, str] = MappingProxyType(_builtin_labels())


def build_mapping(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return normalised label -> group: the built-in labels, then the installation's extras."""
    mapping = dict(BUILTIN_MAPPING)
    if extra:
        mapping.update(check_extra_mapping(extra))
    return mapping


def check_extra_mapping(extra: Mapping[str, str], source: str = "extra mapping") -> dict[str, str]:
    """Normalise an extra mapping; raise ``ExtraMappingError`` naming every bad entry."""
    problems: list[Problem] = []
    checked: dict[str, str] = {}
    for label, group in extra.items():
        key = normalise_label(label)
        value = normalise_label(group)
        if not key:
            problems.append(Problem(source, None, "label", "An ethnicity label cannot be blank"))
        elif value not in GROUPS:
            problems.append(
                Problem(
                    source, None, "group",
                    f"Ethnicity label '{label}' maps to '{group}': use white, gm or unknown",
                    value=str(label),
                )
            )
        elif key in checked and checked[key] != value:
            problems.append(
                Problem(
                    source, None, "label",
                    f"Ethnicity label '{label}' is mapped to both {checked[key]} and {value}",
                    value=str(label),
                )
            )
        else:
            checked[key] = value
    if problems:
        raise ExtraMappingError(problems)
    return checked


def ethnic_group(label: object, mapping: Mapping[str, str] | None = None) -> str | None:
    """Return white, gm or unknown for one cell, or None when the label is unrecognised."""
    return (mapping if mapping is not None else BUILTIN_MAPPING).get(normalise_label(label))


def classify(values: pd.Series | Iterable[object], mapping: Mapping[str, str]) -> Encoded:
    """Classify a whole column, normalising and looking up each distinct value once.

    Codes index ``GROUPS`` (0 gm, 1 white, 2 unknown); ``INVALID`` marks an unrecognised label.
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(list(values), dtype=object)
    codes_by_key = {key: GROUP_CODE[group] for key, group in mapping.items()}
    return encode(values, normalise_label, codes_by_key)


def load_extra_mapping(path: str | Path) -> dict[str, str]:
    """Read an installation's extra mapping: a CSV (or XLSX) file with columns label and group.

    Raises ``ExtraMappingError`` naming every problem: a file that cannot be read, a missing
    column, a blank label, a group that is not white, gm or unknown, or a label given twice with
    different groups.
    """
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExtraMappingError(
            [Problem(name, None, None, f"The ethnicity mapping file cannot be read: {error}")]
        ) from None
    try:
        found = read_columns(data, name, ("label", "group"), text=("label", "group"))
    except ExtractValidationError as error:
        raise ExtraMappingError(error.problems) from None
    columns, problems = found.columns, list(found.problems)
    mapping: dict[str, str] = {}
    first_row: dict[str, int] = {}
    if len(columns) == 2:
        for row, label, group in zip(
            columns["label"].index, columns["label"], columns["group"], strict=True
        ):
            problem = _mapping_row_problem(name, row, label, group, mapping, first_row)
            if problem:
                problems.append(problem)
                continue
            key = normalise_label(label)
            mapping.setdefault(key, normalise_label(group))
            first_row.setdefault(key, row)
    if problems:
        raise ExtraMappingError(problems)
    return mapping


def _mapping_row_problem(
    name: str, row: int, label: str, group: str, mapping: dict[str, str], first_row: dict
) -> Problem | None:
    key, value = normalise_label(label), normalise_label(group)
    if not key:
        return Problem(name, row, "label", f"Enter an ethnicity label in row {row}",
                       rows=(row,), row_count=1)
    if value not in GROUPS:
        return Problem(
            name, row, "group",
            f"Group for '{label}' in row {row} must be white, gm or unknown, not '{group}'",
            rows=(row,), row_count=1, value=label,
        )
    if key in mapping and mapping[key] != value:
        return Problem(
            name, row, "label",
            f"Ethnicity label '{label}' in row {row} is already mapped to {mapping[key]} "
            f"in row {first_row[key]}",
            rows=(row,), row_count=1, value=label,
        )
    return None
