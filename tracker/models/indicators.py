"""A cycle's indicator data: counts and results only, never the person-level rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.organisation import ReportingCycle
    from tracker.models.user import User

JSONType = JSON().with_variant(JSONB(), "postgresql")


class IndicatorDataset(Base):
    """The saved figures of one reporting cycle; loading again replaces them."""

    __tablename__ = "indicator_datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_cycles.id", ondelete="CASCADE"), unique=True
    )
    source: Mapped[str] = mapped_column(String(20))  # extracts, counts-form, counts-template
    # {service_area: Counts.to_dict()} and {service_area: Results.to_dict()}
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType)
    results: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # {"files": [{"kind", "filename", "rows"}], "declaration_rate": {...}}
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    loaded_by: Mapped[User | None] = relationship()
    cycle: Mapped[ReportingCycle] = relationship()


class IndicatorDraft(Base):
    """Figures computed from an upload and shown for checking before they are saved."""

    __tablename__ = "indicator_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_cycles.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(20))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)
