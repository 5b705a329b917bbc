"""An organisation's commitments, their goals and indicator targets (docs/domain.md section 9).

EDI leads add, change, reorder and remove them; everyone who may read the organisation reads
them. Writes lock the parent first (the organisation for the commitments' order, the
commitment for its goals, the goal for its targets), and each is in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.domain.commitments import (
    TARGET_MAX,
    TargetJudgement,
    cycle_label_problem,
    cycle_year,
    judge_target,
    label_after,
    path_value,
    years_after,
)
from tracker.domain.definitions import (
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_WORDS,
    SERVICE_AREAS,
)
from tracker.domain.roles import Capability
from tracker.domain.stored_results import StoredResults
from tracker.domain.trends import Point
from tracker.extensions import db
from tracker.models import (
    ActionPlan,
    Commitment,
    CommitmentGoal,
    IndicatorDataset,
    IndicatorTarget,
    Organisation,
    PlanTheme,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services.access import OrgAccess, require
from tracker.services.audit import changes, record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import lock, unique_or_invalid
from tracker.services.unique import used_by_another

TITLE_MAX = 200
GOAL_MAX = 1000

# Reading -----------------------------------------------------------------------------------------


def list_commitments(*, access: OrgAccess) -> list[Commitment]:
    """Return the organisation's commitments in order, with their goals and targets (3 queries,
    however many there are)."""
    require(access, Capability.READ)
    return list(db.session.scalars(
        select(Commitment).where(Commitment.organisation_id == access.organisation.id)
        .order_by(Commitment.position, Commitment.id)
        .options(selectinload(Commitment.goals).selectinload(CommitmentGoal.targets)
                 .joinedload(IndicatorTarget.baseline_cycle))))


def get_commitment(*, access: OrgAccess, commitment_id: int) -> Commitment:
    """Return one of the organisation's commitments, or raise NotFound."""
    require(access, Capability.READ)
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or commitment.organisation_id != access.organisation.id:
        raise NotFound(commitment_id)
    return commitment


def get_goal(*, access: OrgAccess, commitment: Commitment, goal_id: int) -> CommitmentGoal:
    """Return one goal of the commitment, or raise NotFound."""
    get_commitment(access=access, commitment_id=commitment.id)
    goal = db.session.get(CommitmentGoal, goal_id)
    if goal is None or goal.commitment_id != commitment.id:
        raise NotFound(goal_id)
    return goal


def get_target(*, access: OrgAccess, goal: CommitmentGoal, target_id: int) -> IndicatorTarget:
    """Return one target of the goal, or raise NotFound."""
    get_goal(access=access, commitment=goal.commitment, goal_id=goal.id)
    target = db.session.get(IndicatorTarget, target_id)
    if target is None or target.goal_id != goal.id:
        raise NotFound(target_id)
    return target


def theme_choices(*, access: OrgAccess) -> list[str]:
    """Return the themes a goal may be part of: those of the latest cycle's plan, in order."""
    require(access, Capability.READ)
    latest = (select(ReportingCycle.id).where(
        ReportingCycle.organisation_id == access.organisation.id)
        .order_by(ReportingCycle.period_start.desc()).limit(1).scalar_subquery())
    return list(db.session.scalars(
        select(PlanTheme.name).join(ActionPlan, ActionPlan.id == PlanTheme.plan_id)
        .where(ActionPlan.cycle_id == latest, PlanTheme.retired.is_(False))
        .order_by(PlanTheme.position, PlanTheme.id)))


def baseline_cycles(*, access: OrgAccess) -> list[ReportingCycle]:
    """Return the cycles a target can be set in (every cycle, newest first)."""
    require(access, Capability.READ)
    return list(db.session.scalars(
        select(ReportingCycle).where(ReportingCycle.organisation_id == access.organisation.id)
        .order_by(ReportingCycle.period_start.desc())))


# Commitments ----------------------------------------------------------------------------------


def _checked_commitment(access: OrgAccess, title: str, description: str,
                        current: Commitment | None) -> tuple[str, str]:
    title, description = title.strip(), description.strip()
    if not title:
        raise InvalidInput({"title": "Enter the commitment's title"})
    if len(title) > TITLE_MAX:
        raise InvalidInput({"title": f"The commitment's title must be {TITLE_MAX} characters "
                                     "or fewer"})
    if used_by_another(Commitment.title, title, key=Commitment.id, current=current,
                       among=Commitment.organisation_id == access.organisation.id):
        raise InvalidInput({"title": f"There is already a commitment called {title}"})
    return title, description


def _unique_title(title: str):
    return unique_or_invalid({"commitments.organisation_id,title": (
        "title", f"There is already a commitment called {title}")})


def add_commitment(*, actor: User, access: OrgAccess, title: str,
                   description: str = "") -> Commitment:
    """Add a commitment after the others."""
    require(access, Capability.EDIT_PLAN)
    lock(Organisation, access.organisation.id)  # one change to the order at a time
    title, description = _checked_commitment(access, title, description, None)
    position = db.session.execute(
        select(func.coalesce(func.max(Commitment.position), -1))
        .where(Commitment.organisation_id == access.organisation.id)).scalar_one() + 1
    commitment = Commitment(organisation_id=access.organisation.id, title=title,
                            description=description, position=position)
    with _unique_title(title):
        db.session.add(commitment)
    record_event(actor=actor, action="commitment_added", entity_type="commitment",
                 entity_id=commitment.id, organisation=access.organisation,
                 after={"title": title, "description": description})
    return commitment


def update_commitment(*, actor: User, access: OrgAccess, commitment: Commitment, title: str,
                      description: str) -> Commitment:
    """Change a commitment's title and description."""
    require(access, Capability.EDIT_PLAN)
    commitment = lock(Commitment, get_commitment(access=access, commitment_id=commitment.id).id)
    title, description = _checked_commitment(access, title, description, commitment)
    before, after = changes(commitment, ["title", "description"],
                            {"title": title, "description": description})
    if after:
        commitment.updated_at = utcnow()
        with _unique_title(title):
            pass
        record_event(actor=actor, action="commitment_changed", entity_type="commitment",
                     entity_id=commitment.id, organisation=access.organisation,
                     before=before, after=after)
    return commitment


def move_commitment(*, actor: User, access: OrgAccess, commitment: Commitment,
                    direction: int) -> None:
    """Move a commitment one place up (-1) or down (+1)."""
    require(access, Capability.EDIT_PLAN)
    lock(Organisation, access.organisation.id)
    ordered = list(db.session.scalars(
        select(Commitment).where(Commitment.organisation_id == access.organisation.id)
        .order_by(Commitment.position, Commitment.id)))
    _move(ordered, commitment.id, direction)
    record_event(actor=actor, action="commitment_moved", entity_type="commitment",
                 entity_id=commitment.id, organisation=access.organisation,
                 after={"order": [c.title for c in ordered]})


def _move(ordered: list, row_id: int, direction: int) -> None:
    index = next((i for i, row in enumerate(ordered) if row.id == row_id), None)
    if index is None:
        raise NotFound(row_id)
    other = index + direction
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position
    db.session.flush()


def remove_commitment(*, actor: User, access: OrgAccess, commitment: Commitment) -> None:
    """Remove a commitment with its goals and targets."""
    require(access, Capability.EDIT_PLAN)
    lock(Organisation, access.organisation.id)
    commitment = lock(Commitment, get_commitment(access=access, commitment_id=commitment.id).id)
    record_event(actor=actor, action="commitment_removed", entity_type="commitment",
                 entity_id=commitment.id, organisation=access.organisation,
                 before={"title": commitment.title,
                         "goals": [goal.text for goal in commitment.goals]})
    db.session.delete(commitment)
    db.session.flush()


# Goals -------------------------------------------------------------------------------------------


def _checked_goal(access: OrgAccess, text: str, themes: list[str],
                  current: CommitmentGoal | None) -> tuple[str, list[str]]:
    errors: dict[str, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = "Enter the goal"
    elif len(text) > GOAL_MAX:
        errors["text"] = f"The goal must be {GOAL_MAX:,} characters or fewer"
    allowed = [*theme_choices(access=access), *(current.themes if current else [])]
    chosen = [name for name in dict.fromkeys(themes) if name]
    unknown = [name for name in chosen if name not in allowed]
    if unknown:
        errors["themes"] = f"{unknown[0]} is not one of the plan's themes"
    elif not chosen:
        errors["themes"] = "Select the themes this goal is part of"
    if errors:
        raise InvalidInput(errors)
    return text, chosen


def add_goal(*, actor: User, access: OrgAccess, commitment: Commitment, text: str,
             themes: list[str]) -> CommitmentGoal:
    """Add a goal at the end of a commitment, part of the given plan themes."""
    require(access, Capability.EDIT_PLAN)
    commitment = lock(Commitment, get_commitment(access=access, commitment_id=commitment.id).id)
    text, chosen = _checked_goal(access, text, themes, None)
    position = max((goal.position for goal in commitment.goals), default=-1) + 1
    goal = CommitmentGoal(commitment_id=commitment.id, text=text, themes=chosen,
                          position=position)
    db.session.add(goal)
    db.session.flush()
    record_event(actor=actor, action="goal_added", entity_type="commitment",
                 entity_id=commitment.id, organisation=access.organisation,
                 after={"goal": text, "themes": chosen})
    return goal


def update_goal(*, actor: User, access: OrgAccess, goal: CommitmentGoal, text: str,
                themes: list[str]) -> CommitmentGoal:
    """Change a goal's words and themes."""
    require(access, Capability.EDIT_PLAN)
    goal = get_goal(access=access, commitment=goal.commitment, goal_id=goal.id)
    lock(Commitment, goal.commitment_id)
    goal = lock(CommitmentGoal, goal.id)
    text, chosen = _checked_goal(access, text, themes, goal)
    before, after = changes(goal, ["text", "themes"], {"text": text, "themes": chosen})
    db.session.flush()
    if after:
        record_event(actor=actor, action="goal_changed", entity_type="commitment",
                     entity_id=goal.commitment_id, organisation=access.organisation,
                     before=before, after=after)
    return goal


def move_goal(*, actor: User, access: OrgAccess, goal: CommitmentGoal, direction: int) -> None:
    """Move a goal one place up (-1) or down (+1) within its commitment."""
    require(access, Capability.EDIT_PLAN)
    goal = get_goal(access=access, commitment=goal.commitment, goal_id=goal.id)
    commitment = lock(Commitment, goal.commitment_id)
    db.session.refresh(commitment, ["goals"])
    ordered = list(commitment.goals)
    _move(ordered, goal.id, direction)
    # audited, as moving a commitment is: the pages showing the goals change with it
    record_event(actor=actor, action="goal_moved", entity_type="commitment",
                 entity_id=commitment.id, organisation=access.organisation,
                 after={"order": [g.text for g in ordered]})


def remove_goal(*, actor: User, access: OrgAccess, goal: CommitmentGoal) -> None:
    """Remove a goal with its targets."""
    require(access, Capability.EDIT_PLAN)
    goal = get_goal(access=access, commitment=goal.commitment, goal_id=goal.id)
    lock(Commitment, goal.commitment_id)
    record_event(actor=actor, action="goal_removed", entity_type="commitment",
                 entity_id=goal.commitment_id, organisation=access.organisation,
                 before={"goal": goal.text, "themes": goal.themes,
                         "targets": [target_words(t) for t in goal.targets]})
    db.session.delete(goal)
    db.session.flush()


# Targets -----------------------------------------------------------------------------------------


def target_words(target: IndicatorTarget) -> str:
    """Say a target in a line: "SCW2, all staff: 0.80 by 2026-27 (from 0.52 in 2023-24)"."""
    return (f"{target.indicator}, {SERVICE_AREA_WORDS[target.service_area]}: "
            f"{target.target_rl:.2f} by {target.by_cycle} "
            f"(from {target.baseline_rl:.2f} in {target.baseline_cycle.label})")


@dataclass(frozen=True)
class TargetValues:
    indicator: str
    service_area: str
    target_rl: float
    by_cycle: str
    baseline_cycle: ReportingCycle
    baseline_rl: float


def _field_errors(access: OrgAccess, *, indicator: str, service_area: str,
                  target: Decimal | float | None, by_cycle: str,
                  baseline_label: str) -> tuple[dict[str, str], ReportingCycle | None]:
    errors: dict[str, str] = {}
    if indicator not in SERIES_IDS:
        errors["indicator"] = ("Select an indicator from SCW2 to SCW9: a target is a relative "
                               "likelihood")
    if service_area not in SERVICE_AREAS:
        errors["service_area"] = "Select all staff, adult or children's social care"
    if target is None:
        errors["target"] = "Enter the target relative likelihood, like 0.8"
    elif not 0 < Decimal(str(target)) <= TARGET_MAX:
        errors["target"] = (f"The target relative likelihood must be more than 0 and at most "
                            f"{TARGET_MAX}, like 0.8 (1 is parity)")
    cycle = next((c for c in baseline_cycles(access=access) if c.label == baseline_label), None)
    if cycle is None:
        errors["baseline_cycle"] = "Select the cycle the target is set in"
    problem = cycle_label_problem(by_cycle)
    if not by_cycle:
        errors["by_cycle"] = "Enter the cycle to reach the target by, like 2026-27"
    elif problem:
        errors["by_cycle"] = f"The cycle to reach it by {problem}"
    elif cycle is not None and cycle_year(by_cycle) <= cycle_year(cycle.label):
        errors["by_cycle"] = (f"The cycle to reach it by must be after {cycle.label}, the "
                              "cycle the target is set in")
    return errors, cycle


def _checked_target(access: OrgAccess, goal: CommitmentGoal, *, indicator: str,
                    service_area: str, target: Decimal | float | None, by_cycle: str,
                    baseline_label: str, current: IndicatorTarget | None) -> TargetValues:
    by_cycle = by_cycle.strip()
    errors, cycle = _field_errors(access, indicator=indicator, service_area=service_area,
                                  target=target, by_cycle=by_cycle,
                                  baseline_label=baseline_label)
    if errors:
        raise InvalidInput(errors)
    assert cycle is not None and target is not None
    baseline = _figure(cycle, indicator, service_area)
    area = SERVICE_AREA_WORDS[service_area]
    if baseline is None:
        raise InvalidInput({"baseline_cycle": (
            f"{cycle.label} has no {indicator} figure for {area} to start from: choose a cycle "
            "whose figures are loaded")})
    if baseline <= 0:
        raise InvalidInput({"baseline_cycle": (
            f"{cycle.label}'s {indicator} figure for {area} is 0, from which no path can be "
            "drawn: choose another cycle")})
    if abs(float(target) - baseline) < 0.005:
        raise InvalidInput({"target": (f"The target must differ from {cycle.label}'s figure, "
                                       f"{baseline:.2f}")})
    taken = db.session.scalar(select(IndicatorTarget.id).where(
        IndicatorTarget.goal_id == goal.id, IndicatorTarget.indicator == indicator,
        IndicatorTarget.service_area == service_area,
        IndicatorTarget.id != (current.id if current else -1)))
    if taken is not None:
        raise InvalidInput({"indicator": f"This goal already has a target for {indicator}, "
                                         f"{area}"})
    return TargetValues(indicator, service_area, float(target), by_cycle, cycle, baseline)


def _figure(cycle: ReportingCycle, indicator: str, area: str) -> float | None:
    results = db.session.scalar(select(IndicatorDataset.results)
                                .where(IndicatorDataset.cycle_id == cycle.id))
    return StoredResults(results).series(area, indicator).rl


def _unique_target(indicator: str, area: str):
    return unique_or_invalid({"indicator_targets.goal_id,indicator,service_area": (
        "indicator", f"This goal already has a target for {indicator}, "
                     f"{SERVICE_AREA_WORDS.get(area, area)}")})


def add_target(*, actor: User, access: OrgAccess, goal: CommitmentGoal, indicator: str,
               service_area: str, target: Decimal | float | None, by_cycle: str,
               baseline_cycle: str) -> IndicatorTarget:
    """Give a goal a target: a relative likelihood to reach by a cycle, from the figure of the
    cycle it is set in."""
    require(access, Capability.EDIT_PLAN)
    goal = get_goal(access=access, commitment=goal.commitment, goal_id=goal.id)
    lock(Commitment, goal.commitment_id)
    goal = lock(CommitmentGoal, goal.id)
    values = _checked_target(access, goal, indicator=indicator, service_area=service_area,
                             target=target, by_cycle=by_cycle, baseline_label=baseline_cycle,
                             current=None)
    row = IndicatorTarget(goal_id=goal.id, indicator=values.indicator,
                          service_area=values.service_area, target_rl=values.target_rl,
                          by_cycle=values.by_cycle, baseline_cycle_id=values.baseline_cycle.id,
                          baseline_rl=values.baseline_rl)
    with _unique_target(values.indicator, values.service_area):
        db.session.add(row)
    row.baseline_cycle = values.baseline_cycle
    record_event(actor=actor, action="target_added", entity_type="commitment",
                 entity_id=goal.commitment_id, organisation=access.organisation,
                 after={"goal": goal.text, "target": target_words(row)})
    return row


def update_target(*, actor: User, access: OrgAccess, target: IndicatorTarget, indicator: str,
                  service_area: str, target_rl: Decimal | float | None, by_cycle: str,
                  baseline_cycle: str) -> IndicatorTarget:
    """Change a target; a new indicator, area or cycle set in takes that cycle's figure as its
    baseline."""
    require(access, Capability.EDIT_PLAN)
    target = get_target(access=access, goal=target.goal, target_id=target.id)
    goal = target.goal
    lock(Commitment, goal.commitment_id)
    lock(CommitmentGoal, goal.id)
    target = lock(IndicatorTarget, target.id)
    values = _checked_target(access, goal, indicator=indicator, service_area=service_area,
                             target=target_rl, by_cycle=by_cycle, baseline_label=baseline_cycle,
                             current=target)
    was = target_words(target)
    target.indicator, target.service_area = values.indicator, values.service_area
    target.target_rl, target.by_cycle = values.target_rl, values.by_cycle
    target.baseline_cycle, target.baseline_rl = values.baseline_cycle, values.baseline_rl
    with _unique_target(values.indicator, values.service_area):
        pass
    now = target_words(target)
    if now != was:
        record_event(actor=actor, action="target_changed", entity_type="commitment",
                     entity_id=goal.commitment_id, organisation=access.organisation,
                     before={"goal": goal.text, "target": was},
                     after={"goal": goal.text, "target": now})
    return target


def remove_target(*, actor: User, access: OrgAccess, target: IndicatorTarget) -> None:
    """Remove a target from its goal."""
    require(access, Capability.EDIT_PLAN)
    target = get_target(access=access, goal=target.goal, target_id=target.id)
    lock(Commitment, target.goal.commitment_id)
    record_event(actor=actor, action="target_removed", entity_type="commitment",
                 entity_id=target.goal.commitment_id, organisation=access.organisation,
                 before={"goal": target.goal.text, "target": target_words(target)})
    db.session.delete(target)
    db.session.flush()


# On course ---------------------------------------------------------------------------------------


def judge_targets(*, access: OrgAccess, targets: list[IndicatorTarget],
                  as_at: ReportingCycle | None = None,
                  cycles: list[tuple[ReportingCycle, StoredResults]] | None = None,
                  ) -> dict[int, TargetJudgement]:
    """Judge each target on the latest figure up to `as_at` (every cycle when None): one query
    for the figures, however many targets."""
    require(access, Capability.READ)
    if cycles is None:
        cycles = _cycles(access)
    if as_at is not None:
        cycles = [(c, r) for c, r in cycles if c.period_start <= as_at.period_start]
    judged = {}
    for target in targets:
        points = []
        for cycle, results in cycles:
            entry = results.series(target.service_area, target.indicator)
            points.append(Point(cycle.label, entry.rl, entry.ci95, entry.rating, entry.status))
        judged[target.id] = judge_target(
            baseline=target.baseline_rl, target=target.target_rl,
            set_in=target.baseline_cycle.label, by=target.by_cycle, points=points)
    return judged


def all_targets(commitments: list[Commitment]) -> list[IndicatorTarget]:
    """Return every target of these commitments, in the order shown."""
    return [t for c in commitments for goal in c.goals for t in goal.targets]


def indicator_name(indicator: str) -> str:
    """Name an indicator for a target's line: "SCW2 Appointed from shortlisting"."""
    return f"{indicator} {INDICATORS_BY_ID[indicator].short_name}"


# Targets on the trend pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class TargetOnTrend:
    """A target as a trend page shows it: whose it is, its path, its dates and its status."""

    target: IndicatorTarget
    commitment: str
    goal: str
    judgement: TargetJudgement
    #: (cycle label, what the path expects then), from the cycle set in to the target's cycle.
    path: list[tuple[str, float]]
    set_when: date
    by_when: date


def trend_targets(*, access: OrgAccess, area: str, indicator: str | None = None,
                  cycles: list[tuple[ReportingCycle, StoredResults]] | None = None,
                  ) -> dict[str, list[TargetOnTrend]]:
    """Return the targets for one service area (of one indicator, or all), by indicator, in the
    commitments' order (two queries, however many)."""
    require(access, Capability.READ)
    query = (select(IndicatorTarget, CommitmentGoal.text, Commitment.title)
             .join(CommitmentGoal, CommitmentGoal.id == IndicatorTarget.goal_id)
             .join(Commitment, Commitment.id == CommitmentGoal.commitment_id)
             .where(Commitment.organisation_id == access.organisation.id,
                    IndicatorTarget.service_area == area)
             .options(joinedload(IndicatorTarget.baseline_cycle))
             .order_by(Commitment.position, Commitment.id, CommitmentGoal.position,
                       CommitmentGoal.id, IndicatorTarget.id))
    if indicator is not None:
        query = query.where(IndicatorTarget.indicator == indicator)
    rows = db.session.execute(query).all()
    if not rows:
        return {}
    cycles = cycles if cycles is not None else _cycles(access)
    judged = judge_targets(access=access, targets=[row[0] for row in rows], cycles=cycles)
    snapshots = {cycle.label: cycle.snapshot_date for cycle, _ in cycles}
    found: dict[str, list[TargetOnTrend]] = {}
    for target, goal, title in rows:
        set_in = target.baseline_cycle
        years = cycle_year(target.by_cycle) - cycle_year(set_in.label)
        path = [(label, path_value(baseline=target.baseline_rl, target=target.target_rl,
                                   set_in=set_in.label, by=target.by_cycle, label=label))
                for label in (label_after(set_in.label, n) for n in range(years + 1))]
        by_when = snapshots.get(target.by_cycle) or years_after(set_in.snapshot_date, years)
        found.setdefault(target.indicator, []).append(TargetOnTrend(
            target, title, goal, judged[target.id], path, set_in.snapshot_date, by_when))
    return found


def _cycles(access: OrgAccess) -> list[tuple[ReportingCycle, StoredResults]]:
    return [(cycle, StoredResults(results)) for cycle, results in db.session.execute(
        select(ReportingCycle, IndicatorDataset.results)
        .outerjoin(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.organisation_id == access.organisation.id)
        .order_by(ReportingCycle.period_start))]


# Commitments as at a cycle (the review, the board pack, the council's report, the public page) -


@dataclass(frozen=True)
class TargetLine:
    target: IndicatorTarget
    judgement: TargetJudgement

    @property
    def name(self) -> str:
        return indicator_name(self.target.indicator)

    @property
    def area(self) -> str:
        return SERVICE_AREA_WORDS[self.target.service_area]


@dataclass(frozen=True)
class GoalLine:
    text: str
    themes: list[str]
    targets: list[TargetLine]


@dataclass(frozen=True)
class CommitmentLine:
    title: str
    description: str
    goals: list[GoalLine]


def commitments_as_at(*, access: OrgAccess, cycle: ReportingCycle,
                      cycles: list[tuple[ReportingCycle, StoredResults]] | None = None,
                      ) -> list[CommitmentLine]:
    """Return the commitments with their goals and the targets set by `cycle`, each judged on
    the figures up to that cycle (a fixed number of queries)."""
    commitments = list_commitments(access=access)
    targets = [t for t in all_targets(commitments)
               if t.baseline_cycle.period_start <= cycle.period_start]
    judged = judge_targets(access=access, targets=targets, as_at=cycle, cycles=cycles)
    return [CommitmentLine(c.title, c.description, [
        GoalLine(goal.text, list(goal.themes),
                 [TargetLine(t, judged[t.id]) for t in goal.targets if t.id in judged])
        for goal in c.goals]) for c in commitments]


def rename_theme_in_goals(*, organisation_id: int, cycle_id: int, old: str, new: str) -> None:
    """Keep goals with a theme renamed in the latest cycle's plan (goals hold themes by name)."""
    latest = db.session.scalar(select(ReportingCycle.id).where(
        ReportingCycle.organisation_id == organisation_id)
        .order_by(ReportingCycle.period_start.desc()).limit(1))
    if latest != cycle_id or old == new:
        return
    goals = db.session.scalars(
        select(CommitmentGoal).join(Commitment, Commitment.id == CommitmentGoal.commitment_id)
        .where(Commitment.organisation_id == organisation_id))
    for goal in goals:
        if old in goal.themes:
            goal.themes = [new if name == old else name for name in goal.themes]
    db.session.flush()
