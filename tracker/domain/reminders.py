"""Reminders: which owners hear of which due and overdue actions, and a sponsor's week (pure).

"Today" is always an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

REMINDER_HORIZON_DAYS = 14


# Reminders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueAction:
    """An open action with a due date, as reminders see it."""

    action_id: int
    title: str
    owner_id: int
    organisation: str
    due_date: date
    link: str


@dataclass
class OwnerReminder:
    owner_id: int
    overdue: list[DueAction] = field(default_factory=list)
    due_soon: list[DueAction] = field(default_factory=list)


def select_reminders(actions: Iterable[DueAction], *, today: date,
                     horizon: int = REMINDER_HORIZON_DAYS) -> dict[int, OwnerReminder]:
    """Group each owner's overdue actions and those due within `horizon` days (inclusive).

    Owners with neither get no entry: no reminder is sent when there is nothing to say.
    """
    reminders: dict[int, OwnerReminder] = {}
    last = today + timedelta(days=horizon)
    for action in sorted(actions, key=lambda a: (a.due_date, a.title.lower(), a.action_id)):
        if action.due_date < today:
            reminders.setdefault(action.owner_id, OwnerReminder(action.owner_id)).overdue.append(
                action)
        elif action.due_date <= last:
            reminders.setdefault(action.owner_id, OwnerReminder(action.owner_id)).due_soon.append(
                action)
    return reminders


def week_start(today: date) -> date:
    """Return the Monday of today's week (weekly digests are sent once a week)."""
    return today - timedelta(days=today.weekday())


@dataclass(frozen=True)
class WaitingFeedback:
    author: str
    subject: str
    asked_on: date
    link: str


@dataclass
class OrganisationWeek:
    """What a senior sponsor hears about one organisation in the weekly summary."""

    organisation: str
    overdue: list[DueAction] = field(default_factory=list)
    due_soon: list[DueAction] = field(default_factory=list)
    waiting: list[WaitingFeedback] = field(default_factory=list)
    progress_updates: int = 0
    new_comments: int = 0

    @property
    def has_news(self) -> bool:
        return bool(self.overdue or self.due_soon or self.waiting or self.progress_updates
                    or self.new_comments)
