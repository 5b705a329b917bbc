"""Year-on-year review: trends across cycles, national comparison, the annual review, carry-over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Integer, bindparam, func, select, union
from sqlalchemy.orm import aliased, selectinload

from tracker.domain.action_fields import EDITABLE
from tracker.domain.definitions import (
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_LABELS,
    SERVICE_AREAS,
)
from tracker.domain.formatting import uk_date
from tracker.domain.plans import ActionStatus, is_overdue, new_due_date
from tracker.domain.roles import Capability
from tracker.domain.stored_results import StoredResults, StoredSeries
from tracker.domain.trends import Change, Point, classify_change, national_year_for, trend
from tracker.domain.wording import why_no_figure, why_no_interval
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AnnualReview,
    IndicatorDataset,
    NationalFigure,
    ProgressUpdate,
    ReportingCycle,
    ReviewAmendment,
    ReviewNarrative,
    User,
    utcnow,
)
from tracker.services import actions as action_service
from tracker.services import organisations as org_service
from tracker.services import plans as plan_service
from tracker.services.access import OrgAccess, require
from tracker.services.actions import ActionRow
from tracker.services.audit import audit_event, record_event, record_events
from tracker.services.errors import InvalidInput, Locked, NotFound
from tracker.services.locks import lock
from tracker.services.national import published_national_values
from tracker.services.sign_off import SignOffWarning, check_warnings_seen, plan_warnings

# Trends -------------------------------------------------------------------------------------------


def cycles_with_results(*, access: OrgAccess) -> list[tuple[ReportingCycle, StoredResults]]:
    """Return the organisation's cycles, oldest first, each with its saved results (maybe none)."""
    require(access, Capability.READ)
    rows = db.session.execute(
        select(ReportingCycle, IndicatorDataset.results)
        .outerjoin(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.organisation_id == access.organisation.id)
        .order_by(ReportingCycle.period_start))
    return [(cycle, StoredResults(results)) for cycle, results in rows]


def _point(cycle: ReportingCycle, results: StoredResults, indicator: str,
           area: str) -> tuple[Point, StoredSeries]:
    entry = results.series(area, indicator)
    return Point(cycle.label, entry.rl, entry.ci95, entry.rating, entry.status), entry


@dataclass(frozen=True)
class TrendRow:
    cycle: ReportingCycle
    point: Point
    change: Change
    entry: StoredSeries
    national: float | None
    indicator: str = ""

    @property
    def loaded(self) -> bool:
        return self.entry.is_saved

    @property
    def missing(self) -> str:
        """Why the cycle has no figure ("" when it has one)."""
        if not self.loaded:
            return f"No figures loaded for {self.cycle.label}"
        return why_no_figure(self.indicator, self.entry)

    @property
    def no_interval(self) -> str:
        """Why the figure has no interval ("" when it has one)."""
        if not self.loaded:
            return f"No interval: no figures loaded for {self.cycle.label}"
        return why_no_interval(self.indicator, self.entry)


def indicator_trend(*, access: OrgAccess, indicator: str, area: str,
                    cycles: list[tuple[ReportingCycle, StoredResults]] | None = None,
                    national: dict | None = None) -> list[TrendRow]:
    """Return one indicator's results across the cycles, each classified against the last."""
    if indicator not in SERIES_IDS or area not in SERVICE_AREAS:
        raise NotFound(indicator)
    cycles = cycles if cycles is not None else cycles_with_results(access=access)
    national = national if national is not None else national_values()
    points = [_point(cycle, results, indicator, area) for cycle, results in cycles]
    better = INDICATORS_BY_ID[indicator].better_when or "higher"
    classified = trend([p for p, _ in points], better_when=better)
    return [TrendRow(cycle, point, change, entry,
                     national.get((national_year_for(cycle.label), indicator, "")), indicator)
            for (cycle, _), (point, change), (_, entry) in zip(cycles, classified, points,
                                                                strict=True)]


def trend_overview(*, access: OrgAccess, area: str,
                   cycles: list[tuple[ReportingCycle, StoredResults]] | None = None
                   ) -> dict[str, list[TrendRow]]:
    """Return every indicator's trend for one service area (constant queries; `cycles`, from
    `cycles_with_results`, when the caller has them already)."""
    cycles = cycles if cycles is not None else cycles_with_results(access=access)
    national = national_values()
    return {sid: indicator_trend(access=access, indicator=sid, area=area, cycles=cycles,
                                 national=national) for sid in SERIES_IDS}


@dataclass(frozen=True)
class BandTrend:
    """SCW1 across the cycles: each pay band's global majority share and its gap to the
    workforce share, and the workforce share itself (None where a cycle has no figure)."""

    labels: list[str]
    workforce: list[float | None]
    bands: dict[str, list[tuple[float | None, float | None] | None]]


def pay_band_trend(*, access: OrgAccess, area: str,
                   cycles: list[tuple[ReportingCycle, StoredResults]] | None = None) -> BandTrend:
    """Return SCW1's shares by pay band across the organisation's cycles (one query, or none
    given `cycles_with_results` read already: a page showing several areas reads it once)."""
    if area not in SERVICE_AREAS:
        raise NotFound(area)
    if cycles is None:
        cycles = cycles_with_results(access=access)
    saved = [results.pay_bands(area) for _, results in cycles]
    names: list[str] = []
    for scw1 in saved:
        names += [name for name in (scw1.get("bands") or {}) if name not in names]
    bands: dict[str, list[tuple[float | None, float | None] | None]] = {
        name: [((scw1.get("bands") or {})[name].get("gm_share"),
                (scw1.get("bands") or {})[name].get("gap_pp"))
               if name in (scw1.get("bands") or {}) else None for scw1 in saved]
        for name in names}
    return BandTrend([cycle.label for cycle, _ in cycles],
                     [scw1.get("gm_share_workforce") for scw1 in saved], bands)


@dataclass(frozen=True)
class LaterFigure:
    """A later cycle's value of a result an action is linked to, judged against its baseline."""

    label: str
    row: TrendRow
    change: Change


@dataclass(frozen=True)
class LinkOutcome:
    """Did it work? One linked result: its baseline and every later cycle's value."""

    indicator: str
    name: str
    area: str
    baseline_label: str | None
    baseline_rl: float | None
    later: list[LaterFigure]


def did_it_work(*, access: OrgAccess, action: Action,
                cycle: ReportingCycle) -> list[LinkOutcome]:
    """For each result the action is linked to, compare every later cycle's value with the
    baseline (the figure when it was linked) by the trend rule (one query)."""
    require(access, Capability.READ)
    if not action.links:
        return []  # nothing to compare: the cycles' results need not be read
    cycles = cycles_with_results(access=access)
    outcomes = []
    for link in action.links:
        better = INDICATORS_BY_ID[link.indicator].better_when or "higher"
        start = next((i for i, (c, _) in enumerate(cycles)
                      if link.data_as_at is not None and c.snapshot_date == link.data_as_at),
                     next((i for i, (c, _) in enumerate(cycles) if c.id == cycle.id), None))
        rows = indicator_trend(access=access, indicator=link.indicator, area=link.service_area,
                               cycles=cycles, national={})
        if start is None:
            baseline = Point("", link.baseline_rl, None)
            later_rows = []
        else:
            baseline = rows[start].point
            if baseline.rl is None and link.baseline_rl is not None:
                baseline = Point(rows[start].cycle.label, link.baseline_rl, None)
            later_rows = rows[start + 1:]
        outcomes.append(LinkOutcome(
            link.indicator, INDICATORS_BY_ID[link.indicator].short_name, link.service_area,
            rows[start].cycle.label if start is not None else None, baseline.rl,
            [LaterFigure(r.cycle.label, r, classify_change(
                baseline if baseline.rl is not None else None, r.point, better_when=better))
             for r in later_rows]))
    return outcomes


@dataclass(frozen=True, slots=True)
class MarkedAction:
    """The action a marker is about, as the trend page names and links it."""

    id: int
    title: str


@dataclass(frozen=True)
class Marker:
    """When an action linked to the indicator started or was completed."""

    when: date
    kind: str  # "started" or "completed"
    action: MarkedAction
    cycle_label: str


def _linked_actions(query, *, access: OrgAccess, indicator: str, area: str):
    query = (query.join(ActionPlan, ActionPlan.id == Action.plan_id)
             .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
             .join(ActionIndicatorLink, ActionIndicatorLink.action_id == Action.id)
             .where(ReportingCycle.organisation_id == access.organisation.id,
                    ActionIndicatorLink.indicator == indicator).distinct())
    if area != "all":  # all staff: actions for either service area count
        query = query.where(ActionIndicatorLink.service_area.in_({area, "all"}))
    return query


def _marker_dates(*, carried: bool, start_date: date | None, created_at: datetime,
                  status: ActionStatus, completed_on: date | None,
                  updated_at: datetime) -> list[tuple[date, str]]:
    """When an action linked to a result started (a carried one started with its original)
    and was completed (the latest update that completed it, else its last change)."""
    dates = [] if carried else [(start_date or created_at.date(), "started")]
    if status == ActionStatus.COMPLETE:
        dates.append((completed_on or updated_at.date(), "completed"))
    return dates


def _marker_rows(*, access: OrgAccess, indicator: str, area: str, columns: tuple = ()):
    """The linked actions' columns that place their markers (the latest completing update's
    date asked of the database), and `columns` besides: one query, no actions loaded."""
    require(access, Capability.READ)
    completed_on = (select(func.max(ProgressUpdate.occurred_on))
                    .where(ProgressUpdate.action_id == Action.id,
                           ProgressUpdate.new_status == ActionStatus.COMPLETE)
                    .correlate(Action).scalar_subquery())
    return db.session.execute(_linked_actions(
        select(Action.id, Action.carried_from_id, Action.start_date, Action.created_at,
               Action.status, Action.updated_at, completed_on.label("completed_on"), *columns),
        access=access, indicator=indicator, area=area)).all()


def _dates_of(row) -> list[tuple[date, str]]:
    return _marker_dates(carried=row.carried_from_id is not None, start_date=row.start_date,
                         created_at=row.created_at, status=row.status,
                         completed_on=row.completed_on, updated_at=row.updated_at)


def action_markers(*, access: OrgAccess, indicator: str, area: str) -> list[Marker]:
    """Return the start and completion dates of the actions linked to this indicator result."""
    rows = _marker_rows(access=access, indicator=indicator, area=area,
                        columns=(Action.title, ReportingCycle.label))
    markers = [Marker(when, kind, MarkedAction(row.id, row.title), row.label)
               for row in rows for when, kind in _dates_of(row)]
    return sorted(markers, key=lambda m: (m.when, m.kind, m.action.id))


def marker_dates(*, access: OrgAccess, indicator: str, area: str) -> list[tuple[date, str]]:
    """Return the (date, kind) of each of action_markers' markers, for the trend chart."""
    rows = _marker_rows(access=access, indicator=indicator, area=area)
    return [(when, kind) for when, kind, _ in sorted(
        (when, kind, row.id) for row in rows for when, kind in _dates_of(row))]


# National figures --------------------------------------------------------------------------------


def national_values() -> dict[tuple[str, str, str], float]:
    """Return every national figure by (year, indicator, band): a published national report's
    pooled figure replaces the one typed in for its year (tracker/services/national.py)."""
    return {(f.year, f.indicator, f.band): f.value
            for f in db.session.scalars(select(NationalFigure))} | published_national_values()


def list_national_figures() -> list[NationalFigure]:
    """Return the national figures by year and indicator."""
    return list(db.session.scalars(select(NationalFigure).order_by(
        NationalFigure.year.desc(), NationalFigure.indicator, NationalFigure.band)))


def save_national_figure(*, actor: User | None, year: str, indicator: str, band: str,
                         value: float | None, authorities: int | None, note: str) -> NationalFigure:
    """Add or replace a national reference figure (administrators)."""
    errors: dict[str, str] = {}
    if not (len(year) == 4 and year.isdigit() and 2015 <= int(year) <= 2100):
        errors["year"] = "Enter the year of the national report, like 2025"
    if indicator not in INDICATORS_BY_ID:
        errors["indicator"] = "Select an indicator"
    if indicator == "SCW1" and not band.strip():
        errors["band"] = "Enter the pay band for an SCW1 figure"
    if value is None or value <= 0 or (indicator == "SCW1" and value > 1):
        errors["value"] = ("Enter the global majority share as a fraction between 0 and 1, "
                           "like 0.18" if indicator == "SCW1" else
                           "Enter the relative likelihood, a number above 0, like 0.52")
    if errors:
        raise InvalidInput(errors)
    assert value is not None  # checked above
    band = band.strip() if indicator == "SCW1" else ""
    figure = db.session.scalar(select(NationalFigure).where(
        NationalFigure.year == year, NationalFigure.indicator == indicator,
        NationalFigure.band == band))
    before = {"value": figure.value} if figure else None
    if figure is None:
        figure = NationalFigure(year=year, indicator=indicator, band=band, value=value)
        db.session.add(figure)
    figure.value, figure.authorities, figure.note = value, authorities, note.strip()
    db.session.flush()
    record_event(actor=actor, action="saved", entity_type="national_figure", entity_id=figure.id,
                 before=before, after={"year": year, "indicator": indicator, "band": band,
                                       "value": value})
    return figure


# The annual review ---------------------------------------------------------------------------------


def get_review(*, access: OrgAccess, cycle: ReportingCycle) -> AnnualReview:
    """Return the cycle's annual review (made with the cycle)."""
    require(access, Capability.READ)
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)
    query = (select(AnnualReview).where(AnnualReview.cycle_id == cycle.id)
             .options(selectinload(AnnualReview.narratives),
                      selectinload(AnnualReview.amendments).joinedload(ReviewAmendment.author)))
    review = db.session.scalar(query)
    if review is None:  # a cycle made some other way (tests' factories): start it, race-free
        org_service.start_review(cycle_id=cycle.id)
        review = db.session.execute(query).scalar_one()
    return review


@dataclass
class ReviewFact:
    indicator: str
    name: str
    area: str
    row: TrendRow
    completed: list[PlanAction] = field(default_factory=list)
    overdue: list[PlanAction] = field(default_factory=list)
    carried: list[PlanAction] = field(default_factory=list)
    open: list[PlanAction] = field(default_factory=list)
    narrative: ReviewNarrative | None = None


#: An action as the review reads it: a full one, or the columns the plan's pages show.
PlanAction = Action | ActionRow


def cycle_plan(*, access: OrgAccess, cycle: ReportingCycle) -> ActionPlan:
    """Return the cycle's plan (for cycle_actions and review_warnings)."""
    return plan_service.get_plan(access=access, cycle=cycle)


def cycle_actions(*, access: OrgAccess, cycle: ReportingCycle,
                  plan: ActionPlan | None = None) -> list[ActionRow]:
    """Return every action of the cycle's plan (`plan`, when the caller has it already) as the
    plan's pages read it (for review_facts and review_warnings): the columns asked of the
    database, two queries, no ORM graph."""
    if plan is None or plan.cycle_id != cycle.id:
        plan = plan_service.get_plan(access=access, cycle=cycle)
    return action_service.plan_action_rows(access=access, plan=plan)


def _by_indicator(actions: Sequence[PlanAction]
                  ) -> dict[str, list[tuple[PlanAction, set[str]]]]:
    """Each action once under each indicator it is linked to, with the areas of those links."""
    linked: dict[str, list[tuple[PlanAction, set[str]]]] = {}
    for action in actions:
        areas: dict[str, set[str]] = {}
        for link in action.links:
            areas.setdefault(link.indicator, set()).add(link.service_area)
        for indicator, link_areas in areas.items():
            linked.setdefault(indicator, []).append((action, link_areas))
    return linked


def review_facts(*, access: OrgAccess, cycle: ReportingCycle, review: AnnualReview,
                 today: date, actions: Sequence[PlanAction] | None = None,
                 cycles: list[tuple[ReportingCycle, StoredResults]] | None = None
                 ) -> list[ReviewFact]:
    """Return, per indicator and service area, the figures, the change and the linked actions
    (of `actions`, the cycle's plan's, and of `cycles`, `cycles_with_results`, when the caller
    has them already)."""
    cycles = cycles if cycles is not None else cycles_with_results(access=access)
    national = national_values()
    results = next((r for c, r in cycles if c.id == cycle.id), StoredResults(None))
    linked = _by_indicator(actions if actions is not None
                           else cycle_actions(access=access, cycle=cycle))
    narratives = {(n.indicator, n.service_area): n for n in review.narratives}
    facts = []
    index = next((i for i, (c, _) in enumerate(cycles) if c.id == cycle.id), None)
    for area in results.areas or ["all"]:
        for sid in SERIES_IDS:
            row = _fact_row(access, cycles, index, cycle, sid, area, national)
            fact = ReviewFact(sid, INDICATORS_BY_ID[sid].short_name, area, row,
                              narrative=narratives.get((sid, area)))
            for action, link_areas in linked.get(sid, []):
                if area not in link_areas and "all" not in link_areas:
                    continue
                if action.status == ActionStatus.COMPLETE:
                    fact.completed.append(action)
                elif action.status == ActionStatus.CARRIED_OVER:
                    fact.carried.append(action)
                elif is_overdue(due_date=action.due_date, status=action.status, today=today):
                    fact.overdue.append(action)
                elif action.status.is_open:
                    fact.open.append(action)
            facts.append(fact)
    return facts


def _fact_row(access: OrgAccess, cycles: list[tuple[ReportingCycle, StoredResults]],
              index: int | None, cycle: ReportingCycle, indicator: str, area: str,
              national: dict) -> TrendRow:
    """The cycle's trend row: classified against the last earlier cycle with a figure, so only
    the cycles back to that one are read (the trend rule looks no further back)."""
    if index is None:  # not among the cycles read: the whole trend, as indicator_trend has it
        rows = indicator_trend(access=access, indicator=indicator, area=area, cycles=cycles,
                               national=national)
        return next(r for r in rows if r.cycle.id == cycle.id)
    start = index
    while start > 0:
        start -= 1
        if cycles[start][1].series(area, indicator).rl is not None:
            break
    return indicator_trend(access=access, indicator=indicator, area=area,
                           cycles=cycles[start:index + 1], national=national)[-1]


@dataclass(frozen=True)
class ReviewRights:
    """What the user may do to a review now: the lock rules, said once for the page and the service."""

    locked: bool
    can_edit: bool
    can_amend: bool
    can_sign_off: bool


def _may_amend(access: OrgAccess) -> bool:
    return access.can(Capability.EDIT_PLAN) or access.can(Capability.SIGN_OFF)


def review_rights(*, access: OrgAccess, review: AnnualReview) -> ReviewRights:
    """A review is edited until it is signed off; then it is locked and only amended."""
    locked = review.is_signed
    return ReviewRights(
        locked=locked,
        can_edit=access.can(Capability.EDIT_PLAN) and not locked,
        can_amend=locked and _may_amend(access),
        can_sign_off=access.can(Capability.SIGN_OFF) and not locked)


def _lock_unsigned(review: AnnualReview) -> AnnualReview:
    """Lock the review until the request ends and refuse if it is signed off.

    Sign-off takes the same lock, so a narrative or summary is saved either before the
    sign-off (and is what was signed) or not at all.
    """
    review = lock(AnnualReview, review.id)
    _check_unlocked(review)
    return review


def _check_unlocked(review: AnnualReview) -> None:
    if review.is_signed:
        raise Locked(f"The review was signed off on {uk_date(review.signed_at)}. "
                     "Add an amendment instead.")


def save_narrative(*, actor: User, access: OrgAccess, review: AnnualReview, indicator: str,
                   area: str, what_we_did: str, what_changed: str, next_steps: str) -> ReviewNarrative:
    """Write the narrative for one indicator and service area (EDI leads, before sign-off)."""
    require(access, Capability.EDIT_PLAN)
    if indicator not in SERIES_IDS or area not in SERVICE_AREAS:
        raise NotFound(indicator)
    review = _lock_unsigned(review)
    narrative = db.session.scalar(
        select(ReviewNarrative).where(ReviewNarrative.review_id == review.id,
                                      ReviewNarrative.indicator == indicator,
                                      ReviewNarrative.service_area == area)
        .execution_options(populate_existing=True))
    if narrative is None:
        narrative = ReviewNarrative(review_id=review.id, indicator=indicator, service_area=area)
        db.session.add(narrative)
    narrative.what_we_did, narrative.what_changed = what_we_did.strip(), what_changed.strip()
    narrative.next_steps, narrative.updated_at = next_steps.strip(), utcnow()
    db.session.flush()
    record_event(actor=actor, action="narrative_saved", entity_type="annual_review",
                 entity_id=review.id, organisation=access.organisation,
                 after={"indicator": indicator, "service_area": area})
    return narrative


def save_summary(*, actor: User, access: OrgAccess, review: AnnualReview, summary: str) -> None:
    """Write the review's overall summary (EDI leads, before sign-off)."""
    require(access, Capability.EDIT_PLAN)
    review = _lock_unsigned(review)
    before = review.summary
    review.summary = summary.strip()
    db.session.flush()
    record_event(actor=actor, action="summary_saved", entity_type="annual_review",
                 entity_id=review.id, organisation=access.organisation,
                 before={"summary": before[:200]}, after={"summary": review.summary[:200]})


def missing_narratives(results: StoredResults,
                       narratives: list[ReviewNarrative]) -> list[tuple[str, str, str]]:
    """Return (indicator, name, service area) of each figure whose narrative is not written."""
    written = {(n.indicator, n.service_area) for n in narratives
               if (n.what_we_did or n.what_changed or n.next_steps).strip()}
    return [(sid, INDICATORS_BY_ID[sid].short_name, area) for area in results.areas
            for sid in SERIES_IDS
            if results.series(area, sid).has_figure and (sid, area) not in written]


def review_warnings(*, access: OrgAccess, review: AnnualReview,
                    actions: Sequence[PlanAction] | None = None,
                    results: StoredResults | None = None,
                    plan: ActionPlan | None = None) -> list[SignOffWarning]:
    """Say what the review leaves unfinished before it is signed off: what its cycle's plan
    leaves unfinished (the plan sign-off's warnings), then the narratives not written.
    `actions` and `plan` are the cycle's plan's and `results` the cycle's, when the caller has
    them already."""
    require(access, Capability.READ)
    warnings = []
    if plan is None or plan.cycle_id != review.cycle_id:
        plan = db.session.scalar(select(ActionPlan).where(ActionPlan.cycle_id == review.cycle_id))
    if results is None:
        results = StoredResults(db.session.scalar(select(IndicatorDataset.results).where(
            IndicatorDataset.cycle_id == review.cycle_id)))
    if plan is not None:
        warnings = plan_warnings(access=access, plan=plan, actions=actions if actions is not None
                                 else action_service.plan_actions(access=access, plan=plan),
                                 results=results)
    missing = missing_narratives(results, list(review.narratives))
    if missing:
        count = len(missing)
        warnings.append(SignOffWarning(
            f"{count} {'figure has' if count == 1 else 'figures have'} no narrative (what we "
            "did, what changed, what we will do next)",
            [f"{sid} {name}, {SERVICE_AREA_LABELS[area].lower()}" for sid, name, area in missing]))
    return warnings


def sign_off_review(*, actor: User, access: OrgAccess, review: AnnualReview,
                    signer_role: str, warnings_seen: bool = False) -> AnnualReview:
    """Sign the review off (senior sponsors), who confirm that they saw its warnings if it has
    any; it is locked from then on."""
    require(access, Capability.SIGN_OFF)
    review = _lock_unsigned(review)
    if not signer_role.strip():
        raise InvalidInput({"signer_role": "Enter your role"})
    if not review.summary:
        raise InvalidInput({"signer_role": "The review has no summary yet: ask the EDI lead "
                                           "to write one before you sign it off"})
    warnings = review_warnings(access=access, review=review)
    check_warnings_seen(warnings, warnings_seen)
    review.signed_by_id, review.signer_name = actor.id, actor.name
    review.signer_role, review.signed_at = signer_role.strip(), utcnow()
    db.session.flush()
    record_event(actor=actor, action="signed_off", entity_type="annual_review",
                 entity_id=review.id, organisation=access.organisation,
                 after={"signer_role": review.signer_role,
                        "warnings_seen": [w.text for w in warnings]})
    return review


def add_amendment(*, actor: User, access: OrgAccess, review: AnnualReview,
                  text: str) -> ReviewAmendment:
    """Add a dated amendment to a signed-off review (EDI leads and sponsors)."""
    if not _may_amend(access):
        require(access, Capability.EDIT_PLAN)
    review = lock(AnnualReview, review.id)
    if not review.is_signed:
        raise InvalidInput({"text": "The review is not signed off yet: edit it directly"})
    if not text.strip():
        raise InvalidInput({"text": "Enter the amendment"})
    amendment = ReviewAmendment(author_id=actor.id, text=text.strip(), created_at=utcnow())
    review.amendments.append(amendment)
    db.session.flush()
    record_event(actor=actor, action="amended", entity_type="annual_review",
                 entity_id=review.id, organisation=access.organisation,
                 after={"text": amendment.text[:200]})
    return amendment


# Starting the next cycle ------------------------------------------------------------------------


def open_actions(*, access: OrgAccess, cycle: ReportingCycle) -> list[Action]:
    """Return the cycle's open actions, which may be carried over."""
    plan = plan_service.get_plan(access=access, cycle=cycle)
    return [a for a in action_service.plan_actions(access=access, plan=plan)
            if a.status.is_open and a.left_behind_reason is None]


@dataclass(frozen=True, slots=True)
class CarryCandidate:
    """An open action as the next-cycle page offers it for carrying over."""

    id: int
    title: str
    status: ActionStatus
    due_date: date | None
    owner_name: str | None


def carry_candidates(*, access: OrgAccess, cycle: ReportingCycle) -> list[CarryCandidate]:
    """Return `open_actions` as the next-cycle page shows them, in the same order: the columns
    it shows, asked of the database (one query), without loading the actions."""
    plan = plan_service.get_plan(access=access, cycle=cycle)
    rows = db.session.execute(
        select(Action.id, Action.title, Action.status, Action.due_date, User.name)
        .outerjoin(User, User.id == Action.owner_id)
        .where(Action.plan_id == plan.id, Action.left_behind_reason.is_(None))
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id))
    return [CarryCandidate(*row) for row in rows if row.status.is_open]


def start_next_cycle(
    *, actor: User, access: OrgAccess, cycle: ReportingCycle, label: str, period_start: date,
    period_end: date, snapshot_date: date, carry: dict[int, bool], reasons: dict[int, str],
    today: date, new_due_dates: dict[int, date] | None = None,
) -> ReportingCycle:
    """Create the next cycle with this plan's themes, carrying over the chosen open actions.

    Every open action must be either carried (it links back to its original, which becomes
    "carried over") or left behind with a reason. A carried action whose due date has passed
    takes the new due date given for it, or a year on (``new_due_date``) if none was given.
    """
    require(access, Capability.MANAGE_CYCLES)
    candidates = open_actions(access=access, cycle=cycle)
    new_due_dates = new_due_dates or {}
    errors = {f"reason-{a.id}": f"Give a reason for leaving '{a.title}' behind"
              for a in candidates if not carry.get(a.id) and not reasons.get(a.id, "").strip()}
    errors |= {f"due-{a.id}": f"The new due date for '{a.title}' must be today or later"
               for a in candidates if carry.get(a.id) and a.id in new_due_dates
               and new_due_dates[a.id] < today}
    if errors:
        raise InvalidInput(errors)
    old_plan = plan_service.get_plan(access=access, cycle=cycle)
    new_cycle = org_service.create_cycle(
        actor=actor, access=access, label=label, period_start=period_start,
        period_end=period_end, snapshot_date=snapshot_date,
        theme_names=[(t.name, t.retired) for t in plan_service.themes(plan=old_plan)])
    new_plan = plan_service.get_plan(access=access, cycle=new_cycle)
    theme_ids = {t.name: t.id for t in plan_service.themes(plan=new_plan)}
    carried = [a for a in candidates if carry.get(a.id)]
    due_dates = {}
    for action in carried:
        due = action.due_date
        if due is not None and due < today:
            due = new_due_dates.get(action.id) or new_due_date(due, today=today)
        due_dates[action.id] = due
    copies = _copy_into(new_plan, carried, theme_ids, due_dates)
    events, originals = [], {}
    now = utcnow()
    for action in candidates:
        if carry.get(action.id):
            originals[action] = {"status": ActionStatus.CARRIED_OVER, "updated_at": now,
                                 "left_behind_reason": action.left_behind_reason}
            copy_id, due = copies[action.id], due_dates[action.id]
            moved = {"due_date": due.isoformat()} if due != action.due_date and due else {}
            events += [
                audit_event(actor=actor, action="carried_over", entity_type="action",
                            entity_id=action.id, organisation=access.organisation,
                            after={"to": new_cycle.label, "new_action": copy_id}),
                audit_event(actor=actor, action="carried_in", entity_type="action",
                            entity_id=copy_id, organisation=access.organisation,
                            after={"from_action": action.id, **moved})]
        else:
            reason = reasons[action.id].strip()
            originals[action] = {"status": action.status, "updated_at": action.updated_at,
                                 "left_behind_reason": reason}
            events.append(audit_event(actor=actor, action="left_behind", entity_type="action",
                                      entity_id=action.id, organisation=access.organisation,
                                      after={"reason": reason}))
    action_service.update_at_once(originals)
    events.append(audit_event(
        actor=actor, action="next_cycle_started", entity_type="reporting_cycle",
        entity_id=new_cycle.id, organisation=access.organisation,
        after={"from": cycle.label, "to": new_cycle.label, "carried": len(carried),
               "left_behind": len(candidates) - len(carried)}))
    record_events(events)
    return new_cycle


def _copy_into(plan: ActionPlan, actions: list[Action], theme_ids: dict[str, int],
               due_dates: dict[int, date | None]) -> dict[int, int]:
    """Copy the carried actions and their links into the new plan, in one statement each;
    return each original's id -> its copy's id."""
    # The copy keeps the original's last activity: "no update for 60 days" counts along the
    # carry-over chain, and carrying is not an update.
    action_service.insert_at_once(Action, [{
        **{name: getattr(action, name) for name in EDITABLE if name not in ("theme_id",
                                                                             "due_date")},
        "theme_id": theme_ids[action.theme.name], "due_date": due_dates[action.id],
        "plan_id": plan.id, "is_draft": action.is_draft, "carried_from_id": action.id,
        "last_activity_on": action.last_activity_on, "reflection_id": None,
        "left_behind_reason": None} for action in actions])
    copies: dict[int, int] = {original: copy for copy, original in db.session.execute(
        select(Action.id, Action.carried_from_id).where(Action.plan_id == plan.id))
        if original is not None}
    action_service.insert_at_once(ActionIndicatorLink, [{
        "action_id": copies[action.id], "indicator": link.indicator,
        "service_area": link.service_area, "baseline_rl": link.baseline_rl,
        "baseline_rating": link.baseline_rating, "baseline_status": link.baseline_status,
        "data_as_at": link.data_as_at} for action in actions for link in action.links])
    return copies


def _chain_ids():
    """The ids of an action's chain (bound as chain_from): back to the original and forward to
    every later copy, in the database: two recursive CTEs in the one statement, however many
    cycles the action runs across (it was a query a step); UNION drops rows already seen, so
    a loop in carried_from_id ends too. Built once: making a CTE's columns costs every time."""
    start = bindparam("chain_from", type_=Integer)
    back = select(Action.id, Action.carried_from_id).where(Action.id == start) \
        .cte("back", recursive=True)
    earlier = aliased(Action)
    back = back.union(select(earlier.id, earlier.carried_from_id)
                      .join(back, earlier.id == back.c.carried_from_id))
    forward = select(Action.id).where(Action.id == start).cte("forward", recursive=True)
    later = aliased(Action)
    forward = forward.union(select(later.id).join(forward, later.carried_from_id == forward.c.id))
    return union(select(back.c.id), select(forward.c.id))


_CHAIN_IDS = _chain_ids()


def carry_chain(*, access: OrgAccess, action: Action) -> list[tuple[Action, str]]:
    """Return the action's line from its first original to its latest carried copy, with cycles."""
    require(access, Capability.READ)
    rows = db.session.execute(
        select(Action, ReportingCycle.label)
        .join(ActionPlan, ActionPlan.id == Action.plan_id)
        .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
        .where(Action.id.in_(_CHAIN_IDS),
               ReportingCycle.organisation_id == access.organisation.id)
        .options(selectinload(Action.updates).joinedload(ProgressUpdate.author))
        .order_by(ReportingCycle.period_start, Action.id), {"chain_from": action.id}).all()
    return [(a, label) for a, label in rows]

