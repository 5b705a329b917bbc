"""Action plans: themes, actions, indicator links, progress, history, accountability, sign-off.

Who may do what is enforced here: EDI leads edit everything in their organisation's plan; an
action's owner updates its progress, status and measure (and nothing else); sponsors sign off;
every reader reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREAS
from tracker.domain.plans import (
    DEFAULT_THEMES,
    INTERVENTIONS_BY_KEY,
    Accountability,
    ActionFacts,
    ActionStatus,
    Intervention,
    accountability,
    is_overdue,
    reflection_action_lines,
)
from tracker.domain.roles import ADVISOR, Capability
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AuditEvent,
    IndicatorDataset,
    Membership,
    PlanSignOff,
    PlanTheme,
    ProgressUpdate,
    Reflection,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services import notifications
from tracker.services.access import OrgAccess, require
from tracker.services.audit import plain_value, record_event
from tracker.services.errors import Forbidden, InvalidInput, NotFound, StaleEdit

FIELD_LABELS = {
    "title": "Title", "description": "Description", "theme_id": "Theme", "owner_id": "Owner",
    "lead_role": "Lead role", "partners": "Partners", "start_date": "Start date",
    "due_date": "Due date", "status": "Status", "success_measure": "How success will be known",
    "measure_unit": "Measure unit", "measure_baseline": "Measure baseline",
    "measure_target": "Measure target", "measure_current": "Measure current value",
}
EDITABLE = list(FIELD_LABELS)
OWNER_FIELDS = ["status", "measure_current"]


def is_db_id(value: Any) -> bool:
    """Say whether a value from a form can be a row id (a positive 32-bit integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


# Plans and themes ------------------------------------------------------------------------------


def _check_cycle(access: OrgAccess, cycle: ReportingCycle) -> None:
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)


def get_plan(*, access: OrgAccess, cycle: ReportingCycle) -> ActionPlan:
    """Return the cycle's plan, starting it with the default themes the first time."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.cycle_id == cycle.id))
    if plan is None:
        plan = ActionPlan(cycle_id=cycle.id)
        plan.themes = [PlanTheme(name=name, position=i) for i, name in enumerate(DEFAULT_THEMES)]
        db.session.add(plan)
        db.session.flush()
    return plan


def themes(*, plan: ActionPlan, include_retired: bool = True) -> list[PlanTheme]:
    """Return the plan's themes in order."""
    query = select(PlanTheme).where(PlanTheme.plan_id == plan.id).order_by(PlanTheme.position,
                                                                           PlanTheme.id)
    if not include_retired:
        query = query.where(PlanTheme.retired.is_(False))
    return list(db.session.scalars(query))


def _theme(plan: ActionPlan, theme_id: int) -> PlanTheme:
    theme = db.session.get(PlanTheme, theme_id)
    if theme is None or theme.plan_id != plan.id:
        raise NotFound(theme_id)
    return theme


def add_theme(*, actor: User, access: OrgAccess, plan: ActionPlan, name: str) -> PlanTheme:
    """Add a theme at the end of the plan."""
    require(access, Capability.EDIT_PLAN)
    name = name.strip()
    _check_theme_name(plan, name)
    position = db.session.scalar(select(func.coalesce(func.max(PlanTheme.position), -1))
                                 .where(PlanTheme.plan_id == plan.id)) + 1
    theme = PlanTheme(plan_id=plan.id, name=name, position=position)
    db.session.add(theme)
    db.session.flush()
    record_event(actor=actor, action="theme_added", entity_type="action_plan", entity_id=plan.id,
                 organisation=access.organisation, after={"name": name})
    return theme


def _check_theme_name(plan: ActionPlan, name: str, current: PlanTheme | None = None) -> None:
    if not name:
        raise InvalidInput({"name": "Enter the theme's name"})
    if len(name) > 120:
        raise InvalidInput({"name": "The theme's name must be 120 characters or fewer"})
    clash = db.session.scalar(select(PlanTheme.id).where(
        PlanTheme.plan_id == plan.id, func.lower(PlanTheme.name) == name.lower(),
        PlanTheme.id != (current.id if current else -1)))
    if clash:
        raise InvalidInput({"name": f"There is already a theme called {name}"})


def rename_theme(*, actor: User, access: OrgAccess, plan: ActionPlan, theme_id: int,
                 name: str) -> PlanTheme:
    """Rename a theme; its actions stay with it."""
    require(access, Capability.EDIT_PLAN)
    theme = _theme(plan, theme_id)
    name = name.strip()
    _check_theme_name(plan, name, theme)
    record_event(actor=actor, action="theme_renamed", entity_type="action_plan",
                 entity_id=plan.id, organisation=access.organisation,
                 before={"name": theme.name}, after={"name": name})
    theme.name = name
    db.session.flush()
    return theme


def move_theme(*, actor: User, access: OrgAccess, plan: ActionPlan, theme_id: int,
               direction: int) -> None:
    """Move a theme one place up (-1) or down (+1)."""
    require(access, Capability.EDIT_PLAN)
    ordered = themes(plan=plan)
    index = next((i for i, t in enumerate(ordered) if t.id == theme_id), None)
    if index is None:
        raise NotFound(theme_id)
    other = index + direction
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, theme in enumerate(ordered):
            theme.position = position
        db.session.flush()


def set_theme_retired(*, actor: User, access: OrgAccess, plan: ActionPlan, theme_id: int,
                      retired: bool) -> PlanTheme:
    """Retire a theme (no new actions go in it; its actions stay) or bring it back."""
    require(access, Capability.EDIT_PLAN)
    theme = _theme(plan, theme_id)
    theme.retired = retired
    record_event(actor=actor, action="theme_retired" if retired else "theme_restored",
                 entity_type="action_plan", entity_id=plan.id, organisation=access.organisation,
                 after={"name": theme.name})
    db.session.flush()
    return theme


# Reading actions --------------------------------------------------------------------------------


def _actions_query(plan: ActionPlan):
    return (select(Action).where(Action.plan_id == plan.id)
            .options(selectinload(Action.links), db.joinedload(Action.owner),
                     db.joinedload(Action.theme))
            .order_by(Action.due_date.is_(None), Action.due_date, Action.id))


def plan_actions(*, access: OrgAccess, plan: ActionPlan) -> list[Action]:
    """Return every action of the plan with its owner, theme and links loaded."""
    require(access, Capability.READ)
    return list(db.session.scalars(_actions_query(plan)).unique())


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


def filter_actions(actions: list[Action], filters: ActionFilters, *, today: date) -> list[Action]:
    """Return the actions that pass the filters, sorted as asked."""
    def keep(action: Action) -> bool:
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


def get_action(*, access: OrgAccess, plan: ActionPlan, action_id: int) -> Action:
    """Return one of the plan's actions, or raise NotFound."""
    require(access, Capability.READ)
    action = db.session.scalar(
        select(Action).where(Action.id == action_id, Action.plan_id == plan.id)
        .options(selectinload(Action.links), selectinload(Action.updates)
                 .joinedload(ProgressUpdate.author), db.joinedload(Action.owner),
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


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for key in ("title", "description", "lead_role", "partners", "success_measure",
                "measure_unit"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    if "status" in cleaned and cleaned["status"] is not None:
        cleaned["status"] = ActionStatus(cleaned["status"])
    return cleaned


def check_action(*, access: OrgAccess, plan: ActionPlan, values: dict[str, Any],
                 today: date, current: Action | None) -> dict[str, str]:
    """Return field -> message for every rule the action's values break."""
    errors: dict[str, str] = {}
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
    elif not db.session.scalar(select(Membership.id).where(
            Membership.user_id == owner_id, Membership.organisation_id == access.organisation.id)
            .limit(1)):
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


def _audit_change(actor: User, access: OrgAccess, action: Action, verb: str,
                  before: dict, after: dict) -> None:
    record_event(actor=actor, action=verb, entity_type="action", entity_id=action.id,
                 organisation=access.organisation,
                 before={k: plain_value(v) for k, v in before.items()} or None,
                 after={k: plain_value(v) for k, v in after.items()} or None)


def create_action(*, actor: User, access: OrgAccess, plan: ActionPlan, values: dict[str, Any],
                  today: date, reflection_id: int | None = None) -> Action:
    """Add an action to the plan (EDI leads)."""
    require(access, Capability.EDIT_PLAN)
    values = _clean(values)
    errors = check_action(access=access, plan=plan, values=values, today=today, current=None)
    if errors:
        raise InvalidInput(errors)
    action = Action(plan_id=plan.id, last_activity_on=today, reflection_id=reflection_id,
                    **{k: v for k, v in values.items() if k in EDITABLE})
    db.session.add(action)
    db.session.flush()
    _audit_change(actor, access, action, "created", {}, {
        k: v for k, v in _values_dict(action).items() if v not in (None, "")})
    notifications.notify_new_owner(action=action, actor=actor)
    return action


def update_action(*, actor: User, access: OrgAccess, plan: ActionPlan, action: Action,
                  values: dict[str, Any], expected_version: int, today: date,
                  seen_change: int = 0) -> Action:
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
    values = _clean({k: v for k, v in values.items() if k in allowed})
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
        _audit_change(actor, access, action, "updated", before, after)
        if "owner_id" in after:
            notifications.notify_new_owner(action=action, actor=actor)
    return action


def latest_change_id(*, action: Action) -> int:
    """Return the id of the latest recorded change to the action (0 if none)."""
    return db.session.scalar(
        select(func.coalesce(func.max(AuditEvent.id), 0))
        .where(AuditEvent.entity_type == "action", AuditEvent.entity_id == action.id))


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
    status = ActionStatus(new_status) if new_status else None
    update = ProgressUpdate(action_id=action.id, author_id=actor.id, occurred_on=occurred_on,
                            note=note.strip(), new_status=status, measure_value=measure_value,
                            evidence_links=evidence_links)
    db.session.add(update)
    before, after = {}, {}
    if status is not None and status != action.status:
        before["status"], after["status"] = action.status, status
        action.status = status
    if measure_value is not None and measure_value != action.measure_current:
        before["measure_current"], after["measure_current"] = action.measure_current, measure_value
        action.measure_current = measure_value
    action.last_activity_on = max(action.last_activity_on, occurred_on)
    action.updated_at = utcnow()
    db.session.flush()
    _audit_change(actor, access, action, "progress", before,
                  {**after, "note": note.strip()[:200]})
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
    baseline = indicator_result(plan=plan, indicator=indicator, service_area=service_area)
    link = ActionIndicatorLink(
        action_id=action.id, indicator=indicator, service_area=service_area,
        baseline_rl=baseline.get("rl"), baseline_rating=baseline.get("rating"),
        baseline_status=baseline.get("status", "no-data"),
        data_as_at=baseline.get("data_as_at"))
    action.links.append(link)
    action.updated_at = utcnow()
    db.session.flush()
    _audit_change(actor, access, action, "linked", {}, {
        "indicator": f"{indicator} {service_area}", "baseline_rl": link.baseline_rl})
    return link


def unlink_indicator(*, actor: User, access: OrgAccess, action: Action, link_id: int) -> None:
    """Remove an indicator link from an action."""
    require(access, Capability.EDIT_PLAN)
    link = next((each for each in action.links if each.id == link_id), None)
    if link is None:
        raise NotFound(link_id)
    _audit_change(actor, access, action, "unlinked",
                  {"indicator": f"{link.indicator} {link.service_area}"}, {})
    action.links.remove(link)
    db.session.flush()


def indicator_result(*, plan: ActionPlan, indicator: str, service_area: str) -> dict:
    """Return the cycle's saved result for an indicator and area, with its 'data as at' date."""
    row = db.session.execute(
        select(IndicatorDataset.results, ReportingCycle.snapshot_date)
        .join(ReportingCycle, ReportingCycle.id == IndicatorDataset.cycle_id)
        .where(IndicatorDataset.cycle_id == plan.cycle_id)).first()
    if row is None or service_area not in row.results:
        return {"status": "no-data"}
    entry = row.results[service_area]["indicators"].get(indicator)
    if entry is None or indicator == "SCW1":
        return {"status": "no-data" if entry is None else "ok", "data_as_at": row.snapshot_date}
    return {**entry, "data_as_at": row.snapshot_date}


# Starting points --------------------------------------------------------------------------------


def intervention_defaults(*, plan: ActionPlan, key: str) -> tuple[Intervention, dict[str, Any]]:
    """Return a library intervention and the form values it starts an action with."""
    intervention = INTERVENTIONS_BY_KEY.get(key)
    if intervention is None:
        raise NotFound(key)
    theme = next((t for t in themes(plan=plan, include_retired=False)
                  if t.name == intervention.theme), None)
    return intervention, {
        "title": intervention.title, "description": intervention.description,
        "success_measure": intervention.success_measure,
        "theme_id": theme.id if theme else None,
    }


# Views ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCoverage:
    indicator: str
    name: str
    service_area: str
    result: dict
    actions: list[Action]

    @property
    def open_actions(self) -> list[Action]:
        return [a for a in self.actions if a.status.is_open]

    @property
    def uncovered(self) -> bool:
        return self.result.get("rating") == "adverse" and not self.open_actions


def coverage(*, access: OrgAccess, plan: ActionPlan, actions: list[Action]) -> list[IndicatorCoverage]:
    """Return each indicator result (per service area) with the actions linked to it."""
    require(access, Capability.READ)
    results = db.session.scalar(select(IndicatorDataset.results)
                                .where(IndicatorDataset.cycle_id == plan.cycle_id)) or {}
    linked: dict[tuple[str, str], list[Action]] = {}
    for action in actions:
        for link in action.links:
            linked.setdefault((link.indicator, link.service_area), []).append(action)
    rows = []
    for area in SERVICE_AREAS:
        if area not in results and not any(k[1] == area for k in linked):
            continue
        for sid in SERIES_IDS:
            entry = results.get(area, {}).get("indicators", {}).get(sid, {"status": "no-data"})
            rows.append(IndicatorCoverage(sid, INDICATORS_BY_ID[sid].short_name, area, entry,
                                          linked.get((sid, area), [])))
    return rows


def accountability_view(*, access: OrgAccess, plan: ActionPlan, actions: list[Action],
                        today: date) -> Accountability:
    """Count actions per owner and per theme: statuses, overdue, due soon, stale, completion."""
    require(access, Capability.READ)
    facts = [ActionFacts(owner=a.owner.name if a.owner else "No owner", theme=a.theme.name,
                         status=a.status.value, due_date=a.due_date,
                         last_activity=a.last_activity_on) for a in actions]
    return accountability(facts, today=today)


# Sign-off ----------------------------------------------------------------------------------------


def latest_sign_off(*, plan: ActionPlan) -> PlanSignOff | None:
    """Return the plan's most recent sign-off, if any."""
    return db.session.scalar(select(PlanSignOff).where(PlanSignOff.plan_id == plan.id)
                             .order_by(PlanSignOff.signed_at.desc(), PlanSignOff.id.desc())
                             .limit(1))


def sign_offs(*, access: OrgAccess, plan: ActionPlan) -> list[PlanSignOff]:
    """Return every sign-off of the plan, newest first."""
    require(access, Capability.READ)
    return list(db.session.scalars(select(PlanSignOff).where(PlanSignOff.plan_id == plan.id)
                                   .order_by(PlanSignOff.signed_at.desc(), PlanSignOff.id.desc())))


def get_sign_off(*, access: OrgAccess, plan: ActionPlan, sign_off_id: int) -> PlanSignOff:
    """Return one sign-off of the plan, or raise NotFound."""
    require(access, Capability.READ)
    sign_off = db.session.get(PlanSignOff, sign_off_id)
    if sign_off is None or sign_off.plan_id != plan.id:
        raise NotFound(sign_off_id)
    return sign_off


def plan_snapshot(plan: ActionPlan, actions: list[Action]) -> dict:
    """Return the plan as it stands, for keeping with a sign-off."""
    return {
        "themes": [{"id": t.id, "name": t.name, "retired": t.retired} for t in themes(plan=plan)],
        "actions": [{
            "id": a.id, "theme": a.theme.name, "title": a.title, "description": a.description,
            "owner": a.owner.name if a.owner else None, "lead_role": a.lead_role,
            "partners": a.partners, "status": a.status.value,
            "start_date": plain_value(a.start_date), "due_date": plain_value(a.due_date),
            "success_measure": a.success_measure, "measure_unit": a.measure_unit,
            "measure_baseline": plain_value(a.measure_baseline),
            "measure_target": plain_value(a.measure_target),
            "measure_current": plain_value(a.measure_current),
            "indicators": [f"{link.indicator} {link.service_area}" for link in a.links],
        } for a in actions],
    }


def sign_off_plan(*, actor: User, access: OrgAccess, plan: ActionPlan, signer_role: str,
                  statement: str) -> PlanSignOff:
    """Sign the plan off as it stands now (senior sponsors)."""
    require(access, Capability.SIGN_OFF)
    if not signer_role.strip():
        raise InvalidInput({"signer_role": "Enter your role, like Director of Adult Social Care"})
    actions = plan_actions(access=access, plan=plan)
    sign_off = PlanSignOff(plan_id=plan.id, signed_by_id=actor.id, signer_name=actor.name,
                           signer_role=signer_role.strip(), statement=statement.strip(),
                           snapshot=plan_snapshot(plan, actions), signed_at=utcnow())
    db.session.add(sign_off)
    db.session.flush()
    record_event(actor=actor, action="signed_off", entity_type="action_plan", entity_id=plan.id,
                 organisation=access.organisation,
                 after={"signer_role": sign_off.signer_role, "actions": len(actions)})
    return sign_off


# The 3 A's ----------------------------------------------------------------------------------------


def record_reflection(*, actor: User, access: OrgAccess, plan: ActionPlan, team: str,
                      held_on: date, awareness: str, appreciation: str, actions_text: str,
                      theme_id: int, today: date) -> list[Action]:
    """Keep a team's 3 A's discussion and make a draft action of each of its action lines."""
    require(access, Capability.EDIT_PLAN)
    lines = reflection_action_lines(actions_text)
    errors: dict[str, str] = {}
    if not lines:
        errors["actions_text"] = "Enter at least one action"
    if any(len(line) > 200 for line in lines):
        errors["actions_text"] = "Each action must be 200 characters or fewer"
    if held_on > today:
        errors["held_on"] = "The date of the discussion must be today or in the past"
    theme = db.session.get(PlanTheme, theme_id) if is_db_id(theme_id) else None
    if theme is None or theme.plan_id != plan.id or theme.retired:
        errors["theme_id"] = "Select a theme"
    if errors:
        raise InvalidInput(errors)
    reflection = Reflection(plan_id=plan.id, team=team.strip(), held_on=held_on,
                            awareness=awareness.strip(), appreciation=appreciation.strip(),
                            actions_text=actions_text.strip(), created_by_id=actor.id)
    db.session.add(reflection)
    db.session.flush()
    drafts = []
    for line in lines:
        action = Action(plan_id=plan.id, theme_id=theme.id, title=line, is_draft=True,
                        description=f"From the 3 A's discussion of {reflection.team}",
                        reflection_id=reflection.id, last_activity_on=today)
        db.session.add(action)
        db.session.flush()
        _audit_change(actor, access, action, "created", {},
                      {"title": line, "is_draft": True, "reflection": reflection.team})
        drafts.append(action)
    return drafts


def reflections(*, access: OrgAccess, plan: ActionPlan) -> list[Reflection]:
    """Return the plan's recorded 3 A's discussions, newest first."""
    require(access, Capability.READ)
    return list(db.session.scalars(select(Reflection).where(Reflection.plan_id == plan.id)
                                   .order_by(Reflection.held_on.desc(), Reflection.id.desc())))
