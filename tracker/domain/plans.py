"""Action plans: statuses, overdue, progress towards a target, accountability, starting points.

Pure: "today" is always an argument.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal


class ActionStatus(enum.StrEnum):
    """Where an action stands (docs/domain.md section 5), each with a RAG colour."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    COMPLETE = "complete"
    CARRIED_OVER = "carried_over"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.NOT_STARTED: "Not started",
    ActionStatus.ON_TRACK: "On track",
    ActionStatus.AT_RISK: "At risk",
    ActionStatus.OFF_TRACK: "Off track",
    ActionStatus.COMPLETE: "Complete",
    ActionStatus.CARRIED_OVER: "Carried over",
    ActionStatus.CANCELLED: "Cancelled",
}
# GOV.UK tag colours: green, amber (yellow), red, and neutral ones; words are always shown too.
STATUS_TAG = {
    ActionStatus.NOT_STARTED: "govuk-tag--grey",
    ActionStatus.ON_TRACK: "govuk-tag--green",
    ActionStatus.AT_RISK: "govuk-tag--yellow",
    ActionStatus.OFF_TRACK: "govuk-tag--red",
    ActionStatus.COMPLETE: "govuk-tag--blue",
    ActionStatus.CARRIED_OVER: "govuk-tag--purple",
    ActionStatus.CANCELLED: "govuk-tag--grey",
}
OPEN_STATUSES = frozenset({ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK,
                           ActionStatus.AT_RISK, ActionStatus.OFF_TRACK})
STALE_AFTER_DAYS = 60
DUE_SOON_DAYS = 30


def is_overdue(*, due_date: date | None, status: str, today: date) -> bool:
    """An open action past its due date is overdue, whatever its status says."""
    return due_date is not None and due_date < today and ActionStatus(status).is_open


def progress_towards_target(
    *, baseline: Decimal | None, target: Decimal | None, current: Decimal | None
) -> float | None:
    """Return how far the current value has moved from the baseline to the target (0 to 1+)."""
    if baseline is None or target is None or current is None or target == baseline:
        return None
    return float((current - baseline) / (target - baseline))


class Attention(enum.IntEnum):
    """Why an open action needs its owner's attention, most urgent first."""

    OVERDUE = 0
    DUE_SOON = 1
    STALE = 2
    NONE = 3


def attention(*, due_date: date | None, status: str, last_activity: date,
              today: date) -> tuple[Attention, int]:
    """Say why an open action needs attention and by how many days.

    Overdue (days past the due date), else due within 30 days (days left), else no update for
    60 days (days since the last one), else nothing (0). A closed action needs nothing.
    """
    if not ActionStatus(status).is_open:
        return Attention.NONE, 0
    if is_overdue(due_date=due_date, status=status, today=today):
        assert due_date is not None
        return Attention.OVERDUE, (today - due_date).days
    if due_date is not None and due_date <= today + timedelta(DUE_SOON_DAYS):
        return Attention.DUE_SOON, (due_date - today).days
    if last_activity <= today - timedelta(STALE_AFTER_DAYS):
        return Attention.STALE, (today - last_activity).days
    return Attention.NONE, 0


def new_due_date(due_date: date, *, today: date) -> date:
    """Suggest a carried action's new due date when its own has passed: a year on (29 February
    becomes 28 February), or a year from today if a year on has passed too."""
    def year_on(day: date) -> date:
        return day.replace(year=day.year + 1, day=min(day.day, 28) if day.month == 2 and
                           day.day == 29 else day.day)

    later = year_on(due_date)
    return later if later >= today else year_on(today)


@dataclass(frozen=True)
class ActionFacts:
    """What accountability needs to know about one action."""

    owner: str
    theme: str
    status: str
    due_date: date | None
    last_activity: date


@dataclass
class Tally:
    """Counts for one owner or one theme."""

    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    overdue: int = 0
    due_soon: int = 0
    stale: int = 0

    @property
    def completion(self) -> float | None:
        """Share complete of the actions that still count (not cancelled or carried over)."""
        counted = self.total - self.by_status[ActionStatus.CANCELLED] \
            - self.by_status[ActionStatus.CARRIED_OVER]
        return self.by_status[ActionStatus.COMPLETE] / counted if counted else None

    def add(self, facts: ActionFacts, today: date) -> None:
        self.count(*_marks(facts, today))

    def count(self, status: ActionStatus, overdue: bool, due_soon: bool, stale: bool) -> None:
        """Count one action by its status and marks (as `_marks` says them)."""
        self.total += 1
        self.by_status[status] += 1
        self.overdue += overdue
        self.due_soon += due_soon
        self.stale += stale


def _marks(facts: ActionFacts, today: date) -> tuple[ActionStatus, bool, bool, bool]:
    """An action's status and whether it is overdue, else due soon, and stale (open only)."""
    status = ActionStatus(facts.status)
    if not status.is_open:
        return status, False, False, False
    due = facts.due_date
    overdue = due is not None and due < today
    due_soon = due is not None and not overdue and due <= today + timedelta(DUE_SOON_DAYS)
    return status, overdue, due_soon, facts.last_activity <= today - timedelta(STALE_AFTER_DAYS)


@dataclass
class Accountability:
    by_owner: dict[str, Tally]
    by_theme: dict[str, Tally]
    overall: Tally


def accountability(actions: Iterable[ActionFacts], *, today: date) -> Accountability:
    """Count, per owner and per theme, statuses, overdue, due soon, stale and completion."""
    by_owner: dict[str, Tally] = {}
    by_theme: dict[str, Tally] = {}
    overall = Tally()
    for facts in actions:
        marks = _marks(facts, today)  # once an action, counted three times
        for table, key in ((by_owner, facts.owner), (by_theme, facts.theme)):
            tally = table.get(key)
            if tally is None:  # not setdefault(key, Tally()): that makes a Tally every time
                tally = table[key] = Tally()
            tally.count(*marks)
        overall.count(*marks)
    return Accountability(dict(sorted(by_owner.items())), by_theme, overall)


# Starting points ------------------------------------------------------------------------------

DEFAULT_THEMES: tuple[str, ...] = (
    "Governance and accountability",
    "Data quality and availability",
    "Workforce diversity and recruitment",
    "Leadership",
    "Anti-racism",
    "Disciplinaries and fitness to practise",
    "Bullying and harassment",
)


@dataclass(frozen=True)
class Intervention:
    """A promising intervention the programme reports, to start an action from."""

    key: str
    theme: str
    title: str
    description: str
    indicators: tuple[str, ...]
    success_measure: str
    guidance_url: str = ""
    retired: bool = False


INTERVENTIONS: tuple[Intervention, ...] = (
    Intervention("named-inclusion-lead", DEFAULT_THEMES[0], "Name a lead for inclusion",
                 "Appoint a named senior lead for race equality who reports progress on the "
                 "SC-WRES action plan to the leadership team every quarter.",
                 ("SCW9",), "Quarterly progress report received by the leadership team"),
    Intervention("improve-declaration", DEFAULT_THEMES[1],
                 "Improve ethnicity declaration in HR records",
                 "Explain why ethnicity data matters, make it easy to update in the HR system, "
                 "and follow up with teams where declaration is low.",
                 ("SCW1",), "Staff ethnicity declaration rate of 95% or more"),
    Intervention("staff-survey-reporting", DEFAULT_THEMES[1],
                 "Run a staff survey and encourage incident reporting",
                 "Run a staff survey with the harassment questions and make reporting of racist "
                 "incidents simple and safe.", ("SCW6", "SCW7a", "SCW7b"),
                 "Survey response rate and number of incidents reported"),
    Intervention("anonymous-shortlisting", DEFAULT_THEMES[2],
                 "Anonymous shortlisting and anti-bias interview panels",
                 "Remove names and personal details from applications at shortlisting, and "
                 "make interview panels diverse and trained in reducing bias.",
                 ("SCW2",), "Relative likelihood of appointment from shortlisting within 0.80 to 1.25"),
    Intervention("reverse-mentoring", DEFAULT_THEMES[3], "Reverse mentoring and coaching",
                 "Pair senior leaders with global majority staff as mentors, and offer coaching "
                 "to global majority staff who want to progress.", ("SCW9", "SCW1"),
                 "Number of pairs completing the programme; progression of participants"),
    Intervention("aspiring-managers", DEFAULT_THEMES[3],
                 "Aspiring managers programme across adults' and children's services",
                 "A development programme for staff who want to become managers, with places "
                 "for global majority staff in proportion to the workforce or more.",
                 ("SCW9", "SCW5"), "Share of global majority participants promoted within a year"),
    Intervention("manager-edi-training", DEFAULT_THEMES[3], "Mandatory EDI training for managers",
                 "Every manager completes equality, diversity and inclusion training, including "
                 "how to handle racism from colleagues and the public.", ("SCW7b", "SCW3"),
                 "Percentage of managers trained (one council reached 100%)"),
    Intervention("allyship-network", DEFAULT_THEMES[4], "Allyship network",
                 "Set up a staff allyship network with a senior sponsor and time allowed to "
                 "take part.", ("SCW7a",), "Network membership and activity"),
    Intervention("listening-circles", DEFAULT_THEMES[4], "Listening circles and safe spaces",
                 "Regular facilitated spaces where global majority staff can talk about their "
                 "experience, with themes fed back to leaders anonymously.",
                 ("SCW6", "SCW7a", "SCW7b"), "Sessions held and actions taken from their themes"),
    Intervention("disciplinary-checkpoint", DEFAULT_THEMES[5],
                 "Check cases before the formal disciplinary process",
                 "A senior, trained person reviews each case before it enters the formal "
                 "process, to check that an informal route has been considered fairly.",
                 ("SCW3",), "Relative likelihood of entering the formal process within 0.80 to 1.25"),
    Intervention("ftp-referral-review", DEFAULT_THEMES[5],
                 "Review fitness-to-practise referrals for fairness",
                 "Review each employer referral to the regulator with a diversity lens before it "
                 "is made, and look at the pattern every year.", ("SCW4",),
                 "Relative likelihood of referral within 0.80 to 1.25"),
    Intervention("freedom-to-speak-up", DEFAULT_THEMES[6],
                 "A freedom to speak up guardian with a diversity focus",
                 "Appoint a guardian staff can go to in confidence, with a particular focus on "
                 "race discrimination and harassment.", ("SCW7a", "SCW7b"),
                 "Concerns raised and resolved; survey results on feeling safe to speak up"),
    Intervention("zero-tolerance-public", DEFAULT_THEMES[6],
                 "Zero-tolerance policy on abuse from the public",
                 "Adopt and publicise a zero-tolerance policy on racist abuse from people who "
                 "use services, relatives and the public, and support staff who report it.",
                 ("SCW6",), "Relative likelihood of harassment from the public within 0.80 to 1.25"),
)

INTERVENTIONS_BY_KEY = {i.key: i for i in INTERVENTIONS}


def suggested_interventions(indicator: str,
                            library: Iterable[Intervention] = INTERVENTIONS) -> list[Intervention]:
    """Return the library's interventions that target an indicator (SCW7a for SCW7a only)."""
    return [i for i in library if indicator in i.indicators and not i.retired]

_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s*")


def reflection_action_lines(text: str) -> list[str]:
    """Split the 3 A's 'actions to take' text into one action per non-blank line."""
    lines = (_BULLET.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if line]
