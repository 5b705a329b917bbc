"""Shape computed figures for the pages and the chart, and serve the blank templates."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort

from tracker.domain.definitions import (
    EXTRACT_KINDS,
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_WORDS,
)
from tracker.domain.indicators import rate
from tracker.domain.templates import template_frame, to_csv_bytes, to_xlsx_bytes
from tracker.indicators.charts import ChartRow
from tracker.services.indicators import SOURCES, Figures

STATUS_WORDS = {
    "no-data": "No data",
    "no-events": "No events in either group",
    "not-collected": "Not collected: the column was blank on every row",
    "not-calculable": "Not calculable: no events among white staff",
}
TEMPLATE_KINDS = (*EXTRACT_KINDS, "counts")
CHART_NAMES = {
    "SCW2": "Appointed from shortlisting", "SCW3": "Formal disciplinary",
    "SCW4": "Fitness to practise", "SCW5": "Funded CPD", "SCW6": "Bullying: public",
    "SCW7a": "Bullying: colleagues", "SCW7b": "Bullying: managers", "SCW8": "Leaving",
    "SCW9": "Senior manager roles",
}


@dataclass(frozen=True)
class SeriesRow:
    id: str
    name: str
    better_when: str
    entry: dict

    @property
    def rate_gm(self) -> float | None:
        return _rate(self.entry["gm"])

    @property
    def rate_white(self) -> float | None:
        return _rate(self.entry["white"])

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.entry["status"], "")


def _rate(tally: dict) -> float | None:
    return rate(tally["numerator"], tally["denominator"])


@dataclass(frozen=True)
class FiguresView:
    area: str
    areas: list[str]
    area_words: dict[str, str]
    series: list[SeriesRow]
    scw1: dict
    scw9_gap_pp: float | None
    declaration_rate: dict
    provenance: dict
    source_words: str


def figures_view(figures: Figures, area: str) -> FiguresView:
    """Return one service area's figures as the results and preview pages lay them out."""
    result = figures.results[area]
    indicators = result["indicators"]
    series = [SeriesRow(sid, INDICATORS_BY_ID[sid].short_name,
                        INDICATORS_BY_ID[sid].better_text, indicators[sid]) for sid in SERIES_IDS]
    return FiguresView(
        area=area, areas=figures.service_areas, area_words=SERVICE_AREA_WORDS, series=series,
        scw1=indicators["SCW1"], scw9_gap_pp=indicators["SCW9"].get("gap_pp"),
        declaration_rate=result["declaration_rate"], provenance=figures.provenance,
        source_words=SOURCES[figures.source],
    )


def chart_rows(result: dict) -> list[ChartRow]:
    """Return the chart's rows for one service area's results."""
    rows = []
    for sid in SERIES_IDS:
        entry = result["indicators"][sid]
        ci = tuple(entry["ci95"]) if entry["ci95"] else None
        rows.append(ChartRow(label=f"{sid} {CHART_NAMES[sid]}",
                             rl=entry["rl"], ci95=ci, rating=entry["rating"],
                             note=STATUS_WORDS.get(entry["status"], "").lower()))
    return rows


def download_template(kind: str, fmt: str) -> Response:
    """Return a blank template (with its header row) as a CSV or XLSX download."""
    if kind not in TEMPLATE_KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    frame = template_frame(kind)
    if fmt == "csv":
        body, mimetype = to_csv_bytes(frame), "text/csv"
    else:
        body = to_xlsx_bytes(frame)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"sc-wres-{kind}-template.{fmt}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
