"""Accounts and single-use set-password links."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.organisation import Membership


def email_key(email: str) -> str:
    """Return the form of an address used to compare it: trimmed, lower case."""
    return email.strip().lower()


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # The address in lower case: unique, so that addresses are unique regardless of case.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The programme lead: reads every council's status and the national report (installation-wide).
    is_programme_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    # Changing this signs the user out everywhere (Flask-Login's alternative id).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Wrong passwords in a row from anywhere (the account's slow-down, tracker.domain.signin).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the latest lock of one client out of this account ends (for the administrator's
    # pages; the locks themselves are SignInFailure rows, one per account and client).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login's interface
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_anonymous(self) -> bool:
        return False

    @validates("email")
    def _keep_email_key(self, _key: str, email: str) -> str:
        self.email_key = email_key(email)
        return email

    # The secret of the signed-in session this object was loaded for (a UserSession's), set by
    # the sign-in and the user loader; never stored on the row.
    login_secret = ""

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.login_secret}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class PasswordLink(Base):
    """A single-use, expiring link to set a password; only its hash is stored."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer link for the same account was made before this one was used.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class UserSession(Base):
    """One signed-in session: signing out ends it, so a copy of its cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The sha256 of the secret kept in the session cookie; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInFailure(Base):
    """Wrong passwords for one account from one client (address): too many lock that client out."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("user_id", "client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
