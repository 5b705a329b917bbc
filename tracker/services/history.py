"""Recorded changes in names and words, for an action's history and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker.domain.history import Names, action_words, field_label, ids_in, value_words
from tracker.extensions import db
from tracker.models import AuditEvent, PlanTheme, User


@dataclass(frozen=True)
class Change:
    """One field of a change as a person reads it: its label, the value before (None if it had
    none, or is new) and after. The history and a plan import's preview both show these."""

    label: str
    before: str | None
    after: str


@dataclass(frozen=True)
class EventView:
    """One recorded change as a person reads it."""

    event: AuditEvent
    when: datetime
    who: str
    what: str
    changes: list[Change]

    @property
    def subject(self) -> str:
        """What was changed: "Action 12", "Reporting cycle 3"."""
        kind = self.event.entity_type.replace("_", " ").capitalize()
        return f"{kind} {self.event.entity_id}" if self.event.entity_id else kind


def names_for(events: Iterable[AuditEvent]) -> Names:
    """Load the names of the people and themes the events mention (two queries at most)."""
    people: set[int] = set()
    themes: set[int] = set()
    for event in events:
        for values in (event.before, event.after):
            more_people, more_themes = ids_in(values)
            people |= more_people
            themes |= more_themes
    return Names(
        people=dict(db.session.execute(select(User.id, User.name).where(User.id.in_(people))).all())
        if people else {},
        themes=dict(db.session.execute(select(PlanTheme.id, PlanTheme.name)
                                       .where(PlanTheme.id.in_(themes))).all())
        if themes else {})


def describe_events(events: list[AuditEvent], *, labels: Mapping[str, str] | None = None,
                    only: Iterable[str] | None = None) -> list[EventView]:
    """Describe each event in words; `only` keeps just those fields (an action's history)."""
    names = names_for(events)
    keep = set(only) if only is not None else None
    views = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        changes = []
        for key in list(after) + [k for k in before if k not in after]:
            if keep is not None and key not in keep:
                continue
            label = field_label(key, labels)
            if key in after:
                changes.append(Change(label, value_words(key, before[key], names)
                                      if key in before else None,
                                      value_words(key, after[key], names)))
            else:
                changes.append(Change(label, value_words(key, before[key], names), "(removed)"))
        views.append(EventView(event=event, when=event.occurred_at,
                               who=event.actor.name if event.actor else "System",
                               what=action_words(event.action), changes=changes))
    return views
