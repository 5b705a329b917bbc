"""Passwords, sign-in with throttling and lock-out, and single-use set-password links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.domain.signin import lock_after_failure, sign_in_gate
from tracker.extensions import db, passwords
from tracker.models import PasswordLink, User, utcnow
from tracker.models.user import email_key, new_session_token
from tracker.services.audit import record_event
from tracker.services.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """Hash a password with argon2id (the application's cost, see tracker.passwords)."""
    return passwords.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Return whether the password matches the stored hash."""
    return passwords.check(password_hash, password)


def password_problem(password: str) -> str | None:
    """Return why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    return None


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address, ignoring case."""
    return db.session.scalar(select(User).where(User.email_key == email_key(email)))


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    locked_until: datetime | None = None
    retry_at: datetime | None = None
    failures: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def sign_in(
    *, email: str, password: str, now: datetime, max_failures: int, lock_minutes: int
) -> SignInResult:
    """Check a sign-in attempt, counting failures and locking the account after too many."""
    user = find_user_by_email(email)
    if user is None:
        check_password(None, password)
        return SignInResult(user=None)
    gate = sign_in_gate(
        failures=user.failed_logins,
        last_failure_at=user.last_failed_login_at,
        locked_until=user.locked_until,
        now=now,
    )
    if gate.locked:
        return SignInResult(user=None, locked_until=gate.retry_at, failures=user.failed_logins)
    if not gate.allowed:
        return SignInResult(user=None, retry_at=gate.retry_at, failures=user.failed_logins)
    if user.locked_until is not None:  # an expired lock: start counting afresh
        user.failed_logins, user.locked_until = 0, None
    if not user.is_active_account or not check_password(user.password_hash, password):
        user.failed_logins += 1
        user.last_failed_login_at = now
        user.locked_until = lock_after_failure(
            failures=user.failed_logins,
            max_failures=max_failures,
            lock_minutes=lock_minutes,
            now=now,
        )
        if user.locked_until:
            record_event(actor=None, action="locked", entity_type="user", entity_id=user.id,
                         after={"locked_until": user.locked_until.isoformat()})
        db.session.flush()
        return SignInResult(
            user=None,
            locked_until=user.locked_until,
            failures=user.failed_logins,
        )
    user.failed_logins, user.last_failed_login_at, user.locked_until = 0, None, None
    user.last_login_at = now
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    db.session.flush()
    return SignInResult(user=user)


def load_user_from_session(session_id: str) -> User | None:
    """Return the user for a Flask-Login id of the form 'user_id:session_token'."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(*, actor: User, user: User, now: datetime, hours: int) -> str:
    """Create a single-use set-password link for `user` and return its secret token."""
    token = secrets.token_urlsafe(32)
    link = PasswordLink(
        user_id=user.id,
        token_hash=_token_hash(token),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(link)
    db.session.flush()
    record_event(actor=actor, action="password_link_issued", entity_type="user",
                 entity_id=user.id, after={"expires_at": link.expires_at.isoformat()})
    return token


class LinkProblem(Exception):
    """A set-password link that cannot be used; `reason` is 'unknown', 'used' or 'expired'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def valid_password_link(*, token: str, now: datetime) -> PasswordLink:
    """Return the unused, unexpired link for this token, or raise LinkProblem."""
    link = db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _token_hash(token)))
    if link is None:
        raise LinkProblem("unknown")
    if link.used_at is not None:
        raise LinkProblem("used")
    if now >= link.expires_at:
        raise LinkProblem("expired")
    return link


def set_password_with_link(*, token: str, password: str, now: datetime) -> User:
    """Use a link to set a password: unlocks the account and signs out other sessions."""
    link = valid_password_link(token=token, now=now)
    problem = password_problem(password)
    if problem:
        raise InvalidInput({"password": problem})
    user = link.user
    user.password_hash = hash_password(password)
    user.failed_logins, user.last_failed_login_at, user.locked_until = 0, None, None
    user.session_token = new_session_token()
    link.used_at = now
    record_event(actor=user, action="password_set", entity_type="user", entity_id=user.id)
    db.session.flush()
    return user


def now_utc() -> datetime:
    """Return the current UTC time (services take `now` as an argument; routes call this)."""
    return utcnow()
