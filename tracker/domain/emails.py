"""The wording of the tracker's e-mails: digests, notifications, reminders, weekly summaries (pure).
"""

from __future__ import annotations

from datetime import date

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
