"""The programme's data return: a cycle's counts in the counts template's layout, CSV or XLSX.

One row per count: ``service_area``, ``indicator``, ``band`` (SCW1 only), ``group`` (gm, white,
unknown), ``numerator`` (for SCW1 the staff in post in the band) and ``denominator``, the columns
of the counts template (``counts.TEMPLATE_COLUMNS``), so that the counts import reads a council's
return back as the same counts. Adults and children are written when the council gave them (all
staff is their sum), else all staff. The programme's return of every submitting council has an
``organisation`` column first: a council's rows, without it, are that council's return.
docs/domain.md section 8.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from tracker.domain.counts import TEMPLATE_COLUMNS, Counts
from tracker.domain.definitions import ADULTS, ALL, CHILDREN, GROUPS, SERIES_IDS
from tracker.domain.plan_sheet import formula_safe
from tracker.domain.templates import to_csv_bytes, to_xlsx_bytes

ORGANISATION = "organisation"


def return_rows(counts: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """Return a cycle's saved counts ({area: Counts.to_dict()}) as counts-template rows."""
    areas = [a for a in (ADULTS, CHILDREN) if a in counts] or [a for a in (ALL,) if a in counts]
    rows = []
    for area in areas:
        data = Counts.from_dict(counts[area])
        if "staff" in data.provided:
            for band in data.bands:
                for group in GROUPS:
                    rows.append({"service_area": area, "indicator": "SCW1", "band": band.label,
                                 "group": group, "numerator": getattr(band, group),
                                 "denominator": None})
        for sid in SERIES_IDS:
            for group in GROUPS:
                tally = data.series[sid].group(group)
                rows.append({"service_area": area, "indicator": sid, "band": "",
                             "group": group, "numerator": tally.numerator,
                             "denominator": tally.denominator})
    return rows


def return_frame(returns: Iterable[tuple[str | None, Mapping[str, Mapping[str, Any]]]]
                 ) -> pd.DataFrame:
    """Lay returns out as one table; with an organisation named, its column comes first."""
    rows, named = [], False
    for organisation, counts in returns:
        for row in return_rows(counts):
            if organisation is not None:
                named = True
                row = {ORGANISATION: organisation, **row}
            rows.append(row)
    columns = ([ORGANISATION] if named else []) + list(TEMPLATE_COLUMNS)
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("numerator", "denominator"):
        frame[column] = frame[column].astype("Int64")
    for column in columns[: -2]:
        frame[column] = frame[column].astype("str").map(formula_safe)
    return frame


def return_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """Write the return as CSV (UTF-8 with a byte-order mark) or a one-sheet workbook."""
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "xlsx":
        return to_xlsx_bytes(frame, sheet_name="counts")
    raise ValueError(f"format must be csv or xlsx, not {fmt!r}")
