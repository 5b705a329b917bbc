"""An action plan's actions: reading, changing, indicator links, progress and history.

Who may do what is enforced here: EDI leads edit everything in their organisation's plan; an
action's owner updates its progress, status and measure (and nothing else); every reader reads.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Table, bindparam, false, func, insert, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.action_fields import (
    ACTION_FIELDS,
    EDITABLE,
    FIELD_LABELS,
    OWNER_FIELDS,
    TEXT_FIELDS,
    Kind,
)
from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREAS
from tracker.domain.pages import PER_PAGE
from tracker.domain.plans import (
    ActionStatus,
    Intervention,
    is_overdue,
)
from tracker.domain.roles import ADVISOR, Capability
from tracker.domain.stored_results import StoredResults, StoredSeries
from tracker.domain.values import (
    DECIMAL_LIMIT,
    DECIMAL_PLACES,
    ValueRejected,
    decimal_places,
    multi_line,
    single_line,
)
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AuditEvent,
    Base,
    IndicatorDataset,
    Membership,
    PlanTheme,
    ProgressUpdate,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services import follows, notifications
from tracker.services import library as library_service
from tracker.services.access import OrgAccess, require
from tracker.services.audit import audit_event, plain_value, record_events
from tracker.services.errors import Forbidden, InvalidInput, NotFound, StaleEdit
from tracker.services.locks import lock
from tracker.services.plans import themes

#: What an action's history shows of each recorded change (its fields and the change's words).
HISTORY_FIELDS = [*FIELD_LABELS, "indicator", "note", "reason", "to", "from_action",
                  "new_action"]


def is_db_id(value: Any) -> bool:
    """Say whether a value from a form can be a row id (a positive 32-bit integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


# Reading actions --------------------------------------------------------------------------------


def actions_query(plan: ActionPlan):
    return (select(Action).where(Action.plan_id == plan.id)
            .options(selectinload(Action.links), db.joinedload(Action.owner),
                     db.joinedload(Action.theme))
            .order_by(Action.due_date.is_(None), Action.due_date, Action.id))


def plan_actions(*, access: OrgAccess, plan: ActionPlan) -> list[Action]:
    """Return every action of the plan with its owner, theme and links loaded."""
    require(access, Capability.READ)
    return list(db.session.scalars(actions_query(plan)).unique())


# The plan's pages read these: the columns they show, in two queries whatever the plan's size,
# without building (and, after the request, expiring) a full ORM graph of 300 actions.


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """An action's owner, as the plan's pages name them."""

    id: int
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ThemeRef:
    """An action's theme, as the plan's pages name and order it."""

    id: int
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class LinkRef:
    """An indicator result an action is linked to."""

    indicator: str
    service_area: str


class ActionRow(NamedTuple):
    """What the plan's pages show of an action (the same names as on Action, read-only; a
    named tuple, some five times quicker to make than a frozen dataclass)."""

    id: int
    title: str
    status: ActionStatus
    due_date: date | None
    is_draft: bool
    owner_id: int | None
    theme_id: int
    #: Changed since the sign-off the rows were read against (False when none).
    changed_after_sign_off: bool
    last_activity_on: date
    owner: OwnerRef | None
    theme: ThemeRef
    links: tuple[LinkRef, ...]


def plan_links(plan: ActionPlan) -> dict[int, tuple[LinkRef, ...]]:
    """Return each of the plan's actions' indicator links (by action id), in the order made."""
    links: dict[int, list[LinkRef]] = {}
    for action_id, indicator, area in db.session.execute(
            select(ActionIndicatorLink.action_id, ActionIndicatorLink.indicator,
                   ActionIndicatorLink.service_area)
            .join(Action, Action.id == ActionIndicatorLink.action_id)
            .where(Action.plan_id == plan.id).order_by(ActionIndicatorLink.id)):
        links.setdefault(action_id, []).append(LinkRef(indicator, area))
    return {action_id: tuple(refs) for action_id, refs in links.items()}


def plan_action_rows(*, access: OrgAccess, plan: ActionPlan,
                     signed_at: datetime | None = None) -> list[ActionRow]:
    """Return every action of the plan as the plan's pages show it, in `plan_actions`' order
    (two queries, whatever the plan's size), each saying whether it changed after `signed_at`
    (the plan's latest sign-off; compared in the database, as changed_after_sign_off does)."""
    require(access, Capability.READ)
    changed = Action.updated_at > signed_at if signed_at is not None else false()
    links = plan_links(plan)
    owners: dict[int, OwnerRef] = {}
    themes_by_id: dict[int, ThemeRef] = {}
    rows = []
    for (action_id, title, status, due_date, is_draft, owner_id, theme_id, changed_after,
         last_activity_on, owner_name, owner_email, theme_name, theme_position) in (
            db.session.execute(
                select(Action.id, Action.title, Action.status, Action.due_date, Action.is_draft,
                       Action.owner_id, Action.theme_id, changed,
                       Action.last_activity_on, User.name, User.email, PlanTheme.name,
                       PlanTheme.position)
                .join(PlanTheme, PlanTheme.id == Action.theme_id)
                .outerjoin(User, User.id == Action.owner_id)
                .where(Action.plan_id == plan.id)
                .order_by(Action.due_date.is_(None), Action.due_date, Action.id))):
        owner = None
        if owner_id is not None:
            owner = owners.get(owner_id) or owners.setdefault(
                owner_id, OwnerRef(owner_id, owner_name, owner_email))
        theme = themes_by_id.get(theme_id) or themes_by_id.setdefault(
            theme_id, ThemeRef(theme_id, theme_name, theme_position))
        rows.append(ActionRow(action_id, title, status, due_date, is_draft, owner_id, theme_id,
                              bool(changed_after), last_activity_on, owner, theme,
                              links.get(action_id, ())))
    return rows


#: An action as the plan's pages read it: a full one, or the columns they show.
A = TypeVar("A", Action, ActionRow)


@dataclass(frozen=True)
class ActionFilters:
    owner_id: int | None = None
    status: str | None = None
    theme_id: int | None = None
    indicator: str | None = None
    service_area: str | None = None
    overdue: bool = False
    due_within: int | None = None
    sort: str = "due"


SORTS = {"due": "Due date", "status": "Status", "owner": "Owner", "theme": "Theme",
         "title": "Title"}


def filter_actions(actions: Sequence[A], filters: ActionFilters, *, today: date) -> list[A]:
    """Return the actions that pass the filters, sorted as asked."""
    def keep(action: A) -> bool:
        if filters.owner_id and action.owner_id != filters.owner_id:
            return False
        if filters.status and action.status.value != filters.status:
            return False
        if filters.theme_id and action.theme_id != filters.theme_id:
            return False
        if filters.indicator and not any(link.indicator == filters.indicator for link in action.links):
            return False
        if filters.service_area and not any(link.service_area == filters.service_area
                                            for link in action.links):
            return False
        if filters.overdue and not is_overdue(due_date=action.due_date,
                                              status=action.status, today=today):
            return False
        if filters.due_within is not None:
            if action.due_date is None or not action.status.is_open:
                return False
            if not today <= action.due_date <= date.fromordinal(
                    today.toordinal() + filters.due_within):
                return False
        return True

    keys = {
        "due": lambda a: (a.due_date is None, a.due_date or date.max, a.id),
        "status": lambda a: (list(ActionStatus).index(a.status), a.id),
        "owner": lambda a: ((a.owner.name.lower() if a.owner else "~"), a.id),
        "theme": lambda a: (a.theme.position, a.id),
        "title": lambda a: (a.title.lower(), a.id),
    }
    return sorted((a for a in actions if keep(a)), key=keys.get(filters.sort, keys["due"]))


@dataclass(frozen=True)
class Found:
    """One page of the actions found by words, with each plan's cycle label."""

    pagination: Any
    labels: dict[int, str]  # plan id -> cycle label


MAX_SEARCH_WORDS = 10


def search_actions(*, access: OrgAccess, text: str, page: int, per_page: int = PER_PAGE) -> Found:
    """Find the organisation's actions, in every cycle, whose title, description or measure
    holds every word (in any case), the latest cycle first (three queries, whatever the page)."""
    require(access, Capability.READ)
    words = [w.lower() for w in text.split()][:MAX_SEARCH_WORDS]
    query = (select(Action).join(ActionPlan, ActionPlan.id == Action.plan_id)
             .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
             .where(ReportingCycle.organisation_id == access.organisation.id)
             .options(db.joinedload(Action.owner), db.joinedload(Action.theme))
             .order_by(ReportingCycle.period_start.desc(), func.lower(Action.title), Action.id))
    for word in words:
        query = query.where(or_(*(func.lower(column).contains(word, autoescape=True)
                                  for column in (Action.title, Action.description,
                                                 Action.success_measure))))
    if not words:
        query = query.where(false())
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    plan_ids = {action.plan_id for action in pagination.items}
    labels = dict(db.session.execute(
        select(ActionPlan.id, ReportingCycle.label)
        .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
        .where(ActionPlan.id.in_(plan_ids))).all()) if plan_ids else {}
    return Found(pagination, labels)


def get_action(*, access: OrgAccess, plan: ActionPlan, action_id: int) -> Action:
    """Return one of the plan's actions with its links, owner and theme, or raise NotFound.

    Its progress updates are not loaded here: the action's page reads them with its carry-over
    chain's (reviews.carry_chain, one statement for every cycle's), and no other page needs them.
    """
    require(access, Capability.READ)
    action = db.session.scalar(
        select(Action).where(Action.id == action_id, Action.plan_id == plan.id)
        .options(selectinload(Action.links), db.joinedload(Action.owner),
                 db.joinedload(Action.theme)))
    if action is None:
        raise NotFound(action_id)
    return action


def action_history(*, access: OrgAccess, action: Action,
                   chain: list[int] | None = None) -> list[AuditEvent]:
    """Return every recorded change to the action (and the actions it was carried from)."""
    require(access, Capability.READ)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "action",
                                 AuditEvent.entity_id.in_(chain or [action.id]),
                                 AuditEvent.organisation_id == access.organisation.id)
        .options(db.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)))


def possible_owners(*, access: OrgAccess) -> list[User]:
    """Return the organisation's members, who may own actions."""
    require(access, Capability.READ)
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == access.organisation.id,
               User.is_active_account.is_(True))
        .distinct().order_by(User.name)))


def can_update_progress(access: OrgAccess, action: Action, user: User) -> bool:
    """The EDI lead, or the action's owner (a member of the organisation), may add progress."""
    is_member = bool(access.roles - {ADVISOR})
    return access.can(Capability.EDIT_PLAN) or (action.owner_id == user.id and is_member)


# Changing actions -----------------------------------------------------------------------------


def lock_for_change(action: Action) -> Action:
    """Lock the action's plan (shared) and then the action, and return it as it stands now.

    Every change to an action goes through here: the plan's sign-off takes the plan's lock
    exclusively, so a change is either in the signed snapshot or made after it (and marked
    "changed after sign-off"); two changes to one action run one after the other, the second
    reading what the first saved.
    """
    lock(ActionPlan, action.plan_id, shared=True)
    return lock(Action, action.id)


def clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for field in TEXT_FIELDS:
        if field.name in cleaned:
            cleaned[field.name] = (cleaned[field.name] or "").strip()
    if "status" in cleaned and cleaned["status"] is not None:
        cleaned["status"] = ActionStatus(cleaned["status"])
    return cleaned


def _check_values(values: dict[str, Any]) -> dict[str, str]:
    """Check text and numbers by the field table's rules, whoever sent them (form, file, job)."""
    errors: dict[str, str] = {}
    for field in ACTION_FIELDS:
        value = values.get(field.name)
        if field.is_text and value:
            check = single_line if field.kind is Kind.LINE else multi_line
            try:
                check(value, name=field.label, max_length=field.max_length)
            except ValueRejected as rejected:
                errors[field.name] = rejected.message
        elif field.kind is Kind.DECIMAL and isinstance(value, Decimal):
            if not value.is_finite() or abs(value) >= DECIMAL_LIMIT:
                errors[field.name] = (f"{field.label} must be between -{DECIMAL_LIMIT:,} and "
                                      f"{DECIMAL_LIMIT:,}")
            elif decimal_places(value) > DECIMAL_PLACES:
                errors[field.name] = (f"{field.label} must have {DECIMAL_PLACES} decimal places "
                                      "or fewer")
    return errors


def check_action(*, access: OrgAccess, plan: ActionPlan, values: dict[str, Any],
                 today: date, current: Action | None,
                 member_ids: Collection[int] | None = None) -> dict[str, str]:
    """Return field -> message for every rule the action's values break.

    `member_ids`, the organisation's members read once by a caller checking many actions
    (an import), saves a query per action; without it the owner's membership is looked up.
    """
    errors = _check_values(values)
    if not values.get("title"):
        errors["title"] = "Enter a title"
    theme_id = values.get("theme_id")
    theme = db.session.get(PlanTheme, theme_id) if is_db_id(theme_id) else None
    if theme is None or theme.plan_id != plan.id:
        errors["theme_id"] = "Select a theme"
    elif theme.retired and (current is None or current.theme_id != theme.id):
        errors["theme_id"] = f"The theme {theme.name} is retired: choose another"
    # A draft (from a 3 A's discussion) may stay without an owner and a due date.
    stays_draft = current is not None and current.is_draft
    owner_id = values.get("owner_id")
    if not is_db_id(owner_id):
        if not stays_draft or owner_id:
            errors["owner_id"] = "Select the action's owner"
    elif not (owner_id in member_ids if member_ids is not None else db.session.scalar(
            select(Membership.id).where(Membership.user_id == owner_id,
                                        Membership.organisation_id == access.organisation.id)
            .limit(1))):
        errors["owner_id"] = "The owner must be a member of the organisation"
    due, start = values.get("due_date"), values.get("start_date")
    if due is None:
        if not stays_draft:
            errors["due_date"] = "Enter the due date"
    elif due < today and (current is None or current.due_date != due):
        errors["due_date"] = "The due date must be today or in the future"
    elif start is not None and due < start:
        errors["due_date"] = "The due date must be on or after the start date"
    return errors


def _values_dict(action: Action) -> dict[str, Any]:
    return {field: getattr(action, field) for field in EDITABLE}


def describe_value(field: str, value: Any) -> str:
    """Say a field's value as a person would read it."""
    if value is None or value == "":
        return "(blank)"
    if field == "status":
        return ActionStatus(value).label
    if field == "owner_id":
        user = db.session.get(User, value)
        return user.name if user else "(former member)"
    if field == "theme_id":
        theme = db.session.get(PlanTheme, value)
        return theme.name if theme else "(removed theme)"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def audit_change(actor: User, access: OrgAccess, action: Action, verb: str,
                  before: dict, after: dict) -> None:
    record_events([change_event(actor, access, action.id, verb, before, after)])


def change_event(actor: User, access: OrgAccess, action_id: int, verb: str,
                 before: dict, after: dict) -> AuditEvent:
    """The audit record of a change to an action (the values before and after), not yet added."""
    return audit_event(actor=actor, action=verb, entity_type="action", entity_id=action_id,
                       organisation=access.organisation,
                       before={k: plain_value(v) for k, v in before.items()} or None,
                       after={k: plain_value(v) for k, v in after.items()} or None)


def created_event(actor: User, access: OrgAccess, action_id: int,
                  values: dict[str, Any]) -> AuditEvent:
    """The audit record of a new action: each of its fields that holds something."""
    return change_event(actor, access, action_id, "created", {},
                        {k: values.get(k) for k in EDITABLE if values.get(k) not in (None, "")})


def create_action(*, actor: User, access: OrgAccess, plan: ActionPlan, values: dict[str, Any],
                  today: date, reflection_id: int | None = None,
                  notify_owner: bool = True) -> Action:
    """Add an action to the plan (EDI leads); without `notify_owner` the caller tells them."""
    require(access, Capability.EDIT_PLAN)
    values = clean(values)
    errors = check_action(access=access, plan=plan, values=values, today=today, current=None)
    if errors:
        raise InvalidInput(errors)
    lock(ActionPlan, plan.id, shared=True)  # not while the plan is being signed off
    action = Action(plan_id=plan.id, last_activity_on=today, reflection_id=reflection_id,
                    **{k: v for k, v in values.items() if k in EDITABLE})
    db.session.add(action)
    db.session.flush()
    record_events([created_event(actor, access, action.id, _values_dict(action))])
    if notify_owner:
        notifications.notify_new_owner(action=action, actor=actor)
    return action


def update_action(*, actor: User, access: OrgAccess, plan: ActionPlan, action: Action,
                  values: dict[str, Any], expected_version: int, today: date,
                  seen_change: int = 0, notify_owner: bool = True) -> Action:
    """Change an action's fields; refuse a stale edit, naming what changed meanwhile.

    EDI leads may change every field; the owner only the status and the current measure value.
    `expected_version` is the version the form was loaded at; `seen_change` the id of the latest
    change to the action the editor had seen (see latest_change_id), to say what they missed.
    """
    if access.can(Capability.EDIT_PLAN):
        allowed = EDITABLE
    elif can_update_progress(access, action, actor):
        allowed = OWNER_FIELDS
    else:
        raise Forbidden("edit action")
    values = clean({k: v for k, v in values.items() if k in allowed})
    action = lock_for_change(action)
    if expected_version != action.version:
        raise StaleEdit(_changed_since(action, seen_change), action.version)
    merged = {**_values_dict(action), **values}
    errors = check_action(access=access, plan=plan, values=merged, today=today, current=action)
    if errors:
        raise InvalidInput(errors)
    before, after = {}, {}
    for field, value in values.items():
        if getattr(action, field) != value:
            before[field], after[field] = getattr(action, field), value
            setattr(action, field, value)
    if after:
        action.updated_at = utcnow()
        action.last_activity_on = today
        if action.is_draft and action.owner_id and action.due_date:
            action.is_draft = False
        db.session.flush()
        audit_change(actor, access, action, "updated", before, after)
        if "owner_id" in after and notify_owner:
            notifications.notify_new_owner(action=action, actor=actor)
        if notify_owner:  # an edit on the page (an import tells nobody action by action)
            follows.action_changed(action=action, actor=actor, what="changed",
                                   before=before.get("status", action.status))
    return action


def update_at_once(changes: dict[Action, dict[str, Any]]) -> None:
    """Write many actions' changed columns in one UPDATE, each moving its version once.

    Every action's dict names the same columns (an UPDATE of many rows sets the same ones).
    Each row is updated only at the version the session read (else StaleDataError, as the
    session's own flush would raise: someone changed it meanwhile), and the session's copies
    then hold what was saved. The session would write versioned rows one statement each.
    """
    if not changes:
        return
    table = cast(Table, Action.__table__)
    result = db.session.execute(
        update(table).where(table.c.id == bindparam("b_id"),
                            table.c.version == bindparam("b_version")),
        [{**columns, "b_id": action.id, "b_version": action.version,
          "version": action.version + 1} for action, columns in changes.items()])
    if result.rowcount != len(changes):  # type: ignore[attr-defined]
        raise StaleDataError(f"{len(changes) - result.rowcount} of {len(changes)} actions "  # type: ignore[attr-defined]
                             "changed meanwhile")
    for action, columns in changes.items():
        for name, value in {**columns, "version": action.version + 1}.items():
            set_committed_value(action, name, value)


def insert_at_once(model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows in one statement (a blank value written as NULL, so that every row
    has the same columns and the rows go together), without reading their ids back."""
    if rows:
        db.session.execute(insert(model).execution_options(render_nulls=True), rows)


def latest_change_id(*, action: Action) -> int:
    """Return the id of the latest recorded change to the action (0 if none)."""
    return db.session.execute(
        select(func.coalesce(func.max(AuditEvent.id), 0))
        .where(AuditEvent.entity_type == "action", AuditEvent.entity_id == action.id)).scalar_one()


def _changed_since(action: Action, seen_change: int) -> dict[str, str]:
    """Name each field changed since the editor's last seen change, with its value now."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "action",
                                 AuditEvent.entity_id == action.id,
                                 AuditEvent.id > seen_change)
        .order_by(AuditEvent.id))
    changed: dict[str, str] = {}
    for event in events:
        if event.action in ("linked", "unlinked"):
            changed["Indicators"] = ", ".join(
                f"{link.indicator} {link.service_area}" for link in action.links) or "none"
        for field in (event.after or {}):
            if field in FIELD_LABELS:
                changed[FIELD_LABELS[field]] = describe_value(field, getattr(action, field))
    return changed or {"The action": "was changed by someone else"}


def add_progress(*, actor: User, access: OrgAccess, action: Action, occurred_on: date,
                 note: str, new_status: str | None, measure_value: Decimal | None,
                 evidence_links: list[str], today: date) -> ProgressUpdate:
    """Append a dated progress entry; it may set the status and the measure's current value."""
    if not can_update_progress(access, action, actor):
        raise Forbidden("progress")
    errors: dict[str, str] = {}
    if not note.strip():
        errors["note"] = "Enter what happened"
    if occurred_on > today:
        errors["occurred_on"] = "The date of the update must be today or in the past"
    for link in evidence_links:
        if not link.startswith(("https://", "http://")):
            errors["evidence_links"] = f"Evidence links must start with https://: {link}"
    if errors:
        raise InvalidInput(errors)
    # Append-only: another change to the action meanwhile never refuses the update; the
    # action's status and measure are set on the action as it stands now.
    action = lock_for_change(action)
    status = ActionStatus(new_status) if new_status else None
    update = ProgressUpdate(action_id=action.id, author_id=actor.id, occurred_on=occurred_on,
                            note=note.strip(), new_status=status, measure_value=measure_value,
                            evidence_links=evidence_links)
    db.session.add(update)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if status is not None and status != action.status:
        before["status"], after["status"] = action.status, status
        action.status = status
    if measure_value is not None and measure_value != action.measure_current:
        before["measure_current"], after["measure_current"] = action.measure_current, measure_value
        action.measure_current = measure_value
    action.last_activity_on = max(action.last_activity_on, occurred_on)
    action.updated_at = utcnow()
    db.session.flush()
    audit_change(actor, access, action, "progress", before,
                  {**after, "note": note.strip()[:200]})
    follows.action_changed(action=action, actor=actor, what="added a progress update to",
                           before=before.get("status", action.status),
                           excerpt=note.strip()[:300])
    return update


def link_indicator(*, actor: User, access: OrgAccess, plan: ActionPlan, action: Action,
                   indicator: str, service_area: str) -> ActionIndicatorLink:
    """Link an action to an indicator result, recording its value now as the baseline."""
    require(access, Capability.EDIT_PLAN)
    if indicator not in INDICATORS_BY_ID or service_area not in SERVICE_AREAS:
        raise InvalidInput({"indicator": "Select an indicator and a service area"})
    if any(link.indicator == indicator and link.service_area == service_area for link in action.links):
        raise InvalidInput({"indicator": f"This action is already linked to {indicator} "
                                         f"({service_area})"})
    action = lock_for_change(action)
    db.session.refresh(action, ["links"])
    if any(link.indicator == indicator and link.service_area == service_area
           for link in action.links):  # linked meanwhile by someone else: nothing to do
        return next(link for link in action.links
                    if link.indicator == indicator and link.service_area == service_area)
    link = ActionIndicatorLink(action_id=action.id, **link_values(
        plan_results(plan=plan), indicator, service_area))
    action.links.append(link)
    action.updated_at = utcnow()
    db.session.flush()
    record_events([link_event(actor, access, action.id, "linked", link)])
    return link


EVERY_AREA = "every"


def link_everywhere(*, actor: User, access: OrgAccess, plan: ActionPlan, action: Action,
                    indicator: str) -> list[ActionIndicatorLink]:
    """Link an action to an indicator in every service area the cycle has figures for (all
    three when none are loaded), each with its own baseline; areas linked already are kept."""
    require(access, Capability.EDIT_PLAN)
    if indicator not in INDICATORS_BY_ID:
        raise InvalidInput({"indicator": "Select an indicator and a service area"})
    results = StoredResults(db.session.scalar(select(IndicatorDataset.results).where(
        IndicatorDataset.cycle_id == plan.cycle_id)))
    areas = [a for a in SERVICE_AREAS if a in results] or list(SERVICE_AREAS)
    linked = {link.service_area for link in action.links if link.indicator == indicator}
    if not set(areas) - linked:
        raise InvalidInput({"indicator": f"This action is already linked to {indicator} in "
                                         "every service area"})
    return [link_indicator(actor=actor, access=access, plan=plan, action=action,
                           indicator=indicator, service_area=area)
            for area in areas if area not in linked]


def unlink_indicator(*, actor: User, access: OrgAccess, action: Action, link_id: int) -> None:
    """Remove an indicator link from an action."""
    require(access, Capability.EDIT_PLAN)
    action = lock_for_change(action)
    db.session.refresh(action, ["links"])
    link = next((each for each in action.links if each.id == link_id), None)
    if link is None:
        raise NotFound(link_id)
    record_events([link_event(actor, access, action.id, "unlinked", link)])
    action.links.remove(link)
    db.session.flush()


def indicator_result(*, plan: ActionPlan, indicator: str,
                     service_area: str) -> tuple[StoredSeries, date | None]:
    """Return the cycle's saved result for an indicator and area, with its 'data as at' date."""
    return plan_results(plan=plan)(indicator, service_area)


Baselines = Callable[[str, str], tuple[StoredSeries, date | None]]


def plan_results(*, plan: ActionPlan) -> Baselines:
    """Read the cycle's saved results once; return (indicator, area) -> (result, 'data as at')."""
    row = db.session.execute(
        select(IndicatorDataset.results, ReportingCycle.snapshot_date)
        .join(ReportingCycle, ReportingCycle.id == IndicatorDataset.cycle_id)
        .where(IndicatorDataset.cycle_id == plan.cycle_id)).first()
    results = StoredResults(row.results) if row is not None else None

    def result(indicator: str, service_area: str) -> tuple[StoredSeries, date | None]:
        if row is None or results is None or service_area not in results:
            return StoredSeries(indicator), None
        if indicator == "SCW1":  # pay bands: no single relative likelihood to keep as a baseline
            saved = bool(results.pay_bands(service_area))
            return StoredSeries(indicator, status="ok" if saved else "no-data"), row.snapshot_date
        return results.series(service_area, indicator), row.snapshot_date

    return result


def link_values(baselines: Baselines, indicator: str, service_area: str) -> dict[str, Any]:
    """The columns of a new indicator link: the result as it stands now is its baseline."""
    baseline, data_as_at = baselines(indicator, service_area)
    return {"indicator": indicator, "service_area": service_area,
            "baseline_rl": baseline.rl, "baseline_rating": baseline.rating,
            "baseline_status": baseline.status, "data_as_at": data_as_at}


def link_event(actor: User, access: OrgAccess, action_id: int, verb: str,
               link: ActionIndicatorLink | dict[str, Any]) -> AuditEvent:
    """The audit record of linking an action to an indicator result, or of unlinking it."""
    get = link.get if isinstance(link, dict) else lambda name: getattr(link, name)
    words = {"indicator": f"{get('indicator')} {get('service_area')}"}
    if verb == "linked":
        return change_event(actor, access, action_id, verb, {},
                            {**words, "baseline_rl": get("baseline_rl")})
    return change_event(actor, access, action_id, verb, words, {})


# Starting points --------------------------------------------------------------------------------


def intervention_defaults(*, plan: ActionPlan, key: str) -> tuple[Intervention, dict[str, Any]]:
    """Return a library intervention and the form values it starts an action with."""
    intervention = library_service.get(key=key)
    if intervention.retired:
        raise NotFound(key)
    theme = next((t for t in themes(plan=plan, include_retired=False)
                  if t.name == intervention.theme), None)
    return intervention, {
        "title": intervention.title, "description": intervention.description,
        "success_measure": intervention.success_measure,
        "theme_id": theme.id if theme else None,
    }
