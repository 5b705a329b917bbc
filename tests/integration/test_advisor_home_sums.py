"""The advisors' home counts each council in the database, by the same rules as the pages."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from tests.helpers import page
from tracker.domain.indicators import ADVERSE
from tracker.domain.plans import (
    DUE_SOON_DAYS,
    STALE_AFTER_DAYS,
    ActionFacts,
    ActionStatus,
    accountability,
)
from tracker.domain.stored_results import StoredResults
from tracker.models.base import utcnow
from tracker.services.homes import plan_tallies

TODAY = date(2026, 11, 23)  # the frozen clock's day


def test_the_tally_in_sql_is_the_tally_of_the_accountability_view(factories, db_session,
                                                                 app_context):
    plan = factories.plan()
    other = factories.plan()
    facts = []
    # Every status against due dates and last activity on each side of each threshold.
    due_dates = [None, TODAY - timedelta(1), TODAY, TODAY + timedelta(DUE_SOON_DAYS),
                 TODAY + timedelta(DUE_SOON_DAYS + 1)]
    activity = [TODAY, TODAY - timedelta(STALE_AFTER_DAYS - 1),
                TODAY - timedelta(STALE_AFTER_DAYS)]
    for status, due, last in itertools.product(ActionStatus, due_dates, activity):
        factories.action(plan=plan, status=status, due_date=due, last_activity_on=last)
        facts.append(ActionFacts(owner="", theme="", status=status.value, due_date=due,
                                 last_activity=last))
    factories.action(plan=plan, status=ActionStatus.ON_TRACK, is_draft=True,
                     due_date=TODAY - timedelta(5))  # drafts never count
    factories.action(plan=other, status=ActionStatus.COMPLETE)
    db_session.flush()

    tallies = plan_tallies(cycle_ids=[plan.cycle_id, other.cycle_id], today=TODAY)
    expected = accountability(facts, today=TODAY).overall
    got = tallies[plan.cycle_id]
    assert (got.total, dict(got.by_status), got.overdue, got.due_soon, got.stale) == (
        expected.total, dict(expected.by_status), expected.overdue, expected.due_soon,
        expected.stale)
    assert got.completion == expected.completion
    assert tallies[other.cycle_id].total == 1
    assert plan_tallies(cycle_ids=[], today=TODAY) == {}


def _adverse_cell(client) -> str:
    return page(client.get("/")).select_one("td.app-adverse").get_text(strip=True)


def test_loading_the_figures_again_changes_the_count_at_once(
        factories, client_for, frozen_clock, db_session):
    group = factories.group()
    advisor = factories.group_member(group=group).user
    org = factories.organisation(name="Brightwater Council")
    factories.share(group=group, organisation=org)
    dataset = factories.dataset(cycle=factories.cycle(organisation=org))
    results = StoredResults(dataset.results)
    series = [(area, sid) for area in results.areas for sid in dataset.results[area]["indicators"]
              if results.rating(area, sid) is not None]
    adverse = sum(results.rating(area, sid) == ADVERSE for area, sid in series)
    client = client_for(advisor)
    assert _adverse_cell(client) == f"{adverse} of {len(series)}"

    # Loaded again a minute later (as the service does: new results, and loaded_at moves to
    # the time of loading): one more adverse.
    changed = {area: dict(dataset.results[area]) for area in dataset.results}
    area, sid = next((a, s) for a, s in series if results.rating(a, s) != ADVERSE)
    changed[area]["indicators"] = dict(changed[area]["indicators"])
    changed[area]["indicators"][sid] = dict(changed[area]["indicators"][sid], rating=ADVERSE)
    dataset.results = changed
    dataset.loaded_at = utcnow() + timedelta(minutes=1)  # the clock is frozen here
    db_session.flush()
    assert _adverse_cell(client) == f"{adverse + 1} of {len(series)}"
