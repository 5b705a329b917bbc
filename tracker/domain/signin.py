"""The sign-in policy: slow an account down, lock one client out of it, never the owner.

Two counts of wrong passwords are kept (tracker.services.auth):

- per account, from anywhere: after SLOW_AFTER in a row, each further attempt must wait, 5 s
  then twice as long each time, never more than MAX_WAIT_SECONDS. A browser that has signed in
  to the account before (it carries the account's known-device cookie) is not slowed down, so
  a stranger trying passwords cannot keep the owner waiting on their usual browser.
- per account and client (address): after `max_failures` that client may not try that
  account for `lock_minutes`. Other clients, the owner's among them, are not locked.

Every refusal looks the same to the person signing in (tracker.auth.routes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# After this many consecutive failures each further attempt must wait; the wait doubles.
SLOW_AFTER = 3
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 60


@dataclass(frozen=True)
class SignInGate:
    """Whether a sign-in attempt may be checked now, and if not, until when."""

    allowed: bool
    locked: bool = False
    retry_at: datetime | None = None


def sign_in_gate(
    *,
    account_failures: int,
    account_last_failure_at: datetime | None,
    client_locked_until: datetime | None,
    known_device: bool,
    now: datetime,
) -> SignInGate:
    """Decide whether an attempt may be checked at `now`."""
    if client_locked_until is not None and now < client_locked_until:
        return SignInGate(allowed=False, locked=True, retry_at=client_locked_until)
    wait = wait_seconds(account_failures)
    if known_device or account_last_failure_at is None or wait == 0:
        # Below the limit nobody is slowed down, whatever the times: an attempt that waited for
        # the account's lock may carry a `now` earlier than the failure counted meanwhile.
        return SignInGate(allowed=True)
    retry_at = account_last_failure_at + timedelta(seconds=wait)
    if now < retry_at:
        return SignInGate(allowed=False, retry_at=retry_at)
    return SignInGate(allowed=True)


def wait_seconds(failures: int) -> int:
    """Return how long to wait after `failures` consecutive wrong passwords (0 below the limit)."""
    if failures < SLOW_AFTER:
        return 0
    return min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** min(failures - SLOW_AFTER, 16))


def lock_after_failure(
    *, failures: int, max_failures: int, lock_minutes: int, now: datetime
) -> datetime | None:
    """Return when the client's lock ends if this failure count locks it, else None."""
    if failures >= max_failures:
        return now + timedelta(minutes=lock_minutes)
    return None
