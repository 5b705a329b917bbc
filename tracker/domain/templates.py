"""Produce the blank and example templates people download: the three extracts and the counts.

``template_frame(kind)`` gives the columns (and, for counts, a row per count to fill in);
``template_frame(kind, example=True)`` fills them with made-up but realistic values.
``to_csv_bytes`` and ``to_xlsx_bytes`` turn any frame into a download that the readers accept.
"""

from __future__ import annotations

import io

import pandas as pd

from tracker.domain.counts import TEMPLATE_COLUMNS
from tracker.domain.definitions import (
    ADULTS,
    CHILDREN,
    EXTRACT_KINDS,
    GROUPS,
    RECRUITMENT,
    SERIES_IDS,
    STAFF,
    SURVEY,
)
from tracker.domain.extracts import SCHEMAS

COUNTS = "counts"
TEMPLATE_KINDS: tuple[str, ...] = (*EXTRACT_KINDS, COUNTS)
#: Pay bands used in the examples (Skills for Care's national bands).
EXAMPLE_BANDS: tuple[str, ...] = ("<30k", "30-69k", "70k+")

_EXAMPLE_ROWS: dict[str, list[tuple[str, ...]]] = {
    STAFF: [
        ("S0001", "White: English, Welsh, Scottish, Northern Irish or British", "adults", "<30k",
         "no", "no", "no", "no", "yes", "no"),
        ("S0002", "Asian, Asian British or Asian Welsh: Indian", "adults", "30-69k",
         "no", "yes", "no", "no", "yes", "no"),
        ("S0003", "Black, Black British, Black Welsh, Caribbean or African: African", "children",
         "30-69k", "no", "yes", "yes", "no", "no", "no"),
        ("S0004", "N", "children", "70k+", "yes", "no", "no", "no", "no", "no"),
        ("S0005", "Prefer not to say", "adults", "<30k", "no", "no", "no", "no", "no", "yes"),
        ("S0006", "A", "children", "30-69k", "no", "yes", "no", "yes", "yes", "no"),
    ],
    RECRUITMENT: [
        ("Mixed or Multiple ethnic groups: White and Black Caribbean", "adults", "no"),
        ("White: Irish", "adults", "yes"),
        ("Other ethnic group: Arab", "children", "yes"),
        ("", "children", "no"),
    ],
    SURVEY: [
        ("White: Roma", "adults", "no", "no", "no"),
        ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "adults",
         "yes", "no", ""),
        ("Asian, Asian British or Asian Welsh: Pakistani", "children", "yes", "yes", "no"),
        ("Not stated", "children", "no", "", "no"),
    ],
}

# Made-up counts near the national figures of docs/domain.md section 7: per service area,
# SCW1 band -> (gm, white, unknown) and series -> ((gm num, den), (white num, den), (unknown)).
_EXAMPLE_BANDS = {
    ADULTS: {"<30k": (410, 1790, 120), "30-69k": (250, 880, 60), "70k+": (6, 38, 2)},
    CHILDREN: {"<30k": (150, 700, 40), "30-69k": (210, 760, 45), "70k+": (4, 31, 1)},
}
_EXAMPLE_SERIES = {
    ADULTS: {
        "SCW2": ((41, 280), (122, 430), (3, 25)),
        "SCW3": ((14, 750), (35, 2948), (2, 207)),
        "SCW4": ((4, 180), (11, 520), (0, 40)),
        "SCW5": ((150, 750), (530, 2948), (30, 207)),
        "SCW6": ((40, 260), (95, 760), (8, 50)),
        "SCW7a": ((36, 262), (80, 770), (6, 52)),
        "SCW7b": ((30, 258), (46, 765), (5, 51)),
        "SCW8": ((84, 750), (240, 2948), (25, 207)),
        "SCW9": ((6, 666), (38, 2708), (2, 182)),
    },
    CHILDREN: {
        "SCW2": ((22, 150), (75, 260), (2, 14)),
        "SCW3": ((9, 414), (20, 1671), (1, 98)),
        "SCW4": ((5, 240), (9, 900), (0, 50)),
        "SCW5": ((80, 414), (340, 1671), (15, 98)),
        "SCW6": ((20, 150), (50, 560), (4, 30)),
        "SCW7a": ((18, 151), (44, 565), (3, 31)),
        "SCW7b": ((16, 150), (28, 560), (3, 30)),
        "SCW8": ((50, 414), (180, 1671), (12, 98)),
        "SCW9": ((4, 364), (31, 1491), (1, 86)),
    },
}


def template_frame(kind: str, *, example: bool = False) -> pd.DataFrame:
    """Return the template for an extract (staff, recruitment, survey) or for counts.

    Blank: an extract template has only its header; the counts template has one row per count
    for adults and children with the numbers left empty (unfilled rows are skipped on upload).
    Example: realistic made-up rows showing the accepted spellings.
    """
    if kind not in TEMPLATE_KINDS:
        raise ValueError(f"template kind must be one of {', '.join(TEMPLATE_KINDS)}")
    if kind == COUNTS:
        return _counts_frame(example)
    columns = list(SCHEMAS[kind].columns)
    rows = _EXAMPLE_ROWS[kind] if example else []
    return pd.DataFrame(rows, columns=columns, dtype="str")


def _counts_frame(example: bool) -> pd.DataFrame:
    rows: list[tuple[str, str, str, str, int | None, int | None]] = []
    for area in (ADULTS, CHILDREN):
        for band, values in _EXAMPLE_BANDS[area].items():
            for group, value in zip(GROUPS, values, strict=True):
                rows.append((area, "SCW1", band, group, value if example else None, None))
        for sid in SERIES_IDS:
            for group, (numerator, denominator) in zip(
                GROUPS, _EXAMPLE_SERIES[area][sid], strict=True
            ):
                rows.append((area, sid, "", group, numerator if example else None,
                             denominator if example else None))
    frame = pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))
    for column in ("service_area", "indicator", "band", "group"):
        frame[column] = frame[column].astype("str")
    for column in ("numerator", "denominator"):
        frame[column] = frame[column].astype("Int64")
    return frame


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Write a frame as CSV UTF-8 with a byte-order mark, which Excel opens correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """Write a frame as a one-sheet Excel workbook."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet_name)
    return buffer.getvalue()
