"""Produce the blank and example templates people download: the three extracts and the counts.

``template_frame(kind)`` gives the columns (and, for counts, a row per count to fill in);
``template_frame(kind, example=True)`` fills them with made-up but realistic values.
``to_csv_bytes`` and ``to_xlsx_bytes`` turn any frame into a download that the readers accept.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from tracker.domain.counts import TEMPLATE_COLUMNS, WIDE_COLUMNS
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


# -- templates that teach -----------------------------------------------------------------------

WIDE_COUNTS = "counts-wide"
#: Rows of a downloaded extract template that get drop-downs.
DROP_DOWN_ROWS = 5000
_COLUMN_HELP: dict[str, str] = {
    "staff_id": "A pseudonymous number, different for each person (never a name or NI number)",
    "ethnicity": "The person's ethnic group: an ONS 2021 or 2011 label, an NHS code (A to S, "
                 "Z), a DfE code (such as WBRI), or blank or 'Not stated' if unknown",
    "service_area": "adults or children (also ASC, CSC, Adult Social Care, Children's Services)",
    "pay_band": "The person's pay band or grade, as you name them (not their salary)",
    "senior_manager": "yes if the person is a senior manager",
    "regulated_professional": "yes if the person is a regulated professional (such as a social "
                              "worker)",
    "formal_disciplinary": "yes if the person entered a formal disciplinary process in the year",
    "ftp_referral": "yes if the person was referred for fitness to practise",
    "funded_cpd": "yes if the person had funded continuing professional development",
    "left_in_period": "yes if the person left the organisation in the year",
    "appointed": "yes if the shortlisted applicant was appointed (or the recruitment system's "
                 "outcome: Appointed, Unsuccessful at interview, Not shortlisted)",
    "hba_public": "yes if the respondent experienced harassment, bullying or abuse from the "
                  "public; blank if they did not answer",
    "hba_colleagues": "yes for harassment, bullying or abuse from colleagues; blank if not "
                      "answered",
    "hba_managers": "yes for harassment, bullying or abuse from managers; blank if not answered",
}
_KIND_HELP = {
    STAFF: "One row per person employed at any time in the 12 months, leavers included.",
    RECRUITMENT: "One row per shortlisted applicant in the 12 months.",
    SURVEY: "One row per respondent to the staff survey.",
    COUNTS: "One row per count: fill in the numerator and denominator of each indicator for each "
            "group (adults and children). Leave an indicator's boxes blank if you do not have it.",
    WIDE_COUNTS: "One row per indicator (and pay band), the groups across: fill in each group's "
                 "numerator and denominator.",
}


def _ethnicity_labels() -> list[str]:
    from tracker.domain.ethnicity import ONS_2021

    return [f"{group}: {category}" for group, _, categories in ONS_2021
            for category in categories] + ["Prefer not to say", "Not stated"]


def counts_description(indicator: str, band: str = "") -> str:
    """Say in words what a counts row holds."""
    from tracker.domain.definitions import INDICATORS_BY_ID

    if indicator == "SCW1":
        return f"SCW1 pay band {band}: staff in post in the band (numerator only)"
    found = INDICATORS_BY_ID[indicator]
    return (f"{indicator} {found.short_name}: numerator = {found.numerator_label}; "
            f"denominator = {found.denominator_label}")


def wide_counts_frame(example: bool = False) -> pd.DataFrame:
    """The counts as a spreadsheet tool lays them out: indicators down, groups across."""
    long = _counts_frame(example)
    rows = []
    for (area, sid, band), part in long.groupby(["service_area", "indicator", "band"],
                                                sort=False):
        row: dict[str, object] = {"service_area": area, "indicator": sid, "band": band}
        for record in part.itertuples(index=False):
            row[f"{record.group}_numerator"] = record.numerator
            row[f"{record.group}_denominator"] = record.denominator
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(WIDE_COLUMNS))
    for column in WIDE_COLUMNS[3:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def download_frame(kind: str, *, example: bool = False) -> pd.DataFrame:
    """Return a template as downloaded: the counts' rows labelled with what each counts (a
    description column, which the reader ignores)."""
    if kind == WIDE_COUNTS:
        frame = wide_counts_frame(example)
    else:
        frame = template_frame(kind, example=example)
    if kind in (COUNTS, WIDE_COUNTS):
        frame = frame.assign(description=[counts_description(i, b) for i, b in
                                          zip(frame["indicator"], frame["band"], strict=True)])
    return frame


def teaching_xlsx(kind: str) -> bytes:
    """Return a template workbook that teaches: the data sheet first (with drop-downs for
    yes/no, service area and ethnicity, and a description of each counts row), then a
    Guidance sheet, an Example sheet of filled-in rows, and the drop-downs' lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    if kind not in (*TEMPLATE_KINDS, WIDE_COUNTS):
        raise ValueError(f"template kind must be one of {', '.join(TEMPLATE_KINDS)}")
    book = Workbook()
    data = book.worksheets[0]
    data.title = "data"
    frame, example = download_frame(kind), download_frame(kind, example=True)
    counts = kind in (COUNTS, WIDE_COUNTS)
    _write_frame(data, frame)
    guidance = book.create_sheet("Guidance")
    guidance.append([f"How to fill in the {kind.replace('-', ' ')} template"])
    guidance["A1"].font = Font(bold=True, size=14)
    guidance.append([_KIND_HELP[kind]])
    guidance.append(["Fill in the 'data' sheet and upload the workbook as it is: the other "
                     "sheets are not read. Only counts are kept, never the rows about people."])
    guidance.append([])
    guidance.append(["Column", "What to enter"])
    for cell in guidance[5]:
        cell.font = Font(bold=True)
    for column in frame.columns:
        guidance.append([column, _counts_help(column) if counts else _COLUMN_HELP[column]])
    guidance.column_dimensions["A"].width = 24
    guidance.column_dimensions["B"].width = 100
    sample = book.create_sheet("Example")
    _write_frame(sample, example)
    if not counts:
        lists = book.create_sheet("Lists")
        labels = _ethnicity_labels()
        for row, label in enumerate(labels, start=1):
            lists.cell(row=row, column=1, value=label)
        lists.sheet_state = "hidden"
        columns = list(frame.columns)
        rules = [("yes_no", DataValidation(type="list", formula1='"yes,no"', allow_blank=True)),
                 ("service_area", DataValidation(type="list", formula1='"adults,children"')),
                 ("ethnicity", DataValidation(type="list", allow_blank=True,
                                              formula1=f"Lists!$A$1:$A${len(labels)}"))]
        schema = SCHEMAS[kind]
        for name, rule in rules:
            wanted = schema.yes_no + schema.answers if name == "yes_no" else (name,)
            rule.error = "Choose from the list"  # a warning only: other spellings are read too
            rule.errorStyle = "warning"
            rule.showErrorMessage = True
            data.add_data_validation(rule)
            for column in wanted:
                if column in columns:
                    letter = _letter(columns.index(column))
                    rule.add(f"{letter}2:{letter}{DROP_DOWN_ROWS + 1}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counts_help(column: str) -> str:
    helps = {"service_area": "adults or children (or all, for all staff together)",
             "indicator": "SCW1 to SCW9, SCW7a or SCW7b (already filled in)",
             "band": "SCW1's pay band names (replace the example names with yours)",
             "group": "gm (global majority), white or unknown",
             "numerator": "The number counted (see the description)",
             "denominator": "The number it is counted out of (see the description)",
             "description": "What the row counts (not read when uploaded)"}
    if column in helps:
        return helps[column]
    group, part = column.rsplit("_", 1)
    words = {"gm": "global majority", "white": "white", "unknown": "unknown ethnicity"}[group]
    return f"The {part} for {words} people"


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(position + 1))


def _write_frame(sheet, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font

    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        sheet.append([None if pd.isna(v) else (int(v) if isinstance(v, int | np.integer) else v)
                      for v in row])
    for position, column in enumerate(frame.columns):
        sheet.column_dimensions[_letter(position)].width = max(12, min(60, len(column) + 4))
