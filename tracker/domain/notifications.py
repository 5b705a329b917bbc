"""Notifications: their kinds, how often each person hears of each, and how a digest is grouped.

Pure: no Flask, no DB.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


class NotificationKind(enum.StrEnum):
    """Why someone is told about something; each person chooses how they hear of each kind."""

    MENTION = "mention"
    REPLY = "reply"
    RESPONSE = "response"
    FEEDBACK = "feedback"
    OWNER = "owner"
    REMINDER = "reminder"
    WEEKLY = "weekly"
    FOLLOWED = "followed"
    TROUBLE = "trouble"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    NotificationKind.MENTION: "When someone mentions you in a comment",
    NotificationKind.REPLY: "When someone replies to your comment",
    NotificationKind.RESPONSE: "When your feedback gets a response",
    NotificationKind.FEEDBACK: "When an advisor asks your organisation for a response",
    NotificationKind.OWNER: "When you are made the owner of an action",
    NotificationKind.REMINDER: "Reminders about your actions that are due in the next 14 days "
                               "or overdue",
    NotificationKind.WEEKLY: "A weekly summary of your organisation's plan (senior sponsors)",
    NotificationKind.FOLLOWED: "When an action or result you follow is updated or commented on",
    NotificationKind.TROUBLE: "When an action turns at risk or off track (EDI leads)",
}
DIGEST_HEADINGS = {
    NotificationKind.MENTION: "Mentions",
    NotificationKind.REPLY: "Replies",
    NotificationKind.RESPONSE: "Responses to your feedback",
    NotificationKind.FEEDBACK: "Feedback asking for a response",
    NotificationKind.OWNER: "Actions you now own",
    NotificationKind.FOLLOWED: "What you follow",
    NotificationKind.TROUBLE: "Actions at risk or off track",
}
IN_APP_KINDS = list(DIGEST_HEADINGS)


class Frequency(enum.StrEnum):
    """How a person hears of one kind of notification by e-mail."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


FREQUENCY_LABELS = {
    Frequency.IMMEDIATELY: "Immediately",
    Frequency.DAILY: "In a daily digest",
    Frequency.WEEKLY: "Every week",
    Frequency.OFF: "Off",
}


def frequency_choices(kind: NotificationKind) -> list[Frequency]:
    """Return the frequencies a person may choose for a kind (reminders have their own rhythm)."""
    if kind is NotificationKind.REMINDER:
        return [Frequency.DAILY, Frequency.OFF]
    if kind is NotificationKind.WEEKLY:
        return [Frequency.WEEKLY, Frequency.OFF]
    return [Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.OFF]


def default_frequency(kind: NotificationKind) -> Frequency:
    """Return the frequency used until a person chooses one."""
    return frequency_choices(kind)[0]


class EmailStatus(enum.StrEnum):
    """Where an e-mail is: waiting to go, gone, or failed (and retried on the next run)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


# How many times an e-mail is tried, and how long to wait before trying a failed one again:
# 5 minutes after the first failure, then twice as long each time (about 42 hours in all).
MAX_ATTEMPTS = 10
FIRST_RETRY_AFTER = timedelta(minutes=5)


def retry_due(*, attempts: int, last_attempt_at: datetime | None, created_at: datetime,
              now: datetime) -> bool:
    """Whether an unsent e-mail should be tried (again) now.

    Never tried: if its own job has not sent it within FIRST_RETRY_AFTER (the job was lost).
    Tried `attempts` times: once FIRST_RETRY_AFTER x 2^(attempts - 1) has passed since the last.
    """
    if attempts >= MAX_ATTEMPTS:
        return False
    if attempts == 0 or last_attempt_at is None:
        return now - created_at >= FIRST_RETRY_AFTER
    return now - last_attempt_at >= FIRST_RETRY_AFTER * 2 ** (attempts - 1)


# Digests -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    """One notification in a daily digest."""

    kind: NotificationKind
    organisation: str
    text: str
    link: str


@dataclass(frozen=True)
class DigestSection:
    organisation: str
    groups: list[tuple[str, list[DigestItem]]]


def group_digest(items: Iterable[DigestItem]) -> list[DigestSection]:
    """Group a digest by organisation (by name), then by kind in a fixed order, keeping order."""
    by_org: dict[str, dict[NotificationKind, list[DigestItem]]] = {}
    for item in items:
        by_org.setdefault(item.organisation, {}).setdefault(item.kind, []).append(item)
    sections = []
    for organisation in sorted(by_org, key=str.lower):
        kinds = by_org[organisation]
        groups = [(DIGEST_HEADINGS.get(kind, kind.value), kinds[kind])
                  for kind in [*IN_APP_KINDS, *[k for k in kinds if k not in IN_APP_KINDS]]
                  if kind in kinds]
        sections.append(DigestSection(organisation, groups))
    return sections
