"""Large uploads checked in the background: the request keeps the files and queues the check,
the ``check_upload`` job (tracker/indicators/checking.py) reads and checks them, and a progress
page shows where it stands until it turns into the preview (or the mapping page, or the
problems).

One check per person and cycle (``UploadCheck``): another large upload replaces it, and a job
for the upload it replaced does nothing (``request_number``). The files wait as the mapping
page's do (``HeldExtract``: that person and cycle only, at most a day) and nothing is saved
until the preview is confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from tracker import jobs
from tracker.domain.documents import file_size
from tracker.domain.extracts import Examined
from tracker.domain.mappings import ColumnMapping
from tracker.domain.problems import ExtractValidationError, Problem
from tracker.domain.roles import Capability
from tracker.domain.upload_checks import CheckStatus
from tracker.extensions import db
from tracker.models import ReportingCycle, UploadCheck, User, utcnow
from tracker.services import extract_mappings as mapping_service
from tracker.services import indicators as indicator_service
from tracker.services.access import OrgAccess, organisation_access, require
from tracker.services.errors import Forbidden, NotFound

#: A check still waiting after this long is taken to be lost (a worker stopped): upload again.
STALLED_AFTER = timedelta(minutes=15)


def start(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
          uploads: Mapping[str, tuple[bytes, str]]) -> UploadCheck:
    """Keep a large upload and queue its check (replacing the person's earlier one)."""
    require(access, Capability.MANAGE_DATA)
    mapping_service.hold(actor=actor, access=access, cycle=cycle, uploads=uploads)
    return _queue(actor, cycle, uploads)


def start_held(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
               uploads: Mapping[str, tuple[bytes, str]], sheet_kind: str | None = None,
               sheet: str | None = None, preview_id: int | None = None) -> UploadCheck:
    """Queue the check of files already kept: the mapping page's, once chosen, or a preview's
    workbook read again from another ``sheet`` (``preview_id`` stays until a new one comes)."""
    require(access, Capability.MANAGE_DATA)
    return _queue(actor, cycle, uploads, sheet_kind, sheet, preview_id)


def _queue(actor: User, cycle: ReportingCycle, uploads: Mapping[str, tuple[bytes, str]],
           sheet_kind: str | None = None, sheet: str | None = None,
           preview_id: int | None = None) -> UploadCheck:
    check = db.session.scalar(select(UploadCheck).where(
        UploadCheck.cycle_id == cycle.id, UploadCheck.created_by_id == actor.id))
    if check is None:
        check = UploadCheck(cycle_id=cycle.id, created_by_id=actor.id, request_number=0)
        db.session.add(check)
    check.request_number += 1
    check.status, check.problems, check.error = CheckStatus.QUEUED, [], ""
    check.draft_id, check.sheet_kind, check.sheet = preview_id, sheet_kind, sheet
    check.examined = None
    check.files = [{"kind": kind, "filename": filename, "bytes": len(data)}
                   for kind, (data, filename) in uploads.items()]
    check.created_at, check.started_at, check.finished_at = utcnow(), None, None
    db.session.flush()
    jobs.enqueue("check_upload", check_id=check.id, request_number=check.request_number)
    return check


@dataclass(frozen=True)
class CheckState:
    """What the progress page shows."""

    status: CheckStatus
    files: list[dict]
    created_at: datetime
    started_at: datetime | None
    draft_id: int | None
    problems: list[Problem]
    error: str
    #: Still waiting after STALLED_AFTER: the worker may be stopped.
    stalled: bool = False
    #: The check reads a preview's workbook from another sheet (its preview stays meanwhile).
    sheet: str | None = None


def current(*, actor: User, access: OrgAccess, cycle: ReportingCycle) -> CheckState | None:
    """Return where this person's check of their upload for this cycle stands, if there is one."""
    require(access, Capability.MANAGE_DATA)
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)
    check = db.session.scalar(select(UploadCheck).where(
        UploadCheck.cycle_id == cycle.id, UploadCheck.created_by_id == actor.id)
        .execution_options(populate_existing=True))
    if check is None:
        return None
    files = [{**f, "size": file_size(int(f.get("bytes", 0)))} for f in check.files]
    return CheckState(check.status, files, check.created_at, check.started_at,
                      check.draft_id, [Problem.from_dict(p) for p in check.problems],
                      check.error, stalled=check.status.waiting and
                      utcnow() - check.created_at > STALLED_AFTER, sheet=check.sheet)


def examined_for_mapping(*, actor: User, access: OrgAccess,
                         cycle: ReportingCycle) -> dict[str, Examined] | None:
    """Return what the person's check found for the mapping page, by kind, if it came to that."""
    require(access, Capability.MANAGE_DATA)
    check = db.session.scalar(select(UploadCheck).where(
        UploadCheck.cycle_id == cycle.id, UploadCheck.created_by_id == actor.id))
    if check is None or check.status is not CheckStatus.MAPPING or not check.examined:
        return None
    return {kind: Examined.from_dict(data) for kind, data in check.examined.items()}


def forget(*, actor: User, access: OrgAccess, cycle: ReportingCycle) -> None:
    """Forget the person's check for this cycle (they uploaded again, or saved)."""
    require(access, Capability.MANAGE_DATA)
    check = db.session.scalar(select(UploadCheck).where(
        UploadCheck.cycle_id == cycle.id, UploadCheck.created_by_id == actor.id))
    if check is not None:
        db.session.delete(check)


# -- the job's side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What the job reads the files as: the person (their access now), the cycle, the files."""

    user: User
    access: OrgAccess
    cycle: ReportingCycle
    #: Another sheet to read a preview's workbook from: (kind, sheet), or None.
    sheet: tuple[str, str] | None = None


def begin(*, check_id: int, request_number: int) -> Work | None:
    """Mark the check as being read; None when it was replaced, done already, or its uploader
    may no longer load the organisation's data (the check then says so)."""
    check = db.session.get(UploadCheck, check_id)
    if check is None or check.request_number != request_number or \
            check.status is not CheckStatus.QUEUED:
        return None
    user = db.session.get(User, check.created_by_id)
    cycle = db.session.get(ReportingCycle, check.cycle_id)
    assert user is not None and cycle is not None  # both cascade to the check
    try:
        access = organisation_access(user=user, slug=cycle.organisation.slug)
        require(access, Capability.MANAGE_DATA)
    except (Forbidden, NotFound):
        _end(check, CheckStatus.FAILED, error="You may no longer load this organisation's "
                                              "data, so the files were not checked")
        return None
    check.status, check.started_at = CheckStatus.READING, utcnow()
    return Work(user, access, cycle, (check.sheet_kind, check.sheet)
                if check.sheet_kind and check.sheet else None)


def _end(check: UploadCheck, status: CheckStatus, *, problems: Sequence[Problem] = (),
         error: str = "", draft_id: int | None = None) -> None:
    check.status, check.error, check.draft_id = status, error[:500], draft_id
    check.problems = [p.to_dict() for p in problems]
    check.finished_at = utcnow()
    db.session.flush()


def _still_wanted(check_id: int, request_number: int) -> UploadCheck | None:
    """Return the check, locked, if no later upload has replaced it meanwhile."""
    check = db.session.scalar(select(UploadCheck).where(UploadCheck.id == check_id)
                              .with_for_update())
    if check is None or check.request_number != request_number:
        return None
    return check


@dataclass(frozen=True)
class Outcome:
    """What reading the files came to (found while only reading)."""

    checked: indicator_service.CheckedExtracts | None = None
    problems: tuple[Problem, ...] = ()
    needs_mapping: bool = False
    error: str = ""
    #: Keep the files (another sheet was asked for: the preview before it still needs them).
    keep_files: bool = False
    #: For the mapping page: each file's examination (Examined.to_dict()).
    examined: dict | None = None


def read_files(work: Work, *, extra_mapping: Mapping[str, str] | None) -> Outcome:
    """Read and check the held files as the upload page would (only reading the database)."""
    held = mapping_service.held(actor=work.user, access=work.access, cycle=work.cycle)
    uploads = {kind: (row.content, row.filename) for kind, row in held.items()}
    if not uploads:
        return Outcome(error="The files are no longer kept (they were saved, or replaced by "
                             "another upload): upload them again")
    sheets = {kind: row.sheet for kind, row in held.items() if row.sheet}
    if work.sheet is not None:
        sheets[work.sheet[0]] = work.sheet[1]
    saved = mapping_service.saved_mapping(access=work.access)
    try:
        return Outcome(checked=indicator_service.check_and_count(
            access=work.access, cycle=work.cycle, uploads=uploads, extra_mapping=extra_mapping,
            mapping=saved, sheets=sheets))
    except ExtractValidationError as error:
        examined = mapping_service.examine(access=work.access, uploads=uploads, mapping=saved,
                                           extra_mapping=extra_mapping, sheets=sheets)
        if work.sheet is not None:
            kind, sheet = work.sheet
            read = examined[kind]
            if read.layout is None or not read.found:
                return Outcome(error=mapping_service.no_header(kind, sheet, read.filename),
                               keep_files=True)
        if any(f.needs_mapping for f in examined.values()) and \
                all(f.layout is not None for f in examined.values()):
            return Outcome(needs_mapping=True,
                           examined={k: f.to_dict() for k, f in examined.items()})
        return Outcome(problems=tuple(error.problems), keep_files=work.sheet is not None)


def finish(*, check_id: int, request_number: int, work: Work, outcome: Outcome) -> None:
    """Keep what the check came to: the preview, the mapping page's turn, or the problems."""
    check = _still_wanted(check_id, request_number)
    if check is None:
        return  # a later upload replaced it: its own job checks that one
    if outcome.checked is not None or outcome.needs_mapping:
        if work.sheet is not None:  # the sheet asked for is read from now on
            kind, sheet = work.sheet
            mapping_service.choose_sheets(actor=work.user, access=work.access, cycle=work.cycle,
                                          sheets={kind: sheet})
            if outcome.checked is not None:
                mapping_service.add_to_mapping(actor=work.user, access=work.access,
                                               choices=ColumnMapping(sheets={kind: sheet}))
    if outcome.checked is not None:
        draft = indicator_service.draft_from_checked(actor=work.user, access=work.access,
                                                     cycle=work.cycle, checked=outcome.checked)
        mapping_service.keep_for_preview(actor=work.user, access=work.access, cycle=work.cycle,
                                         draft=draft)
        _end(check, CheckStatus.DONE, draft_id=draft.id)
    elif outcome.needs_mapping:
        check.examined = outcome.examined  # the mapping page shows it, not reading them again
        _end(check, CheckStatus.MAPPING)  # the files stay held for the mapping page
    else:
        if not outcome.keep_files:
            mapping_service.release(actor=work.user, access=work.access, cycle=work.cycle)
        _end(check, CheckStatus.FAILED, problems=list(outcome.problems), error=outcome.error,
             draft_id=check.draft_id if outcome.keep_files else None)


def failed(*, check_id: int, request_number: int, error: str) -> None:
    """Say that the files could not be checked at all (the job failed for another reason)."""
    check = _still_wanted(check_id, request_number)
    if check is not None:
        _end(check, CheckStatus.FAILED, error=error)
