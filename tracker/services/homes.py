"""What each role's home shows: an owner's actions, the EDI lead's list of what needs doing, the
sponsor's view at a glance and the councils an advisor follows.

Each part is a fixed number of queries, however many actions, cycles, comments or councils
there are (the tests count them).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from sqlalchemy import Select, and_, exists, func, or_, select

from tracker.domain import paths
from tracker.domain.comments import Visibility, days_waiting
from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREAS
from tracker.domain.formatting import LONDON
from tracker.domain.indicators import ADVERSE
from tracker.domain.plans import (
    DUE_SOON_DAYS,
    OPEN_STATUSES,
    STALE_AFTER_DAYS,
    ActionStatus,
    Attention,
    Tally,
    attention,
)
from tracker.domain.results_sheet import data_quality_notes
from tracker.domain.roles import ADVISOR, Capability, Role
from tracker.domain.stored_results import StoredResults
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    AnnualReview,
    AuditEvent,
    Comment,
    FeedbackResponse,
    IndicatorDataset,
    Membership,
    Organisation,
    PlanSignOff,
    PlanTheme,
    ReportingCycle,
    ReviewNarrative,
    User,
)
from tracker.services import feedback as feedback_service
from tracker.services import plans as plan_service
from tracker.services import reviews as review_service
from tracker.services import sign_off as sign_off_service
from tracker.services.access import OrgAccess, accessible_organisations, require
from tracker.services.audit import is_change
from tracker.services.feedback import AwaitingFeedback
from tracker.services.plan_views import IndicatorCoverage

# An action owner's actions ---------------------------------------------------------------------


@dataclass(frozen=True)
class MyAction:
    """One open action the user owns, why it needs attention, and where to update it."""

    action: Action
    organisation: Organisation
    cycle: ReportingCycle
    attention: Attention
    days: int

    @property
    def update_path(self) -> str:
        """The action's page at its progress form."""
        return paths.build(paths.ACTION, slug=self.organisation.slug, label=self.cycle.label,
                           action_id=self.action.id) + "#add-progress"


def my_actions(*, user: User, today: date) -> list[MyAction]:
    """Return the open actions the user owns in every organisation they belong to, in every
    cycle: overdue first (longest overdue first), then due within 30 days (soonest first), then
    those with no update for 60 days (longest first), then the rest by due date."""
    member = exists().where(Membership.user_id == user.id,
                            Membership.organisation_id == Organisation.id)
    rows = db.session.execute(
        select(Action, ReportingCycle, Organisation)
        .join(ActionPlan, ActionPlan.id == Action.plan_id)
        .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
        .join(Organisation, Organisation.id == ReportingCycle.organisation_id)
        .where(Action.owner_id == user.id, Action.is_draft.is_(False),
               Action.status.in_(list(OPEN_STATUSES)), member)
        .options(db.joinedload(Action.theme))).all()
    items = []
    for action, cycle, organisation in rows:
        why, days = attention(due_date=action.due_date, status=action.status,
                              last_activity=action.last_activity_on, today=today)
        items.append(MyAction(action, organisation, cycle, why, days))

    def order(item: MyAction):
        urgency = -item.days if item.attention in (Attention.OVERDUE, Attention.STALE) \
            else item.days
        return (item.attention, urgency, item.action.due_date or date.max,
                item.organisation.name, item.action.title.lower(), item.action.id)

    return sorted(items, key=order)


# An organisation at a glance (the EDI lead's and the sponsor's homes) ---------------------------


@dataclass(frozen=True)
class GlanceAction:
    """What the glance shows of one action: read as columns, not as an Action and its graph."""

    id: int
    title: str
    theme: str
    owner: str | None
    path: str  # its page (paths.ACTION)


@dataclass(frozen=True)
class OverdueAction:
    action: GlanceAction
    days: int


@dataclass
class Glance:
    """An organisation's latest cycle as its EDI lead and senior sponsor need to see it."""

    access: OrgAccess
    cycle: ReportingCycle | None
    has_figures: bool = False
    data_notes: list[str] = field(default_factory=list)
    overall: Tally = field(default_factory=Tally)
    themes: list[tuple[str, Tally]] = field(default_factory=list)
    overdue: list[OverdueAction] = field(default_factory=list)
    uncovered: list[IndicatorCoverage] = field(default_factory=list)
    drafts: list[GlanceAction] = field(default_factory=list)
    incomplete: list[GlanceAction] = field(default_factory=list)  # open, no owner or due date
    awaiting: list[AwaitingFeedback] = field(default_factory=list)
    narratives_missing: list[tuple[str, str, str]] = field(default_factory=list)
    plan_sign_off: PlanSignOff | None = None
    changed_since_sign_off: int = 0
    review_signed: bool = False

    @property
    def organisation(self) -> Organisation:
        return self.access.organisation

    @property
    def plan_needs_sign_off(self) -> bool:
        return bool(self.overall.total) and (self.plan_sign_off is None
                                             or self.changed_since_sign_off > 0)

    @property
    def review_needs_sign_off(self) -> bool:
        return self.has_figures and not self.review_signed

    @property
    def is_sponsor(self) -> bool:
        return Role.SPONSOR.value in self.access.roles

    @property
    def is_lead(self) -> bool:
        return Role.EDI_LEAD.value in self.access.roles


def latest_cycle(*, access: OrgAccess) -> ReportingCycle | None:
    """Return the organisation's latest reporting cycle that is not archived."""
    require(access, Capability.READ)
    return db.session.scalar(
        select(ReportingCycle).where(ReportingCycle.organisation_id == access.organisation.id,
                                     ReportingCycle.is_archived.is_(False))
        .order_by(ReportingCycle.period_start.desc()).limit(1))


def glance(*, access: OrgAccess, today: date) -> Glance:
    """Gather what the organisation's latest cycle needs: its data, its plan, feedback waiting,
    narratives to write and sign-offs pending.

    The plan is read as a few columns of each action and counted in the database (the large
    council's 300 actions as ORM objects with owners, themes and links were most of the
    sponsor's home: 35 ms of CPU). Drafts count, as they did in the accountability view.
    """
    cycle = latest_cycle(access=access)
    if cycle is None:
        return Glance(access=access, cycle=None)
    dataset = db.session.execute(
        select(IndicatorDataset.results, IndicatorDataset.provenance)
        .where(IndicatorDataset.cycle_id == cycle.id)).first()
    plan = plan_service.get_plan(access=access, cycle=cycle)
    sign_off = sign_off_service.latest_sign_off(plan=plan)
    # Only the actions the glance lists or counts one by one (drafts; open ones overdue, or
    # without an owner or a due date; those changed since the plan was signed off): the rest
    # are in the tallies (the large council's 300 rows read and made into objects were a
    # tenth of the EDI lead's home, for its 71 overdue).
    is_open = Action.status.in_(sorted(OPEN_STATUSES))
    listed = or_(Action.is_draft.is_(True),
                 and_(is_open, or_(Action.due_date < today, Action.due_date.is_(None),
                                   Action.owner_id.is_(None))))
    if sign_off is not None:
        listed = or_(listed, Action.updated_at > sign_off.signed_at)
    rows = db.session.execute(
        select(Action.id, Action.title, PlanTheme.name, User.name, Action.status,
               Action.due_date, Action.owner_id, Action.is_draft, Action.updated_at)
        .join(PlanTheme, PlanTheme.id == Action.theme_id)
        .outerjoin(User, User.id == Action.owner_id)
        .where(Action.plan_id == plan.id, listed)
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id)).all()
    # paths.ACTION of each, its start filled once (url_for per row was 71 calls on one page)
    start = paths.build(paths.PLAN, slug=access.organisation.slug, label=cycle.label)
    shown = {row.id: GlanceAction(row.id, row.title, row[2], row[3], f"{start}/actions/{row.id}")
             for row in rows}
    by_theme = _tallies(PlanTheme.name, Action.plan_id == plan.id, today=today)
    overall = Tally()
    for tally in by_theme.values():
        overall.total += tally.total
        overall.by_status.update(tally.by_status)
        overall.overdue += tally.overdue
        overall.due_soon += tally.due_soon
        overall.stale += tally.stale
    themes = [(theme.name, by_theme[theme.name])
              for theme in plan_service.themes(plan=plan) if theme.name in by_theme]
    overdue = sorted((OverdueAction(shown[row.id], (today - row.due_date).days) for row in rows
                      if row.due_date and row.due_date < today and row.status.is_open),
                     key=lambda o: (-o.days, o.action.title.lower()))
    review = db.session.execute(select(AnnualReview.id, AnnualReview.signed_at)
                                .where(AnnualReview.cycle_id == cycle.id)).first()
    results = StoredResults(dataset.results if dataset else None)
    return Glance(
        access=access, cycle=cycle, has_figures=dataset is not None,
        data_notes=data_quality_notes(dataset.provenance) if dataset else [],
        overall=overall, themes=themes, overdue=overdue,
        uncovered=_uncovered(results, plan=plan),
        drafts=[shown[row.id] for row in rows if row.is_draft],
        incomplete=[shown[row.id] for row in rows if row.status.is_open and not row.is_draft
                    and (row.owner_id is None or row.due_date is None)],
        awaiting=feedback_service.awaiting_response(access=access, cycle=cycle, today=today),
        narratives_missing=review_service.missing_narratives(results, list(db.session.scalars(
            select(ReviewNarrative).where(ReviewNarrative.review_id == review.id)))
            if review else []),
        plan_sign_off=sign_off,
        changed_since_sign_off=sum(1 for row in rows if row.updated_at > sign_off.signed_at)
        if sign_off else 0,
        review_signed=bool(review and review.signed_at))


def _uncovered(results: StoredResults, *, plan: ActionPlan) -> list[IndicatorCoverage]:
    """The adverse results no open action of the plan is linked to (plan_views.coverage's
    rows that are `uncovered`), asking the database only which results open actions cover."""
    covered = {(indicator, area) for indicator, area in db.session.execute(
        select(ActionIndicatorLink.indicator, ActionIndicatorLink.service_area).distinct()
        .join(Action, Action.id == ActionIndicatorLink.action_id)
        .where(Action.plan_id == plan.id, Action.status.in_(sorted(OPEN_STATUSES))))}
    rows = []
    for area in SERVICE_AREAS:
        if area not in results:
            continue  # no figures for the area: nothing adverse there
        for sid in SERIES_IDS:
            if results.rating(area, sid) == ADVERSE and (sid, area) not in covered:
                rows.append(IndicatorCoverage(sid, INDICATORS_BY_ID[sid].short_name, area,
                                              results.series(area, sid), []))
    return rows


# The councils an advisor follows -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharingOrganisation:
    """What the advisors' table shows of an organisation (read as columns, not a whole row)."""

    id: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class LatestCycle:
    """What the advisors' table shows of an organisation's latest cycle."""

    id: int
    organisation_id: int
    label: str
    period_start: date


@dataclass
class Council:
    """One organisation sharing with the advisor's groups, as the advisors' table shows it."""

    organisation: SharingOrganisation
    groups: list[str]
    cycle: LatestCycle | None = None
    has_figures: bool = False
    adverse: int = 0
    rated: int = 0
    tally: Tally = field(default_factory=Tally)
    awaiting: int = 0
    longest_wait: int = 0
    last_activity: datetime | None = None

    @property
    def latest_cycle(self) -> str | None:
        return self.cycle.label if self.cycle else None

    # The table's links, built without Flask's url_for (three a row, a hundred rows)
    @property
    def overview_path(self) -> str:
        return paths.build(paths.ORGANISATION, slug=self.organisation.slug)

    @cached_property
    def _cycle_path(self) -> str:
        assert self.cycle is not None
        return paths.build(paths.CYCLE, slug=self.organisation.slug, label=self.cycle.label)

    @property
    def plan_path(self) -> str:
        return self._cycle_path + _PLAN_TAIL

    @property
    def indicators_path(self) -> str:
        return self._cycle_path + _INDICATORS_TAIL


_PLAN_TAIL = paths.PLAN.removeprefix(paths.CYCLE)
_INDICATORS_TAIL = paths.INDICATORS.removeprefix(paths.CYCLE)


COUNCIL_SORTS = {
    "name": lambda c: c.organisation.name.lower(),
    "cycle": lambda c: (c.cycle.period_start if c.cycle else date.min),
    "adverse": lambda c: c.adverse,
    "complete": lambda c: (c.tally.completion if c.tally.completion is not None else -1.0),
    "overdue": lambda c: c.tally.overdue,
    "feedback": lambda c: (c.awaiting, c.longest_wait),
    "activity": lambda c: c.last_activity or datetime.min.replace(tzinfo=LONDON),
}
# The first click on a column sorts the way a reader most often wants it.
DESCENDING_FIRST = frozenset({"cycle", "adverse", "overdue", "feedback", "activity"})


def _sharing(user: User) -> dict[int, Council]:
    """The organisations sharing with the user's groups, by name, with the groups' names."""
    found: dict[int, Council] = {}
    for organisation_id, name, slug, group in db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.slug,
                   AdvisoryGroup.short_name)
            .join(AdvisoryGroupShare, AdvisoryGroupShare.organisation_id == Organisation.id)
            .join(AdvisoryGroup, AdvisoryGroup.id == AdvisoryGroupShare.group_id)
            .join(AdvisoryGroupMember, AdvisoryGroupMember.group_id == AdvisoryGroup.id)
            .where(AdvisoryGroupMember.user_id == user.id)
            .order_by(Organisation.name, AdvisoryGroup.short_name)):
        council = found.get(organisation_id)
        if council is None:
            council = found[organisation_id] = Council(
                SharingOrganisation(organisation_id, name, slug), [])
        if group not in council.groups:
            council.groups.append(group)
    return found


def councils(*, user: User, today: date, sort: str = "name",
             descending: bool = False) -> list[Council]:
    """Return every organisation that shares with the user's advisory groups, with its latest
    cycle, adverse results, plan progress, feedback awaiting a response and last activity."""
    found = _sharing(user)
    if not found:
        return []
    # The councils and their latest cycles as subqueries, not lists of a hundred ids: the
    # statements stay short and the same, so psycopg need not parse each one anew.
    shared = (select(AdvisoryGroupShare.organisation_id)
              .join(AdvisoryGroupMember, AdvisoryGroupMember.group_id == AdvisoryGroupShare.group_id)
              .where(AdvisoryGroupMember.user_id == user.id))
    latest = (select(ReportingCycle.organisation_id,
                     func.max(ReportingCycle.period_start).label("start"))
              .where(ReportingCycle.organisation_id.in_(shared),
                     ReportingCycle.is_archived.is_(False))
              .group_by(ReportingCycle.organisation_id).subquery())
    on_latest = and_(latest.c.organisation_id == ReportingCycle.organisation_id,
                     latest.c.start == ReportingCycle.period_start,
                     ReportingCycle.is_archived.is_(False))
    for row in db.session.execute(  # each council's latest cycle alone, not all five
            select(ReportingCycle.id, ReportingCycle.organisation_id, ReportingCycle.label,
                   ReportingCycle.period_start).join(latest, on_latest)
            .order_by(ReportingCycle.period_start, ReportingCycle.id)):
        found[row.organisation_id].cycle = LatestCycle(*row)  # the last in date order wins
    by_cycle = {c.cycle.id: c for c in found.values() if c.cycle is not None}
    latest_ids = select(ReportingCycle.id).join(latest, on_latest)
    for cycle_id, (has_figures, rated, adverse) in _rating_counts(
            cycle_ids=latest_ids).items():
        if cycle_id in by_cycle:
            council = by_cycle[cycle_id]
            council.has_figures, council.rated, council.adverse = has_figures, rated, adverse
    for cycle_id, tally in plan_tallies(cycle_ids=latest_ids, today=today).items():
        if cycle_id in by_cycle:
            by_cycle[cycle_id].tally = tally
    for organisation_id, count, oldest, created in db.session.execute(
            select(Comment.organisation_id, func.count(Comment.id),
                   func.min(Comment.response_requested_at), func.min(Comment.created_at))
            .where(Comment.organisation_id.in_(shared), Comment.needs_response.is_(True),
                   Comment.deleted_at.is_(None), Comment.visibility == Visibility.SHARED,
                   # an anti-join (NOT EXISTS), not an outer join filtered on NULL: the
                   # planner then hashes the responses once, ~1 ms less over 5,061 comments
                   ~exists().where(FeedbackResponse.comment_id == Comment.id))
            .group_by(Comment.organisation_id)):
        asked = oldest or created
        found[organisation_id].awaiting = count
        found[organisation_id].longest_wait = days_waiting(
            _as_utc(asked).astimezone(LONDON).date(), today) if asked else 0
    # The latest change of each organisation (an API token's read is not one): a backward walk
    # of the index on (organisation_id, occurred_at) each (migration 0027), not every event
    # grouped.
    last_event = select(func.max(AuditEvent.occurred_at)).where(
        AuditEvent.organisation_id == Organisation.id, is_change()
    ).correlate(Organisation).scalar_subquery()
    for organisation_id, last in db.session.execute(
            select(Organisation.id, last_event).where(Organisation.id.in_(shared))):
        if last is not None:
            found[organisation_id].last_activity = _as_utc(last)
    key = COUNCIL_SORTS.get(sort, COUNCIL_SORTS["name"])
    ordered = sorted(found.values(), key=COUNCIL_SORTS["name"])
    return sorted(ordered, key=key, reverse=descending)


def plan_tallies(*, cycle_ids: list[int] | Select, today: date) -> dict[int, Tally]:
    """Count each cycle's plan as Tally.add would (statuses, overdue, due soon, no update for
    STALE_AFTER_DAYS), in the database: one row per cycle and status, however many actions.

    Drafts are left out, as on every page that counts a plan. The rule is Tally.add's, written
    as SQL (tests/integration/test_homes.py compares the two on the same actions).
    """
    return _tallies(ActionPlan.cycle_id, ActionPlan.cycle_id.in_(cycle_ids),
                    Action.is_draft.is_(False), today=today)


def _tallies(key, *where, today: date) -> dict:
    """Tally.add's counts of the actions `where` selects, one Tally per value of `key` (a
    column of the action, its plan or its theme), grouped in the database.

    The rows are grouped by status, so whether a status is open is asked once a group here,
    not of every action in the database (three IN tests a row were a third of the statement
    over the advisor's 6,240 actions); the counts of a closed status's marks are dropped.
    """
    overdue = Action.due_date < today
    due_soon = and_(Action.due_date >= today, Action.due_date <= today + timedelta(DUE_SOON_DAYS))
    stale = Action.last_activity_on <= today - timedelta(STALE_AFTER_DAYS)
    query = (select(key, Action.status, func.count(), func.count().filter(overdue),
                    func.count().filter(due_soon), func.count().filter(stale))
             .join(ActionPlan, ActionPlan.id == Action.plan_id))
    if key is PlanTheme.name:  # the theme only when counting by it (a join a row otherwise)
        query = query.join(PlanTheme, PlanTheme.id == Action.theme_id)
    tallies: dict = {}
    for value, status, total, n_overdue, n_due_soon, n_stale in db.session.execute(
            query.where(*where).group_by(key, Action.status)):
        tally = tallies.get(value)
        if tally is None:
            tally = tallies[value] = Tally()
        status = ActionStatus(status)
        tally.total += total
        tally.by_status[status] += total
        if status in OPEN_STATUSES:
            tally.overdue += n_overdue
            tally.due_soon += n_due_soon
            tally.stale += n_stale
    return tallies


#: (dataset id, loaded_at) -> (any results, rated, adverse). A dataset's figures change only
#: when it is loaded again, which moves loaded_at (the version that national submissions and
#: publications compare too), so what is kept here is never stale; each process keeps its own.
_RATINGS_KEPT: OrderedDict[tuple[int, datetime], tuple[bool, int, int]] = OrderedDict()
RATINGS_KEPT_AT_MOST = 5000


def _rating_counts(*, cycle_ids: list[int] | Select) -> dict[int, tuple[bool, int, int]]:
    """Count each cycle's rated and adverse results, reading (and parsing) only the datasets
    this process has not counted at their current version. Always two queries."""
    versions = {(dataset_id, loaded_at): cycle_id for dataset_id, cycle_id, loaded_at in
                db.session.execute(select(IndicatorDataset.id, IndicatorDataset.cycle_id,
                                          IndicatorDataset.loaded_at)
                                   .where(IndicatorDataset.cycle_id.in_(cycle_ids)))}
    missing = {key[0]: key for key in versions if key not in _RATINGS_KEPT}
    for dataset_id, results in db.session.execute(
            select(IndicatorDataset.id, IndicatorDataset.results)
            .where(IndicatorDataset.id.in_(list(missing)))):
        _RATINGS_KEPT[missing[dataset_id]] = _count_ratings(StoredResults(results))
    counted = {}
    for key, cycle_id in versions.items():
        counted[cycle_id] = _RATINGS_KEPT[key]
        _RATINGS_KEPT.move_to_end(key)
    while len(_RATINGS_KEPT) > RATINGS_KEPT_AT_MOST:
        _RATINGS_KEPT.popitem(last=False)
    return counted


def _count_ratings(results: StoredResults) -> tuple[bool, int, int]:
    rated = adverse = 0
    for area in results.areas:
        for sid in SERIES_IDS:
            rating = results.rating(area, sid)
            rated += rating is not None
            adverse += rating == ADVERSE
    return bool(results), rated, adverse


def _as_utc(value: datetime) -> datetime:
    """Make a stored time aware (UTC), whichever way the database handed it back."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# The home page --------------------------------------------------------------------------------


@dataclass
class Home:
    """Everything the home page shows the signed-in user, by the roles they hold."""

    organisations: list[OrgAccess]  # where they are a member
    glances: list[Glance]  # where they lead or sponsor
    my_actions: list[MyAction]
    owns_actions: bool  # an action owner somewhere, so "My actions" is theirs even when empty
    councils: list[Council]


def home(*, user: User, today: date, sort: str = "name", descending: bool = False) -> Home:
    """Gather the user's home page."""
    accesses = accessible_organisations(user=user)
    members = [a for a in accesses if a.roles - {ADVISOR}]
    glances = [glance(access=a, today=today) for a in members
               if a.roles & {Role.SPONSOR.value, Role.EDI_LEAD.value}]
    return Home(organisations=members, glances=glances,
                my_actions=my_actions(user=user, today=today),
                owns_actions=any(Role.ACTION_OWNER.value in a.roles for a in members),
                councils=councils(user=user, today=today, sort=sort, descending=descending)
                if any(ADVISOR in a.roles for a in accesses) else [])
