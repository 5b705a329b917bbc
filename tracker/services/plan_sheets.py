"""Export a plan to CSV or XLSX, and import one from the same columns (all or nothing).

An import never overwrites a change it did not know about. The export carries each action's
version; a row whose action has changed since (its version moved, or a row without one) is a
conflict, listed with what the tracker holds now and who changed it when, and is saved only
if the person importing chooses to overwrite it (row by row, or all). Imports of one plan run
one at a time (the plan's row is locked while one is confirmed), and the same file imported
again finds the actions its new rows added the first time instead of adding them again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.action_fields import ACTION_FIELDS, EDITABLE, PLAIN_FIELDS
from tracker.domain.plan_sheet import (
    IndicatorRef,
    PlanRow,
    RowKeys,
    plan_csv_bytes,
    plan_xlsx_bytes,
    read_plan_sheet_all,
)
from tracker.domain.plans import ActionStatus
from tracker.domain.problems import ExtractValidationError, Problem
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AuditEvent,
    Membership,
    PlanImport,
    PlanImportDraft,
    PlanTheme,
    User,
    utcnow,
)
from tracker.services import actions as action_service
from tracker.services import notifications
from tracker.services import plans as plan_service
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event, record_events
from tracker.services.charts import chart_key, kept_file
from tracker.services.errors import InvalidInput
from tracker.services.history import Change
from tracker.services.locks import lock
from tracker.services.uploads import upload_limits

#: The sheet column that holds each of an action's fields.
COLUMN_OF_FIELD = {field.name: field.column for field in ACTION_FIELDS}


def row_of(a: Action) -> PlanRow:
    """Return an action as a spreadsheet row."""
    return PlanRow(
        action_id=a.id, theme=a.theme.name, status=a.status.value,
        indicators=tuple(IndicatorRef(link.indicator, link.service_area) for link in a.links),
        owner_email=a.owner.email if a.owner else "", version=a.version,
        **{field.column: getattr(a, field.name) for field in PLAIN_FIELDS},
    )


def _export_columns(plan: ActionPlan) -> tuple[list[tuple], dict]:
    """Read what the plan's sheet holds: each action's columns, theme by theme, and its links
    (two queries, whatever the plan's size)."""
    links = action_service.plan_links(plan)
    columns = [tuple(line) for line in db.session.execute(
        select(Action.id, PlanTheme.name, Action.status, User.email, Action.version,
               *(getattr(Action, field.name) for field in PLAIN_FIELDS))
        .join(PlanTheme, PlanTheme.id == Action.theme_id)
        .outerjoin(User, User.id == Action.owner_id)
        .where(Action.plan_id == plan.id).order_by(PlanTheme.position, Action.id))]
    return columns, links


def _rows_of(columns: list[tuple], links: dict) -> list[PlanRow]:
    return [PlanRow(
        action_id=action_id, theme=theme, status=status.value,
        indicators=tuple(IndicatorRef(link.indicator, link.service_area)
                         for link in links.get(action_id, ())),
        owner_email=email or "", version=version,
        **{field.column: value for field, value in zip(PLAIN_FIELDS, plain, strict=True)})
        for action_id, theme, status, email, version, *plain in columns]


def export_rows(*, access: OrgAccess, plan: ActionPlan) -> list[PlanRow]:
    """Return the plan's actions as spreadsheet rows (`row_of` each action), theme by theme."""
    require(access, Capability.READ)
    return _rows_of(*_export_columns(plan))


#: Bump when the file written from the same values changes (a new writer, new formatting).
EXPORT_WRITER_VERSION = 1


def export_file(*, access: OrgAccess, plan: ActionPlan, fmt: str) -> tuple[bytes, str]:
    """Return the plan as a CSV or XLSX file: its bytes and media type.

    The file is a function of the values it holds alone, so it is written once per version of
    them and kept (services/charts.kept_file) under their hash: a changed action, link, theme
    name or owner's address gives another key, so a kept file is never stale. The values are
    read each time (two queries); only the writing is saved.
    """
    require(access, Capability.READ)
    columns, links = _export_columns(plan)

    def write() -> bytes:
        rows = _rows_of(columns, links)
        return plan_csv_bytes(rows) if fmt == "csv" else plan_xlsx_bytes(rows)

    body = kept_file(key=chart_key("plan export", EXPORT_WRITER_VERSION, fmt, columns, links),
                     make=write)
    if fmt == "csv":
        return body, "text/csv"
    return body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _values(row: PlanRow, theme_id: int | None, owner_id: int | None) -> dict:
    return {
        "theme_id": theme_id, "owner_id": owner_id, "status": ActionStatus(row.status),
        **{field.name: getattr(row, field.column) for field in PLAIN_FIELDS},
    }


# Importing: check every row in one pass, preview what will change, then apply --------------


@dataclass(frozen=True)
class ChangedSince:
    """Who last changed one of a conflicting action's fields in the tracker, and when."""

    label: str
    by: str
    at: datetime


@dataclass(frozen=True)
class RowChange:
    """What importing one row does: adds an action, updates one, or leaves it as it is.

    An update whose action changed since the file was exported is a `conflict`: `since` says
    who changed which of the fields the row would change, and when.
    """

    row: int
    kind: str  # "added", "updated" or "unchanged"
    title: str
    action_id: int | None
    fields: tuple[Change, ...] = ()  # each field the row changes (before is None if new)
    links_added: tuple[str, ...] = ()
    links_removed: tuple[str, ...] = ()
    conflict: bool = False
    since: tuple[ChangedSince, ...] = ()


@dataclass(frozen=True)
class ImportPreview:
    """Everything an import would change, row by row, before anything is saved."""

    filename: str
    changes: tuple[RowChange, ...]

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def conflicts(self) -> tuple[RowChange, ...]:
        """The rows whose action someone changed since the file was exported."""
        return tuple(change for change in self.changes if change.conflict)

    @property
    def digest(self) -> str:
        """A fingerprint of what would change: the same file on a changed plan differs."""
        return hashlib.sha256(json.dumps([dataclasses.astuple(c) for c in self.changes],
                                         default=str).encode()).hexdigest()

    @property
    def summary(self) -> str:
        added = self.count("added")
        summary = (f"{added} action{'s' if added != 1 else ''} added, {self.count('updated')} "
                   f"updated, {self.count('unchanged')} unchanged")
        if conflicts := len(self.conflicts):
            summary += (f" ({conflicts} of the updates changed in the tracker since the file "
                        "was exported)")
        return summary



@dataclass
class _Planned:
    row: PlanRow
    action: Action | None
    values: dict
    conflict: bool = False


def file_digest(data: bytes) -> str:
    """The fingerprint of a file's bytes, by which the same file imported again is known."""
    return hashlib.sha256(data).hexdigest()


def _added_before(plan: ActionPlan, digest: str, existing: dict[int, Action]) -> dict[int, int]:
    """Row number -> the action that row of this same file added, in earlier imports."""
    added: dict[int, int] = {}
    for record in db.session.scalars(select(PlanImport).where(
            PlanImport.plan_id == plan.id, PlanImport.file_digest == digest)
            .order_by(PlanImport.id)):
        added.update({int(row): action_id for row, action_id in record.added.items()
                      if action_id in existing})
    return added


def _check_file(*, access: OrgAccess, plan: ActionPlan, data: bytes, filename: str,
                today: date) -> tuple[ImportPreview, list[_Planned]]:
    """Read the file and check every row against the plan; raise with every problem at once."""
    sheet = read_plan_sheet_all(data, filename, drafts=True, limits=upload_limits())
    themes = {t.name.casefold(): t for t in plan_service.themes(plan=plan)}
    members = {u.email_key: u for u in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == access.organisation.id))}
    member_ids = {user.id for user in members.values()}
    existing = {a.id: a for a in action_service.plan_actions(access=access, plan=plan)}
    added_before = _added_before(plan, file_digest(data), existing)
    problems: list[Problem] = list(sheet.problems)
    bad_cells = {(p.row, p.column) for p in sheet.problems}
    for keys in sheet.keys:  # the plan-level checks, also on rows whose other cells are wrong
        problems += _key_problems(keys, filename, themes, members, existing, access, bad_cells)
    checked_rows = {p.row for p in problems}
    planned: list[_Planned] = []
    changes: list[RowChange] = []
    for row in sheet.rows:
        if row.action_id is None and row.row in added_before:  # this file added it before
            row = dataclasses.replace(row, action_id=added_before[row.row])
        assert row.row is not None  # a row read from a file knows where it was
        action = existing.get(row.action_id) if row.action_id else None
        if action is not None and row_of(action) == row:
            changes.append(RowChange(row.row, "unchanged", row.title, action.id))
            continue
        if row.row in checked_rows:
            continue  # its problems are listed; nothing more to say about it
        theme = themes[row.theme.casefold()]
        owner = members.get(row.owner_email.strip().lower()) if row.owner_email else None
        values = _values(row, theme.id, owner.id if owner else None)
        errors = action_service.check_action(access=access, plan=plan, values=values,
                                             today=today, current=action,
                                             member_ids=member_ids)
        if errors:
            problems += [Problem(filename, row.row, COLUMN_OF_FIELD.get(f, f),
                                 f"Row {row.row}: {message}") for f, message in errors.items()]
            continue
        # Changed since the export (or exported without a version): saved only if chosen.
        conflict = action is not None and row.version != action.version
        planned.append(_Planned(row, action, values, conflict))
        changes.append(_change(row, action, values, conflict=conflict))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ExtractValidationError(problems)
    changes = _with_changed_since(changes)
    changes.sort(key=lambda c: c.row)
    return ImportPreview(filename, tuple(changes)), planned


#: The audit trail's name of each field an import row sets, and of its indicator links.
_FIELD_OF_LABEL = {label: field for field, label in action_service.FIELD_LABELS.items()}
_LINK_EVENTS = ("linked", "unlinked")


def _with_changed_since(changes: list[RowChange]) -> list[RowChange]:
    """Add to each conflict who last changed, in the tracker, each field the row would change."""
    ids = [c.action_id for c in changes if c.conflict and c.action_id is not None]
    if not ids:
        return changes
    last: dict[tuple[int, str], ChangedSince] = {}
    for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "action",
                                     AuditEvent.entity_id.in_(ids))
            .options(db.joinedload(AuditEvent.actor)).order_by(AuditEvent.id)):
        by = event.actor.name if event.actor else "the tracker"
        assert event.entity_id is not None
        for field in (event.after or {}):
            last[(event.entity_id, field)] = ChangedSince(
                action_service.FIELD_LABELS.get(field, field), by, event.occurred_at)
        if event.action in _LINK_EVENTS:
            last[(event.entity_id, "links")] = ChangedSince("Indicators", by, event.occurred_at)
    result = []
    for change in changes:
        if change.conflict and change.action_id is not None:
            fields = [_FIELD_OF_LABEL.get(f.label, f.label) for f in change.fields]
            if change.links_added or change.links_removed:
                fields.append("links")
            since = tuple(last[(change.action_id, f)] for f in fields
                          if (change.action_id, f) in last)
            change = dataclasses.replace(change, since=since)
        result.append(change)
    return result


def _key_problems(keys: RowKeys, filename: str, themes: dict, members: dict, existing: dict,
                  access: OrgAccess, bad_cells: set) -> list[Problem]:
    problems = []
    row = keys.row
    if keys.action_id and keys.action_id not in existing:
        problems.append(Problem(filename, row, "action_id",
                                f"Action ID {keys.action_id} in row {row} is not an action of "
                                "this plan: leave it blank to add a new action"))
    if keys.theme and keys.theme.casefold() not in themes:
        problems.append(Problem(filename, row, "theme",
                                f"Theme '{keys.theme}' in row {row} is not one of the plan's "
                                f"themes: {', '.join(t.name for t in themes.values())}"))
    email = keys.owner_email.strip().lower()
    if email and (row, "owner_email") not in bad_cells and email not in members:
        problems.append(Problem(filename, row, "owner_email",
                                f"{keys.owner_email} in row {row} is not a member of "
                                f"{access.organisation.name}"))
    return problems


def _change(row: PlanRow, action: Action | None, values: dict, *,
            conflict: bool = False) -> RowChange:
    assert row.row is not None  # a row read from a file knows where it was
    wanted = {str(ref) for ref in row.indicators}
    have = {str(IndicatorRef(link.indicator, link.service_area))
            for link in (action.links if action else [])}
    fields = []
    for field, value in values.items():
        before = getattr(action, field) if action is not None else None
        if action is not None and before == value:
            continue
        if action is None and value in (None, ""):
            continue
        fields.append(Change(
            action_service.FIELD_LABELS[field],
            action_service.describe_value(field, before) if action is not None else None,
            action_service.describe_value(field, value)))
    return RowChange(row.row, "added" if action is None else "updated", row.title,
                     action.id if action else None, tuple(fields),
                     tuple(sorted(wanted - have)), tuple(sorted(have - wanted)),
                     conflict=conflict)


def preview_import(*, actor: User, access: OrgAccess, plan: ActionPlan, data: bytes,
                   filename: str, today: date) -> tuple[ImportPreview, PlanImportDraft]:
    """Check a plan spreadsheet and keep it, with what it would change, to be confirmed.

    Raises ExtractValidationError listing every problem (of the file and against the plan) in
    one pass; nothing is kept then. One pending import per person and plan.
    """
    require(access, Capability.EDIT_PLAN)
    preview, _ = _check_file(access=access, plan=plan, data=data, filename=filename, today=today)
    db.session.execute(delete(PlanImportDraft).where(PlanImportDraft.plan_id == plan.id,
                                                     PlanImportDraft.created_by_id == actor.id))
    draft = PlanImportDraft(plan_id=plan.id, created_by_id=actor.id, filename=filename[:255],
                            content=data, preview_digest=preview.digest)
    db.session.add(draft)
    db.session.flush()
    return preview, draft


def get_import(*, actor: User, access: OrgAccess, plan: ActionPlan,
               draft_id: int) -> PlanImportDraft | None:
    """Return the person's pending import of this plan, or None once applied or replaced."""
    require(access, Capability.EDIT_PLAN)
    draft = db.session.get(PlanImportDraft, draft_id)
    if draft is None or draft.plan_id != plan.id or draft.created_by_id != actor.id:
        return None
    return draft


def import_preview(*, access: OrgAccess, plan: ActionPlan, draft: PlanImportDraft,
                   today: date) -> ImportPreview:
    """Return what a pending import would change now (ExtractValidationError if it cannot)."""
    require(access, Capability.EDIT_PLAN)
    preview, _ = _check_file(access=access, plan=plan, data=draft.content,
                             filename=draft.filename, today=today)
    return preview


class ImportClosed(Exception):
    """The pending import was applied (or replaced) by another request meanwhile."""


#: What the person chose to do with the conflicting rows: overwrite every one, or those rows.
OVERWRITE_ALL = "all"


def confirm_import(*, actor: User, access: OrgAccess, plan: ActionPlan, draft: PlanImportDraft,
                   today: date, overwrite: Collection[int] | str | None = None,
                   ) -> tuple[bool, ImportPreview]:
    """Apply a previewed import; if the plan changed since the preview, keep the new preview.

    `overwrite` is the choice for the rows changed in the tracker since the export: their row
    numbers to overwrite (empty: keep the tracker's version of each), or OVERWRITE_ALL; None
    (no choice) is refused with InvalidInput when there are any. Confirming holds the plan's
    lock, so imports of one plan run one after another, each checking the plan as the last
    left it; a second confirmation of the same import finds it gone (ImportClosed).

    Returns (applied, preview). When not applied the pending import now holds the new
    preview, to be confirmed again. Raises ExtractValidationError if the file no longer fits.
    """
    require(access, Capability.EDIT_PLAN)
    lock(ActionPlan, plan.id)  # one import (and no edit) of this plan at a time
    db.session.expire_all()  # read the actions as the import before this one left them
    if db.session.scalar(select(PlanImportDraft.id).where(
            PlanImportDraft.id == draft.id)) is None:
        raise ImportClosed(draft.id)
    preview, planned = _check_file(access=access, plan=plan, data=draft.content,
                                   filename=draft.filename, today=today)
    if preview.digest != draft.preview_digest:
        draft.preview_digest = preview.digest
        db.session.flush()
        return False, preview
    conflicting = {c.row for c in preview.conflicts}
    if conflicting and overwrite is None:
        raise InvalidInput({"conflicts": "Choose what to do with the actions changed in the "
                                         "tracker since the file was exported"})
    chosen = conflicting if overwrite == OVERWRITE_ALL else set(overwrite or ()) & conflicting
    kept = [item for item in planned if item.conflict and item.row.row not in chosen]
    planned = [item for item in planned if item not in kept]
    added = _apply(actor, access, plan, planned, today)
    db.session.add(PlanImport(plan_id=plan.id, file_digest=file_digest(draft.content),
                              imported_by_id=actor.id, added={str(r): i for r, i in added.items()}))
    if planned:  # an unchanged file changes nothing, not even the audit trail
        record_event(actor=actor, action="imported", entity_type="action_plan", entity_id=plan.id,
                     organisation=access.organisation,
                     after={"file": draft.filename, "added": preview.count("added"),
                            "updated": preview.count("updated") - len(kept),
                            "unchanged": preview.count("unchanged"),
                            "kept_as_in_tracker": len(kept)})
    db.session.delete(draft)
    db.session.flush()
    return True, preview


def _apply(actor: User, access: OrgAccess, plan: ActionPlan, planned: list[_Planned],
           today: date) -> dict[int, int]:
    """Save the planned rows in a fixed number of statements, however many rows there are.

    The actions the import changes are locked in one statement (the plan's lock is held
    already), the new ones inserted in one, the changed ones updated in one, their links added
    in one and removed in one, and every audit record written in one, in the order the rows
    would have written them one by one. Returns the row number -> id of each action added.
    """
    updating = [item.action for item in planned if item.action is not None]
    if updating:  # every action the import changes, as update_action would lock each
        db.session.execute(select(Action.id).where(Action.id.in_([a.id for a in updating]))
                           .order_by(Action.id).with_for_update())
    new_actions = _insert_new_actions(plan, [item for item in planned if item.action is None],
                                      today)
    batch = _Batch(actor, access, action_service.plan_results(plan=plan)
                   if any(_links_to_add(item) for item in planned) else None)
    for item in planned:
        assert item.row.row is not None
        batch.row(item, new_actions.get(item.row.row), today)
    batch.write()
    notifications.notify_imported_owners(actions=batch.given, actor=actor)
    return {row: action.id for row, action in new_actions.items()}


#: The columns an import's UPDATE sets on every action it changes (each row the same ones).
_UPDATED_COLUMNS = (*EDITABLE, "updated_at", "last_activity_on", "is_draft")


def _insert_new_actions(plan: ActionPlan, new: list[_Planned],
                        today: date) -> dict[int, Action]:
    """Insert the new rows' actions in one statement; return row number -> the action."""
    if not new:
        return {}
    before = set(db.session.scalars(select(Action.id).where(Action.plan_id == plan.id)))
    action_service.insert_at_once(Action, [
        {"plan_id": plan.id, "last_activity_on": today, "reflection_id": None,
         "is_draft": False, "carried_from_id": None, "left_behind_reason": None,
         **{name: value for name, value in action_service.clean(item.values).items()
            if name in EDITABLE}} for item in new])
    # Read back: while the import holds the plan's lock nobody else adds to the plan, and the
    # rows went in one after another, so their ids rise in the file's order. (RETURNING would
    # save the query on PostgreSQL, but SQLite cannot say which row each id is, and the ORM
    # then inserts row by row.)
    added = list(db.session.scalars(select(Action).where(
        Action.plan_id == plan.id, Action.id.not_in(before)).order_by(Action.id)))
    if [a.title for a in added] != [item.values["title"].strip() for item in new]:
        raise StaleDataError("the plan's new actions are not the import's rows")
    return {item.row.row: action for item, action in zip(new, added, strict=True)
            if item.row.row is not None}


class _Batch:
    """What an import's rows write, gathered to be written together."""

    def __init__(self, actor: User, access: OrgAccess,
                 baselines: action_service.Baselines | None) -> None:
        self.actor, self.access, self.baselines = actor, access, baselines
        self.events: list[AuditEvent] = []
        self.updates: dict[Action, dict] = {}  # each changed action -> its columns after
        self.link_rows: list[dict] = []
        self.unlinked: list[int] = []
        # The actions the import gave an owner, in the file's order: one message per owner.
        self.given: list[Action] = []

    def row(self, item: _Planned, new: Action | None, today: date) -> None:
        """Gather what one row changes (`new`: the action it added)."""
        values = action_service.clean(item.values)
        action = item.action or new
        assert action is not None
        if item.action is None:
            self.given.append(action)
            self.events.append(action_service.created_event(self.actor, self.access, action.id,
                                                            values))
        else:
            before, after = _changes(action, values)
            if after:
                self.events.append(action_service.change_event(
                    self.actor, self.access, action.id, "updated", before, after))
                self._update(action, {**after, "last_activity_on": today})
                if "owner_id" in after:
                    self.given.append(action)
        adding = _links_to_add(item)
        for indicator, area in adding:
            assert self.baselines is not None
            link = action_service.link_values(self.baselines, indicator, area)
            self.link_rows.append({"action_id": action.id, **link})
            self.events.append(action_service.link_event(self.actor, self.access, action.id,
                                                         "linked", link))
        for old in _links_to_remove(item):
            self.unlinked.append(old.id)
            self.events.append(action_service.link_event(self.actor, self.access, action.id,
                                                         "unlinked", old))
        if item.action is not None and adding:
            self._update(action, {})  # linking moves the version, as on the action's page

    def _update(self, action: Action, changed: dict) -> None:
        columns = self.updates.setdefault(action, {
            name: getattr(action, name) for name in _UPDATED_COLUMNS})
        columns.update(changed, updated_at=utcnow())
        if changed and action.is_draft and columns["owner_id"] and columns["due_date"]:
            columns["is_draft"] = False  # an owner and a due date: no longer a draft

    def write(self) -> None:
        """Write what the rows change: one statement each for the actions, their links added
        and removed, and the audit trail."""
        action_service.update_at_once(self.updates)
        action_service.insert_at_once(ActionIndicatorLink, self.link_rows)
        if self.unlinked:
            db.session.execute(delete(ActionIndicatorLink).where(
                ActionIndicatorLink.id.in_(self.unlinked))
                .execution_options(synchronize_session=False))
        for action in {*self.updates, *(a for a in self.given)}:
            db.session.expire(action, ["links"])
        record_events(self.events)


def _changes(action: Action, values: dict) -> tuple[dict, dict]:
    """The fields a row changes on its action: (before, after)."""
    before, after = {}, {}
    for field, value in values.items():
        if getattr(action, field) != value:
            before[field], after[field] = getattr(action, field), value
    return before, after


def _links_to_add(item: _Planned) -> list[tuple[str, str]]:
    have = {(link.indicator, link.service_area) for link in (item.action.links
                                                              if item.action else [])}
    wanted = [(ref.indicator, ref.service_area) for ref in item.row.indicators]
    return [key for key in dict.fromkeys(wanted) if key not in have]


def _links_to_remove(item: _Planned) -> list[ActionIndicatorLink]:
    wanted = {(ref.indicator, ref.service_area) for ref in item.row.indicators}
    return [link for link in (item.action.links if item.action else [])
            if (link.indicator, link.service_area) not in wanted]
