"""Write every figure of one cycle or of several as a spreadsheet: CSV, or XLSX with three sheets.

One row per cycle, service area, indicator and (SCW1) pay band, with every figure unrounded:
counts, rates, the relative likelihood and which way up it is, its 95% interval, rating, state,
low confidence, SCW1's shares and gaps, SCW9's gap, the declaration rate of the extract it comes
from, and the data-quality notes about that extract. The XLSX adds a "Data quality" sheet (each
extract's declaration rate and every note with its file, sheet, row and column) and an "About"
sheet saying what the columns mean.

For publication (``for_publication``), the results are the safe ones
(``tracker.domain.public_figures.safe_results``): a withheld count reads "fewer than 10" or
"withheld", a withheld figure reads "not shown", and ``withheld_because`` says why.

Text that a spreadsheet would run as a formula is guarded as the plan export guards it
(``tracker.domain.plan_sheet.formula_safe``; a text cell in XLSX).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter import Workbook

from tracker.domain.definitions import (
    EXTRACT_KINDS,
    INDICATORS_BY_ID,
    NHS_INVERTED_SERIES,
    SERIES_IDS,
    SERVICE_AREA_LABELS,
    SERVICE_AREAS,
)
from tracker.domain.formatting import rating_label
from tracker.domain.plan_sheet import formula_safe

GM_WHITE, NHS = "gm-white", "nhs"

#: The version of the code writing the workbook (this file and the writer's): a workbook kept
#: under its figures' hash (tracker/services/reports.py) is served only while the code that
#: wrote it is the code that would write it now.
WRITING_VERSION = hashlib.sha256(Path(__file__).read_bytes()
                                 + xlsxwriter.__version__.encode()).hexdigest()[:16]

#: (column, what it holds), in order: the CSV header and the XLSX "About" sheet.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("cycle", "The reporting cycle, such as 2024-25"),
    ("service_area", "All staff, adult social care or children's social care"),
    ("indicator", "SCW1 to SCW9 (SCW7 has two parts, SCW7a and SCW7b)"),
    ("indicator_name", "What the indicator measures"),
    ("band", "SCW1 only: the pay band, or 'All bands' for the whole workforce"),
    ("state", "ok, no-data, no-events, not-calculable, not-collected (or withheld, for "
              "publication)"),
    ("state_words", "The state in words, when there is no figure"),
    ("relative_likelihood", "The rate for global majority staff divided by the rate for white "
                            "staff (unrounded); SCW1: the likelihood of being in the band"),
    ("ratio", "Which way up the relative likelihood is written"),
    ("rating", "Within range (0.80 to 1.25), adverse or reverse, by the four-fifths rule"),
    ("ci95_lower", "Lower end of the 95% confidence interval (log method)"),
    ("ci95_upper", "Upper end of the 95% confidence interval"),
    ("low_confidence", "yes when fewer than 10 people in either group had the outcome"),
    ("gm_numerator", "Global majority staff with the outcome (SCW1: in the band)"),
    ("gm_denominator", "Global majority staff counted (SCW1: in post)"),
    ("gm_rate", "gm_numerator / gm_denominator"),
    ("white_numerator", "White staff with the outcome (SCW1: in the band)"),
    ("white_denominator", "White staff counted (SCW1: in post)"),
    ("white_rate", "white_numerator / white_denominator"),
    ("unknown_numerator", "Staff of unknown ethnicity with the outcome: left out of every ratio"),
    ("unknown_denominator", "Staff of unknown ethnicity counted"),
    ("gm_share", "SCW1: the global majority share of the band (of the workforce for All bands)"),
    ("gap_pp", "SCW1: band share minus workforce share; SCW9: senior managers' share minus "
               "staff in post's share (percentage points)"),
    ("declaration_rate", "Share of the extract's people whose ethnicity is known"),
    ("data_quality_notes", "Notes about the extract these figures come from"),
    ("withheld_because", "For publication: why a count or figure is not shown"),
)
HEADER = tuple(name for name, _ in COLUMNS)
COUNT_COLUMNS = ("gm_numerator", "gm_denominator", "white_numerator", "white_denominator",
                 "unknown_numerator", "unknown_denominator")
STATE_WORDS = {
    "no-data": "No data", "no-events": "No events in either group",
    "not-calculable": "Not calculable: no events in the divisor group",
    "not-collected": "Not collected: the column was blank on every row",
    "withheld": "Not shown: small numbers",
}


@dataclass(frozen=True)
class CycleFigures:
    """One cycle's saved figures, as the exports need them."""

    label: str
    results: Mapping[str, Mapping[str, Any]]     # service area -> Results.to_dict()
    provenance: Mapping[str, Any] = field(default_factory=dict)
    orientation: str = GM_WHITE
    for_publication: bool = False
    threshold: int | None = None


def _ratio(indicator: str, orientation: str) -> str:
    if orientation == NHS and indicator in NHS_INVERTED_SERIES:
        return "white / global majority (NHS WRES)"
    return "global majority / white"


def _rate(numerator, denominator) -> float | None:
    if isinstance(numerator, int) and isinstance(denominator, int) and denominator:
        return numerator / denominator
    return None


def _notes_by_kind(provenance: Mapping[str, Any]) -> dict[str | None, list[str]]:
    """Group the data-quality notes by the extract they are about (None: the whole upload)."""
    kind_of_file = {f.get("filename"): f.get("kind") for f in provenance.get("files", [])}
    notes: dict[str | None, list[str]] = {}
    for warning in provenance.get("warnings", []) or []:
        kind = kind_of_file.get(warning.get("file"))
        notes.setdefault(kind if kind in EXTRACT_KINDS else None, []).append(_note(warning))
    return notes


def data_quality_notes(provenance: Mapping[str, Any]) -> list[str]:
    """Return each data-quality note kept with saved figures, in words with where it was found."""
    return [_note(warning) for warning in provenance.get("warnings", []) or []]


def _note(warning: Mapping[str, Any]) -> str:
    where = [str(warning[k]) if k == "file" else f"{k} {warning[k]}"
             for k in ("file", "sheet", "row", "column") if warning.get(k) is not None]
    return warning["message"] + (f" ({', '.join(where)})" if where else "")


class _Rows:
    """Turn one cycle's results into spreadsheet rows (dicts keyed by HEADER)."""

    def __init__(self, cycle: CycleFigures):
        self.cycle = cycle
        notes = _notes_by_kind(cycle.provenance)
        self.notes = {kind: "; ".join(notes.get(kind, []) + notes.get(None, []))
                      for kind in EXTRACT_KINDS}

    def count(self, entry: Mapping, name: str, value: Any) -> Any:
        if value is None and self.cycle.for_publication and name in entry.get("withheld", {}):
            reason = entry["withheld"][name]
            return reason if reason.startswith("fewer than") else "withheld"
        return value

    def derived(self, entry: Mapping, name: str, value: Any) -> Any:
        if value is None and self.cycle.for_publication and name in entry.get("withheld", {}):
            return "not shown"
        return value

    def base(self, area: str, indicator: str, band: str = "") -> dict:
        result = self.cycle.results[area]
        source = INDICATORS_BY_ID[indicator].source
        return {"cycle": self.cycle.label, "service_area": SERVICE_AREA_LABELS[area],
                "indicator": indicator, "indicator_name": INDICATORS_BY_ID[indicator].short_name,
                "band": band, "declaration_rate": result["declaration_rate"].get(source),
                "data_quality_notes": self.notes[source]}

    def series(self, area: str, sid: str) -> dict:
        entry = self.cycle.results[area]["indicators"][sid]
        ci = entry.get("ci95") or (None, None)
        row = self.base(area, sid) | {
            "state": entry["status"],
            "state_words": "" if entry.get("rl") is not None else STATE_WORDS.get(
                entry["status"], ""),
            "relative_likelihood": self.derived(entry, "rl", entry.get("rl")),
            "ratio": _ratio(sid, self.cycle.orientation),
            "rating": rating_label(entry["rating"]) if entry.get("rating") else
            self.derived(entry, "rating", ""),
            "ci95_lower": self.derived(entry, "ci95", ci[0]),
            "ci95_upper": self.derived(entry, "ci95", ci[1]),
            "low_confidence": "yes" if entry.get("low_confidence") else "no",
            "gap_pp": self.derived(entry, "gap_pp", entry.get("gap_pp")),
            "withheld_because": _reasons(entry.get("withheld", {})),
        }
        for group in ("gm", "white", "unknown"):
            tally = entry[group]
            for part in ("numerator", "denominator"):
                row[f"{group}_{part}"] = self.count(entry, f"{group}.{part}", tally[part])
            if group != "unknown":
                rate = _rate(tally["numerator"], tally["denominator"])
                row[f"{group}_rate"] = self.derived(entry, "rl", rate) if rate is None else rate
        if self.cycle.for_publication and row["state"] == "withheld":
            row["state_words"] = STATE_WORDS["withheld"]
        return row

    def bands(self, area: str) -> list[dict]:
        scw1 = self.cycle.results[area]["indicators"]["SCW1"]
        rows = []
        total = scw1.get("total")  # the safe results carry the totals; the real ones do not
        bands = scw1.get("bands", {})
        gm_total = total["gm"] if total else sum(b["gm"] for b in bands.values())
        white_total = total["white"] if total else sum(b["white"] for b in bands.values())
        unknown_total = total["unknown"] if total else sum(b["unknown"] for b in bands.values())
        for label, band in bands.items():
            rows.append(self.base(area, "SCW1", label) | {
                "state": "ok" if band.get("rl") is not None else (
                    "withheld" if band.get("withheld") else "no-data"),
                "relative_likelihood": self.derived(band, "rl", band.get("rl")),
                "ratio": "global majority / white",
                "gm_numerator": self.count(band, "gm", band["gm"]),
                "gm_denominator": self.count(scw1, "total.gm", gm_total),
                "gm_rate": _rate(band["gm"], gm_total),
                "white_numerator": self.count(band, "white", band["white"]),
                "white_denominator": self.count(scw1, "total.white", white_total),
                "white_rate": _rate(band["white"], white_total),
                "unknown_numerator": self.count(band, "unknown", band["unknown"]),
                "unknown_denominator": self.count(scw1, "total.unknown", unknown_total),
                "gm_share": self.derived(band, "gm_share", band.get("gm_share")),
                "gap_pp": self.derived(band, "gap_pp", band.get("gap_pp")),
                "withheld_because": _reasons(band.get("withheld", {})),
            })
        if bands:
            rows.append(self.base(area, "SCW1", "All bands") | {
                "state": "ok",
                "gm_numerator": self.count(scw1, "total.gm", gm_total),
                "white_numerator": self.count(scw1, "total.white", white_total),
                "unknown_numerator": self.count(scw1, "total.unknown", unknown_total),
                "gm_share": self.derived(scw1, "gm_share_workforce",
                                         scw1.get("gm_share_workforce")),
                "withheld_because": _reasons(scw1.get("withheld", {})),
            })
        return rows

    def all(self) -> list[dict]:
        rows: list[dict] = []
        for area in SERVICE_AREAS:
            if area not in self.cycle.results:
                continue
            rows += self.bands(area)
            rows += [self.series(area, sid) for sid in SERIES_IDS]
        return [{name: row.get(name) for name in HEADER} for row in rows]


def _reasons(withheld: Mapping[str, str]) -> str:
    names = {"gm.numerator": "global majority numerator", "gm.denominator":
             "global majority denominator", "white.numerator": "white numerator",
             "white.denominator": "white denominator", "unknown.numerator":
             "unknown numerator", "unknown.denominator": "unknown denominator",
             "rl": "relative likelihood", "ci95": "interval", "gm": "global majority",
             "white": "white", "unknown": "unknown", "total.gm": "global majority in post",
             "total.white": "white in post", "total.unknown": "unknown in post",
             "gm_share_workforce": "workforce share", "gm_share": "share", "gap_pp": "gap"}
    parts = [f"{names.get(k, k)}: {v}" for k, v in withheld.items() if k not in ("status",
                                                                                 "rating")]
    return "; ".join(parts)


def figure_rows(cycles: Iterable[CycleFigures]) -> list[dict]:
    """Return every figure of the cycles, oldest first, as rows keyed by ``HEADER``."""
    rows: list[dict] = []
    for cycle in cycles:
        rows += _Rows(cycle).all()
    return rows


def _cell_text(value: Any) -> Any:
    return formula_safe(value) if isinstance(value, str) else value


def results_csv_bytes(cycles: Sequence[CycleFigures]) -> bytes:
    """Write the figures as CSV (UTF-8 with a byte-order mark, which Excel opens correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in figure_rows(cycles):
        writer.writerow(["" if row[name] is None else _cell_text(row[name])
                         for name in HEADER])
    return buffer.getvalue().encode("utf-8-sig")


class _Sheet:
    """Write rows of one worksheet in order, each value as what it is: a number, or text as a
    text cell (never a formula, nor a link: text a spreadsheet would take for a formula, starting
    '+', '-', '@' or '=', also gets the quote prefix Excel shows it with); None leaves the cell
    empty. The first row is the header, in bold."""

    def __init__(self, workbook, name: str, formats: Mapping[str, Any]):
        self.sheet = workbook.add_worksheet(name)
        self.formats = formats
        self.row = 0

    def write(self, values: Sequence[Any], number_formats: Sequence[Any] | None = None) -> None:
        sheet, row, formats = self.sheet, self.row, self.formats
        header = row == 0
        for column, value in enumerate(values):
            if value is None:
                if header:
                    sheet.write_blank(row, column, None, formats["bold"])
            elif isinstance(value, str):
                if value.startswith(("+", "-", "@", "=")):
                    style = formats["bold_quoted" if header else "quoted"]
                else:
                    style = formats["bold"] if header else None
                sheet.write_string(row, column, value, style)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value, formats["bold"] if header else None)
            elif isinstance(value, int | float):
                style = formats["bold"] if header else (
                    number_formats[column] if number_formats is not None
                    and isinstance(value, float) else None)
                sheet.write_number(row, column, value, style)
            else:
                sheet.write_string(row, column, str(value), formats["bold"] if header else None)
        self.row += 1


FORMATS = {"relative_likelihood": "0.00", "ci95_lower": "0.00", "ci95_upper": "0.00",
           "gm_rate": "0.0%", "white_rate": "0.0%", "gm_share": "0.0%", "gap_pp": "0.0",
           "declaration_rate": "0.0%"}


def _figures_sheet(sheet: _Sheet, cycles: Sequence[CycleFigures]) -> None:
    sheet.write(HEADER)
    shown = {code: sheet.formats[code] for code in set(FORMATS.values())}
    number_formats = [shown[FORMATS[name]] if name in FORMATS else None for name in HEADER]
    for row in figure_rows(cycles):
        sheet.write([row[name] for name in HEADER], number_formats)
    sheet.sheet.freeze_panes(1, 5)  # below the header, right of the indicator's name (F2)


def _quality_sheet(sheet: _Sheet, cycles: Sequence[CycleFigures]) -> None:
    sheet.write(("cycle", "service_area", "extract", "declaration_rate", "note", "file",
                 "sheet", "row", "column"))
    for cycle in cycles:
        for area in (a for a in SERVICE_AREAS if a in cycle.results):
            for kind in EXTRACT_KINDS:
                sheet.write((cycle.label, SERVICE_AREA_LABELS[area], kind,
                             cycle.results[area]["declaration_rate"].get(kind), "",
                             None, None, None, None))
        for warning in cycle.provenance.get("warnings", []) or []:
            sheet.write((cycle.label, "", "", None, warning.get("message"),
                         warning.get("file"), warning.get("sheet"), warning.get("row"),
                         warning.get("column")))


def _about_sheet(sheet: _Sheet, cycles: Sequence[CycleFigures], organisation: str,
                 generated: str) -> None:
    lines = [("SC-WRES figures", organisation), ("Generated", generated),
             ("Cycles", ", ".join(c.label for c in cycles))]
    publication = [c for c in cycles if c.for_publication]
    if publication:
        lines.append(("For publication", f"No count below {publication[0].threshold} is shown, "
                      "nor any that could be worked out from the others; figures based on them "
                      "read 'not shown'"))
    lines += [("", ""), ("Column", "What it holds"), *COLUMNS]
    for line in lines:
        sheet.write(line)
    sheet.sheet.set_column(0, 0, 24)
    sheet.sheet.set_column(1, 1, 100)


def results_xlsx_bytes(cycles: Sequence[CycleFigures], *, organisation: str,
                       generated: str) -> bytes:
    """Write the figures, the data-quality notes and what the columns mean as a workbook."""
    buffer = io.BytesIO()
    # in_memory: no temporary files; NaN or an infinity (never expected) becomes #NUM!, not an
    # error; strings are written as text cells by _Sheet, so nothing is turned into a link.
    with Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True,
                           "strings_to_urls": False}) as workbook:
        formats = {"bold": workbook.add_format({"bold": True}),
                   "quoted": workbook.add_format({"quote_prefix": True}),
                   "bold_quoted": workbook.add_format({"bold": True, "quote_prefix": True})}
        formats |= {code: workbook.add_format({"num_format": code})
                    for code in set(FORMATS.values())}
        _figures_sheet(_Sheet(workbook, "Figures", formats), cycles)
        _quality_sheet(_Sheet(workbook, "Data quality", formats), cycles)
        _about_sheet(_Sheet(workbook, "About", formats), cycles, organisation, generated)
    return buffer.getvalue()
