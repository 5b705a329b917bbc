"""The programme's yearly cycle: regions, kinds of council, deadlines and each council's status.

docs/domain.md section 8. A council's status in a programme year moves on as it goes: not
started (no data saved for the year's cycle), data loaded, submitted to the programme, plan
signed off, review signed off. It is also **late** when a deadline has passed without its step:
the data deadline without a submission, the plan deadline without the plan's sign-off.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from tracker.domain.emails import Line, Section, Wording
from tracker.domain.formatting import uk_date

#: The regions of England (ONS), which a council belongs to.
REGIONS: tuple[str, ...] = (
    "North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West",
)


class CouncilKind(enum.StrEnum):
    """The kind of council, for the national report's breakdowns."""

    COUNTY = "county"
    UNITARY = "unitary"
    METROPOLITAN_DISTRICT = "metropolitan_district"
    LONDON_BOROUGH = "london_borough"

    @property
    def label(self) -> str:
        return COUNCIL_KIND_LABELS[self]


COUNCIL_KIND_LABELS = {
    CouncilKind.COUNTY: "County council",
    CouncilKind.UNITARY: "Unitary authority",
    CouncilKind.METROPOLITAN_DISTRICT: "Metropolitan district",
    CouncilKind.LONDON_BOROUGH: "London borough",
}


class CouncilStatus(enum.StrEnum):
    """How far a council has gone in a programme year, in order."""

    NOT_STARTED = "not_started"
    DATA_LOADED = "data_loaded"
    SUBMITTED = "submitted"
    PLAN_SIGNED_OFF = "plan_signed_off"
    REVIEW_SIGNED_OFF = "review_signed_off"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CouncilStatus.NOT_STARTED: "Not started",
    CouncilStatus.DATA_LOADED: "Data loaded",
    CouncilStatus.SUBMITTED: "Submitted",
    CouncilStatus.PLAN_SIGNED_OFF: "Plan signed off",
    CouncilStatus.REVIEW_SIGNED_OFF: "Review signed off",
}


def council_status(*, has_data: bool, submitted: bool, plan_signed_off: bool,
                   review_signed_off: bool) -> CouncilStatus:
    """Return the furthest step a council has reached (a sign-off counts once submitted)."""
    if not has_data:
        return CouncilStatus.NOT_STARTED
    if not submitted:
        return CouncilStatus.DATA_LOADED
    if review_signed_off:
        return CouncilStatus.REVIEW_SIGNED_OFF
    if plan_signed_off:
        return CouncilStatus.PLAN_SIGNED_OFF
    return CouncilStatus.SUBMITTED


def late_for(*, submitted: bool, plan_signed_off: bool, data_deadline: date | None,
             plan_deadline: date | None, today: date) -> list[str]:
    """Say which deadlines have passed without their step ("data", "plan"); none when on time.

    A deadline is met on its day: it has passed from the day after.
    """
    late = []
    if data_deadline is not None and today > data_deadline and not submitted:
        late.append("data")
    if plan_deadline is not None and today > plan_deadline and not plan_signed_off:
        late.append("plan")
    return late


#: Days before a deadline on which the EDI leads hear of it; after it, the day after and weekly.
REMIND_DAYS_BEFORE = (14, 3)
DEADLINE_WORDS = {"data": "submit the cycle's data to the programme",
                  "plan": "have the action plan signed off by the senior sponsor"}


@dataclass(frozen=True)
class DeadlineReminder:
    """A deadline an organisation's EDI leads hear of today: coming (days > 0) or passed."""

    kind: str  # "data" or "plan"
    deadline: date
    days: int  # until the deadline (negative: since it passed)

    @property
    def passed(self) -> bool:
        return self.days < 0


def deadline_reminders(*, data_deadline: date | None, plan_deadline: date | None,
                       submitted: bool, plan_signed_off: bool,
                       today: date) -> list[DeadlineReminder]:
    """Return the reminders due today: 14 and 3 days before a deadline whose step is not done,
    then the day after it passed and each week after that until it is done."""
    due = []
    for kind, deadline, done in (("data", data_deadline, submitted),
                                 ("plan", plan_deadline, plan_signed_off)):
        if deadline is None or done:
            continue
        days = (deadline - today).days
        if days in REMIND_DAYS_BEFORE or (days < 0 and -days % 7 == 1):
            due.append(DeadlineReminder(kind, deadline, days))
    return due


def deadline_message(*, name: str, organisation: str, label: str,
                     reminders: list[DeadlineReminder], links: dict[str, str],
                     settings_url: str) -> Wording:
    """An EDI lead's reminder of the programme's deadlines for their organisation."""
    lines = []
    for reminder in reminders:
        when = (f"passed on {uk_date(reminder.deadline)}" if reminder.passed
                else f"is {uk_date(reminder.deadline)}, in {reminder.days} days")
        lines.append(Line(f"The {reminder.kind} deadline {when}: "
                          f"{DEADLINE_WORDS[reminder.kind]}.", links[reminder.kind]))
    passed = any(r.passed for r in reminders)
    subject = (f"SC-WRES {label}: {'a deadline has passed' if passed else 'a deadline is near'}"
               f" for {organisation}")
    return Wording(subject=subject, template="deadline",
                   context={"name": name, "organisation": organisation, "label": label,
                            "sections": [Section(f"{organisation}, {label}", lines)],
                            "settings_url": settings_url})
