"""A senior sponsor's sign-off of the plan, and the plan as it stood when signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from tracker.domain.action_fields import PLAIN_FIELDS
from tracker.domain.definitions import SERVICE_AREA_LABELS
from tracker.domain.roles import Capability
from tracker.domain.stored_results import StoredResults
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    PlanSignOff,
    User,
    utcnow,
)
from tracker.services.access import OrgAccess, require
from tracker.services.actions import ActionRow, actions_query
from tracker.services.audit import plain_value, record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import lock
from tracker.services.plan_views import coverage
from tracker.services.plans import themes

# Warnings before signing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignOffWarning:
    """Something a sponsor should know before signing: what it is, and the things it is about."""

    text: str
    items: list[str]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def plan_warnings(*, access: OrgAccess, plan: ActionPlan,
                  actions: Sequence[Action | ActionRow],
                  results: StoredResults | None = None) -> list[SignOffWarning]:
    """Say what is unfinished in the plan: drafts, open actions without an owner or a due date,
    and adverse results no open action is linked to (of the plan's cycle's `results`, when the
    caller has them already)."""
    require(access, Capability.READ)
    warnings = []
    drafts = [a.title for a in actions if a.is_draft]
    if drafts:
        warnings.append(SignOffWarning(
            f"{_plural(len(drafts), 'action is a draft', 'actions are drafts')}, not yet part "
            "of the plan", drafts))
    open_actions = [a for a in actions if a.status.is_open and not a.is_draft]
    for missing, words in ((lambda a: a.owner_id is None, "no owner"),
                           (lambda a: a.due_date is None, "no due date")):
        titles = [a.title for a in open_actions if missing(a)]
        if titles:
            warnings.append(SignOffWarning(
                f"{_plural(len(titles), 'open action has', 'open actions have')} {words}",
                titles))
    uncovered = [f"{row.indicator} {row.name}, {SERVICE_AREA_LABELS[row.service_area].lower()}"
                 for row in coverage(access=access, plan=plan, actions=actions, results=results)
                 if row.uncovered]
    if uncovered:
        warnings.append(SignOffWarning(
            f"{_plural(len(uncovered), 'adverse result has', 'adverse results have')} no open "
            "action linked to it", uncovered))
    return warnings


def check_warnings_seen(warnings: list[SignOffWarning], warnings_seen: bool) -> None:
    """Refuse a sign-off when there are warnings the sponsor has not said they saw."""
    if warnings and not warnings_seen:
        raise InvalidInput({"warnings_seen": "Confirm that you have seen the warnings before "
                                             "you sign off"})

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


def changed_after_sign_off(sign_off: PlanSignOff | None, actions: Sequence[Action]) -> set[int]:
    """Return the ids of the actions changed since the plan was signed off (none if never)."""
    if sign_off is None:
        return set()
    return {action.id for action in actions if action.updated_at > sign_off.signed_at}


def plan_snapshot(plan: ActionPlan, actions: list[Action]) -> dict:
    """Return the plan as it stands, for keeping with a sign-off."""
    return {
        "themes": [{"id": t.id, "name": t.name, "retired": t.retired} for t in themes(plan=plan)],
        "actions": [{
            "id": a.id, "theme": a.theme.name, "owner": a.owner.name if a.owner else None,
            "status": a.status.value,
            **{field.snapshot: plain_value(getattr(a, field.name)) for field in PLAIN_FIELDS},
            "indicators": [f"{link.indicator} {link.service_area}" for link in a.links],
        } for a in actions],
    }


def sign_off_plan(*, actor: User, access: OrgAccess, plan: ActionPlan, signer_role: str,
                  statement: str, warnings_seen: bool = False) -> PlanSignOff:
    """Sign the plan off as it stands now (senior sponsors), who confirm that they saw its
    warnings if it has any; the warnings are kept with the signed plan."""
    require(access, Capability.SIGN_OFF)
    if not signer_role.strip():
        raise InvalidInput({"signer_role": "Enter your role, like Director of Adult Social Care"})
    # The plan's lock, exclusively: changes to its actions in progress finish first (and are
    # in the snapshot), later ones wait for the sign-off (and are marked as changed after it).
    lock(ActionPlan, plan.id)
    actions = list(db.session.scalars(
        actions_query(plan).execution_options(populate_existing=True)).unique())
    warnings = plan_warnings(access=access, plan=plan, actions=actions)
    check_warnings_seen(warnings, warnings_seen)
    snapshot = plan_snapshot(plan, actions)
    snapshot["warnings"] = [{"text": w.text, "items": w.items} for w in warnings]
    sign_off = PlanSignOff(plan_id=plan.id, signed_by_id=actor.id, signer_name=actor.name,
                           signer_role=signer_role.strip(), statement=statement.strip(),
                           snapshot=snapshot, signed_at=utcnow())
    db.session.add(sign_off)
    db.session.flush()
    record_event(actor=actor, action="signed_off", entity_type="action_plan", entity_id=plan.id,
                 organisation=access.organisation,
                 after={"signer_role": sign_off.signer_role, "actions": len(actions),
                        "warnings_seen": [w.text for w in warnings]})
    return sign_off
