"""Organisations, their members, advisory groups and reporting cycles."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.programme import CouncilKind
from tracker.domain.roles import Role
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.user import User


class OrganisationKind(enum.StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    CHILDRENS_TRUST = "childrens_trust"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "local_authority": "Local authority",
            "childrens_trust": "Children's services trust",
            "other": "Other",
        }[self.value]


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a portable VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    ons_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    #: For the national report's breakdowns (tracker.domain.programme.REGIONS).
    region: Mapped[str | None] = mapped_column(String(40))
    council_kind: Mapped[CouncilKind | None] = mapped_column(_enum(CouncilKind, "council_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    cycles: Mapped[list[ReportingCycle]] = relationship(
        back_populates="organisation", order_by="ReportingCycle.period_start"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(Base):
    """A user's role in one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "membership_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(Base):
    """An e-mailed invitation to take a role in an organisation; only its token's hash is kept.

    An EDI lead invites an address, whether or not it has an account: the person it reaches
    accepts (signing in, or making their account), so the lead never learns whether the address
    had an account, nor its name.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    # The name the EDI lead typed: the suggestion for a new account's name, shown to the lead.
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the lead withdraws it, or invites the same address to the same role again.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()


class AdvisoryGroup(Base):
    """A national advisory group (IAG, RERG) that follows the organisations sharing with it."""

    __tablename__ = "advisory_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[AdvisoryGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    shares: Mapped[list[AdvisoryGroupShare]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class AdvisoryGroupMember(Base):
    __tablename__ = "advisory_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("advisory_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[AdvisoryGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class AdvisoryGroupShare(Base):
    """An organisation's choice to share its plan with an advisory group."""

    __tablename__ = "advisory_group_shares"
    __table_args__ = (UniqueConstraint("group_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("advisory_groups.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[AdvisoryGroup] = relationship(back_populates="shares")
    organisation: Mapped[Organisation] = relationship()


class ReportingCycle(Base):
    """One year's SC-WRES collection for an organisation, e.g. 2024-25."""

    __tablename__ = "reporting_cycles"
    __table_args__ = (
        UniqueConstraint("organisation_id", "label"),
        CheckConstraint("period_end > period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    snapshot_date: Mapped[date] = mapped_column(Date)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="cycles")
