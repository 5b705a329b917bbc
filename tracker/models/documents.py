"""Documents prepared in the background (board packs, the council's report), kept to download."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tracker.domain.documents import DocumentKind, DocumentStatus
from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.organisation import _enum

if TYPE_CHECKING:
    from tracker.models.organisation import ReportingCycle
    from tracker.models.user import User


class PreparedDocument(Base):
    """The latest of one cycle's documents of one kind and format: asked for, ready or failed.

    Asking again keeps the earlier file downloadable until the new one is ready.
    """

    __tablename__ = "prepared_documents"
    __table_args__ = (UniqueConstraint("cycle_id", "kind", "fmt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "document_kind"))
    fmt: Mapped[str] = mapped_column(String(10))
    status: Mapped[DocumentStatus] = mapped_column(_enum(DocumentStatus, "document_status"),
                                                   default=DocumentStatus.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the file kept here was made (None until the first one is ready).
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The organisation's latest audit event when the kept file was read from the tracker.
    based_on_event: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    #: Counts each request, so a job for an earlier request does nothing once a later one came.
    request_number: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    cycle: Mapped[ReportingCycle] = relationship()
    requested_by: Mapped[User | None] = relationship()
