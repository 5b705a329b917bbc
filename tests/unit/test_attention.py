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


def test_accountability_counts_each_action_once_under_its_owner_its_theme_and_overall():
    from tracker.domain.plans import ActionFacts, accountability

    facts = [ActionFacts(owner, theme, status, due, TODAY - timedelta(quiet))
             for owner, theme, status, due, quiet in [
                 ("Ann", "Leadership", "on_track", TODAY - timedelta(1), 90),  # overdue, stale
                 ("Ann", "Leadership", "at_risk", TODAY + timedelta(30), 60),  # due soon, stale
                 ("Bo", "Leadership", "not_started", TODAY + timedelta(31), 59),  # neither
                 ("Bo", "Anti-racism", "complete", TODAY - timedelta(9), 99),  # closed: nothing
                 ("Bo", "Anti-racism", "cancelled", None, 0),
                 ("Cy", "Anti-racism", "on_track", None, 61),  # stale only
             ]]
    table = accountability(facts, today=TODAY)
    ann, bo, overall = table.by_owner["Ann"], table.by_owner["Bo"], table.overall
    assert (ann.total, ann.overdue, ann.due_soon, ann.stale) == (2, 1, 1, 2)
    assert (bo.total, bo.overdue, bo.due_soon, bo.stale) == (3, 0, 0, 0)
    assert bo.completion == 0.5  # one complete of two counted (the cancelled one is not)
    assert (overall.total, overall.overdue, overall.due_soon, overall.stale) == (6, 1, 1, 3)
    assert list(table.by_owner) == ["Ann", "Bo", "Cy"]
    assert table.by_theme["Leadership"].by_status["on_track"] == 1
    assert table.by_theme["Anti-racism"].total == 3
