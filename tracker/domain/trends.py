"""Year-on-year change of an indicator, judged with confidence intervals.

The rule (also in the trend page's help text):

- A cycle is compared with the most recent earlier cycle that has a relative likelihood.
- If either of the two has no 95% confidence interval (a group had no events), or the two
  intervals overlap, the change is **no clear change**: the data cannot tell it from chance.
- Otherwise it moved **towards parity** when the new RL is nearer 1 than the old one (measured on
  the log scale, so 0.5 and 2.0 are equally far from parity), else **away from parity**.
- Separately, the change is **better** or **worse for global majority staff** by the indicator's
  direction (docs/domain.md section 3): lower is better for adverse outcomes (disciplinaries, bullying,
  leaving...), higher for favourable ones (appointment, CPD, senior roles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Movement = Literal["towards", "away", "no-clear-change", "first", "no-figure"]
MOVEMENT_WORDS: dict[str, str] = {
    "towards": "Towards parity",
    "away": "Away from parity",
    "no-clear-change": "No clear change",
    "first": "First figure",
    "no-figure": "No figure",
}


@dataclass(frozen=True)
class Point:
    """One cycle's result for one indicator and service area."""

    label: str
    rl: float | None
    ci95: tuple[float, float] | None
    rating: str | None = None
    status: str = "ok"


@dataclass(frozen=True)
class Change:
    """How a cycle's result moved since the previous figure."""

    movement: Movement
    for_gm: Literal["better", "worse"] | None
    compared_with: str | None
    note: str = ""

    @property
    def words(self) -> str:
        return MOVEMENT_WORDS[self.movement]


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Return whether two intervals share any value (touching counts as overlapping)."""
    return a[0] <= b[1] and b[0] <= a[1]


def classify_change(previous: Point | None, current: Point, *, better_when: str) -> Change:
    """Classify the move from `previous` (the last earlier figure, if any) to `current`."""
    if current.rl is None:
        return Change("no-figure", None, previous.label if previous else None)
    if previous is None or previous.rl is None:
        return Change("first", None, None)
    if current.ci95 is None or previous.ci95 is None:
        return Change("no-clear-change", None, previous.label,
                      "no confidence interval: a group had no events")
    if intervals_overlap(previous.ci95, current.ci95):
        return Change("no-clear-change", None, previous.label, "the intervals overlap")
    nearer = abs(math.log(current.rl)) < abs(math.log(previous.rl))
    higher = current.rl > previous.rl
    better = higher if better_when == "higher" else not higher
    return Change("towards" if nearer else "away", "better" if better else "worse",
                  previous.label)


def trend(points: list[Point], *, better_when: str) -> list[tuple[Point, Change]]:
    """Classify every cycle's change against the last earlier cycle that had a figure."""
    rows = []
    last_with_figure: Point | None = None
    for point in points:
        rows.append((point, classify_change(last_with_figure, point, better_when=better_when)))
        if point.rl is not None:
            last_with_figure = point
    return rows


def national_year_for(cycle_label: str) -> str:
    """Return the national report year a cycle's figures compare with: 2023-24 -> 2024.

    A collection made in the autumn of year Y covers the 12 months before it, a cycle that ends
    in Y; Skills for Care's national report for Y is the comparison.
    """
    first = int(cycle_label[:4])
    return str(first + 1)


@dataclass(frozen=True)
class Sparkline:
    """A small line of relative likelihoods over the cycles, on a log scale, for an inline SVG.

    ``path`` is an SVG path (a gap where a cycle has no figure), ``dots`` the points drawn,
    ``parity_y`` the height of the parity line (RL 1).
    """

    width: int
    height: int
    path: str
    dots: list[tuple[float, float]]
    parity_y: float


def sparkline(values: list[float | None], *, width: int = 120, height: int = 32,
              margin: float = 4.0) -> Sparkline | None:
    """Lay out the values left to right (one slot per cycle), parity always in view; None when
    fewer than two values are figures (a line needs two)."""
    logs = [math.log(v) if v is not None and v > 0 else None for v in values]
    known = [v for v in logs if v is not None]
    if len(known) < 2:
        return None
    low, high = min([*known, 0.0]), max([*known, 0.0])
    span = (high - low) or 1.0
    step = (width - 2 * margin) / (len(values) - 1)

    def y(log_value: float) -> float:
        return round(margin + (high - log_value) / span * (height - 2 * margin), 1)

    parts, dots, pen_down = [], [], False
    for i, value in enumerate(logs):
        if value is None:
            pen_down = False
            continue
        x = round(margin + i * step, 1)
        dots.append((x, y(value)))
        parts.append(f"{'L' if pen_down else 'M'}{x} {y(value)}")
        pen_down = True
    return Sparkline(width, height, " ".join(parts), dots, y(0.0))
