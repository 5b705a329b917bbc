"""Why an open action needs its owner's attention, and a carried action's new due date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.domain.plans import Attention, attention, new_due_date

TODAY = date(2025, 6, 2)


@pytest.mark.parametrize(("due", "status", "quiet_days", "expected"), [
    (TODAY - timedelta(3), "on_track", 0, (Attention.OVERDUE, 3)),
    (TODAY - timedelta(3), "at_risk", 90, (Attention.OVERDUE, 3)),  # overdue before stale
    (TODAY, "on_track", 0, (Attention.DUE_SOON, 0)),
    (TODAY + timedelta(30), "not_started", 0, (Attention.DUE_SOON, 30)),
    (TODAY + timedelta(31), "on_track", 60, (Attention.STALE, 60)),
    (TODAY + timedelta(31), "on_track", 59, (Attention.NONE, 0)),
    (None, "on_track", 61, (Attention.STALE, 61)),
    (None, "on_track", 0, (Attention.NONE, 0)),
    (TODAY - timedelta(3), "complete", 90, (Attention.NONE, 0)),
])
def test_attention(due, status, quiet_days, expected):
    assert attention(due_date=due, status=status, last_activity=TODAY - timedelta(quiet_days),
                     today=TODAY) == expected


@pytest.mark.parametrize(("due", "expected"), [
    (date(2025, 3, 31), date(2026, 3, 31)),
    (date(2024, 2, 29), date(2026, 6, 2)),  # a year on has passed too: a year from today
    (date(2025, 2, 28), date(2026, 2, 28)),
    (date(2023, 1, 1), date(2026, 6, 2)),
])
def test_a_passed_due_date_moves_a_year_on(due, expected):
    assert new_due_date(due, today=TODAY) == expected


def test_29_february_a_year_on_is_28_february():
    assert new_due_date(date(2024, 2, 29), today=date(2024, 6, 1)) == date(2025, 2, 28)
