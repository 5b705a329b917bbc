"""The 3 A's (awareness, appreciation, actions): a team's discussion and its draft actions.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.domain.plans import (
    reflection_action_lines,
)
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    PlanTheme,
    Reflection,
    User,
)
from tracker.services.access import OrgAccess, require
from tracker.services.actions import audit_change, is_db_id
from tracker.services.errors import InvalidInput

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
    assert theme is not None  # checked above
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
        audit_change(actor, access, action, "created", {},
                      {"title": line, "is_draft": True, "reflection": reflection.team})
        drafts.append(action)
    return drafts


def reflections(*, access: OrgAccess, plan: ActionPlan) -> list[Reflection]:
    """Return the plan's recorded 3 A's discussions, newest first."""
    require(access, Capability.READ)
    return list(db.session.scalars(select(Reflection).where(Reflection.plan_id == plan.id)
                                   .order_by(Reflection.held_on.desc(), Reflection.id.desc())))
