"""A cycle's indicator data: counts and results only, never the person-level rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.upload_checks import CheckStatus
from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.organisation import _enum

if TYPE_CHECKING:
    from tracker.models.organisation import Organisation, ReportingCycle
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


class ExtractMapping(Base):
    """An organisation's own names for an extract kind's columns, or (kind ``values``) what its
    own labels mean: kept so that next year's export goes straight in (audited when changed).

    ``entries`` is, for staff, recruitment and survey, {column: the file's header}; for
    ``values``, {value set: {label: meaning}} (``tracker.domain.mappings``). ``sheet`` is the
    workbook sheet once chosen for the kind, looked at first in later workbooks.
    """

    __tablename__ = "extract_mappings"
    __table_args__ = (UniqueConstraint("organisation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # staff, recruitment, survey, values
    entries: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sheet: Mapped[str | None] = mapped_column(String(255))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship()


class HeldExtract(Base):
    """An uploaded extract waiting on the mapping page for its columns or values to be chosen,
    or, when it is a workbook with other sheets, on the preview to be read from another sheet.

    Kept only between the upload and the save, for the person who uploaded it and that cycle
    (never found by a name the browser sends); removed once its figures are saved, when the
    same person uploads again, and a day after it was uploaded at the latest.
    """

    __tablename__ = "held_extracts"
    __table_args__ = (UniqueConstraint("cycle_id", "created_by_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_cycles.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 of the content, as the draft's provenance names the file it was computed from.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    sheet: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UploadCheck(Base):
    """A large upload being read and checked by the ``check_upload`` job, not in the request:
    one per person and cycle (a new large upload replaces it), with what it came to.

    Its files wait as ``HeldExtract`` rows; nothing is saved until the preview is confirmed.
    """

    __tablename__ = "upload_checks"
    __table_args__ = (UniqueConstraint("cycle_id", "created_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_cycles.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[CheckStatus] = mapped_column(_enum(CheckStatus, "upload_check_status"),
                                                default=CheckStatus.QUEUED)
    #: Counts each upload, so a job for an upload that a later one replaced does nothing.
    request_number: Mapped[int] = mapped_column(Integer, default=1)
    #: [{"kind", "filename", "bytes"}] of the files being checked.
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: Every problem found in the files (Problem.to_dict()), when they have any.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: The preview it came to.
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator_drafts.id", ondelete="SET NULL"))
    error: Mapped[str] = mapped_column(String(500), default="")
    #: When the check reads a preview's workbook again from another sheet: which file (its
    #: kind) and sheet. The preview before it stays until the check comes to a new one.
    sheet_kind: Mapped[str | None] = mapped_column(String(20))
    sheet: Mapped[str | None] = mapped_column(String(255))
    #: When the mapping page is next: each file's examination (Examined.to_dict()), so that
    #: the page need not read a large file again.
    examined: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
