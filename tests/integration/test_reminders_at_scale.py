"""`flask tracker send-reminders` works in sets: its statements do not grow with the e-mails."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, func, select

from tests.integration.test_reminders import smtp  # noqa: F401 - the real SMTP server fixture
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.models import OutgoingEmail

TODAY = date(2026, 11, 25)


def _councils(factories, n: int) -> None:
    """n councils, each with an owner of an overdue action and a sponsor."""
    for _ in range(n):
        owner = factories.member(role=Role.ACTION_OWNER)
        org = owner.memberships[0].organisation
        factories.member(role=Role.SPONSOR, organisation=org)
        factories.action(plan__cycle__organisation=org, owner=owner,
                         due_date=TODAY - timedelta(days=3), status=ActionStatus.ON_TRACK)


def _statements(db_session, runner, day: date) -> tuple[int, str]:
    db_session.flush()
    seen: list[str] = []
    connection = db_session.connection()
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        result = runner.invoke(args=["tracker", "send-reminders", "--date", day.isoformat()])
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    assert result.exit_code == 0, result.output
    return len(seen), result.output


def test_reminders_and_summaries_take_the_same_statements_for_3_councils_or_12(
        factories, db_session, runner, smtp):  # noqa: F811
    _councils(factories, 3)
    few, said = _statements(db_session, runner, TODAY)
    assert "queued 0 digests, 3 reminders and 3 weekly summaries; sent 6 e-mails" in said
    assert len(smtp.messages) == 6
    _councils(factories, 9)  # 12 in all; the first 3 have had today's e-mails
    many, said = _statements(db_session, runner, TODAY + timedelta(days=7))
    assert "queued 0 digests, 12 reminders and 12 weekly summaries; sent 24 e-mails" in said
    assert len(smtp.messages) == 30
    assert many == few
    assert db_session.scalar(select(func.count()).select_from(OutgoingEmail)) == 30


def test_nothing_to_send_reads_the_same_for_4_councils_or_12(factories, db_session, runner,
                                                             smtp):  # noqa: F811
    _councils(factories, 4)
    _statements(db_session, runner, TODAY)
    few, said = _statements(db_session, runner, TODAY)
    assert "queued 0 digests, 0 reminders and 0 weekly summaries; sent 0 e-mails" in said
    _councils(factories, 8)
    _statements(db_session, runner, TODAY)
    smtp.clear()
    many, said = _statements(db_session, runner, TODAY)
    assert "queued 0 digests, 0 reminders and 0 weekly summaries; sent 0 e-mails" in said
    assert smtp.messages == [] and many == few
