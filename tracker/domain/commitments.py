"""Commitments, their goals and indicator targets: the path to a target and whether it is on
course (docs/domain.md section 9).

A target is a relative likelihood to reach by a cycle, set in a cycle whose figure is its
baseline. Its **path** runs straight from the baseline to the target on the trend chart's log
scale: each cycle between them expects the same ratio of change. The latest figure since the
target was set is judged against the path, with the trend rule's notion of a clear difference
(tracker/domain/trends.py): only a figure whose whole 95% interval lies behind the path is
clearly behind it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from tracker.domain.trends import Point

TargetStatus = Literal["met", "on-course", "not-on-course", "no-figure"]
TARGET_STATUS_WORDS: dict[str, str] = {
    "met": "Met",
    "on-course": "On course",
    "not-on-course": "Not on course",
    "no-figure": "No figure yet",
}
#: GOV.UK tag colours; the words always go with them.
TARGET_STATUS_TAG: dict[str, str] = {
    "met": "govuk-tag--green",
    "on-course": "govuk-tag--blue",
    "not-on-course": "govuk-tag--red",
    "no-figure": "govuk-tag--grey",
}

#: A target relative likelihood lies in (0, TARGET_MAX]: the trend chart's scale ends at 10.
TARGET_MAX = Decimal(10)
CYCLE_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def cycle_year(label: str) -> int:
    """Return the first year of a cycle label: 2024-25 -> 2024."""
    return int(label[:4])


def cycle_label_problem(label: str) -> str | None:
    """Say why a cycle label is not a financial year like 2026-27, or None."""
    match = CYCLE_LABEL.match(label)
    if not match:
        return "must be a financial year like 2026-27"
    if (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        return "must be two consecutive years, like 2026-27"
    return None


def label_after(label: str, years: int) -> str:
    """Return the cycle `years` after `label`: 2024-25, 2 -> 2026-27."""
    first = cycle_year(label) + years
    return f"{first}-{(first + 1) % 100:02d}"


def years_after(day: date, years: int) -> date:
    """Return the same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def path_value(*, baseline: float, target: float, set_in: str, by: str, label: str) -> float:
    """Return what the path from `baseline` (in cycle `set_in`) to `target` (by cycle `by`)
    expects in cycle `label`: a straight line on the log scale, the target once it is due."""
    start, end, year = cycle_year(set_in), cycle_year(by), cycle_year(label)
    if year >= end:
        return target
    if year <= start:
        return baseline
    share = (year - start) / (end - start)
    return math.exp(math.log(baseline) + share * (math.log(target) - math.log(baseline)))


@dataclass(frozen=True)
class TargetJudgement:
    """Whether a target is on course, from the latest figure since it was set."""

    status: TargetStatus
    #: The figure judged (None when there is none since the target was set).
    latest: Point | None
    #: What the path expects in the latest figure's cycle.
    expected: float | None
    reason: str

    @property
    def words(self) -> str:
        return TARGET_STATUS_WORDS[self.status]

    @property
    def tag(self) -> str:
        return TARGET_STATUS_TAG[self.status]


def judge_target(*, baseline: float, target: float, set_in: str, by: str,
                 points: list[Point]) -> TargetJudgement:
    """Judge a target on the latest of `points` (oldest first) after the cycle it was set in.

    - **met** when the figure has reached the target (or gone beyond it, in the direction from
      the baseline to the target);
    - **not on course** when the target's cycle has come without reaching it, or when the
      figure is clearly behind the path: behind it, and its 95% interval (if it has one) does
      not reach the path's value;
    - **on course** otherwise: at or ahead of the path, or behind it by no more than chance;
    - **no figure yet** when no cycle since the target was set has a figure.
    """
    later = [p for p in points if p.rl is not None and cycle_year(p.label) > cycle_year(set_in)]
    if not later:
        return TargetJudgement("no-figure", None, None,
                               f"No figure since {set_in}, when the target was set")
    latest = later[-1]
    assert latest.rl is not None
    towards = 1 if target > baseline else -1
    if (latest.rl - target) * towards >= 0:
        return TargetJudgement("met", latest, target,
                               f"{latest.label}'s figure, {latest.rl:.2f}, has reached the "
                               f"target of {target:.2f}")
    expected = path_value(baseline=baseline, target=target, set_in=set_in, by=by,
                          label=latest.label)
    if cycle_year(latest.label) >= cycle_year(by):
        return TargetJudgement("not-on-course", latest, expected,
                               f"{by} has come, and {latest.label}'s figure, {latest.rl:.2f}, "
                               f"has not reached {target:.2f}")
    if (latest.rl - expected) * towards >= 0:
        return TargetJudgement("on-course", latest, expected,
                               f"{latest.label}'s figure, {latest.rl:.2f}, is on or ahead of "
                               f"the path ({expected:.2f})")
    if latest.ci95 is not None and latest.ci95[0] <= expected <= latest.ci95[1]:
        return TargetJudgement("on-course", latest, expected,
                               f"{latest.label}'s figure, {latest.rl:.2f}, is behind the path "
                               f"({expected:.2f}) but not clearly: the path is within its 95% "
                               "interval")
    return TargetJudgement("not-on-course", latest, expected,
                           f"{latest.label}'s figure, {latest.rl:.2f}, is clearly behind the "
                           f"path ({expected:.2f})")
