"""An organisation's action plan for a cycle and its themes (rename, reorder, retire).

Who may do what is enforced here: EDI leads edit the plan; every reader reads. Actions are in
services/actions.py, the plan's views in services/plan_views.py, sign-off in
services/sign_off.py and the 3 A's in services/reflections.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.domain.plans import (
    DEFAULT_THEMES,
)
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    ActionPlan,
    PlanTheme,
    ReportingCycle,
    User,
)
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import InvalidInput, NotFound

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
    position = db.session.execute(select(func.coalesce(func.max(PlanTheme.position), -1))
                                  .where(PlanTheme.plan_id == plan.id)).scalar_one() + 1
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
