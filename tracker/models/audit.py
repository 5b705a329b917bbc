"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.user import User


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        # An organisation's events, and its latest one in one index step (migration 0027).
        Index("ix_audit_events_organisation_occurred", "organisation_id", "occurred_at"),
        # An organisation's latest event by number, a prepared document's "changed since"
        # (migration 0028).
        Index("ix_audit_events_organisation_latest", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(50))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


class DataVersion(Base):
    """How many times what an organisation's pages show has changed (organisation_id 0: what
    organisations share: people, groups, the programme, the library; -1: what only the audit
    trail shows, services/audit.py TRAIL_ONLY).

    Every audited change counts one, in the transaction that made it, just before it commits
    (services/audit.py), so a version is seen with the change and never before: kept pages
    (tracker/kept_pages.py) are kept under it. There is no foreign key: 0 is not an
    organisation, and an organisation's row may outlive it harmlessly.
    """

    __tablename__ = "data_versions"

    organisation_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
