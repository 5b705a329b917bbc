"""Carry-over done right (issue 12): new due dates for carried actions whose dates have passed
(a year on suggested, editable one by one or all at once), "no update for 60 days" counted
along the carry-over chain, and the carried action showing the progress it keeps."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.helpers import error_summary, page, post_form, statements
from tracker.domain.roles import Role
from tracker.models import Action, AuditEvent, ReportingCycle

TODAY = date(2025, 6, 2)


def _council(factories):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    plan = factories.plan(cycle=factories.cycle(organisation=org))
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org)
    return lead, org, plan, owner


def _start(client, org, actions, **extra):
    data = {"label": "2025-26", "period_start": ["1", "4", "2025"],
            "period_end": ["31", "3", "2026"], "snapshot_date": ["31", "3", "2026"],
            **{f"carry-{a.id}": "yes" for a in actions}, **extra}
    return post_form(client, f"/org/{org.slug}/cycles/2024-25/next-cycle", data)


def _copy(db_session, original) -> Action:
    return db_session.scalar(select(Action).where(Action.carried_from_id == original.id))


def _due(action, day, month, year) -> dict:
    return {f"due-{action.id}-day": day, f"due-{action.id}-month": month,
            f"due-{action.id}-year": year}


def test_the_next_cycle_asks_for_new_due_dates_where_they_have_passed(
        factories, client_for, frozen_clock, db_session):
    lead, org, plan, owner = _council(factories)
    late = factories.action(plan=plan, owner=owner, title="Late", due_date=date(2025, 3, 31))
    later = factories.action(plan=plan, owner=owner, title="Later", due_date=date(2025, 5, 1))
    on_time = factories.action(plan=plan, owner=owner, title="On time",
                               due_date=date(2025, 12, 1))
    client = client_for(lead)
    soup = page(client.get(f"/org/{org.slug}/cycles/2024-25/next-cycle"))
    asked = {box["id"]: box["value"] for box in soup.select(".app-new-due input")}
    assert asked == {f"due-{late.id}-day": "31", f"due-{late.id}-month": "3",
                     f"due-{late.id}-year": "2026", f"due-{later.id}-day": "1",
                     f"due-{later.id}-month": "5", f"due-{later.id}-year": "2026"}
    assert "It was due on 31 March 2025, which has passed" in soup.get_text(" ", strip=True)
    assert f"due-{on_time.id}-day" not in asked

    response = _start(client, org, [late, later, on_time], **_due(late, "31", "3", "2026"),
                      **_due(later, "1", "9", "2025"))
    assert response.status_code == 302
    assert _copy(db_session, late).due_date == date(2026, 3, 31)
    assert _copy(db_session, later).due_date == date(2025, 9, 1)
    assert _copy(db_session, on_time).due_date == date(2025, 12, 1)


def test_one_new_due_date_for_all_of_them(factories, client_for, frozen_clock, db_session):
    lead, org, plan, owner = _council(factories)
    late = factories.action(plan=plan, owner=owner, due_date=date(2025, 3, 31))
    later = factories.action(plan=plan, owner=owner, due_date=date(2025, 5, 1))
    on_time = factories.action(plan=plan, owner=owner, due_date=date(2025, 12, 1))
    response = _start(client_for(lead), org, [late, later, on_time],
                      bulk_due_date=["30", "6", "2026"], **_due(late, "31", "3", "2026"))
    assert response.status_code == 302
    assert _copy(db_session, late).due_date == date(2026, 6, 30)
    assert _copy(db_session, later).due_date == date(2026, 6, 30)
    assert _copy(db_session, on_time).due_date == date(2025, 12, 1)


def test_a_missing_or_past_new_due_date_is_refused_and_nothing_is_started(
        factories, client_for, frozen_clock, db_session):
    lead, org, plan, owner = _council(factories)
    late = factories.action(plan=plan, owner=owner, title="Mentoring", due_date=date(2025, 3, 31))
    left = factories.action(plan=plan, owner=owner, title="Left", due_date=date(2025, 3, 31))
    client = client_for(lead)
    response = _start(client, org, [late], **_due(late, "", "", ""), **_due(left, "", "", ""),
                      **{f"reason-{left.id}": "Done another way"})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter the new due date for 'Mentoring'"]
    response = _start(client, org, [late], **_due(late, "1", "1", "2025"),
                      **{f"reason-{left.id}": "Done another way"})
    assert response.status_code == 400
    assert error_summary(response) == ["The new due date for 'Mentoring' must be today or later"]
    response = _start(client, org, [late], **_due(late, "31", "2", "2026"),
                      **{f"reason-{left.id}": "Done another way"})
    assert error_summary(response) == ["New due date for 'Mentoring' must be a real date"]
    assert db_session.scalar(select(ReportingCycle).filter_by(label="2025-26")) is None


def test_no_update_for_60_days_counts_along_the_chain_and_earlier_progress_shows(
        factories, client_for, frozen_clock, db_session):
    lead, org, plan, owner = _council(factories)
    quiet = factories.action(plan=plan, owner=owner, title="Quiet one",
                             due_date=TODAY + timedelta(200),
                             last_activity_on=TODAY - timedelta(70))
    factories.progress(action=quiet, note="Panels trained in March",
                       occurred_on=TODAY - timedelta(70))
    assert _start(client_for(lead), org, [quiet]).status_code == 302
    copy = _copy(db_session, quiet)
    assert copy.last_activity_on == TODAY - timedelta(70)

    home = page(client_for(owner).get("/"))
    stale = home.select_one("#my-actions-stale").get_text(" ", strip=True)
    assert "Quiet one" in stale and "2025-26" in stale and "last update 70 days ago" in stale
    action_page = page(client_for(owner).get(
        f"/org/{org.slug}/cycles/2025-26/plan/actions/{copy.id}"))
    earlier = action_page.select_one(".app-earlier-progress").get_text(" ", strip=True)
    assert "Progress in 2024-25" in earlier and "Panels trained in March" in earlier


# At scale: the statements do not grow with the actions carried (issue 15 item 4) -------------


def test_starting_the_next_cycle_issues_the_same_statements_for_10_actions_as_for_100(
        factories, client_for, frozen_clock, db_session):
    counts = {}
    for count in (10, 100):
        lead, org, plan, owner = _council(factories)
        actions = [factories.action(plan=plan, owner=owner, title=f"Action {n}",
                                    due_date=date(2025, 3, 31) if n % 2 else date(2025, 12, 1),
                                    start_date=date(2024, 9, 1) if n % 3 else None)
                   for n in range(count)]
        for action in actions[::2]:
            factories.link(action=action, indicator="SCW3", service_area="adults")
        left = factories.action(plan=plan, owner=owner, title="Left behind")
        client = client_for(lead)
        ids = [a.id for a in actions]  # read before counting: the test's own queries
        left_id = left.id
        with statements(db_session) as seen:
            response = _start(client, org, [Action(id=i) for i in ids],
                              **{f"reason-{left_id}": "Done another way"})
        assert response.status_code == 302
        counts[count] = len(seen)
        first, second = _copy(db_session, actions[0]), _copy(db_session, actions[1])
        assert (first.title, first.due_date, first.start_date) == (
            "Action 0", date(2025, 12, 1), None)
        assert (second.due_date, second.start_date) == (date(2026, 3, 31), date(2024, 9, 1))
        assert [(link.indicator, link.service_area, link.baseline_rl) for link in first.links] \
            == [("SCW3", "adults", 0.5)] and second.links == []
        db_session.refresh(actions[0])
        db_session.refresh(left)
        assert actions[0].status.value == "carried_over" and left.status.value != "carried_over"
        assert left.left_behind_reason == "Done another way"
        trail = db_session.execute(select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.after)
                                   .where(AuditEvent.organisation_id == org.id)
                                   .order_by(AuditEvent.id)).all()
        # As one by one: each carried action's two records together, the cycle's last
        verbs = [(verb, entity) for verb, entity, _ in trail]
        for action in actions:
            at = verbs.index(("carried_over", action.id))
            assert verbs[at + 1] == ("carried_in", _copy(db_session, action).id)
        assert ("left_behind", left.id) in verbs
        assert trail[-1].action == "next_cycle_started"
        assert trail[-1].after == {"from": "2024-25", "to": "2025-26", "carried": count,
                                   "left_behind": 1}
        assert {"from_action": actions[1].id, "due_date": "2026-03-31"} in [
            after for _, _, after in trail]
    assert counts[10] == counts[100], counts


def test_an_actions_page_asks_the_same_statements_however_long_its_chain_and_thread(
        factories, client_for, frozen_clock, db_session):
    """The chain back to the original and on to every copy is one recursive statement (it was
    one a step: the national copy's five cycles asked six), and the thread is loaded whole."""
    counts = {}
    for length in (2, 6):
        lead, org, plan, owner = _council(factories)
        chain = [factories.action(plan=plan, owner=owner, title="Mentoring")]
        for _ in range(length - 1):
            chain.append(factories.action(plan=plan, owner=owner, title="Mentoring",
                                          carried_from_id=chain[-1].id))
        middle = chain[length // 2]
        for n in range(length):
            factories.progress(action=chain[n], note=f"Step {n}")
            factories.comment(action=middle, author=owner, body=f"Comment {n}")
        client = client_for(lead)
        path = f"/org/{org.slug}/cycles/{plan.cycle.label}/plan/actions/{middle.id}"
        with statements(db_session) as seen:
            html = page(client.get(path))
        assert len(html.select(".app-carry-chain li")) == length
        assert len(html.select(".app-comment")) == length
        counts[length] = len(seen)
    assert counts[2] == counts[6]
