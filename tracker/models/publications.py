"""A cycle's public page: what was prepared, who approved it, its embargo and its withdrawal."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.publication import PublicationStatus
from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.indicators import JSONType
from tracker.models.organisation import _enum

if TYPE_CHECKING:
    from tracker.models.organisation import Organisation, ReportingCycle
    from tracker.models.user import User


class Publication(Base):
    """One cycle's public page: the content frozen when it was prepared, and its state."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id", ondelete="CASCADE"),
                                          unique=True)
    status: Mapped[PublicationStatus] = mapped_column(
        _enum(PublicationStatus, "publication_status"), default=PublicationStatus.PREPARED)
    #: What the EDI lead chose: parts shown, commitments, private actions (ids).
    choices: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The page's content as prepared: what the sponsor approves is exactly what is shown.
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    embargo_until: Mapped[date | None] = mapped_column(Date)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    cycle: Mapped[ReportingCycle] = relationship()
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
