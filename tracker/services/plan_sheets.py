"""Export a plan to CSV or XLSX, and import one from the same columns (all or nothing)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.domain.plan_sheet import (
    IndicatorRef,
    PlanRow,
    plan_csv_bytes,
    plan_xlsx_bytes,
    read_plan_sheet,
)
from tracker.domain.plans import ActionStatus
from tracker.domain.problems import ExtractValidationError, Problem
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import Action, ActionPlan, Membership, User
from tracker.services import actions as action_service
from tracker.services import plans as plan_service
from tracker.services.access import OrgAccess, require
from tracker.services.uploads import upload_limits

COLUMN_OF_FIELD = {"title": "title", "theme_id": "theme", "owner_id": "owner_email",
                   "due_date": "due_date", "start_date": "start_date", "status": "status"}


def plan_rows(*, access: OrgAccess, plan: ActionPlan) -> list[PlanRow]:
    """Return the plan's actions as spreadsheet rows, theme by theme."""
    actions = action_service.plan_actions(access=access, plan=plan)
    actions.sort(key=lambda a: (a.theme.position, a.id))
    return [row_of(a) for a in actions]


def row_of(a: Action) -> PlanRow:
    """Return an action as a spreadsheet row."""
    return PlanRow(
        action_id=a.id, theme=a.theme.name, title=a.title, description=a.description,
        indicators=tuple(IndicatorRef(link.indicator, link.service_area) for link in a.links),
        owner_email=a.owner.email if a.owner else None, lead_role=a.lead_role,
        partners=a.partners, start_date=a.start_date, due_date=a.due_date,
        status=a.status.value, success_measure=a.success_measure, measure_unit=a.measure_unit,
        measure_baseline=a.measure_baseline, measure_target=a.measure_target,
        measure_current=a.measure_current,
    )


def export_file(*, access: OrgAccess, plan: ActionPlan, fmt: str) -> tuple[bytes, str]:
    """Return the plan as a CSV or XLSX file: its bytes and media type."""
    require(access, Capability.READ)
    rows = plan_rows(access=access, plan=plan)
    if fmt == "csv":
        return plan_csv_bytes(rows), "text/csv"
    return (plan_xlsx_bytes(rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _values(row: PlanRow, theme_id: int | None, owner_id: int | None) -> dict:
    return {
        "title": row.title, "description": row.description or "", "theme_id": theme_id,
        "owner_id": owner_id, "lead_role": row.lead_role or "", "partners": row.partners or "",
        "start_date": row.start_date, "due_date": row.due_date,
        "status": ActionStatus(row.status), "success_measure": row.success_measure or "",
        "measure_unit": row.measure_unit or "", "measure_baseline": row.measure_baseline,
        "measure_target": row.measure_target, "measure_current": row.measure_current,
    }


def import_plan(*, actor: User, access: OrgAccess, plan: ActionPlan, data: bytes, filename: str,
                today: date) -> str:
    """Apply a plan spreadsheet: update listed actions, add new ones; raise with every problem.

    Nothing is changed unless every row is right. An unchanged export changes nothing.
    """
    require(access, Capability.EDIT_PLAN)
    # Draft actions may lack an owner and a due date.
    rows = read_plan_sheet(data, filename, drafts=True, limits=upload_limits())
    themes = {t.name.casefold(): t for t in plan_service.themes(plan=plan)}
    members = {u.email_key: u for u in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == access.organisation.id))}
    existing = {a.id: a for a in action_service.plan_actions(access=access, plan=plan)}
    problems: list[Problem] = []
    planned: list[tuple[PlanRow, Action | None, dict]] = []
    for row in rows:
        found = len(problems)
        action = existing.get(row.action_id) if row.action_id else None
        if action is not None and row_of(action) == row:
            continue  # unchanged
        if row.action_id and action is None:
            problems.append(Problem(filename, row.row, "action_id",
                                    f"Action ID {row.action_id} in row {row.row} is not an action "
                                    "of this plan: leave it blank to add a new action"))
        theme = themes.get(row.theme.casefold())
        if theme is None:
            problems.append(Problem(filename, row.row, "theme",
                                    f"Theme '{row.theme}' in row {row.row} is not one of the "
                                    f"plan's themes: {', '.join(t.name for t in themes.values())}"))
        owner = members.get((row.owner_email or "").strip().lower()) if row.owner_email else None
        if row.owner_email and owner is None:
            problems.append(Problem(filename, row.row, "owner_email",
                                    f"{row.owner_email} in row {row.row} is not a member of "
                                    f"{access.organisation.name}"))
        values = _values(row, theme.id if theme else None, owner.id if owner else None)
        if len(problems) == found:
            errors = action_service.check_action(access=access, plan=plan, values=values,
                                                 today=today, current=action)
            problems += [Problem(filename, row.row, COLUMN_OF_FIELD.get(f, f),
                                 f"Row {row.row}: {message}") for f, message in errors.items()]
        planned.append((row, action, values))
    if problems:
        raise ExtractValidationError(problems)
    added = updated = 0
    unchanged = len(rows) - len(planned)
    for row, action, values in planned:
        if action is None:
            action = action_service.create_action(actor=actor, access=access, plan=plan,
                                                  values=values, today=today)
            added += 1
        else:
            changes = {k: v for k, v in values.items() if getattr(action, k) != v}
            if changes:
                action_service.update_action(actor=actor, access=access, plan=plan, action=action,
                                             values=changes, expected_version=action.version,
                                             today=today)
            updated += 1
        _sync_links(actor, access, plan, action, row)
    return (f"Plan imported: {added} action{'s' if added != 1 else ''} added, "
            f"{updated} updated, {unchanged} unchanged")


def _sync_links(actor: User, access: OrgAccess, plan: ActionPlan, action: Action,
                row: PlanRow) -> bool:
    """Make the action's indicator links those of the row; return whether any changed."""
    wanted = {(ref.indicator, ref.service_area) for ref in row.indicators}
    have = {(link.indicator, link.service_area): link for link in action.links}
    for key in wanted - set(have):
        action_service.link_indicator(actor=actor, access=access, plan=plan, action=action,
                                      indicator=key[0], service_area=key[1])
    for key in set(have) - wanted:
        action_service.unlink_indicator(actor=actor, access=access, action=action,
                                        link_id=have[key].id)
    return wanted != set(have)
