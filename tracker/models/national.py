"""The programme's years (deadlines, closing) and councils' submissions of a cycle to it."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.indicators import JSONType

if TYPE_CHECKING:
    from tracker.models.organisation import ReportingCycle
    from tracker.models.user import User


class ProgrammeYear(Base):
    """One year of the programme, named by its cycles' label (2024-25): deadlines and closing."""

    __tablename__ = "programme_years"
    __table_args__ = (
        CheckConstraint("plan_deadline IS NULL OR data_deadline IS NULL "
                        "OR plan_deadline >= data_deadline", name="deadline_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    data_deadline: Mapped[date | None] = mapped_column(Date)
    plan_deadline: Mapped[date | None] = mapped_column(Date)
    #: Once closed, submissions can no longer be made or withdrawn.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Submission(Base):
    """A council's cycle submitted to the programme: its data counts in the national report."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id", ondelete="CASCADE"),
                                          unique=True)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the submitted data was saved: data saved again afterwards must be submitted again.
    data_loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    cycle: Mapped[ReportingCycle] = relationship()
    submitted_by: Mapped[User | None] = relationship()


class NationalReportPublication(Base):
    """A programme year's national report as published, frozen when the programme lead did."""

    __tablename__ = "national_report_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    #: The figures as published (report, breakdowns, years, councils, threshold).
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class ApiToken(Base):
    """A token for the read-only API: one organisation's (made by its EDI lead) or, with no
    organisation, the programme lead's (the national report). Only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, to tell tokens apart on the page (not enough to use one).
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
