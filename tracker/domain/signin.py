"""The sign-in throttle: wrong passwords first slow an account down, then lock it for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# After this many consecutive failures each further attempt must wait; the wait doubles.
SLOW_AFTER = 3
FIRST_WAIT_SECONDS = 5


@dataclass(frozen=True)
class SignInGate:
    """Whether a sign-in attempt may be checked now, and if not, until when."""

    allowed: bool
    locked: bool = False
    retry_at: datetime | None = None


def sign_in_gate(
    *,
    failures: int,
    last_failure_at: datetime | None,
    locked_until: datetime | None,
    now: datetime,
) -> SignInGate:
    """Decide whether an attempt may be checked at `now` given the account's failure history."""
    if locked_until is not None:
        if now < locked_until:
            return SignInGate(allowed=False, locked=True, retry_at=locked_until)
        return SignInGate(allowed=True)  # the lock has been served: counting starts afresh
    if failures >= SLOW_AFTER and last_failure_at is not None:
        retry_at = last_failure_at + timedelta(seconds=wait_seconds(failures))
        if now < retry_at:
            return SignInGate(allowed=False, retry_at=retry_at)
    return SignInGate(allowed=True)


def wait_seconds(failures: int) -> int:
    """Return how long to wait after `failures` consecutive wrong passwords (0 below the limit)."""
    if failures < SLOW_AFTER:
        return 0
    return FIRST_WAIT_SECONDS * 2 ** (failures - SLOW_AFTER)


def lock_after_failure(
    *, failures: int, max_failures: int, lock_minutes: int, now: datetime
) -> datetime | None:
    """Return when the lock ends if this failure count locks the account, else None."""
    if failures >= max_failures:
        return now + timedelta(minutes=lock_minutes)
    return None
