"""The funnel plot: every submitting council's RL against its size, only the reader's own marked."""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tracker.domain.national import Funnel
from tracker.indicators.charts import RANGE_HIGH, RANGE_LOW, drawing_version  # sets the style

#: A funnel plot kept under its inputs' hash (services/national.council_funnel_svg) is served
#: only while this code would draw the same plot.
FUNNEL_VERSION = drawing_version(__file__)


def funnel_svg(shape: Funnel, *, title: str, size_words: str) -> str:
    """Return the funnel plot as SVG: other councils as grey dots, no names; 95% and 99.8%."""
    fig = Figure(figsize=(8.2, 5.2), dpi=96)
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axhspan(RANGE_LOW, RANGE_HIGH, color="#dbe9d8", zorder=0)
    ax.axhline(shape.pooled, color="#0b0c0c", linewidth=1.2, zorder=1)
    for name, style in (("95", "--"), ("99.8", ":")):
        lows = [low for low, _ in shape.limits[name]]
        highs = [high for _, high in shape.limits[name]]
        ax.plot(shape.sizes, lows, style, color="#505a5f", linewidth=1.2, zorder=2)
        ax.plot(shape.sizes, highs, style, color="#505a5f", linewidth=1.2, zorder=2)
    others = [p for p in shape.points if p != shape.own]
    if others:
        ax.plot([p[0] for p in others], [p[1] for p in others], "o", color="#b1b4b6",
                markersize=6, zorder=3)
    if shape.own:
        ax.plot([shape.own[0]], [shape.own[1]], "D", color="#1d70b8", markersize=10,
                markeredgecolor="#0b0c0c", zorder=4)
        ax.annotate("Your council", shape.own, xytext=(8, 8), textcoords="offset points",
                    fontsize=10, color="#0b0c0c")
    ax.set_xlabel(size_words)
    ax.set_ylabel("Relative likelihood (log scale)")
    ax.set_title(title, loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    legend = [Line2D([], [], color="#0b0c0c", label=f"National pooled RL {shape.pooled:.2f}"),
              Line2D([], [], linestyle="--", color="#505a5f", label="95% limits"),
              Line2D([], [], linestyle=":", color="#505a5f", label="99.8% limits"),
              Line2D([], [], marker="o", linestyle="none", color="#b1b4b6",
                     label="Another council (not named)"),
              Line2D([], [], marker="D", linestyle="none", color="#1d70b8",
                     label="Your council")]
    fig.legend(handles=legend, loc="lower center", ncols=3, frameon=False, fontsize=9)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.92, bottom=0.25)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
