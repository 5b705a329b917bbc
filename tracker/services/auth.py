"""Passwords, sign-in with throttling and lock-out, and single-use set-password links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from tracker.domain.signin import lock_after_failure, sign_in_gate
from tracker.extensions import db, passwords
from tracker.models import PasswordLink, SignInFailure, User, UserSession, utcnow
from tracker.models.user import email_key, new_session_token
from tracker.services.audit import record_event
from tracker.services.errors import InvalidInput
from tracker.services.locks import lock

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
    """A signed-in user (its `login_secret` set for the new session), or None for any refusal."""

    user: User | None

    @property
    def ok(self) -> bool:
        return self.user is not None


def sign_in(
    *, email: str, password: str, client: str, known_devices: frozenset[int], now: datetime,
    max_failures: int, lock_minutes: int,
) -> SignInResult:
    """Check a sign-in attempt under the policy of tracker.domain.signin and start a session.

    Attempts on one account are counted one at a time (its row is locked), so simultaneous
    wrong passwords are each counted and checked only while the policy allows. Every refusal
    (unknown address, deactivated account, slowed down, locked out) verifies one password hash,
    as a real check does, so that none answers faster than another.
    """
    found = find_user_by_email(email)
    if found is None:
        check_password(None, password)
        return SignInResult(user=None)
    user = lock(User, found.id)
    failure = db.session.scalar(
        select(SignInFailure).where(SignInFailure.user_id == user.id,
                                    SignInFailure.client == client[:64]))
    gate = sign_in_gate(
        account_failures=user.failed_logins,
        account_last_failure_at=user.last_failed_login_at,
        client_locked_until=failure.locked_until if failure else None,
        known_device=user.id in known_devices,
        now=now,
    )
    if not gate.allowed:
        check_password(None, password)
        return SignInResult(user=None)
    if failure is not None and failure.locked_until is not None:  # a lock served: count afresh
        failure.failures, failure.locked_until = 0, None
    matches = check_password(user.password_hash, password)
    if not matches or not user.is_active_account:
        _count_failure(user=user, failure=failure, client=client[:64], now=now,
                       max_failures=max_failures, lock_minutes=lock_minutes)
        return SignInResult(user=None)
    user.failed_logins, user.last_failed_login_at = 0, None
    if failure is not None:
        db.session.delete(failure)
    user.last_login_at = now
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.login_secret = _start_session(user=user, now=now)
    db.session.flush()
    return SignInResult(user=user)


def _count_failure(*, user: User, failure: SignInFailure | None, client: str, now: datetime,
                   max_failures: int, lock_minutes: int) -> None:
    user.failed_logins += 1
    user.last_failed_login_at = now
    if failure is None:
        failure = SignInFailure(user_id=user.id, client=client, failures=0)
        db.session.add(failure)
    failure.failures += 1
    failure.last_failure_at = now
    failure.locked_until = lock_after_failure(failures=failure.failures, max_failures=max_failures,
                                              lock_minutes=lock_minutes, now=now)
    if failure.locked_until:
        if user.locked_until is None or user.locked_until < failure.locked_until:
            user.locked_until = failure.locked_until
        record_event(actor=None, action="locked", entity_type="user", entity_id=user.id,
                     after={"locked_until": failure.locked_until.isoformat()})
    db.session.flush()


#: Sessions the server forgets at the next sign-in: ended ones, and any this old.
SESSION_ROWS_KEPT_DAYS = 30


def _start_session(*, user: User, now: datetime) -> str:
    """Record a new signed-in session for `user` and return its secret (for the cookie)."""
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.ended_at.is_not(None),
            UserSession.created_at < now - timedelta(days=SESSION_ROWS_KEPT_DAYS))))
    secret = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(secret), created_at=now))
    return secret


def end_session(*, user: User, now: datetime) -> None:
    """Sign out: end the session `user` was loaded for, so its cookie no longer signs anyone in."""
    if user.login_secret:
        db.session.execute(update(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.token_hash == _token_hash(user.login_secret),
        ).values(ended_at=now))


def _end_every_session(user: User, now: datetime) -> None:
    user.session_token = new_session_token()
    db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=now))


def clear_sign_in_failures(user: User) -> None:
    """Forget every wrong password counted against `user` (a new password was set)."""
    user.failed_logins, user.last_failed_login_at, user.locked_until = 0, None, None
    db.session.execute(delete(SignInFailure).where(SignInFailure.user_id == user.id))


def load_user_from_session(session_id: str) -> User | None:
    """Return the user of a Flask-Login id 'user_id:session_token:secret' whose session is live."""
    user_id, _, rest = session_id.partition(":")
    token, _, secret = rest.partition(":")
    if not user_id.isdigit() or not token or not secret or int(user_id) >= 2**31:
        return None
    user = db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(user_id), UserSession.token_hash == _token_hash(secret),
               UserSession.ended_at.is_(None)))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    user.login_secret = secret
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(*, actor: User, user: User, now: datetime, hours: int) -> str:
    """Create a single-use set-password link for `user` and return its secret token."""
    lock(User, user.id)  # one link at a time for an account: each new one revokes the others
    db.session.execute(update(PasswordLink).where(
        PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None),
        PasswordLink.revoked_at.is_(None)).values(revoked_at=now))
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
    """A set-password link that cannot be used: `reason` is 'unknown', 'used', 'revoked' (a newer
    link was made) or 'expired'."""

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
    if link.revoked_at is not None:
        raise LinkProblem("revoked")
    if now >= link.expires_at:
        raise LinkProblem("expired")
    return link


def set_password_with_link(*, token: str, password: str, now: datetime) -> User:
    """Use a link to set a password: unlocks the account and signs out other sessions."""
    problem = password_problem(password)
    if problem:
        raise InvalidInput({"password": problem})
    link = lock(PasswordLink, valid_password_link(token=token, now=now).id)
    link = valid_password_link(token=token, now=now)  # as it stands once locked: used once only
    user = link.user
    user.password_hash = hash_password(password)
    clear_sign_in_failures(user)
    _end_every_session(user, now)
    link.used_at = now
    record_event(actor=user, action="password_set", entity_type="user", entity_id=user.id)
    db.session.flush()
    return user


def now_utc() -> datetime:
    """Return the current UTC time (services take `now` as an argument; routes call this)."""
    return utcnow()
