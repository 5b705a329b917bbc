"""What the tracker's e-mails say: digests, notifications, reminders, weekly summaries (pure).

Each function works out a message's subject and the facts its body lists (in words: dates in the
UK style, "3 days ago", full links), and names its template. The layout is in the templates under
templates/email/, one plain-text and one HTML version of each, rendered by tracker.mail_templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker.domain.comments import days_waiting, waiting_phrase
from tracker.domain.formatting import uk_date
from tracker.domain.notifications import DigestItem, group_digest
from tracker.domain.reminders import (
    REMINDER_HORIZON_DAYS,
    DueAction,
    OrganisationWeek,
    OwnerReminder,
    week_start,
)


@dataclass(frozen=True)
class Wording:
    """A message before it is laid out: its subject, its template and what the template shows."""

    subject: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One entry of a list in a message: its words and, usually, a link to it in the tracker."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[Line]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def digest_message(*, name: str, items: list[DigestItem], today: date, base_url: str,
                   settings_url: str) -> Wording:
    """A person's daily digest: what happened, by organisation and kind."""
    organisations = [
        (section.organisation,
         [Section(heading, [Line(item.text, base_url + item.link) for item in group])
          for heading, group in section.groups])
        for section in group_digest(items)]
    return Wording(subject=f"Your daily digest: {_plural(len(items), 'update')}",
                   template="digest",
                   context={"name": name, "today": uk_date(today), "organisations": organisations,
                            "settings_url": settings_url})


def notification_message(*, name: str, text: str, excerpt: str, link: str, base_url: str,
                         settings_url: str) -> Wording:
    """An e-mail about one notification (a mention, a response ...)."""
    return Wording(subject=text, template="notification",
                   context={"name": name, "text": text, "excerpt": excerpt,
                            "url": base_url + link, "settings_url": settings_url})


def _due_words(action: DueAction, today: date) -> str:
    days = (action.due_date - today).days
    if days < 0:
        return f"was due on {uk_date(action.due_date)} ({_plural(-days, 'day')} ago)"
    if days == 0:
        return "is due today"
    return f"is due on {uk_date(action.due_date)} (in {_plural(days, 'day')})"


def reminder_message(*, name: str, reminder: OwnerReminder, today: date, base_url: str,
                     settings_url: str) -> Wording:
    """An owner's reminder about their due and overdue actions."""
    parts = []
    if reminder.overdue:
        parts.append(f"{len(reminder.overdue)} overdue")
    if reminder.due_soon:
        parts.append(f"{len(reminder.due_soon)} due in the next {REMINDER_HORIZON_DAYS} days")
    sections = [
        Section(heading, [Line(f"{a.title} ({a.organisation}) {_due_words(a, today)}",
                               base_url + a.link) for a in actions])
        for heading, actions in (("Overdue", reminder.overdue),
                                 (f"Due in the next {REMINDER_HORIZON_DAYS} days",
                                  reminder.due_soon))
        if actions]
    return Wording(subject="Your actions: " + " and ".join(parts), template="reminder",
                   context={"name": name, "sections": sections, "settings_url": settings_url})


def weekly_message(*, name: str, weeks: list[OrganisationWeek], today: date, base_url: str,
                   settings_url: str) -> Wording | None:
    """A sponsor's weekly summary, or None when there is nothing to say."""
    weeks = [w for w in weeks if w.has_news]
    if not weeks:
        return None
    organisations = []
    for week in sorted(weeks, key=lambda w: w.organisation.lower()):
        summary = (f"In the last 7 days: {_plural(week.progress_updates, 'progress update')}, "
                   f"{week.new_comments} new {'comment' if week.new_comments == 1 else 'comments'}.")
        sections = [
            Section(f"{heading}: {len(actions)}",
                    [Line(f"{a.title} {_due_words(a, today)}", base_url + a.link)
                     for a in actions])
            for heading, actions in (("Overdue actions", week.overdue),
                                     (f"Due in the next {REMINDER_HORIZON_DAYS} days",
                                      week.due_soon))
            if actions]
        if week.waiting:
            sections.append(Section(
                f"Feedback awaiting a response: {len(week.waiting)}",
                [Line(f"{w.author} on {w.subject}, waiting "
                      f"{waiting_phrase(days_waiting(w.asked_on, today))}", base_url + w.link)
                 for w in week.waiting]))
        organisations.append((week.organisation, summary, sections))
    return Wording(subject=f"Weekly summary for the week of {uk_date(week_start(today))}",
                   template="weekly",
                   context={"name": name, "organisations": organisations,
                            "settings_url": settings_url})


def invitation_message(*, name: str, organisation: str, role: str, inviter: str, url: str,
                       expires: date) -> Wording:
    """An invitation to take a role in an organisation, sent to the address the EDI lead typed."""
    return Wording(subject=f"You are invited to the {organisation} SC-WRES tracker",
                   template="invitation",
                   context={"name": name, "organisation": organisation, "role": role,
                            "inviter": inviter, "url": url, "expires": uk_date(expires),
                            "settings_url": ""})
