"""Documents prepared in the background: asked for in a request, made by a job, downloaded later.

A board pack or the council's report takes seconds of layout; a request only records that it is
wanted (and enqueues the `prepare_document` job, tracker/reports/documents.py), and the page says
when it is ready. One row per cycle, kind and format keeps the latest file: asking again keeps the
earlier one downloadable until the new one replaces it. A document still current (made today,
after the organisation's latest change) is not made again. Each request is numbered, so a job for
a request that a later one has overtaken does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from tracker import jobs
from tracker.domain.documents import (
    FORMATS,
    DocumentKind,
    DocumentStatus,
    Freshness,
    file_size,
    freshness,
)
from tracker.domain.formatting import LONDON, london_time
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import AuditEvent, PreparedDocument, ReportingCycle, User, utcnow
from tracker.services.access import OrgAccess, require
from tracker.services.audit import is_change
from tracker.services.errors import NotFound
from tracker.services.locks import lock

#: A request still waiting after this long is taken to be lost (a worker stopped): ask again.
STALLED_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class DocumentState:
    """What a page says about one document: waiting, ready (and whether still current), failed."""

    kind: DocumentKind
    fmt: str
    status: DocumentStatus | None  # None: never asked for
    requested_at: str = ""
    prepared_at: str = ""
    size: str = ""
    error: str = ""
    freshness: Freshness | None = None

    @property
    def waiting(self) -> bool:
        return self.status is DocumentStatus.QUEUED

    @property
    def downloadable(self) -> bool:
        return bool(self.prepared_at)


def latest_change(organisation_id: int) -> int:
    """The number of the organisation's latest audit event that records a change (every change
    is one; an API token's read is not a change), or 0."""
    return db.session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.organisation_id == organisation_id, is_change())) or 0


def _state(document: PreparedDocument | None, kind: DocumentKind, fmt: str,
           last_change: int, today: date) -> DocumentState:
    if document is None:
        return DocumentState(kind=kind, fmt=fmt, status=None)
    return DocumentState(
        kind=kind, fmt=fmt, status=document.status,
        requested_at=london_time(document.requested_at),
        prepared_at=london_time(document.prepared_at),
        size=file_size(document.size) if document.prepared_at else "",
        error=document.error,
        freshness=freshness(prepared_at=document.prepared_at, based_on=document.based_on_event,
                            latest_change=last_change, today=today)
        if document.prepared_at else None)


def states(*, access: OrgAccess, cycle: ReportingCycle,
           today: date) -> dict[tuple[DocumentKind, str], DocumentState]:
    """Every document of the cycle, asked for or not, in two queries."""
    require(access, Capability.READ)
    found = {(d.kind, d.fmt): d for d in db.session.scalars(
        select(PreparedDocument).where(PreparedDocument.cycle_id == cycle.id))}
    last_change = latest_change(access.organisation.id)
    return {(kind, fmt): _state(found.get((kind, fmt)), kind, fmt, last_change, today)
            for kind, formats in FORMATS.items() for fmt in formats}


def progress(*, access: OrgAccess, label: str) -> tuple[tuple[str, str, str, int], ...]:
    """Where the cycle's documents are (kind, format, status, request number), in one query:
    what the jobs change, which no audit event records."""
    require(access, Capability.READ)
    return tuple((kind.value, fmt, status.value, number) for kind, fmt, status, number in
                 db.session.execute(
                     select(PreparedDocument.kind, PreparedDocument.fmt, PreparedDocument.status,
                            PreparedDocument.request_number)
                     .join(ReportingCycle, ReportingCycle.id == PreparedDocument.cycle_id)
                     .where(ReportingCycle.organisation_id == access.organisation.id,
                            ReportingCycle.label == label)
                     .order_by(PreparedDocument.kind, PreparedDocument.fmt)))


def request(*, access: OrgAccess, cycle: ReportingCycle, kind: DocumentKind, fmt: str,
            user: User, today: date) -> DocumentState:
    """Ask for a document: a job makes it unless a current one exists or one is being made."""
    require(access, Capability.READ)
    lock(ReportingCycle, cycle.id)  # one request at a time per cycle: no two rows, no lost ask
    document = db.session.scalar(select(PreparedDocument).where(
        PreparedDocument.cycle_id == cycle.id, PreparedDocument.kind == kind,
        PreparedDocument.fmt == fmt))
    last_change = latest_change(access.organisation.id)
    now = utcnow()
    if document is not None:
        state = _state(document, kind, fmt, last_change, today)
        if state.freshness is not None and state.freshness.current:
            return state
        if state.waiting and now - document.requested_at < STALLED_AFTER:
            return state
    if document is None:
        document = PreparedDocument(organisation_id=access.organisation.id, cycle_id=cycle.id,
                                    kind=kind, fmt=fmt, request_number=0)
        db.session.add(document)
    document.status, document.error = DocumentStatus.QUEUED, ""
    document.requested_by_id, document.requested_at = user.id, now
    document.request_number += 1
    db.session.flush()
    jobs.enqueue("prepare_document", document_id=document.id,
                 request_number=document.request_number)
    return _state(document, kind, fmt, last_change, today)


@dataclass(frozen=True)
class Work:
    """What a job needs to make a document (read in the job's own session)."""

    organisation_id: int
    cycle_id: int
    kind: DocumentKind
    fmt: str
    today: date


def work_for(*, document_id: int, request_number: int) -> Work | None:
    """The job's task, or None when the request was overtaken or the document has gone."""
    document = db.session.get(PreparedDocument, document_id)
    if document is None or document.request_number != request_number \
            or document.status is not DocumentStatus.QUEUED:
        return None
    return Work(organisation_id=document.organisation_id, cycle_id=document.cycle_id,
                kind=document.kind, fmt=document.fmt,
                today=document.requested_at.astimezone(LONDON).date())


def finished(*, document_id: int, request_number: int, body: bytes | None, based_on: int = 0,
             error: str = "") -> None:
    """Keep what the job made (or why it failed), unless a later request overtook it."""
    document = db.session.scalar(select(PreparedDocument).where(
        PreparedDocument.id == document_id).with_for_update())
    if document is None or document.request_number != request_number:
        return
    if body is None:
        document.status, document.error = DocumentStatus.FAILED, error[:500]
    else:
        document.status, document.error = DocumentStatus.READY, ""
        document.body, document.size, document.prepared_at = body, len(body), utcnow()
        document.based_on_event = based_on
    db.session.flush()


def download(*, access: OrgAccess, cycle: ReportingCycle, kind: DocumentKind,
             fmt: str) -> tuple[bytes, str]:
    """The latest file made of a document, and when it was made; NotFound if none was."""
    require(access, Capability.READ)
    document = db.session.scalar(
        select(PreparedDocument).options(undefer(PreparedDocument.body)).where(
            PreparedDocument.cycle_id == cycle.id, PreparedDocument.kind == kind,
            PreparedDocument.fmt == fmt))
    if document is None or document.body is None or document.prepared_at is None:
        raise NotFound(f"{kind}.{fmt}")
    return document.body, london_time(document.prepared_at)
