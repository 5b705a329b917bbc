"""Shape computed figures for the pages and the chart, and serve the blank templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, abort

from tracker.domain.counts import Tally
from tracker.domain.definitions import (
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_WORDS,
)
from tracker.domain.formatting import london_time
from tracker.domain.indicators import rate
from tracker.domain.stored_results import StoredResults, StoredSeries
from tracker.domain.templates import (
    TEMPLATE_KINDS,
    WIDE_COUNTS,
    download_frame,
    teaching_xlsx,
    to_csv_bytes,
)
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


@dataclass(frozen=True)
class SeriesRow:
    id: str
    name: str
    better_when: str
    entry: StoredSeries
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
        if self.entry.rl is None:
            return why_no_figure(self.id, self.entry)
        return likelihood_sentence(self.id, self.entry.rl, self.orientation)

    @property
    def no_interval(self) -> str:
        return why_no_interval(self.id, self.entry)

    @property
    def rate_gm(self) -> float | None:
        return _rate(self.entry.gm)

    @property
    def rate_white(self) -> float | None:
        return _rate(self.entry.white)

    @property
    def status_words(self) -> str:
        return why_no_figure(self.id, self.entry)


def _rate(tally: Tally | None) -> float | None:
    return None if tally is None else rate(tally.numerator, tally.denominator)


@dataclass(frozen=True)
class FiguresView:
    area: str
    areas: list[str]
    area_words: dict[str, str]
    series: list[SeriesRow]
    scw1: Mapping[str, Any]
    scw9_gap_pp: float | None
    declaration_rate: Mapping[str, Any]
    provenance: dict
    source_words: str
    no_gm_in_post: bool = False
    #: (kind, words) for each extract kind: where its figures came from.
    kind_sources: tuple[tuple[str, str], ...] = ()

    @property
    def scw9_gap_words(self) -> str:
        """Why SCW9 has no gap ("" when it has one)."""
        return gap_words(self.scw9_gap_pp, no_gm=self.no_gm_in_post)


def kind_sources(provenance: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Say where each extract kind's figures came from, and whether they were kept from an
    earlier load when another kind was loaded."""
    rows = []
    for kind, entry in (provenance.get("sources") or {}).items():
        words = SOURCES.get(entry.get("source"), entry.get("source", ""))
        if entry.get("kept"):
            loaded = entry.get("loaded_at")
            when = f" on {london_time(datetime.fromisoformat(loaded))}" if loaded else ""
            words += f" (kept from the figures saved{when})"
        rows.append((kind, words))
    return tuple(rows)


def figures_view(figures: Figures, area: str, orientation: str = GM_WHITE) -> FiguresView:
    """Return one service area's figures as the results and preview pages lay them out."""
    results = StoredResults(figures.results)
    series = [SeriesRow(sid, INDICATORS_BY_ID[sid].short_name, better_words(sid, orientation),
                        results.series(area, sid), orientation) for sid in SERIES_IDS]
    scw1, scw9 = results.pay_bands(area), results.series(area, "SCW9")
    return FiguresView(
        area=area, areas=results.areas, area_words=SERVICE_AREA_WORDS, series=series,
        scw1=scw1, scw9_gap_pp=scw9.gap_pp,
        declaration_rate=results.declaration_rate(area), provenance=figures.provenance,
        source_words=SOURCES[figures.source],
        kind_sources=kind_sources(figures.provenance),
        no_gm_in_post=no_gm_in_post(scw1) or (
            scw9.gm is not None and scw9.gm.denominator == 0
            and scw9.white is not None and scw9.white.denominator > 0),
    )


def chart_rows(figures: Figures, area: str, orientation: str = GM_WHITE) -> list[ChartRow]:
    """Return the chart's rows for one service area's results, each saying its ratio's way up."""
    results = StoredResults(figures.results)
    rows = []
    for sid in SERIES_IDS:
        entry = results.series(area, sid)
        label = INDICATORS_BY_ID[sid].chart_label
        if is_inverted(sid, orientation):
            label += " (white / GM)"
        rows.append(ChartRow(label=label, rl=entry.rl, ci95=entry.ci95, rating=entry.rating,
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
    if kind not in (*TEMPLATE_KINDS, WIDE_COUNTS) or fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "csv":
        body, mimetype = to_csv_bytes(download_frame(kind)), "text/csv"
    else:  # with a guidance sheet, an example sheet and drop-downs
        body = teaching_xlsx(kind)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"sc-wres-{kind}-template.{fmt}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
