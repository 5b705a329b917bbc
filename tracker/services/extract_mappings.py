"""An organisation's extract mapping (its own headers and labels), and the uploads that wait on
the mapping page for it.

The mapping is saved per organisation and extract kind (``ExtractMapping``), every change
audited with the mapping before and after; it is offered, and used, at every later upload, and
it can be downloaded and uploaded as the JSON file ``flask tracker indicators compute --mapping``
takes. An upload that needs a mapping waits as ``HeldExtract`` rows: for the person who sent it
and that cycle only, never found by a name the browser sends, and gone once its figures are
computed or that person uploads again; one waiting over a day is never used, and the daily job
(``forget_held_extracts``, with the reminders) deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import delete, select

from tracker import jobs
from tracker.domain.definitions import EXTRACT_KINDS
from tracker.domain.extracts import SCHEMAS, Examined, examine_extract
from tracker.domain.mappings import MEANINGS, ColumnMapping, parse_mapping
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import ExtractMapping, HeldExtract, ReportingCycle, User, utcnow
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import NotFound
from tracker.services.uploads import upload_limits

VALUES = "values"
#: How long an upload waits on the mapping page at most.
HELD_FOR = timedelta(days=1)


def saved_mapping(*, access: OrgAccess) -> ColumnMapping:
    """Return the organisation's saved mapping (empty when it has none)."""
    require(access, Capability.MANAGE_DATA)
    rows = db.session.scalars(select(ExtractMapping).where(
        ExtractMapping.organisation_id == access.organisation.id)).all()
    columns = {row.kind: dict(row.entries) for row in rows if row.kind in EXTRACT_KINDS}
    values_row = next((row for row in rows if row.kind == VALUES), None)
    values = {name: dict(labels) for name, labels in (values_row.entries if values_row else {})
              .items() if name in MEANINGS}
    return ColumnMapping(columns, values)


def _store(actor: User, access: OrgAccess, new: ColumnMapping, action: str) -> ColumnMapping:
    before = saved_mapping(access=access)
    if new.to_dict() == before.to_dict():
        return before
    rows = {row.kind: row for row in db.session.scalars(select(ExtractMapping).where(
        ExtractMapping.organisation_id == access.organisation.id)).all()}
    wanted: dict[str, dict] = {kind: new.columns[kind] for kind in EXTRACT_KINDS
                               if new.columns.get(kind)}
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
                                   filename=filename[:255], content=data))
    db.session.flush()


def held(*, actor: User, access: OrgAccess,
         cycle: ReportingCycle) -> dict[str, HeldExtract]:
    """Return this person's upload waiting for this cycle's mapping, by kind (maybe none)."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    rows = db.session.scalars(select(HeldExtract).where(
        HeldExtract.cycle_id == cycle.id, HeldExtract.created_by_id == actor.id,
        HeldExtract.created_at >= utcnow() - HELD_FOR)).all()
    return {row.kind: row for row in sorted(rows, key=lambda r: EXTRACT_KINDS.index(r.kind))}


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
