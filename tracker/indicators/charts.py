"""Server-side SVG charts of relative likelihoods (matplotlib): no JavaScript, fit for a PDF.

Every chart has a table with the same figures beside it on the page; ratings are shown by marker
shape as well as colour, and named in the legend.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display: render to files only
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator  # noqa: E402

from tracker.domain.commitments import cycle_year, label_after, years_after  # noqa: E402
from tracker.domain.indicators import ADVERSE, LOWER_BOUND, REVERSE, UPPER_BOUND, WITHIN  # noqa: E402

#: The four-fifths range, as the domain rates an RL (tracker/domain/indicators.py).
RANGE_LOW, RANGE_HIGH = float(LOWER_BOUND), float(UPPER_BOUND)
RANGE_WORDS = f"{RANGE_LOW:.2f} to {RANGE_HIGH:.2f}"
STYLE = {  # rating: (marker, colour, legend words) in GOV.UK colours
    WITHIN: ("o", "#00703c", f"Within {RANGE_WORDS}"),
    ADVERSE: ("s", "#d4351c", "Adverse to global majority staff"),
    REVERSE: ("D", "#1d70b8", "Reverse: check for under-recording"),
}


def drawing_version(path: str) -> str:
    """Return a version of the drawing code: this file, matplotlib's and the module at `path`
    (one that prepares a chart's rows). A kept chart (tracker/services/charts.py) is served
    only while the code that drew it is the code that would draw it now."""
    code = Path(__file__).read_bytes() + matplotlib.__version__.encode()
    if path != __file__:
        code += Path(path).read_bytes()
    return hashlib.sha256(code).hexdigest()[:16]


#: Every module whose functions are served through tracker.web.chart_response has one.
DRAWING_VERSION = drawing_version(__file__)
TICKS = [0.1, 0.2, 0.33, 0.5, RANGE_LOW, 1.0, RANGE_HIGH, 2.0, 3.0, 5.0, 10.0]

plt.rcParams.update({
    "svg.fonttype": "none",          # keep text as text: selectable, scalable, smaller
    "svg.hashsalt": "sc-wres",        # stable element ids, so the same figures give the same SVG
    # Liberation Sans has Arial's metrics; DejaVu Sans ships with matplotlib as the fallback.
    "font.family": ["Liberation Sans", "DejaVu Sans"],
    "font.size": 11,
})


@dataclass(frozen=True)
class ChartRow:
    """One relative likelihood to plot."""

    label: str
    rl: float | None
    ci95: tuple[float, float] | None
    rating: str | None
    note: str = ""


def _limits(rows: list[ChartRow]) -> tuple[float, float]:
    values = [RANGE_LOW * 0.6, RANGE_HIGH / 0.6]
    for row in rows:
        if row.rl:
            values.append(row.rl)
        if row.ci95:
            values.extend(v for v in row.ci95 if v and math.isfinite(v))
    low, high = max(min(values) * 0.85, 0.05), min(max(values) * 1.15, 20.0)
    return low, high


AXIS = "Relative likelihood (global majority / white), log scale; 1 = parity"


def relative_likelihood_chart(rows: list[ChartRow], *, title: str, axis: str = AXIS) -> str:
    """Return an SVG forest plot of relative likelihoods on a log scale, 0.80-1.25 shaded."""
    height = 1.6 + 0.42 * len(rows)
    fig = Figure(figsize=(8.2, height), dpi=96)
    ax = fig.add_subplot()
    low, high = _limits(rows)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.axvspan(RANGE_LOW, RANGE_HIGH, color="#dbe9d8", zorder=0)
    ax.axvline(1.0, color="#0b0c0c", linewidth=1, zorder=1)
    positions = list(range(len(rows)))[::-1]
    for y, row in zip(positions, rows, strict=True):
        if row.rl is None or row.rating is None:
            ax.text(low, y, f"  {row.note or 'not calculable'}", va="center", ha="left",
                    color="#505a5f", fontsize=10)
            continue
        marker, colour, _ = STYLE[row.rating]
        if row.ci95:
            lo, hi = (max(row.ci95[0], low), min(row.ci95[1], high))
            ax.plot([lo, hi], [y, y], color=colour, linewidth=1.6, zorder=2)
        ax.plot([row.rl], [y], marker=marker, color=colour, markersize=8, zorder=3,
                linestyle="none")
        ax.annotate(f"{row.rl:.2f}", (row.rl, y), xytext=(0, 7), textcoords="offset points",
                    ha="center", fontsize=9, color="#0b0c0c")
    ax.set_yticks(positions, [row.label for row in rows])
    ax.set_ylim(-0.8, len(rows) - 0.2)
    ax.xaxis.set_major_locator(FixedLocator([t for t in TICKS if low <= t <= high]))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(axis)
    ax.set_title(title, loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    legend = [Patch(color="#dbe9d8", label=f"{RANGE_WORDS} range")] + [
        Line2D([], [], marker=m, color=c, linestyle="none", label=words)
        for m, c, words in STYLE.values()
    ]
    fig.legend(handles=legend, loc="lower center", ncols=2, frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(left=0.34, right=0.97, top=1 - 0.45 / height, bottom=1.15 / height)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class TrendPoint:
    """One cycle's RL on the trend chart, placed at the cycle's snapshot date."""

    label: str
    when: date
    rl: float | None
    ci95: tuple[float, float] | None
    rating: str | None


@dataclass(frozen=True)
class TrendMarker:
    """An action linked to the indicator that started or was completed on a date."""

    when: date
    kind: str  # "started" or "completed"


@dataclass(frozen=True)
class TrendTarget:
    """A target drawn on the trend chart: the straight path (on the log scale) from its
    baseline, at the snapshot date of the cycle it was set in, to the target by its cycle."""

    set_in: str
    set_when: date
    baseline: float
    by: str
    by_when: date
    target: float


TARGET_COLOUR = "#4c2c92"  # GOV.UK purple: not a rating's colour; dashed, and labelled


def _cycle_ticks(points: list[TrendPoint], targets: list[TrendTarget]) -> dict[date, str]:
    """Place each cycle on the axis: those with figures, and every cycle of a target's path,
    those still to come too (at the snapshot date a year on from the last)."""
    ticks = {p.when: p.label for p in points}
    known = set(ticks.values())
    for target in targets:
        years = cycle_year(target.by) - cycle_year(target.set_in)
        for n in range(1, years + 1):
            label = label_after(target.set_in, n)
            if label not in known:
                ticks[target.by_when if n == years else years_after(target.set_when, n)] = label
                known.add(label)
    return ticks


def _dates(days: Iterable[date]) -> np.ndarray:
    """Dates for an axis: matplotlib converts them itself, but its stubs only say numbers."""
    return np.array(list(days), dtype=object)


def trend_chart(points: list[TrendPoint], markers: list[TrendMarker], *, title: str,
                national: list[tuple[date, float]] | None = None,
                targets: list[TrendTarget] | None = None) -> str:
    """Return an SVG of an indicator's RL over the cycles, with actions started and completed
    and each target with the path to it."""
    fig = Figure(figsize=(8.2, 4.4), dpi=96)
    ax = fig.add_subplot()
    targets = targets or []
    shown = [(p, p.rl) for p in points if p.rl is not None]
    rows = [ChartRow(p.label, rl, p.ci95, p.rating) for p, rl in shown]
    rows += [ChartRow(t.by, value, None, WITHIN) for t in targets
             for value in (t.baseline, t.target)]
    low, high = _limits(rows or [ChartRow("", 1.0, None, WITHIN)])
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.axhspan(RANGE_LOW, RANGE_HIGH, color="#dbe9d8", zorder=0)
    ax.axhline(1.0, color="#0b0c0c", linewidth=1, zorder=1)
    if shown:
        ax.plot(_dates(p.when for p, _ in shown), [rl for _, rl in shown], color="#505a5f",
                linewidth=1.2, zorder=2)
    for point, rl in shown:
        shape, colour, _ = STYLE[point.rating or WITHIN]
        if point.ci95:
            ax.plot(_dates([point.when, point.when]),
                    [max(point.ci95[0], low), min(point.ci95[1], high)],
                    color=colour, linewidth=1.6, zorder=2)
        ax.plot(_dates([point.when]), [rl], marker=shape, color=colour, markersize=8,
                zorder=3, linestyle="none")
        ax.annotate(f"{rl:.2f}", (point.when, rl), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=9)
    if national:
        ax.plot(_dates(w for w, _ in national), [v for _, v in national], linestyle="none",
                marker="x", color="#0b0c0c", markersize=7, zorder=3)
    for target in targets:
        ax.plot(_dates([target.set_when, target.by_when]), [target.baseline, target.target],
                linestyle="--", color=TARGET_COLOUR, linewidth=1.4, zorder=2)
        ax.plot(_dates([target.by_when]), [target.target], marker="o", markersize=8,
                markerfacecolor="white", markeredgewidth=1.6, color=TARGET_COLOUR,
                linestyle="none", zorder=3)
        ax.annotate(f"Target {target.target:.2f} by {target.by}", (target.by_when, target.target),
                    xytext=(0, 10), textcoords="offset points", ha="right", fontsize=9,
                    color=TARGET_COLOUR,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    for marker in markers:
        symbol = "^" if marker.kind == "started" else "*"
        ax.plot(_dates([marker.when]), [low * 1.06], marker=symbol, color="#1d70b8" if
                marker.kind == "started" else "#00703c", markersize=9, linestyle="none",
                zorder=4, clip_on=False)
    ticks = _cycle_ticks(points, targets)
    ax.set_xticks(_dates(sorted(ticks)), [ticks[when] for when in sorted(ticks)])
    ax.yaxis.set_major_locator(FixedLocator([t for t in TICKS if low <= t <= high]))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("Relative likelihood, log scale")
    ax.set_title(title, loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    legend = [Patch(color="#dbe9d8", label=f"{RANGE_WORDS} range"),
              Line2D([], [], marker="^", color="#1d70b8", linestyle="none",
                     label="Linked action started"),
              Line2D([], [], marker="*", color="#00703c", linestyle="none",
                     label="Linked action completed")]
    if national:
        legend.append(Line2D([], [], marker="x", color="#0b0c0c", linestyle="none",
                             label="National figure"))
    if targets:
        legend.append(Line2D([], [], marker="o", markerfacecolor="white", linestyle="--",
                             color=TARGET_COLOUR, label="Target, and the path to it"))
    two_rows = len(legend) > 4
    fig.legend(handles=legend, loc="lower center", ncols=3 if two_rows else 4, frameon=False,
               fontsize=9)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.25 if two_rows else 0.2)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
