"""The conversation's rules: safe Markdown, mentions, digests and reminders (pure; no Flask, no DB).

"Today" is always an argument. Everything here is tested in tests/unit/test_comments.py.
"""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import nh3
from markdown_it import MarkdownIt

from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREAS
from tracker.domain.formatting import uk_date

MAX_COMMENT_LENGTH = 5000
MAX_REASON_LENGTH = 2000
REMINDER_HORIZON_DAYS = 14


class SubjectType(enum.StrEnum):
    """What a comment is about."""

    ACTION = "action"
    INDICATOR = "indicator"
    REVIEW = "review"


class Visibility(enum.StrEnum):
    """Who may read a comment: the organisation's members only, or its advisory groups too."""

    INTERNAL = "internal"
    SHARED = "shared"

    @property
    def label(self) -> str:
        return {"internal": "Internal", "shared": "Shared with advisory groups"}[self.value]


class Outcome(enum.StrEnum):
    """What was done about an advisor's feedback ("you said, we did")."""

    ACCEPTED = "accepted"
    ACTIONED = "actioned"
    NOT_TAKEN_FORWARD = "not_taken_forward"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ACCEPTED: "Accepted",
    Outcome.ACTIONED: "Actioned",
    Outcome.NOT_TAKEN_FORWARD: "Not taken forward",
}
OUTCOME_HINTS = {
    Outcome.ACCEPTED: "We agree and will act on it",
    Outcome.ACTIONED: "We have already done something about it",
    Outcome.NOT_TAKEN_FORWARD: "We will not act on it, and say why",
}


class NotificationKind(enum.StrEnum):
    """Why someone is told about something; each person chooses how they hear of each kind."""

    MENTION = "mention"
    REPLY = "reply"
    RESPONSE = "response"
    FEEDBACK = "feedback"
    OWNER = "owner"
    REMINDER = "reminder"
    WEEKLY = "weekly"

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
}
DIGEST_HEADINGS = {
    NotificationKind.MENTION: "Mentions",
    NotificationKind.REPLY: "Replies",
    NotificationKind.RESPONSE: "Responses to your feedback",
    NotificationKind.FEEDBACK: "Feedback asking for a response",
    NotificationKind.OWNER: "Actions you now own",
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


# Markdown ------------------------------------------------------------------------------------------

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "code", "pre", "blockquote", "a"}
_CLASSES = {
    "p": {"class": "govuk-body"},
    "a": {"class": "govuk-link"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "blockquote": {"class": "app-comment__quote"},
}
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
# Only paragraphs, emphasis, lists, code, quotes and links: no images, headings, rules or HTML.
_markdown.disable(["image", "heading", "lheading", "hr", "html_block", "html_inline"])


def render_markdown(text: str) -> str:
    """Render a comment's Markdown as HTML that is safe to show as it is.

    Raw HTML is escaped by the Markdown parser, and the result is cleaned again by an
    allow-list sanitiser: only a few tags, links to http, https and mailto only, with
    rel="nofollow noopener". Classes come from here, never from the text.
    """
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel="nofollow noopener",
        set_tag_attribute_values=_CLASSES,
        strip_comments=True,
    ).strip()


def plain_excerpt(text: str, limit: int = 140) -> str:
    """Return the start of a comment as one line of plain text, without Markdown (for e-mails)."""
    words = html.unescape(nh3.clean(_markdown.render(text or ""), tags=set(),
                                    clean_content_tags={"script", "style"}))
    flat = " ".join(words.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# Mentions ------------------------------------------------------------------------------------------

_MENTION = re.compile(
    r"(?<![\w.@])@([a-z0-9][a-z0-9._%+-]*(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)", re.IGNORECASE)


def mention_handle(name: str) -> str:
    """Return the handle that mentions a person by name: 'Priya Shah' -> 'priya.shah'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", ascii_name.lower()).strip(".")


def find_mentions(text: str) -> list[str]:
    """Return the handles or e-mail addresses mentioned with @, lower case, once each, in order.

    Mentions inside code (`...` or indented/fenced blocks) are ignored.
    """
    without_code = re.sub(r"```.*?```|`[^`\n]*`", " ", text or "", flags=re.DOTALL)
    without_code = "\n".join(line for line in without_code.splitlines()
                             if not line.startswith(("    ", "\t")))
    found: list[str] = []
    for match in _MENTION.finditer(without_code):
        handle = match.group(1).lower().rstrip("._-")
        if handle and handle not in found:
            found.append(handle)
    return found


# Subjects ------------------------------------------------------------------------------------------

CYCLE_LABEL = re.compile(r"^\d{4}-\d{2}$")


def parse_subject(subject_type: str, subject_key: str) -> tuple[SubjectType, str]:
    """Check a subject's type and key ('12', 'SCW2:adults', '2024-25'); raise ValueError if wrong."""
    kind = SubjectType(subject_type)
    key = (subject_key or "").strip()
    if kind is SubjectType.ACTION and not (key.isdigit() and len(key) <= 12):
        raise ValueError(f"not an action id: {key!r}")
    if kind is SubjectType.INDICATOR:
        indicator, _, area = key.partition(":")
        if indicator not in INDICATORS_BY_ID or area not in SERVICE_AREAS:
            raise ValueError(f"not an indicator and service area: {key!r}")
    if kind is SubjectType.REVIEW and not CYCLE_LABEL.match(key):
        raise ValueError(f"not a cycle label: {key!r}")
    return kind, key


# Waiting for a response ----------------------------------------------------------------------------


def days_waiting(asked_on: date, today: date) -> int:
    """Return how many whole days feedback has waited for a response."""
    return max((today - asked_on).days, 0)


def waiting_phrase(days: int) -> str:
    """Say how long something has waited: 'since today', '1 day', '12 days'."""
    if days <= 0:
        return "since today"
    return "1 day" if days == 1 else f"{days} days"


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


def digest_message(*, name: str, items: list[DigestItem], today: date, base_url: str,
                   settings_url: str) -> tuple[str, str]:
    """Return the subject and plain-text body of a person's daily digest."""
    count = len(items)
    subject = f"Your daily digest: {count} {'update' if count == 1 else 'updates'}"
    lines = [f"Dear {name},", "", f"What happened in the SC-WRES tracker up to {uk_date(today)}:"]
    for section in group_digest(items):
        lines += ["", section.organisation, "=" * len(section.organisation)]
        for heading, group in section.groups:
            lines += ["", heading]
            lines += [f"- {item.text}\n  {base_url}{item.link}" for item in group]
    lines += _footer(settings_url)
    return subject, "\n".join(lines)


def _footer(settings_url: str) -> list[str]:
    return ["", "--", f"Choose which e-mails you get: {settings_url}"]


def notification_message(*, name: str, text: str, excerpt: str, link: str, base_url: str,
                         settings_url: str) -> tuple[str, str]:
    """Return the subject and body of an e-mail about one notification."""
    lines = [f"Dear {name},", "", f"{text}."]
    if excerpt:
        lines += ["", f"  \"{excerpt}\""]
    lines += ["", f"See it in the tracker: {base_url}{link}", *_footer(settings_url)]
    return text, "\n".join(lines)


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


def _due_words(action: DueAction, today: date) -> str:
    days = (action.due_date - today).days
    if days < 0:
        late = -days
        return f"was due on {uk_date(action.due_date)} ({late} {'day' if late == 1 else 'days'} ago)"
    if days == 0:
        return "is due today"
    return f"is due on {uk_date(action.due_date)} (in {days} {'day' if days == 1 else 'days'})"


def reminder_message(*, name: str, reminder: OwnerReminder, today: date, base_url: str,
                     settings_url: str) -> tuple[str, str]:
    """Return the subject and body of an owner's reminder about due and overdue actions."""
    parts = []
    if reminder.overdue:
        parts.append(f"{len(reminder.overdue)} overdue")
    if reminder.due_soon:
        parts.append(f"{len(reminder.due_soon)} due in the next {REMINDER_HORIZON_DAYS} days")
    subject = "Your actions: " + " and ".join(parts)
    lines = [f"Dear {name},", ""]
    for heading, actions in (("Overdue", reminder.overdue),
                             (f"Due in the next {REMINDER_HORIZON_DAYS} days", reminder.due_soon)):
        if actions:
            lines += [heading, ""]
            lines += [f"- {a.title} ({a.organisation}) {_due_words(a, today)}\n  {base_url}{a.link}"
                      for a in actions]
            lines.append("")
    lines += ["Add a progress update or change the status on each action's page.",
              *_footer(settings_url)]
    return subject, "\n".join(lines)


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


def weekly_message(*, name: str, weeks: list[OrganisationWeek], today: date, base_url: str,
                   settings_url: str) -> tuple[str, str] | None:
    """Return a sponsor's weekly summary, or None when there is nothing to say."""
    weeks = [w for w in weeks if w.has_news]
    if not weeks:
        return None
    subject = f"Weekly summary for the week of {uk_date(week_start(today))}"
    lines = [f"Dear {name},", ""]
    for week in sorted(weeks, key=lambda w: w.organisation.lower()):
        lines += [week.organisation, "=" * len(week.organisation), ""]
        lines.append(f"In the last 7 days: {week.progress_updates} progress "
                     f"{'update' if week.progress_updates == 1 else 'updates'}, "
                     f"{week.new_comments} new {'comment' if week.new_comments == 1 else 'comments'}.")
        for heading, actions in (("Overdue actions", week.overdue),
                                 (f"Due in the next {REMINDER_HORIZON_DAYS} days", week.due_soon)):
            if actions:
                lines += ["", f"{heading}: {len(actions)}"]
                lines += [f"- {a.title} {_due_words(a, today)}\n  {base_url}{a.link}"
                          for a in actions]
        if week.waiting:
            lines += ["", f"Feedback awaiting a response: {len(week.waiting)}"]
            lines += [f"- {w.author} on {w.subject}, waiting "
                      f"{waiting_phrase(days_waiting(w.asked_on, today))}\n  {base_url}{w.link}"
                      for w in week.waiting]
        lines.append("")
    lines += _footer(settings_url)
    return subject, "\n".join(lines)
