"""Say a recorded change in names and words: "Owner: Priya Shah to Tom Okafor", never "12 to 7".

Pure: the audit trail stores plain values (ids, enum values, ISO dates); these functions turn
them into what a person reads, given the names of the people and themes the ids point at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tracker.domain.definitions import SERVICE_AREA_WORDS
from tracker.domain.formatting import london_time, uk_date
from tracker.domain.plans import STATUS_LABELS, ActionStatus

#: The fields whose value is a person's id, and those whose value is a theme's id.
PERSON_FIELDS = frozenset({"owner_id", "user_id", "author_id", "responder_id", "signed_by_id"})
THEME_FIELDS = frozenset({"theme_id"})
STATUS_FIELDS = frozenset({"status", "new_status"})
STATUS_VALUES = frozenset(status.value for status in ActionStatus)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
#: Labels of fields that are not an action's (an action's come from its own field table).
LABELS = {
    "label": "Label", "period_start": "Period start", "period_end": "Period end",
    "snapshot_date": "Snapshot date", "baseline_rl": "Baseline RL", "indicator": "Indicator",
    "note": "Note", "reason": "Reason", "new_status": "Status", "name": "Name", "email": "Email",
    "role": "Role", "is_admin": "Administrator", "expires_at": "Expires",
    "locked_until": "Locked until", "signer_role": "Signer's role", "summary": "Summary",
    "text": "Text", "to": "To", "from": "From", "from_action": "Carried from action",
    "new_action": "Carried to action", "carried": "Carried over", "left_behind": "Left behind",
}


@dataclass(frozen=True)
class Names:
    """The names the ids in recorded changes point at."""

    people: Mapping[int, str]
    themes: Mapping[int, str]


def field_label(key: str, labels: Mapping[str, str] | None = None) -> str:
    """Name a recorded field: "Due date", "Owner"."""
    if labels and key in labels:
        return labels[key]
    if key in LABELS:
        return LABELS[key]
    words = key.removesuffix("_id").replace("_", " ")
    return words[:1].upper() + words[1:]


def value_words(key: str, value: Any, names: Names) -> str:
    """Say a recorded value as a person reads it."""
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return _number_words(key, value, names)
    if isinstance(value, datetime):
        return london_time(value)
    if isinstance(value, date):
        return uk_date(value)
    if isinstance(value, str):
        return _text_words(key, value)
    if isinstance(value, list):
        return ", ".join(value_words(key, item, names) for item in value)
    if isinstance(value, dict):
        if key == "provenance":
            return _provenance_words(value)
        return "; ".join(f"{name.replace('_', ' ')}: {value_words(name, item, names)}"
                         for name, item in value.items() if item not in (None, "", [], {}))
    return str(value)


def _provenance_words(provenance: dict) -> str:
    """Say where a cycle's figures came from: its files and their rows, and how many notes."""
    files = [f"{f.get('filename') or f.get('kind', 'a file')}"
             + (f" ({f['rows']:,} rows)" if isinstance(f.get("rows"), int) else "")
             for f in provenance.get("files") or [] if isinstance(f, dict)]
    notes = len(provenance.get("warnings") or [])
    words = ", ".join(files) if files else "no files"
    if notes:
        words += f"; {notes} data-quality {'note' if notes == 1 else 'notes'}"
    return words


def _number_words(key: str, value: int | float, names: Names) -> str:
    if key in PERSON_FIELDS and isinstance(value, int):
        return names.people.get(value, "a former member")
    if key in THEME_FIELDS and isinstance(value, int):
        return names.themes.get(value, "a removed theme")
    if key == "baseline_rl":
        return f"{value:.2f}"
    return str(value)


def _text_words(key: str, value: str) -> str:
    if key in STATUS_FIELDS and value in STATUS_VALUES:
        return STATUS_LABELS[ActionStatus(value)]
    if _ISO_DATE.match(value):
        return uk_date(date.fromisoformat(value))
    if _ISO_TIME.match(value):
        moment = datetime.fromisoformat(value)
        return london_time(moment) if moment.tzinfo else uk_date(moment)
    if key == "indicator" and value.count(" ") == 1:
        indicator, area = value.split(" ")
        if area in SERVICE_AREA_WORDS:
            return f"{indicator}, {SERVICE_AREA_WORDS[area]}"
    if key.startswith("measure_"):
        try:
            return f"{Decimal(value).normalize():f}"
        except InvalidOperation:
            return value
    if key == "role":
        return value.replace("_", " ").capitalize()
    return value


def ids_in(changes: Mapping[str, Any] | None) -> tuple[set[int], set[int]]:
    """Return the person ids and theme ids a recorded change mentions."""
    people, themes = set(), set()
    for key, value in (changes or {}).items():
        if isinstance(value, int) and not isinstance(value, bool):
            if key in PERSON_FIELDS:
                people.add(value)
            elif key in THEME_FIELDS:
                themes.add(value)
    return people, themes


def action_words(action: str) -> str:
    """Say what happened: "carried_over" -> "Carried over"."""
    words = action.replace("_", " ")
    return words[:1].upper() + words[1:]
