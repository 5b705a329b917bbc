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
from tracker.domain.wording import (
    GM_WHITE,
    better_words,
    gap_words,
    is_inverted,
    likelihood_sentence,
    no_gm_in_post,
    ratio_words,
    why_no_figure,
    why_no_interval,
)
from tracker.indicators.charts import ChartRow
from tracker.services.indicators import SOURCES, Figures

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
    orientation: str = GM_WHITE

    @property
    def ratio(self) -> str:
        """How the figure is written: global majority / white, or white / global majority."""
        return ratio_words(self.id, self.orientation)

    @property
    def inverted(self) -> bool:
        return is_inverted(self.id, self.orientation)

    @property
    def sentence(self) -> str:
        """The figure in words, or why there is none."""
        if self.entry.get("rl") is None:
            return why_no_figure(self.id, self.entry)
        return likelihood_sentence(self.id, self.entry["rl"], self.orientation)

    @property
    def no_interval(self) -> str:
        return why_no_interval(self.id, self.entry)

    @property
    def rate_gm(self) -> float | None:
        return _rate(self.entry["gm"])

    @property
    def rate_white(self) -> float | None:
        return _rate(self.entry["white"])

    @property
    def status_words(self) -> str:
        return why_no_figure(self.id, self.entry)


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
    no_gm_in_post: bool = False

    @property
    def scw9_gap_words(self) -> str:
        """Why SCW9 has no gap ("" when it has one)."""
        return gap_words(self.scw9_gap_pp, no_gm=self.no_gm_in_post)


def figures_view(figures: Figures, area: str, orientation: str = GM_WHITE) -> FiguresView:
    """Return one service area's figures as the results and preview pages lay them out."""
    result = figures.results[area]
    indicators = result["indicators"]
    series = [SeriesRow(sid, INDICATORS_BY_ID[sid].short_name, better_words(sid, orientation),
                        indicators[sid], orientation) for sid in SERIES_IDS]
    scw9 = indicators["SCW9"]
    return FiguresView(
        area=area, areas=figures.service_areas, area_words=SERVICE_AREA_WORDS, series=series,
        scw1=indicators["SCW1"], scw9_gap_pp=scw9.get("gap_pp"),
        declaration_rate=result["declaration_rate"], provenance=figures.provenance,
        source_words=SOURCES[figures.source],
        no_gm_in_post=no_gm_in_post(indicators["SCW1"]) or (
            (scw9.get("gm") or {}).get("denominator") == 0
            and (scw9.get("white") or {}).get("denominator", 0) > 0),
    )


def chart_rows(result: dict, orientation: str = GM_WHITE) -> list[ChartRow]:
    """Return the chart's rows for one service area's results, each saying its ratio's way up."""
    rows = []
    for sid in SERIES_IDS:
        entry = result["indicators"][sid]
        ci = tuple(entry["ci95"]) if entry["ci95"] else None
        label = f"{sid} {CHART_NAMES[sid]}"
        if is_inverted(sid, orientation):
            label += " (white / GM)"
        rows.append(ChartRow(label=label, rl=entry["rl"], ci95=ci, rating=entry["rating"],
                             note=why_no_figure(sid, entry).lower()))
    return rows


def chart_axis(orientation: str = GM_WHITE) -> str:
    """Name the chart's axis in the orientation shown."""
    if orientation == GM_WHITE:
        return "Relative likelihood (global majority / white), log scale; 1 = parity"
    return ("Relative likelihood (global majority / white; SCW2 and SCW5 white / global "
            "majority), log scale; 1 = parity")


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
