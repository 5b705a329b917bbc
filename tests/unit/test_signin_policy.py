"""The sign-in throttle and the role table."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.domain.roles import ADVISOR, Capability, Role, capabilities_of
from tracker.domain.signin import lock_after_failure, sign_in_gate, wait_seconds

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("failures, expected", [(0, 0), (2, 0), (3, 5), (4, 10), (5, 20)])
def test_wait_doubles_after_three_failures(failures, expected):
    assert wait_seconds(failures) == expected


def test_gate_allows_below_the_limit():
    assert sign_in_gate(failures=2, last_failure_at=NOW, locked_until=None, now=NOW).allowed


def test_gate_slows_after_three_failures():
    gate = sign_in_gate(failures=3, last_failure_at=NOW, locked_until=None,
                        now=NOW + timedelta(seconds=4))
    assert not gate.allowed and not gate.locked
    assert gate.retry_at == NOW + timedelta(seconds=5)
    assert sign_in_gate(failures=3, last_failure_at=NOW, locked_until=None,
                        now=NOW + timedelta(seconds=5)).allowed


def test_gate_refuses_while_locked_then_allows():
    until = NOW + timedelta(minutes=15)
    gate = sign_in_gate(failures=5, last_failure_at=NOW, locked_until=until, now=NOW)
    assert gate.locked and gate.retry_at == until
    assert sign_in_gate(failures=5, last_failure_at=NOW, locked_until=until, now=until).allowed


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
