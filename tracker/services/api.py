"""The read-only JSON API: tokens (hashed, one organisation's, audited) and what they may read.

An EDI lead makes a token for their organisation's own dashboards (Power BI, Excel); the plain
token is shown once and only its SHA-256 is kept. A token reads its organisation's cycles, results
and plan (actions with progress: never drafts, comments or anything of another organisation);
the programme lead's token (no organisation) reads the national reports that are published.
Every read is in the audit trail. Revoked tokens read nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.domain.definitions import SERIES_IDS
from tracker.domain.roles import Capability
from tracker.domain.stored_results import StoredResults
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    ApiToken,
    IndicatorDataset,
    Organisation,
    PlanTheme,
    ProgressUpdate,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.national import live_report, require_programme_lead

PREFIX = "scwres_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made: the plain token is shown once, never again."""

    token: ApiToken
    plain: str


def _make(actor: User, name: str, organisation: Organisation | None) -> NewToken:
    name = name.strip()
    if not name:
        raise InvalidInput({"name": "Enter a name for the token, like the dashboard it is for"})
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(organisation_id=organisation.id if organisation else None, name=name,
                     token_hash=_hash(plain), prefix=plain[:12], created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    record_event(actor=actor, action="created", entity_type="api_token", entity_id=token.id,
                 organisation=organisation, after={"name": name, "prefix": token.prefix})
    return NewToken(token, plain)


def create_token(*, actor: User, access: OrgAccess, name: str) -> NewToken:
    """Make a read-only token for the organisation (EDI lead); audited."""
    require(access, Capability.MANAGE_MEMBERS)
    return _make(actor, name, access.organisation)


def create_programme_token(*, actor: User, name: str) -> NewToken:
    """Make a read-only token for the published national reports (programme lead); audited."""
    require_programme_lead(actor)
    return _make(actor, name, None)


def list_tokens(*, access: OrgAccess) -> list[ApiToken]:
    """Return the organisation's tokens, newest first (EDI lead)."""
    require(access, Capability.MANAGE_MEMBERS)
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.organisation_id == access.organisation.id)
        .options(selectinload(ApiToken.created_by)).order_by(ApiToken.id.desc())))


def revoke_token(*, actor: User, access: OrgAccess, token_id: int) -> None:
    """Revoke one of the organisation's tokens at once (EDI lead); audited."""
    require(access, Capability.MANAGE_MEMBERS)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.organisation_id != access.organisation.id:
        raise NotFound(token_id)
    if token.revoked_at is not None:
        raise InvalidInput({"revoke": "That token is already revoked"})
    token.revoked_at = utcnow()
    db.session.flush()
    record_event(actor=actor, action="revoked", entity_type="api_token", entity_id=token.id,
                 organisation=access.organisation, after={"prefix": token.prefix})


@dataclass(frozen=True)
class Caller:
    """Who an API request is from: an organisation's token or the programme lead's."""

    token: ApiToken
    organisation: Organisation | None


def authenticate(plain: str | None) -> Caller | None:
    """Return the caller a bearer token names, or None when it is unknown or revoked."""
    if not plain:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
    if token is None or token.revoked_at is not None:
        return None
    organisation = (db.session.get(Organisation, token.organisation_id)
                    if token.organisation_id else None)
    return Caller(token, organisation)


def record_read(*, caller: Caller, path: str) -> None:
    """Note that the token read something (the audit trail and the token's last use)."""
    caller.token.last_used_at = utcnow()
    record_event(actor=None, action="read", entity_type="api_token", entity_id=caller.token.id,
                 organisation=caller.organisation, after={"path": path[:500]})


def _access(caller: Caller) -> OrgAccess:
    if caller.organisation is None:
        raise NotFound("no organisation")
    return OrgAccess(organisation=caller.organisation, roles=frozenset({"viewer"}))


def _cycle(caller: Caller, label: str) -> ReportingCycle:
    access = _access(caller)
    cycle = db.session.scalar(select(ReportingCycle).where(
        ReportingCycle.organisation_id == access.organisation.id, ReportingCycle.label == label))
    if cycle is None:
        raise NotFound(label)
    return cycle


def cycles(*, caller: Caller) -> list[dict[str, Any]]:
    """Return the organisation's cycles, oldest first."""
    access = _access(caller)
    rows = db.session.execute(
        select(ReportingCycle, IndicatorDataset.loaded_at)
        .outerjoin(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.organisation_id == access.organisation.id)
        .order_by(ReportingCycle.period_start)).all()
    return [{"label": c.label, "period_start": c.period_start, "period_end": c.period_end,
             "snapshot_date": c.snapshot_date, "data_loaded_at": loaded}
            for c, loaded in rows]


def results(*, caller: Caller, label: str) -> list[dict[str, Any]]:
    """Return every series of the cycle's saved results, one row per service area and series."""
    cycle = _cycle(caller, label)
    saved = db.session.scalar(select(IndicatorDataset.results).where(
        IndicatorDataset.cycle_id == cycle.id))
    stored = StoredResults(saved)
    rows = []
    for area in stored.areas:
        for sid in SERIES_IDS:
            entry = stored.series(area, sid)
            rows.append({
                "service_area": area, "indicator": sid, "status": entry.status, "rl": entry.rl,
                "ci_low": entry.ci95[0] if entry.ci95 else None,
                "ci_high": entry.ci95[1] if entry.ci95 else None, "rating": entry.rating,
                "low_confidence": entry.low_confidence,
                **{f"{group}_{part}": getattr(getattr(entry, group), part) if getattr(
                    entry, group) else None for group in ("gm", "white")
                   for part in ("numerator", "denominator")}})
    return rows


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def actions(*, caller: Caller, label: str, start: int = 0,
            size: int | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Return how many actions the cycle's plan has (no drafts) and those from `start` (`size`
    of them, or all), each with its progress updates: a page is read from the database, not
    cut from the whole plan (300 actions and 3,000 updates for the ten of a page).

    The actions and their updates are read as columns, in two statements (as objects with
    their themes, owners and updates they were two thirds of the answer's time)."""
    cycle = _cycle(caller, label)
    in_plan = (ActionPlan.cycle_id == cycle.id, Action.is_draft.is_(False))
    total = db.session.scalar(select(func.count(Action.id)).join(
        ActionPlan, ActionPlan.id == Action.plan_id).where(*in_plan)) or 0
    rows = db.session.execute(
        select(Action.id, PlanTheme.name, Action.title, Action.status, User.name,
               Action.start_date, Action.due_date, Action.success_measure, Action.measure_unit,
               Action.measure_baseline, Action.measure_target, Action.measure_current)
        .join(ActionPlan, ActionPlan.id == Action.plan_id)
        .join(PlanTheme, PlanTheme.id == Action.theme_id)
        .outerjoin(User, User.id == Action.owner_id)
        .where(*in_plan).order_by(Action.id).offset(start).limit(size)).all()
    progress: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in rows}
    if progress:
        for action_id, occurred_on, note, new_status, measure_value in db.session.execute(
                select(ProgressUpdate.action_id, ProgressUpdate.occurred_on, ProgressUpdate.note,
                       ProgressUpdate.new_status, ProgressUpdate.measure_value)
                .where(ProgressUpdate.action_id.in_(list(progress)))
                .order_by(ProgressUpdate.action_id, ProgressUpdate.occurred_on,
                          ProgressUpdate.id)):
            progress[action_id].append({
                "occurred_on": occurred_on, "note": note,
                "new_status": new_status.value if new_status else None,
                "measure_value": _number(measure_value)})
    return total, [{
        "id": action_id, "theme": theme, "title": title, "status": status.value,
        "owner": owner, "start_date": start_date, "due_date": due_date,
        "success_measure": success_measure, "measure_unit": measure_unit,
        "measure_baseline": _number(baseline), "measure_target": _number(target),
        "measure_current": _number(current), "progress": progress[action_id]}
        for (action_id, theme, title, status, owner, start_date, due_date, success_measure,
             measure_unit, baseline, target, current) in rows]


def national(*, caller: Caller, label: str) -> list[dict[str, Any]]:
    """Return a published national report's all-staff figures (the programme lead's token)."""
    if caller.organisation is not None:
        raise NotFound(label)
    content = live_report(label=label)
    rows = []
    for area, figures in content["report"].items():
        for sid in SERIES_IDS:
            entry = figures[sid]
            pooled = entry["pooled"]
            rows.append({"service_area": area, "indicator": sid, "rl": pooled["rl"],
                         "ci_low": pooled["ci_low"], "ci_high": pooled["ci_high"],
                         "median": entry["median"], "q1": entry["q1"], "q3": entry["q3"],
                         "within_range_share": entry["within_range_share"],
                         "councils": entry["councils"],
                         "withheld": dict(entry.get("withheld") or {})})
    return rows
