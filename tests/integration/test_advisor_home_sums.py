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


def test_the_trend_chart_marks_the_same_dates_as_the_trend_page(factories, db_session,
                                                                 app_context):
    from tracker.domain.roles import Role
    from tracker.services.access import OrgAccess
    from tracker.services.reviews import action_markers, marker_dates

    org = factories.organisation()
    plan = factories.plan(cycle=factories.cycle(organisation=org, start_year=2024))
    later = factories.plan(cycle=factories.cycle(organisation=org, start_year=2025))
    done = factories.action(plan=plan, status=ActionStatus.COMPLETE, start_date=date(2024, 5, 1))
    factories.progress(action=done, occurred_on=date(2024, 9, 1),
                       new_status=ActionStatus.COMPLETE)
    factories.progress(action=done, occurred_on=date(2024, 11, 1),
                       new_status=ActionStatus.COMPLETE)  # the latest completion counts
    factories.progress(action=done, occurred_on=date(2024, 12, 1))
    no_update = factories.action(plan=plan, status=ActionStatus.COMPLETE)  # its last change
    going = factories.action(plan=plan, start_date=None)  # started when it was made
    carried = factories.action(plan=later, carried_from_id=going.id)  # started with its original
    adults_only = factories.action(plan=plan, start_date=date(2024, 6, 1))
    unlinked = factories.action(plan=plan, start_date=date(2024, 7, 1))
    for action in (done, no_update, going, carried):
        factories.link(action=action, indicator="SCW2", service_area="all")
        factories.link(action=action, indicator="SCW2", service_area="adults")  # once only
    factories.link(action=adults_only, indicator="SCW2", service_area="adults")
    factories.link(action=unlinked, indicator="SCW3", service_area="all")
    db_session.flush()

    access = OrgAccess(organisation=org, roles=frozenset({Role.VIEWER.value}))
    for area in ("all", "adults", "children"):
        page_markers = [(m.when, m.kind) for m in action_markers(
            access=access, indicator="SCW2", area=area)]
        assert marker_dates(access=access, indicator="SCW2", area=area) == page_markers
    assert (date(2024, 11, 1), "completed") in page_markers
    assert len([m for m in page_markers if m[1] == "started"]) == 3  # not the carried one
