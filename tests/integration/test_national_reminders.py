"""Deadline reminders to EDI leads, through the reminders run, against a real SMTP server."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration import test_reminders
from tests.integration.test_reminders import BASE, _body
from tracker.domain.programme import deadline_reminders
from tracker.domain.roles import Role
from tracker.models import ProgrammeYear, Submission

DEADLINE = date(2025, 9, 30)


@pytest.fixture
def programme(factories, db_session):
    db_session.add(ProgrammeYear(label="2024-25", data_deadline=DEADLINE))
    late = factories.member(role=Role.EDI_LEAD, email="lead@late.example.org")
    late_org = late.memberships[0].organisation
    factories.cycle(organisation=late_org, start_year=2024)
    done = factories.member(role=Role.EDI_LEAD, email="lead@done.example.org")
    dataset = factories.dataset(cycle=factories.cycle(
        organisation=done.memberships[0].organisation, start_year=2024))
    db_session.add(Submission(cycle_id=dataset.cycle_id, data_loaded_at=dataset.loaded_at))
    factories.member(role=Role.VIEWER, organisation=late_org, email="viewer@late.example.org")
    db_session.flush()
    return late_org


def _run(runner, day: date):
    result = runner.invoke(args=["tracker", "send-reminders", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result


smtp = test_reminders.smtp  # the real SMTP server on loopback (a fixture)


def test_edi_leads_hear_before_and_after_a_deadline_until_they_submit(runner, smtp, programme,
                                                                      db_session):
    _run(runner, date(2025, 9, 16))  # 14 days before
    assert [m["To"] for m in smtp.messages] == ["lead@late.example.org"]
    message = smtp.messages[0]
    assert "a deadline is near" in message["Subject"]
    body = _body(message)
    assert "The data deadline is 30 September 2025, in 14 days" in body
    assert f"{BASE}/org/{programme.slug}/cycles/2024-25/submission" in body
    _run(runner, date(2025, 9, 16))  # again the same day: nothing twice
    assert len(smtp.messages) == 1
    _run(runner, date(2025, 9, 20))  # not a reminder day
    assert len(smtp.messages) == 1
    _run(runner, date(2025, 10, 1))  # the day after
    assert "a deadline has passed" in smtp.messages[-1]["Subject"]
    assert "passed on 30 September 2025" in _body(smtp.messages[-1])
    assert {m["To"] for m in smtp.messages} == {"lead@late.example.org"}


def test_a_closed_year_reminds_nobody(runner, smtp, programme, db_session):
    year = db_session.scalar(db_session.query(ProgrammeYear).statement)
    from tracker.models import utcnow
    year.closed_at = utcnow()
    db_session.flush()
    _run(runner, date(2025, 9, 16))
    assert smtp.messages == []


@pytest.mark.parametrize(("today", "expected"), [
    (date(2025, 9, 16), [14]), (date(2025, 9, 27), [3]), (date(2025, 9, 28), []),
    (date(2025, 9, 30), []), (date(2025, 10, 1), [-1]), (date(2025, 10, 2), []),
    (date(2025, 10, 8), [-8]), (date(2025, 10, 15), [-15])])
def test_which_days_remind(today, expected):
    due = deadline_reminders(data_deadline=DEADLINE, plan_deadline=None, submitted=False,
                             plan_signed_off=False, today=today)
    assert [r.days for r in due] == expected
    assert deadline_reminders(data_deadline=DEADLINE, plan_deadline=None, submitted=True,
                              plan_signed_off=False, today=today) == []
