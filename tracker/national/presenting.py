"""The national report in words and charts: rows a page, a PDF and a workbook all show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREA_WORDS
from tracker.domain.formatting import percentage
from tracker.domain.formatting import relative_likelihood as rl_text
from tracker.domain.indicators import rating
from tracker.domain.programme import CouncilKind
from tracker.indicators.charts import ChartRow, drawing_version, relative_likelihood_chart

#: chart_svg is served through tracker.web.chart_response, which keys kept charts by this.
DRAWING_VERSION = drawing_version(__file__)


@dataclass(frozen=True)
class Row:
    """One indicator's national figures, as words."""

    indicator: str
    name: str
    pooled: str
    interval: str
    spread: str
    within: str
    councils: int
    #: Why something is not shown, in words (empty when all is shown).
    withheld: str
    rating: str | None


def _reason(entry: Mapping[str, Any], *names: str) -> str:
    withheld = entry.get("withheld") or {}
    for name in names:
        for key, reason in withheld.items():
            if key == name or key.startswith(name + "."):
                return reason
    return ""


def series_row(sid: str, entry: Mapping[str, Any]) -> Row:
    """Say one indicator's national figures in words (a held-back figure says why)."""
    meta = INDICATORS_BY_ID[sid]
    pooled = entry["pooled"]
    rl = pooled["rl"]
    interval = (f"{rl_text(pooled['ci_low'])} to {rl_text(pooled['ci_high'])}"
                if pooled.get("ci_low") is not None else "")
    if rl is None:
        pooled_words = "Withheld" if entry.get("withheld") else "Not calculable"
    else:
        pooled_words = rl_text(rl)
    spread = (f"{rl_text(entry['median'])} ({rl_text(entry['q1'])} to {rl_text(entry['q3'])})"
              if entry.get("median") is not None else "Withheld")
    within = (percentage(entry["within_range_share"])
              if entry.get("within_range_share") is not None else "Withheld")
    reasons = [r for r in (_reason(entry, "pooled"), _reason(entry, "median")) if r]
    assert meta.better_when is not None
    return Row(sid, meta.short_name, pooled_words, interval, spread, within,
               entry.get("councils", 0), "; ".join(dict.fromkeys(reasons)),
               rating(rl, meta.better_when) if rl is not None else None)


def series_rows(figures: Mapping[str, Mapping[str, Any]]) -> list[Row]:
    """Return every series' row of one service area."""
    return [series_row(sid, figures[sid]) for sid in SERIES_IDS]


def chart_svg(figures: Mapping[str, Mapping[str, Any]], *, title: str) -> str:
    """Draw the pooled RLs with their intervals (the four-fifths range shaded)."""
    rows = []
    for sid in SERIES_IDS:
        pooled = figures[sid]["pooled"]
        row = series_row(sid, figures[sid])
        ci = ((pooled["ci_low"], pooled["ci_high"]) if pooled.get("ci_low") is not None
              else None)
        rows.append(ChartRow(INDICATORS_BY_ID[sid].chart_label, pooled["rl"], ci, row.rating,
                             note="withheld" if row.withheld else "not calculable"))
    return relative_likelihood_chart(rows, title=title,
                                     axis="Pooled relative likelihood (global majority / white), "
                                          "log scale; 1 = parity")


def area_title(label: str, area: str) -> str:
    return f"National pooled relative likelihoods, {SERVICE_AREA_WORDS[area]}, {label}"


def group_name(dimension: str, name: str) -> str:
    """Name a breakdown's group in words (a kind of council by its label)."""
    if dimension == "kind":
        try:
            return CouncilKind(name).label
        except ValueError:
            return name
    return name
