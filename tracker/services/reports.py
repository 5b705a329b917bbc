"""What the reports and exports are made from: a cycle's figures, for the organisation or for
publication (small numbers kept safe), and the results spreadsheets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.domain.comments import Visibility
from tracker.domain.commitments import TARGET_STATUS_WORDS
from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS
from tracker.domain.formatting import LONDON, london_time
from tracker.domain.indicators import ADVERSE, GM_WHITE
from tracker.domain.plans import ActionStatus, Tally, is_overdue
from tracker.domain.public_figures import safe_results
from tracker.domain.results_sheet import (
    WRITING_VERSION,
    CycleFigures,
    results_csv_bytes,
    results_xlsx_bytes,
)
from tracker.domain.roles import Capability, Role
from tracker.domain.stored_results import StoredResults
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    AnnualReview,
    Comment,
    FeedbackResponse,
    IndicatorDataset,
    Organisation,
    ReportingCycle,
    ReviewAmendment,
    utcnow,
)
from tracker.services import actions as action_service
from tracker.services import charts as chart_service
from tracker.services import commitments as commitment_service
from tracker.services import indicators as indicator_service
from tracker.services import plan_views
from tracker.services import plans as plan_service
from tracker.services import reviews as review_service
from tracker.services import sign_off as sign_off_service
from tracker.services.access import OrgAccess, require
from tracker.services.commitments import CommitmentLine
from tracker.services.errors import NotFound
from tracker.services.indicators import Figures
from tracker.services.reviews import TrendRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv", "xlsx": XLSX}


def command_line_access(*, slug: str) -> OrgAccess:
    """Return read access to an organisation for the command line (run by whoever runs the app)."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(slug)
    return OrgAccess(organisation=organisation, roles=frozenset({Role.VIEWER.value}))


def reader_access(*, organisation_id: int) -> OrgAccess:
    """Return read access to an organisation for work done outside a request (documents, jobs).

    The route or command that asked for the work has checked who may read it.
    """
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(organisation_id)
    return OrgAccess(organisation=organisation, roles=frozenset({Role.VIEWER.value}))


def cycle_by_id(*, access: OrgAccess, cycle_id: int) -> ReportingCycle:
    """Return one of the organisation's cycles by id."""
    require(access, Capability.READ)
    cycle = db.session.get(ReportingCycle, cycle_id)
    if cycle is None or cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle_id)
    return cycle


def cycle_figures(*, access: OrgAccess, cycle: ReportingCycle, dataset: IndicatorDataset,
                  orientation: str = GM_WHITE, for_publication: bool = False,
                  threshold: int = 10) -> CycleFigures:
    """Return one cycle's figures for an export: as saved, or safe to publish."""
    require(access, Capability.READ)
    figures = indicator_service.dataset_figures(dataset, orientation)
    results = figures.results
    if for_publication:
        results = safe_results(dataset.counts, results, threshold)
    return CycleFigures(label=cycle.label, results=results, provenance=dataset.provenance,
                        orientation=orientation, for_publication=for_publication,
                        threshold=threshold if for_publication else None)


def figures_for_export(*, access: OrgAccess, cycle: ReportingCycle | None,
                       orientation: str = GM_WHITE, for_publication: bool = False,
                       threshold: int = 10) -> list[CycleFigures]:
    """Return the figures of one cycle, or of every cycle with data (oldest first)."""
    require(access, Capability.READ)
    query = (select(ReportingCycle, IndicatorDataset)
             .join(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
             .where(ReportingCycle.organisation_id == access.organisation.id)
             .order_by(ReportingCycle.period_start))
    if cycle is not None:
        query = query.where(ReportingCycle.id == cycle.id)
    return [cycle_figures(access=access, cycle=c, dataset=d, orientation=orientation,
                          for_publication=for_publication, threshold=threshold)
            for c, d in db.session.execute(query)]


def results_file(*, access: OrgAccess, cycles: list[CycleFigures], fmt: str,
                 now: datetime | None = None) -> bytes:
    """Return the figures as CSV or XLSX bytes.

    A workbook is written once per version of its figures and kept under their content hash
    (tracker/services/charts.py): the same figures give the kept file, whose About sheet says
    when it was written; changed figures give another key. With `now` given, a new one is
    written with that time.
    """
    require(access, Capability.READ)
    if fmt == "csv":
        return results_csv_bytes(cycles)
    if fmt == "xlsx":
        organisation = access.organisation.name

        def write() -> bytes:
            return results_xlsx_bytes(cycles, organisation=organisation,
                                      generated=london_time(now or utcnow()))
        if now is not None:
            return write()
        key = chart_service.chart_key("results.xlsx", WRITING_VERSION, organisation, cycles)
        return chart_service.kept_file(key=key, make=write)
    raise NotFound(fmt)


def results_filename(*, access: OrgAccess, cycle: ReportingCycle | None, fmt: str,
                     for_publication: bool) -> str:
    """Name a results download: northshire-2024-25-sc-wres-figures[-for-publication].xlsx."""
    which = cycle.label if cycle else "all-cycles"
    suffix = "-for-publication" if for_publication else ""
    return f"{access.organisation.slug}-{which}-sc-wres-figures{suffix}.{fmt}"


# The board pack ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """An indicator result that moved since the last cycle (or did not)."""

    indicator: str
    name: str
    area: str
    row: TrendRow


@dataclass(frozen=True)
class ThemeSection:
    """One theme of the plan with its actions and their tally."""

    name: str
    retired: bool
    actions: list[Action]
    tally: Tally


@dataclass(frozen=True)
class YouSaid:
    """One piece of advisors' feedback and the organisation's answer: "you said, we did"."""

    author_name: str
    said: str
    outcome: str
    reason: str
    action_title: str | None
    responded_on: date


@dataclass(frozen=True)
class SignOff:
    what: str
    signer_name: str
    signer_role: str
    signed_at: datetime
    statement: str = ""


@dataclass
class BoardPack:
    """Everything a board pack shows for one cycle (the template lays it out)."""

    organisation: Organisation
    cycle: ReportingCycle
    today: date
    figures: Figures | None
    adverse: dict[str, list[str]]  # area -> the indicators rated adverse
    rated: dict[str, int]  # area -> how many indicators have a rating
    moved: list[Moved]
    trends: dict[str, list[Moved]]  # area -> every indicator's row for this cycle
    overall: Tally
    themes: list[ThemeSection]
    overdue: list[Action]
    you_said: list[YouSaid]
    sign_offs: list[SignOff]
    uncovered: list[tuple[str, str, str]] = field(default_factory=list)
    commitments: list[CommitmentLine] = field(default_factory=list)

    @property
    def adverse_count(self) -> int:
        return sum(len(ids) for ids in self.adverse.values())

    @property
    def targets_by_status(self) -> dict[str, int]:
        """How many of the commitments' targets are met, on course and so on (words -> count,
        only those with any)."""
        tally = Counter(line.judgement.words for c in self.commitments for goal in c.goals
                        for line in goal.targets)
        return {words: tally[words] for words in TARGET_STATUS_WORDS.values() if tally[words]}

    @property
    def rated_count(self) -> int:
        return sum(self.rated.values())

    @property
    def areas(self) -> list[str]:
        return StoredResults(self.figures.results).areas if self.figures else []


def board_pack(*, access: OrgAccess, cycle: ReportingCycle, today: date) -> BoardPack:
    """Gather a cycle's board pack: results, what moved, the plan by theme, feedback, sign-offs.

    A fixed number of queries, however many actions, indicators or cycles there are.
    """
    require(access, Capability.READ)
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)
    dataset = indicator_service.get_dataset(access=access, cycle=cycle)
    figures = indicator_service.dataset_figures(dataset) if dataset else None
    results = StoredResults(figures.results if figures else None)
    cycles = review_service.cycles_with_results(access=access)
    national = review_service.national_values()
    trends: dict[str, list[Moved]] = {}
    adverse: dict[str, list[str]] = {}
    rated: dict[str, int] = {}
    for area in results.areas:
        rows = []
        adverse[area], rated[area] = [], 0
        for sid in SERIES_IDS:
            trend = review_service.indicator_trend(access=access, indicator=sid, area=area,
                                                   cycles=cycles, national=national)
            row = next(r for r in trend if r.cycle.id == cycle.id)
            rows.append(Moved(sid, INDICATORS_BY_ID[sid].short_name, area, row))
            if row.point.rating:
                rated[area] += 1
            if row.point.rating == ADVERSE:
                adverse[area].append(sid)
        trends[area] = rows
    moved = [m for rows in trends.values() for m in rows
             if m.row.change.movement in ("towards", "away")]
    plan = plan_service.get_plan(access=access, cycle=cycle)
    actions = action_service.plan_actions(access=access, plan=plan)
    tallies = plan_views.accountability_view(access=access, plan=plan, actions=actions,
                                             today=today)
    by_theme: dict[int, list[Action]] = {}
    for action in actions:
        by_theme.setdefault(action.theme_id, []).append(action)
    sections = [ThemeSection(theme.name, theme.retired, by_theme.get(theme.id, []),
                             tallies.by_theme.get(theme.name, Tally()))
                for theme in plan_service.themes(plan=plan)
                if by_theme.get(theme.id) or not theme.retired]
    overdue = sorted((a for a in actions
                      if is_overdue(due_date=a.due_date, status=a.status, today=today)),
                     key=lambda a: (a.due_date, a.id))
    uncovered = [(row.indicator, row.name, row.service_area)
                 for row in plan_views.coverage(access=access, plan=plan, actions=actions)
                 if row.uncovered]
    return BoardPack(organisation=access.organisation, cycle=cycle, today=today,
                     figures=figures, adverse=adverse, rated=rated, moved=moved, trends=trends,
                     overall=tallies.overall, themes=sections, overdue=overdue,
                     you_said=_you_said(access, cycle), sign_offs=_sign_offs(access, plan, cycle),
                     uncovered=uncovered,
                     commitments=commitment_service.commitments_as_at(access=access, cycle=cycle,
                                                                      cycles=cycles))


def _you_said(access: OrgAccess, cycle: ReportingCycle) -> list[YouSaid]:
    """Return the cycle's answered feedback, oldest answer first (shared comments only)."""
    rows = db.session.execute(
        select(Comment, FeedbackResponse)
        .join(FeedbackResponse, FeedbackResponse.comment_id == Comment.id)
        .where(Comment.organisation_id == access.organisation.id,
               Comment.cycle_id == cycle.id, Comment.deleted_at.is_(None),
               Comment.visibility == Visibility.SHARED)
        .options(db.joinedload(Comment.author), db.joinedload(FeedbackResponse.action))
        .order_by(FeedbackResponse.responded_at, FeedbackResponse.id)).all()
    return [YouSaid(author_name=_author(comment), said=comment.body,
                    outcome=response.outcome.label,
                    reason=response.reason,
                    action_title=response.action.title if response.action else None,
                    responded_on=response.responded_at.astimezone(LONDON).date())
            for comment, response in rows]


def _author(comment: Comment) -> str:
    name = comment.author.name if comment.author else "A former advisor"
    return f"{name} ({comment.posted_as})" if comment.posted_as else name


def _sign_offs(access: OrgAccess, plan: ActionPlan, cycle: ReportingCycle) -> list[SignOff]:
    records = [SignOff("The action plan", s.signer_name, s.signer_role, s.signed_at, s.statement)
               for s in sign_off_service.sign_offs(access=access, plan=plan)]
    review = db.session.scalar(select(AnnualReview).where(AnnualReview.cycle_id == cycle.id))
    if review is not None and review.signed_at is not None:
        records.append(SignOff("The annual review", review.signer_name or "",
                               review.signer_role or "", review.signed_at))
    return sorted(records, key=lambda s: s.signed_at)


# The council's SC-WRES report ------------------------------------------------------------------


@dataclass(frozen=True)
class Narrative:
    what_we_did: str = ""
    what_changed: str = ""
    next_steps: str = ""

    @property
    def written(self) -> bool:
        return bool(self.what_we_did or self.what_changed or self.next_steps)


@dataclass(frozen=True)
class ReportFact:
    """One indicator of one service area: its figure, its change, its narrative, its actions."""

    indicator: str
    name: str
    area: str
    row: TrendRow
    narrative: Narrative
    completed: int
    overdue: int
    carried: int
    open: int


@dataclass(frozen=True)
class Amendment:
    written_at: datetime
    author_name: str
    text: str


@dataclass
class AnnualReport:
    """The council's own SC-WRES report of a cycle, built from the annual review."""

    pack: BoardPack
    summary: str
    review_sign_off: SignOff | None
    facts: list[ReportFact]
    amendments: list[Amendment]


def annual_report(*, access: OrgAccess, cycle: ReportingCycle, today: date) -> AnnualReport:
    """Gather the council's report: the review's summary and narratives beside the board pack's
    figures, trends and plan (a fixed number of queries). Reading never starts a review."""
    pack = board_pack(access=access, cycle=cycle, today=today)
    review = db.session.scalar(
        select(AnnualReview).where(AnnualReview.cycle_id == cycle.id)
        .options(selectinload(AnnualReview.narratives),
                 selectinload(AnnualReview.amendments).joinedload(ReviewAmendment.author)))
    narratives = {(n.indicator, n.service_area): Narrative(n.what_we_did, n.what_changed,
                                                           n.next_steps)
                  for n in (review.narratives if review else [])}
    actions = [a for section in pack.themes for a in section.actions]
    facts = []
    for area, rows in pack.trends.items():
        for moved in rows:
            linked = [a for a in actions if any(
                link.indicator == moved.indicator and link.service_area in (area, "all")
                for link in a.links)]
            overdue = [a for a in linked
                       if is_overdue(due_date=a.due_date, status=a.status, today=today)]
            facts.append(ReportFact(
                moved.indicator, moved.name, area, moved.row,
                narratives.get((moved.indicator, area), Narrative()),
                completed=sum(a.status == ActionStatus.COMPLETE for a in linked),
                overdue=len(overdue),
                carried=sum(a.status == ActionStatus.CARRIED_OVER for a in linked),
                open=sum(a.status.is_open and a not in overdue for a in linked)))
    signed = None
    if review is not None and review.signed_at is not None:
        signed = SignOff("The annual review", review.signer_name or "", review.signer_role or "",
                         review.signed_at)
    amendments = [Amendment(a.created_at, a.author.name if a.author else "A former member",
                            a.text) for a in (review.amendments if review else [])]
    return AnnualReport(pack=pack, summary=review.summary if review else "",
                        review_sign_off=signed, facts=facts, amendments=amendments)


@dataclass(frozen=True)
class ReportsStatus:
    """What the cycle's Reports page needs to say about what can be produced."""

    has_figures: bool
    review_signed: bool


def reports_status(*, access: OrgAccess, cycle: ReportingCycle) -> ReportsStatus:
    """Say whether the cycle has figures and a signed-off review."""
    require(access, Capability.READ)
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)
    has_figures = db.session.scalar(select(IndicatorDataset.id)
                                    .where(IndicatorDataset.cycle_id == cycle.id)) is not None
    signed_at = db.session.scalar(select(AnnualReview.signed_at)
                                  .where(AnnualReview.cycle_id == cycle.id))
    return ReportsStatus(has_figures=has_figures, review_signed=signed_at is not None)
