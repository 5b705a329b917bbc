"""An organisation's action plan for a cycle and its themes (rename, reorder, retire).

Who may do what is enforced here: EDI leads edit the plan; every reader reads. Actions are in
services/actions.py, the plan's views in services/plan_views.py, sign-off in
services/sign_off.py and the 3 A's in services/reflections.py.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

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
    utcnow,
)
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.commitments import rename_theme_in_goals
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import unique_or_invalid
from tracker.services.unique import used_by_another

# Plans and themes ------------------------------------------------------------------------------


def _check_cycle(access: OrgAccess, cycle: ReportingCycle) -> None:
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)


def get_plan(*, access: OrgAccess, cycle: ReportingCycle) -> ActionPlan:
    """Return the cycle's plan (made with the cycle: see start_plan)."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.cycle_id == cycle.id))
    if plan is None:  # a cycle made some other way (tests' factories): start it, race-free
        plan = start_plan(cycle_id=cycle.id)
    return plan


def insert_if_absent(model, *, conflict: list[str], **values):
    """``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite; return the new id or None.

    Two requests starting the same row at once: one inserts it, the other finds it, and
    neither fails on the unique constraint.
    """
    dialect = db.session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        statement = insert(model).values(**values).returning(model.id)
    else:
        statement = (module.insert(model).values(**values)
                     .on_conflict_do_nothing(index_elements=conflict).returning(model.id))
    return db.session.scalar(statement)


def start_plan(*, cycle_id: int, theme_names: list[tuple[str, bool]] | None = None) -> ActionPlan:
    """Make a cycle's plan with the default themes (or these, with whether each is retired).

    Called when the cycle is made, so that reading a plan never writes; safe if two requests
    start the same plan at once (the second finds the first's).
    """
    plan_id = insert_if_absent(ActionPlan, conflict=["cycle_id"], cycle_id=cycle_id,
                               created_at=utcnow())
    if plan_id is not None:
        names = theme_names or [(name, False) for name in DEFAULT_THEMES]
        db.session.add_all([PlanTheme(plan_id=plan_id, name=name, position=i, retired=retired)
                            for i, (name, retired) in enumerate(names)])
        db.session.flush()
    return db.session.execute(
        select(ActionPlan).where(ActionPlan.cycle_id == cycle_id)).scalar_one()


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
    with unique_or_invalid({"plan_themes.plan_id,name": (
            "name", f"There is already a theme called {name}")}):
        db.session.add(theme)
    record_event(actor=actor, action="theme_added", entity_type="action_plan", entity_id=plan.id,
                 organisation=access.organisation, after={"name": name})
    return theme


def _check_theme_name(plan: ActionPlan, name: str, current: PlanTheme | None = None) -> None:
    if not name:
        raise InvalidInput({"name": "Enter the theme's name"})
    if len(name) > 120:
        raise InvalidInput({"name": "The theme's name must be 120 characters or fewer"})
    if used_by_another(PlanTheme.name, name, key=PlanTheme.id, current=current,
                       among=PlanTheme.plan_id == plan.id):
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
    rename_theme_in_goals(organisation_id=access.organisation.id, cycle_id=plan.cycle_id,
                          old=theme.name, new=name)
    theme.name = name
    with unique_or_invalid({"plan_themes.plan_id,name": (
            "name", f"There is already a theme called {name}")}):
        db.session.flush()
    return theme


def move_theme(*, actor: User, access: OrgAccess, plan: ActionPlan, theme_id: int,
               direction: int) -> None:
    """Move a theme one place up (-1) or down (+1), audited (the plan's pages show the order)."""
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
        record_event(actor=actor, action="theme_moved", entity_type="action_plan",
                     entity_id=plan.id, organisation=access.organisation,
                     before={"name": ordered[other].name, "position": index},
                     after={"name": ordered[other].name, "position": other})
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
