"""Publishing a cycle: the EDI lead prepares its public page, the senior sponsor approves it, it
is live from the approval or its embargo date, and anyone in the organisation who may edit the
plan or sign it off can withdraw it at once. Every step is audited.

The page's content is frozen when it is prepared (``content``): the sponsor approves exactly
what anonymous readers will see. Figures are made safe with ``public_figures.safe_results`` and
the publish check (``disclosure.require_safe``) runs when the page is prepared and again before
it is approved; a failing check refuses. No comment of any kind is part of a public page, and
actions the EDI lead marks private (and drafts) never are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS
from tracker.domain.disclosure import DisclosureError, require_safe
from tracker.domain.plans import is_overdue, progress_towards_target
from tracker.domain.public_figures import apply_publication, publication_of
from tracker.domain.publication import PARTS, PublicationStatus, is_live
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    Action,
    IndicatorDataset,
    Organisation,
    PlanTheme,
    Publication,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services import actions as action_service
from tracker.services import commitments as commitment_service
from tracker.services import plans as plan_service
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import Forbidden, InvalidInput, NotFound


def get_publication(*, access: OrgAccess, cycle: ReportingCycle) -> Publication | None:
    """Return the cycle's public page, prepared or not yet."""
    require(access, Capability.READ)
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)
    return db.session.scalar(select(Publication).where(Publication.cycle_id == cycle.id))


def publishable_actions(*, access: OrgAccess, cycle: ReportingCycle) -> list[Action]:
    """Return the plan's actions that could appear on a public page (no drafts)."""
    plan = plan_service.get_plan(access=access, cycle=cycle)
    return [a for a in action_service.plan_actions(access=access, plan=plan) if not a.is_draft]


def publishable_choices(*, access: OrgAccess, cycle: ReportingCycle) -> list[tuple[int, str]]:
    """Return (id, "title (theme)") of each action `publishable_actions` returns, in its order,
    for the form's "kept private" boxes: the two columns asked of the database (one query)."""
    plan = plan_service.get_plan(access=access, cycle=cycle)
    rows = db.session.execute(
        select(Action.id, Action.title, PlanTheme.name)
        .join(PlanTheme, PlanTheme.id == Action.theme_id)
        .where(Action.plan_id == plan.id, Action.is_draft.is_(False))
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id))
    return [(action_id, f"{title} ({theme})") for action_id, title, theme in rows]


def _ids(values: Iterable[Any], allowed: set[int], field: str) -> list[int]:
    chosen = []
    for value in values:
        if not isinstance(value, int) or value not in allowed:
            raise InvalidInput({field: "Choose actions of this cycle's plan"})
        chosen.append(value)
    return sorted(set(chosen))


def _safe_figures(dataset: IndicatorDataset, threshold: int) -> dict[str, Any]:
    """Return the cycle's results safe to publish, refusing if the publish check fails."""
    table, choice = publication_of(dataset.counts, dataset.results, threshold)
    try:
        require_safe(table, choice)
    except DisclosureError as error:
        raise InvalidInput({"parts": "These figures cannot be published safely: "
                                     f"{error}"}) from None
    safe = apply_publication(dataset.counts, dataset.results, choice)
    return {area: {"indicators": {sid: _public_series(sid, entry["indicators"][sid])
                                  for sid in SERIES_IDS},
                   "declaration_rate": entry["declaration_rate"]}
            for area, entry in safe.items()}


def _count_words(value: int | None, reason: str | None) -> str:
    if value is not None:
        return f"{value:,}"
    return reason or "withheld"


def _public_series(sid: str, entry: dict[str, Any]) -> dict[str, Any]:
    withheld = entry.get("withheld", {})
    return {
        "name": INDICATORS_BY_ID[sid].short_name, "status": entry.get("status"),
        "rl": entry.get("rl"), "rating": entry.get("rating"), "ci95": entry.get("ci95"),
        "gm": [_count_words(entry["gm"]["numerator"], withheld.get("gm.numerator")),
               _count_words(entry["gm"]["denominator"], withheld.get("gm.denominator"))],
        "white": [_count_words(entry["white"]["numerator"], withheld.get("white.numerator")),
                  _count_words(entry["white"]["denominator"],
                               withheld.get("white.denominator"))],
        "why_not_shown": withheld.get("rl", ""),
    }


def _action_entry(action: Action, today: date) -> dict[str, Any]:
    progress = progress_towards_target(baseline=action.measure_baseline,
                                       target=action.measure_target,
                                       current=action.measure_current)
    return {"title": action.title, "status": action.status.label,
            "overdue": is_overdue(due_date=action.due_date, status=action.status, today=today),
            "due": action.due_date.isoformat() if action.due_date else None,
            "goal": action.success_measure,
            "unit": action.measure_unit,
            "target": str(action.measure_target) if action.measure_target is not None else None,
            "current": str(action.measure_current) if action.measure_current is not None
            else None,
            "progress": progress}


@dataclass(frozen=True)
class Choices:
    parts: list[str]
    private_ids: list[int]
    embargo_until: date | None


NOT_SHOWN = "Not shown"


def _commitment_entries(access: OrgAccess, cycle: ReportingCycle, threshold: int,
                        known: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the organisation's commitments, goals and targets as the public page shows them.

    A target's baseline and latest figure are shown only where the published figures of
    their cycle show that relative likelihood, and whether it is on course only where both
    are: a status worked out from a figure kept back would tell something of it. `known`
    holds the safe figures already worked out, by cycle label (the publish check is costly).
    """
    lines = commitment_service.commitments_as_at(access=access, cycle=cycle)
    if not lines:
        raise InvalidInput({"parts": "There are no commitments to publish: add them under "
                                     "Commitments and targets, or leave them out"})
    datasets = {label: dataset for label, dataset in db.session.execute(
        select(ReportingCycle.label, IndicatorDataset)
        .join(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.organisation_id == access.organisation.id))}
    safe = dict(known)

    def shown(label: str | None, area: str, indicator: str) -> float | None:
        if label is None or label not in datasets:
            return None
        if label not in safe:
            try:
                safe[label] = _safe_figures(datasets[label], threshold)
            except InvalidInput:  # that cycle's figures cannot be published at all
                safe[label] = {}
        return safe[label].get(area, {}).get("indicators", {}).get(indicator, {}).get("rl")

    entries = []
    for line in lines:
        goals = []
        for goal in line.goals:
            targets = []
            for item in goal.targets:
                target, judged = item.target, item.judgement
                area = target.service_area
                baseline = shown(target.baseline_cycle.label, area, target.indicator)
                latest_label = judged.latest.label if judged.latest else None
                latest = shown(latest_label, area, target.indicator)
                hidden = baseline is None or (latest_label is not None and latest is None)
                targets.append({
                    "indicator": target.indicator, "name": item.name, "area": item.area,
                    "target": target.target_rl, "by": target.by_cycle,
                    "set_in": target.baseline_cycle.label, "baseline": baseline,
                    "latest_label": latest_label, "latest": latest,
                    "status": NOT_SHOWN if hidden else judged.words,
                    "reason": "the figures it is judged on rest on numbers too small to "
                              "publish" if hidden else judged.reason})
            goals.append({"text": goal.text, "themes": goal.themes, "targets": targets})
        entries.append({"title": line.title, "description": line.description, "goals": goals})
    return entries


def prepare(*, actor: User, access: OrgAccess, cycle: ReportingCycle, choices: Choices,
            threshold: int, today: date) -> Publication:
    """Prepare (or prepare again) the cycle's public page; it waits for the sponsor's approval."""
    require(access, Capability.EDIT_PLAN)
    current = get_publication(access=access, cycle=cycle)
    parts = [p for p in PARTS if p in choices.parts]
    if not parts or len(parts) != len(set(choices.parts)):
        raise InvalidInput({"parts": "Choose what the public page shows"})
    if choices.embargo_until is not None and choices.embargo_until < today:
        raise InvalidInput({"embargo_until": "The embargo date must be today or later"})
    actions = publishable_actions(access=access, cycle=cycle)
    allowed = {a.id for a in actions}
    private = set(_ids(choices.private_ids, allowed, "private_ids"))
    content: dict[str, Any] = {"organisation": access.organisation.name, "cycle": cycle.label,
                               "prepared_on": today.isoformat(), "threshold": threshold,
                               "parts": parts}
    known: dict[str, dict[str, Any]] = {}
    if "indicators" in parts:
        dataset = db.session.scalar(select(IndicatorDataset)
                                    .where(IndicatorDataset.cycle_id == cycle.id))
        if dataset is None:
            raise InvalidInput({"parts": f"No figures are loaded for {cycle.label}: leave out "
                                         "the indicator summary or load them first"})
        content["figures"] = known[cycle.label] = _safe_figures(dataset, threshold)
        content["dataset_loaded_at"] = dataset.loaded_at.isoformat()
    if "commitments" in parts:
        content["commitments"] = _commitment_entries(access, cycle, threshold, known)
    if "plan" in parts:
        themes: dict[str, list[dict[str, Any]]] = {}
        for action in actions:
            if action.id not in private:
                themes.setdefault(action.theme.name, []).append(_action_entry(action, today))
        content["plan"] = [{"theme": name, "actions": entries} for name, entries in themes.items()]
    stored = {"parts": parts, "private_ids": sorted(private),
              "embargo_until": choices.embargo_until.isoformat() if choices.embargo_until
              else None}
    before = _state(current) if current else None
    if current is None:
        current = Publication(organisation_id=access.organisation.id, cycle_id=cycle.id,
                              choices=stored, content=content)
        db.session.add(current)
    else:
        current.version += 1
    current.status, current.choices, current.content = PublicationStatus.PREPARED, stored, content
    current.embargo_until = choices.embargo_until
    current.prepared_by_id, current.prepared_at = actor.id, utcnow()
    current.approved_by_id = current.approved_at = None
    current.withdrawn_by_id = current.withdrawn_at = None
    current.withdrawn_reason = ""
    db.session.flush()
    record_event(actor=actor, action="publication.prepared", entity_type="publication",
                 entity_id=current.id, organisation=access.organisation, before=before,
                 after=_state(current))
    return current


def _state(publication: Publication) -> dict[str, Any]:
    return {"status": publication.status.value, "version": publication.version,
            **publication.choices}


def approve(*, actor: User, access: OrgAccess, publication: Publication, version: int,
            threshold: int) -> Publication:
    """Approve the prepared page as the sponsor read it (refused if it changed since)."""
    require(access, Capability.SIGN_OFF)
    _check_own(access, publication)
    if publication.status is not PublicationStatus.PREPARED:
        raise InvalidInput({"confirm": "There is no prepared page waiting for approval"})
    if publication.version != version:
        raise InvalidInput({"confirm": "The page was prepared again since you read it: read "
                                       "it again before approving"})
    if "figures" in publication.content:
        dataset = db.session.scalar(select(IndicatorDataset)
                                    .where(IndicatorDataset.cycle_id == publication.cycle_id))
        if dataset is None or dataset.loaded_at.isoformat() != \
                publication.content.get("dataset_loaded_at"):
            raise InvalidInput({"confirm": "The figures were loaded again since the page was "
                                           "prepared: the EDI lead must prepare it again"})
        _safe_figures(dataset, threshold)  # the publish check, again, before it goes out
    before = _state(publication)
    publication.status = PublicationStatus.APPROVED
    publication.approved_by_id, publication.approved_at = actor.id, utcnow()
    record_event(actor=actor, action="publication.approved", entity_type="publication",
                 entity_id=publication.id, organisation=access.organisation, before=before,
                 after=_state(publication))
    return publication


def withdraw(*, actor: User, access: OrgAccess, publication: Publication,
             reason: str) -> Publication:
    """Take the page down at once (it can be prepared and approved again)."""
    if not (access.can(Capability.EDIT_PLAN) or access.can(Capability.SIGN_OFF)):
        raise Forbidden("withdraw")
    _check_own(access, publication)
    if publication.status is not PublicationStatus.APPROVED:
        raise InvalidInput({"reason": "Only an approved page can be withdrawn"})
    if not reason.strip():
        raise InvalidInput({"reason": "Enter why the page is withdrawn"})
    before = _state(publication)
    publication.status = PublicationStatus.WITHDRAWN
    publication.withdrawn_by_id, publication.withdrawn_at = actor.id, utcnow()
    publication.withdrawn_reason = reason.strip()
    record_event(actor=actor, action="publication.withdrawn", entity_type="publication",
                 entity_id=publication.id, organisation=access.organisation, before=before,
                 after={**_state(publication), "reason": publication.withdrawn_reason})
    return publication


def _check_own(access: OrgAccess, publication: Publication) -> None:
    if publication.organisation_id != access.organisation.id:
        raise NotFound(publication.id)


# What anyone may read, signed in or not --------------------------------------------------------


def live_publications(*, today: date) -> list[Publication]:
    """Return every live public page, by organisation and newest cycle first."""
    rows = db.session.scalars(
        select(Publication).join(Organisation, Organisation.id == Publication.organisation_id)
        .join(ReportingCycle, ReportingCycle.id == Publication.cycle_id)
        .where(Publication.status == PublicationStatus.APPROVED)
        .options(db.contains_eager(Publication.organisation), db.contains_eager(Publication.cycle))
        .order_by(Organisation.name, ReportingCycle.period_start.desc()))
    return [p for p in rows if is_live(status=p.status, embargo_until=p.embargo_until,
                                       today=today)]


def public_page(*, slug: str, label: str, today: date) -> Publication:
    """Return a live public page, or NotFound (never published, embargoed or withdrawn)."""
    publication = db.session.scalar(
        select(Publication).join(Organisation, Organisation.id == Publication.organisation_id)
        .join(ReportingCycle, ReportingCycle.id == Publication.cycle_id)
        .where(Organisation.slug == slug, ReportingCycle.label == label))
    if publication is None or not is_live(status=publication.status,
                                          embargo_until=publication.embargo_until, today=today):
        raise NotFound(f"{slug}/{label}")
    return publication
