"""The intervention library: the entries the tracker ships with, changed, retired or added to by
administrators (one table of their entries, by key, over the shipped ones).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tracker.domain.definitions import INDICATORS_BY_ID
from tracker.domain.plans import INTERVENTIONS, Intervention
from tracker.extensions import db
from tracker.models import LibraryEntry, User, utcnow
from tracker.services.audit import record_event
from tracker.services.errors import Forbidden, InvalidInput, NotFound

LIMITS = {"title": 200, "theme": 120, "guidance_url": 500}


def _entry(row: LibraryEntry) -> Intervention:
    return Intervention(row.key, row.theme, row.title, row.description, tuple(row.indicators),
                        row.success_measure, row.guidance_url, row.retired)


def interventions(*, include_retired: bool = False) -> list[Intervention]:
    """Return the library (one query): the shipped entries as administrators left them, then
    those they added."""
    rows = {row.key: _entry(row) for row in db.session.scalars(
        select(LibraryEntry).order_by(LibraryEntry.id))}
    shipped = [rows.pop(i.key, i) for i in INTERVENTIONS]
    return [i for i in [*shipped, *rows.values()] if include_retired or not i.retired]


def get(*, key: str) -> Intervention:
    """Return one entry of the library, retired or not, or raise NotFound."""
    found = next((i for i in interventions(include_retired=True) if i.key == key), None)
    if found is None:
        raise NotFound(key)
    return found


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean = {name: (values.get(name) or "").strip() for name in
             ("title", "theme", "description", "success_measure", "guidance_url")}
    for name, words in (("title", "a title"), ("theme", "the theme"),
                        ("description", "a summary")):
        if not clean[name]:
            errors[name] = f"Enter {words}"
    for name, limit in LIMITS.items():
        if len(clean[name]) > limit:
            errors[name] = f"The {name.replace('_', ' ')} must be {limit} characters or fewer"
    if clean["guidance_url"] and not re.fullmatch(r"https?://\S+", clean["guidance_url"]):
        errors["guidance_url"] = ("The link to its guidance must be a web address starting "
                                  "with https://")
    indicators = [i for i in values.get("indicators") or [] if i in INDICATORS_BY_ID]
    if not indicators:
        errors["indicators"] = "Select the indicators it targets"
    if errors:
        raise InvalidInput(errors)
    return {**clean, "indicators": indicators, "retired": bool(values.get("retired"))}


def _key_for(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50] or "intervention"
    taken = {i.key for i in interventions(include_retired=True)}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def save(*, actor: User, key: str | None, values: dict[str, Any]) -> Intervention:
    """Add an intervention (no key) or change one (administrators), audited."""
    if not actor.is_admin:
        raise Forbidden("library")
    clean = _checked(values)
    before = get(key=key) if key else None
    row = db.session.scalar(select(LibraryEntry).where(LibraryEntry.key == key)) if key else None
    if row is None:
        row = LibraryEntry(key=key or _key_for(clean["title"]))
        db.session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    db.session.flush()
    record_event(actor=actor, action="updated" if before else "created",
                 entity_type="library_entry", entity_id=row.id,
                 before={"title": before.title, "retired": before.retired} if before else None,
                 after={"key": row.key, "title": row.title, "retired": row.retired,
                        "indicators": row.indicators})
    return _entry(row)
