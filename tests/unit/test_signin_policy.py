"""The sign-in throttle and the role table."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.domain.roles import ADVISOR, Capability, Role, capabilities_of
from tracker.domain.signin import lock_after_failure, sign_in_gate, wait_seconds

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("failures, expected",
                         [(0, 0), (2, 0), (3, 5), (4, 10), (5, 20), (6, 40), (7, 60), (500, 60)])
def test_wait_doubles_after_three_failures_up_to_a_minute(failures, expected):
    assert wait_seconds(failures) == expected


def gate(failures=0, last=NOW, client_lock=None, known=False, now=NOW):
    return sign_in_gate(account_failures=failures, account_last_failure_at=last,
                        client_locked_until=client_lock, known_device=known, now=now)


def test_gate_allows_below_the_limit():
    assert gate(failures=2).allowed


def test_below_the_limit_an_attempt_that_waited_for_the_lock_is_still_checked():
    """Its time was taken before it waited; the failure counted meanwhile came after it."""
    assert gate(failures=1, last=NOW + timedelta(milliseconds=30), now=NOW).allowed
    assert gate(failures=2, last=NOW + timedelta(milliseconds=30), now=NOW).allowed


def test_gate_slows_the_account_after_three_failures():
    slowed = gate(failures=3, now=NOW + timedelta(seconds=4))
    assert not slowed.allowed and not slowed.locked
    assert slowed.retry_at == NOW + timedelta(seconds=5)
    assert gate(failures=3, now=NOW + timedelta(seconds=5)).allowed


def test_a_known_device_is_not_slowed_down():
    assert gate(failures=40, known=True).allowed


def test_gate_refuses_a_locked_client_then_allows():
    until = NOW + timedelta(minutes=15)
    locked = gate(failures=5, client_lock=until)
    assert locked.locked and locked.retry_at == until
    assert not gate(failures=5, client_lock=until, known=True).allowed  # locked is locked
    assert gate(failures=5, client_lock=until, now=until).allowed


def test_lock_after_failure():
    assert lock_after_failure(failures=4, max_failures=5, lock_minutes=15, now=NOW) is None
    assert lock_after_failure(failures=5, max_failures=5, lock_minutes=15, now=NOW) == \
        NOW + timedelta(minutes=15)


def test_capabilities_by_role():
    assert Capability.MANAGE_MEMBERS in capabilities_of({Role.EDI_LEAD})
    assert capabilities_of({Role.VIEWER}) == {Capability.READ}
    assert Capability.SIGN_OFF in capabilities_of({Role.SPONSOR})
    assert Capability.SIGN_OFF not in capabilities_of({Role.EDI_LEAD, ADVISOR})
    assert capabilities_of({ADVISOR}) == {Capability.READ, Capability.COMMENT}
    assert capabilities_of(set()) == frozenset()
