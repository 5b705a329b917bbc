"""An organisation's extract mapping (its own headers and labels), and the uploads that wait on
the mapping page for it.

The mapping is saved per organisation and extract kind (``ExtractMapping``), every change
audited with the mapping before and after; it is offered, and used, at every later upload, and
it can be downloaded and uploaded as the JSON file ``flask tracker indicators compute --mapping``
takes; it also remembers, per kind, the workbook sheet chosen for it. An upload that needs a
mapping waits as ``HeldExtract`` rows, and so does a workbook with other sheets behind a preview
(to be read from another sheet): for the person who sent it and that cycle only, never found by
a name the browser sends, and gone once its figures are saved or that person uploads again;
one waiting over a day is never used, and the daily job (``forget_held_extracts``, with the
reminders) deletes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from tracker import jobs
from tracker.domain.definitions import EXTRACT_KINDS
from tracker.domain.extracts import SCHEMAS, Examined, examine_extract
from tracker.domain.mappings import MEANINGS, ColumnMapping, parse_mapping
from tracker.domain.problems import ExtractValidationError, quote
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    ExtractMapping,
    HeldExtract,
    IndicatorDraft,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.uploads import in_background, upload_limits

VALUES = "values"
#: How long an upload waits on the mapping page at most.
HELD_FOR = timedelta(days=1)


def saved_mapping(*, access: OrgAccess) -> ColumnMapping:
    """Return the organisation's saved mapping (empty when it has none)."""
    require(access, Capability.MANAGE_DATA)
    rows = db.session.scalars(select(ExtractMapping).where(
        ExtractMapping.organisation_id == access.organisation.id)).all()
    columns = {row.kind: dict(row.entries) for row in rows
               if row.kind in EXTRACT_KINDS and row.entries}
    sheets = {row.kind: row.sheet for row in rows if row.kind in EXTRACT_KINDS and row.sheet}
    values_row = next((row for row in rows if row.kind == VALUES), None)
    values = {name: dict(labels) for name, labels in (values_row.entries if values_row else {})
              .items() if name in MEANINGS}
    return ColumnMapping(columns, values, sheets)


def _store(actor: User, access: OrgAccess, new: ColumnMapping, action: str) -> ColumnMapping:
    before = saved_mapping(access=access)
    if new.to_dict() == before.to_dict():
        return before
    rows = {row.kind: row for row in db.session.scalars(select(ExtractMapping).where(
        ExtractMapping.organisation_id == access.organisation.id)).all()}
    wanted: dict[str, dict] = {kind: new.columns.get(kind, {}) for kind in EXTRACT_KINDS
                               if new.columns.get(kind) or new.sheets.get(kind)}
    if any(new.values.values()):
        wanted[VALUES] = {name: labels for name, labels in new.values.items() if labels}
    for kind, row in rows.items():
        if kind not in wanted:
            db.session.delete(row)
    for kind, entries in wanted.items():
        row = rows.get(kind) or ExtractMapping(organisation_id=access.organisation.id,
                                               kind=kind)
        db.session.add(row)
        row.entries = entries
        row.sheet = new.sheets.get(kind)
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
    db.session.flush()
    record_event(actor=actor, action=action, entity_type="extract_mapping",
                 entity_id=access.organisation.id, organisation=access.organisation,
                 before=before.to_dict(), after=new.to_dict())
    return new


def add_to_mapping(*, actor: User, access: OrgAccess, choices: ColumnMapping) -> ColumnMapping:
    """Keep the headers and meanings chosen on the mapping page (audited as "changed")."""
    require(access, Capability.MANAGE_DATA)
    return _store(actor, access, saved_mapping(access=access).merged(choices), "changed")


def replace_mapping(*, actor: User, access: OrgAccess, data: bytes,
                    filename: str) -> ColumnMapping:
    """Make an uploaded mapping file the organisation's mapping (audited as "uploaded").

    Raises ``ExtractValidationError`` naming every problem in the file; nothing changes then.
    """
    require(access, Capability.MANAGE_DATA)
    mapping = parse_mapping(data, filename, SCHEMAS)
    return _store(actor, access, mapping, "uploaded")


def mapping_json(*, access: OrgAccess) -> bytes:
    """Return the saved mapping as the file the CLI's ``--mapping`` takes."""
    return saved_mapping(access=access).to_json()


def mapping_updated(*, access: OrgAccess) -> ExtractMapping | None:
    """Return the most recently changed part of the saved mapping (who and when), if any."""
    require(access, Capability.MANAGE_DATA)
    return db.session.scalar(
        select(ExtractMapping).where(ExtractMapping.organisation_id == access.organisation.id)
        .options(db.joinedload(ExtractMapping.updated_by))
        .order_by(ExtractMapping.updated_at.desc()).limit(1))


# -- uploads waiting for a mapping ----------------------------------------------------------------


def _check_cycle(access: OrgAccess, cycle: ReportingCycle) -> None:
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)


def examine(*, access: OrgAccess, uploads: Mapping[str, tuple[bytes, str]],
            mapping: ColumnMapping, extra_mapping: Mapping[str, str] | None,
            sheets: Mapping[str, str | None] | None = None) -> dict[str, Examined]:
    """Examine each uploaded file with the mapping: its headers, absent columns, unknown
    labels."""
    require(access, Capability.MANAGE_DATA)
    return {kind: examine_extract(kind, data, filename, mapping=mapping,
                                  extra_mapping=extra_mapping, limits=upload_limits(),
                                  sheet=(sheets or {}).get(kind))
            for kind, (data, filename) in uploads.items()}


def hold(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
         uploads: Mapping[str, tuple[bytes, str]]) -> None:
    """Keep this upload for the mapping page, replacing any the person had waiting."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    release(actor=actor, access=access, cycle=cycle)
    forget_held_extracts()
    for kind, (data, filename) in uploads.items():
        db.session.add(HeldExtract(cycle_id=cycle.id, created_by_id=actor.id, kind=kind,
                                   filename=filename[:255], content=data,
                                   fingerprint=hashlib.sha256(data).hexdigest()))
    db.session.flush()


def _workbooks_with_sheets(draft: IndicatorDraft) -> list[dict]:
    """Return the draft's own files (not those kept from saved figures) read from a workbook
    that has other sheets."""
    sources = draft.provenance.get("sources", {})
    return [f for f in draft.provenance.get("files", [])
            if f.get("kind") in EXTRACT_KINDS and not sources.get(f["kind"], {}).get("kept")
            and len(f.get("sheets") or ()) > 1]


def keep_for_preview(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                     draft: IndicatorDraft,
                     uploads: Mapping[str, tuple[bytes, str]] | None = None) -> None:
    """Keep the files of a preview when a workbook has other sheets, for the preview to read
    another; else forget them. ``uploads`` are held now (the upload page); without them the
    files are held already (the mapping page)."""
    if not _workbooks_with_sheets(draft):
        release(actor=actor, access=access, cycle=cycle)
    elif uploads is not None:
        hold(actor=actor, access=access, cycle=cycle, uploads=uploads)


@dataclass(frozen=True)
class SheetChoice:
    """A workbook behind a preview, the sheet it was read from and the others it has."""

    kind: str
    filename: str
    sheet: str
    sheets: tuple[str, ...]


def sheet_choices(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                  draft: IndicatorDraft) -> list[SheetChoice]:
    """Return the workbooks of this preview that can be read from another sheet: those held
    for it (the very files it was computed from)."""
    files = _workbooks_with_sheets(draft)
    if not files:
        return []
    fingerprints = dict(db.session.execute(select(HeldExtract.kind, HeldExtract.fingerprint)
                                           .where(*_held_by(actor, cycle))).all())
    return [SheetChoice(f["kind"], f["filename"], f["sheet"], tuple(f["sheets"]))
            for f in files if fingerprints.get(f["kind"]) == f.get("fingerprint")]


@dataclass(frozen=True)
class SheetRead:
    """What reading another sheet came to: a new preview, or the mapping page to go to."""

    draft: IndicatorDraft | None = None
    needs_mapping: bool = False
    #: The workbook is large: a job reads it (the progress page shows it).
    queued: bool = False


def no_header(kind: str, sheet: str, filename: str) -> str:
    """Say that a sheet asked for holds no header row naming an extract's columns."""
    columns = ", ".join(SCHEMAS[kind].columns[:3])
    return (f"Sheet {quote(sheet)} of {filename} has no header row naming the columns of a "
            f"{kind} extract (such as {columns}): choose the sheet that holds one row a person")


def read_another_sheet(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                       draft: IndicatorDraft, kind: str, sheet: str,
                       extra_mapping: Mapping[str, str] | None) -> SheetRead:
    """Read a preview's workbook again from another of its sheets, with every check again.

    A sheet the workbook does not have, or one without a header row, raises ``InvalidInput``
    (field ``sheet-<kind>``); other problems of that sheet raise ``ExtractValidationError``.
    Either way nothing changes. When the sheet's headers or labels must be chosen, the files
    wait on the mapping page (``needs_mapping``). The sheet chosen is kept in the
    organisation's mapping once its figures are computed.
    """
    from tracker.services import indicators as indicator_service

    require(access, Capability.MANAGE_DATA)
    field = f"sheet-{kind}"
    choice = next((c for c in sheet_choices(actor=actor, access=access, cycle=cycle,
                                            draft=draft) if c.kind == kind), None)
    if choice is None:
        raise InvalidInput({field: "That file is no longer kept: upload it again to read "
                                   "another of its sheets"})
    if sheet not in choice.sheets:
        raise InvalidInput({field: f"{choice.filename} has no sheet called {quote(sheet)}: "
                                   f"choose one of {', '.join(quote(s) for s in choice.sheets)}"})
    rows = held(actor=actor, access=access, cycle=cycle)
    uploads = {k: (row.content, row.filename) for k, row in rows.items()}
    if in_background(uploads):  # a large workbook: a job reads it, as at its upload
        from tracker.services import upload_checks

        upload_checks.start_held(actor=actor, access=access, cycle=cycle, uploads=uploads,
                                 sheet_kind=kind, sheet=sheet, preview_id=draft.id)
        return SheetRead(queued=True)
    sheets = {**{k: row.sheet for k, row in rows.items() if row.sheet}, kind: sheet}
    saved = saved_mapping(access=access)
    try:
        new_draft = indicator_service.draft_from_extracts(
            actor=actor, access=access, cycle=cycle, uploads=uploads,
            extra_mapping=extra_mapping, mapping=saved, sheets=sheets)
    except ExtractValidationError:
        examined = examine(access=access, uploads=uploads, mapping=saved,
                           extra_mapping=extra_mapping, sheets=sheets)
        read = examined[kind]
        if read.layout is None or not read.found:
            raise InvalidInput({field: no_header(kind, sheet, choice.filename)}) from None
        if not any(f.needs_mapping for f in examined.values()) or \
                any(f.layout is None for f in examined.values()):
            raise
        rows[kind].sheet = sheet  # the mapping page reads the sheet chosen
        db.session.flush()
        return SheetRead(needs_mapping=True)
    rows[kind].sheet = sheet
    add_to_mapping(actor=actor, access=access, choices=ColumnMapping(sheets={kind: sheet}))
    return SheetRead(draft=new_draft)


def held(*, actor: User, access: OrgAccess,
         cycle: ReportingCycle) -> dict[str, HeldExtract]:
    """Return this person's upload waiting for this cycle's mapping, by kind (maybe none)."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    rows = db.session.scalars(select(HeldExtract).where(*_held_by(actor, cycle))).all()
    return {row.kind: row for row in sorted(rows, key=lambda r: EXTRACT_KINDS.index(r.kind))}


def _held_by(actor: User, cycle: ReportingCycle) -> tuple:
    """The conditions of a person's waiting upload for a cycle (one not over a day old)."""
    return (HeldExtract.cycle_id == cycle.id, HeldExtract.created_by_id == actor.id,
            HeldExtract.created_at >= utcnow() - HELD_FOR)


def choose_sheets(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                  sheets: Mapping[str, str | None]) -> None:
    """Read another sheet of a waiting workbook."""
    for kind, row in held(actor=actor, access=access, cycle=cycle).items():
        if kind in sheets:
            row.sheet = sheets[kind]
    db.session.flush()


def release(*, actor: User, access: OrgAccess, cycle: ReportingCycle) -> None:
    """Remove this person's waiting upload for this cycle."""
    require(access, Capability.MANAGE_DATA)
    db.session.execute(delete(HeldExtract).where(HeldExtract.cycle_id == cycle.id,
                                                 HeldExtract.created_by_id == actor.id))


@jobs.task("forget_held_extracts", cron_setting="REMINDERS_CRON")
def forget_held_extracts_daily(*, timestamp: int) -> None:
    """The periodic job: once a day, with the reminders, delete uploads left waiting."""
    forget_held_extracts()


def forget_held_extracts() -> int:
    """Delete the uploads that have waited on the mapping page over a day; return how many."""
    result = db.session.execute(delete(HeldExtract).where(
        HeldExtract.created_at < utcnow() - HELD_FOR))
    return int(getattr(result, "rowcount", 0) or 0)
