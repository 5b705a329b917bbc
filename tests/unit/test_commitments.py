"""Whether an indicator target is on course (docs/domain.md section 9)."""

from __future__ import annotations

import math

import pytest

from tracker.domain.commitments import (
    cycle_label_problem,
    judge_target,
    label_after,
    path_value,
)
from tracker.domain.trends import Point


def test_the_path_is_straight_on_the_log_scale():
    # From 0.5 in 2023-24 to 0.8 by 2026-27: each year multiplies by the same ratio.
    values = [path_value(baseline=0.5, target=0.8, set_in="2023-24", by="2026-27", label=label)
              for label in ("2023-24", "2024-25", "2025-26", "2026-27", "2027-28")]
    ratio = (0.8 / 0.5) ** (1 / 3)
    assert values[0] == 0.5 and values[3] == values[4] == 0.8
    assert values[1] == pytest.approx(0.5 * ratio) and values[2] == pytest.approx(0.5 * ratio**2)
    assert math.log(values[2]) - math.log(values[1]) == pytest.approx(math.log(ratio))


def _judge(*points: Point, baseline=0.5, target=0.8, by="2026-27"):
    return judge_target(baseline=baseline, target=target, set_in="2023-24", by=by,
                        points=[Point("2023-24", baseline, (0.4, 0.6)), *points])


# The path expects 0.585 in 2024-25 (0.5 rising to 0.8 by 2026-27).
@pytest.mark.parametrize(("point", "status"), [
    (Point("2024-25", 0.81, (0.7, 0.95)), "met"),
    (Point("2024-25", 0.60, (0.5, 0.7)), "on-course"),           # ahead of the path
    (Point("2024-25", 0.55, (0.45, 0.66)), "on-course"),         # behind, not clearly
    (Point("2024-25", 0.50, (0.45, 0.56)), "not-on-course"),     # clearly behind
    (Point("2024-25", 0.55, None), "not-on-course"),             # behind, no interval to doubt
    (Point("2024-25", None, None), "no-figure"),
])
def test_the_latest_figure_is_judged_against_the_path(point, status):
    assert _judge(point).status == status


def test_a_falling_target_and_a_passed_cycle():
    # SCW3 from 1.6 down to 1.25: lower is the way.
    assert _judge(Point("2024-25", 1.2, (1.0, 1.4)), baseline=1.6, target=1.25).status == "met"
    assert _judge(Point("2024-25", 1.5, (1.45, 1.55)), baseline=1.6,
                  target=1.25).status == "on-course"
    assert _judge(Point("2024-25", 1.7, (1.65, 1.75)), baseline=1.6,
                  target=1.25).status == "not-on-course"
    late = _judge(Point("2026-27", 0.7, (0.65, 0.9)))
    assert late.status == "not-on-course" and "2026-27 has come" in late.reason


def test_only_figures_after_the_cycle_set_in_count():
    judged = _judge()
    assert judged.status == "no-figure" and judged.words == "No figure yet"
    assert "No figure since 2023-24" in judged.reason
    judged = _judge(Point("2024-25", 0.6, (0.5, 0.7)), Point("2025-26", None, None))
    assert judged.latest is not None and judged.latest.label == "2024-25"


def test_cycle_labels():
    assert label_after("2024-25", 3) == "2027-28" and label_after("2098-99", 1) == "2099-00"
    assert cycle_label_problem("2026-27") is None
    assert cycle_label_problem("2026") == "must be a financial year like 2026-27"
    assert cycle_label_problem("2026-28") == "must be two consecutive years, like 2026-27"
