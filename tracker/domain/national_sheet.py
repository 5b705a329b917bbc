"""The national report as a workbook: figures per service area, pay bands, breakdowns, years.

Numbers are unrounded (RLs and shares as numbers with a display format); a figure held back is
an empty cell with its reason in the next column. Text is guarded against spreadsheet formulas
(``plan_sheet.formula_safe``). docs/domain.md section 8.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREA_LABELS
from tracker.domain.plan_sheet import formula_safe

SERIES_HEADER = ("service_area", "indicator", "name", "councils", "pooled_rl", "ci95_lower",
                 "ci95_upper", "gm_numerator", "gm_denominator", "white_numerator",
                 "white_denominator", "median", "q1", "q3", "within_range_share", "withheld")


def _reasons(entry: Mapping[str, Any]) -> str:
    return "; ".join(f"{name}: {reason}" for name, reason in (entry.get("withheld") or {}).items())


def series_values(area_label: str, sid: str, entry: Mapping[str, Any]) -> list[Any]:
    """Return one indicator's row of the workbook."""
    pooled = entry["pooled"]
    return [area_label, sid, INDICATORS_BY_ID[sid].short_name, entry.get("councils"),
            pooled["rl"], pooled["ci_low"], pooled["ci_high"],
            pooled["gm"]["numerator"], pooled["gm"]["denominator"],
            pooled["white"]["numerator"], pooled["white"]["denominator"],
            entry.get("median"), entry.get("q1"), entry.get("q3"),
            entry.get("within_range_share"), _reasons(entry)]


def _write(sheet, values) -> None:
    sheet.append([formula_safe(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
            cell.quotePrefix = True


def _series_sheet(sheet, first: str, rows) -> None:
    _write(sheet, (first, *SERIES_HEADER[1:]))
    for name, figures in rows:
        for sid in SERIES_IDS:
            _write(sheet, series_values(name, sid, figures[sid]))


def _bands_sheet(sheet, report: Mapping[str, Any]) -> None:
    _write(sheet, ("service_area", "band", "councils", "gm_share", "withheld"))
    for area, figures in report.items():
        scw1 = figures["SCW1"]
        _write(sheet, (SERVICE_AREA_LABELS[area], "All bands (workforce)", scw1["councils"],
                       scw1["gm_share_workforce"],
                       (scw1.get("withheld") or {}).get("gm_share_workforce", "")))
        for label, band in scw1["bands"].items():
            _write(sheet, (SERVICE_AREA_LABELS[area], label, band["councils"], band["gm_share"],
                           _reasons(band)))


def _about_sheet(sheet, content: Mapping[str, Any]) -> None:
    for line in (("SC-WRES national report", content["label"]),
                 ("Councils that submitted", content["submitted"]),
                 ("Small numbers", f"No count below {content['threshold']} is shown, nor any that "
                                   "could be worked out from the others"),
                 ("Councils", f"No figure comes from fewer than {content['min_councils']} "
                              "councils, and no council is named")):
        _write(sheet, line)


def _style(workbook: Workbook) -> None:
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"


def national_xlsx_bytes(content: Mapping[str, Any], *, group_names: Mapping[str, str]) -> bytes:
    """Write a national report's content (``services.national.report_content``) as a workbook."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "National figures"
    _series_sheet(sheet, "service_area", ((SERVICE_AREA_LABELS[area], figures)
                                          for area, figures in content["report"].items()))
    _bands_sheet(workbook.create_sheet("Pay bands"), content["report"])
    for dimension, title in (("region", "By region"), ("kind", "By kind of council")):
        groups = content["breakdowns"].get(dimension, {})
        _series_sheet(workbook.create_sheet(title), "group",
                      ((group_names.get(f"{dimension}:{name}", name), figures)
                       for name, figures in groups.items()))
    _series_sheet(workbook.create_sheet("Across years"), "cycle",
                  content.get("years", {}).items())
    _about_sheet(workbook.create_sheet("About"), content)
    _style(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
