"""The mapping page's form: a header chosen for each column, a meaning for each unknown label.

The page is built from what the server found in the file it holds (never from names the browser
sends): a column's drop-down sends the position of a header, a label's drop-down is named by a
digest of the label, and both are checked against the file again when they come back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.domain.definitions import EXTRACT_KINDS
from tracker.domain.extracts import SCHEMAS, Examined
from tracker.domain.mappings import MEANING_WORDS, MEANINGS, ColumnMapping
from tracker.domain.problems import quote
from tracker.domain.spellings import suggest
from tracker.domain.tabular import SAMPLES

KIND_WORDS = {"staff": "Staff extract", "recruitment": "Recruitment extract",
              "survey": "Survey extract"}
COLUMN_WORDS: dict[str, str] = {
    "staff_id": "Staff ID (a pseudonymous number, different for each person)",
    "ethnicity": "Ethnicity",
    "service_area": "Service area (adults or children)",
    "pay_band": "Pay band or grade",
    "senior_manager": "Senior manager (yes or no)",
    "regulated_professional": "Regulated professional, such as a social worker (yes or no)",
    "formal_disciplinary": "Entered a formal disciplinary process (yes or no)",
    "ftp_referral": "Referred for fitness to practise (yes or no)",
    "funded_cpd": "Had funded continuing professional development (yes or no)",
    "left_in_period": "Left in the period (yes or no)",
    "appointed": "Appointed (yes or no, or the recruitment outcome)",
    "hba_public": "Harassment, bullying or abuse from the public (yes or no)",
    "hba_colleagues": "Harassment, bullying or abuse from colleagues (yes or no)",
    "hba_managers": "Harassment, bullying or abuse from managers (yes or no)",
}
VALUE_SET_WORDS = {"ethnicity": "Ethnicity", "service_area": "Service area",
                   "yes_no": "Yes or no", "outcome": "Recruitment outcome"}
#: Unknown labels listed per value set (the rest are counted).
LABELS_LISTED = 100


def column_field(kind: str, column: str) -> str:
    return f"column-{kind}-{column}"


def value_field(value_set: str, label: str) -> str:
    digest = hashlib.sha256(label.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"value-{value_set}-{digest}"


def sheet_field(kind: str) -> str:
    return f"sheet-{kind}"


@dataclass
class Choices:
    """What was chosen on the page, and what is wrong with it (field name -> message)."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def mapping(self) -> ColumnMapping:
        return ColumnMapping(self.columns, self.values)

    def error_list(self) -> list[dict[str, str]]:
        return [{"text": message, "href": f"#{name}"} for name, message in self.errors.items()]


def read_columns(form: Mapping[str, str], examined: Mapping[str, Examined]) -> Choices:
    """Read the columns chosen, keeping those that differ from what was recognised."""
    choices = Choices()
    for kind, file in examined.items():
        if file.layout is None:
            continue
        headers = file.layout.headers
        chosen_headers: dict[str, str] = {}
        for column in SCHEMAS[kind].columns:
            name = column_field(kind, column)
            raw = form.get(name, "")
            if not raw.startswith("h") or not raw[1:].isdigit() or \
                    int(raw[1:]) >= len(headers) or not headers[int(raw[1:])].strip():
                if raw or column in file.absent:
                    choices.errors[name] = f"Choose the column of {file.filename} that holds " \
                                           f"{COLUMN_WORDS[column].split(' (')[0].lower()}"
                continue
            header = headers[int(raw[1:])]
            twice = next((c for c, h in chosen_headers.items() if h == header), None)
            if twice is not None:
                choices.errors[name] = (f"Column {quote(header)} is already chosen for {twice}: "
                                        f"choose a different column for {column}")
                continue
            chosen_headers[column] = header
            if file.found.get(column) != header:
                choices.columns.setdefault(kind, {})[column] = header
    return choices


def read_values(form: Mapping[str, str], examined: Mapping[str, Examined],
                choices: Choices) -> None:
    """Read the meaning chosen for each label nobody knows (every one must be chosen)."""
    for value_set, labels in unknown_labels(examined).items():
        for label, rows in labels[:LABELS_LISTED]:
            name = value_field(value_set, label)
            meaning = form.get(name, "")
            if meaning not in MEANINGS[value_set]:
                choices.errors[name] = (f"Choose what {quote(label)} means ({rows:,} "
                                        f"row{'s' if rows != 1 else ''})")
                continue
            choices.values.setdefault(value_set, {})[label] = meaning


def unknown_labels(examined: Mapping[str, Examined]) -> dict[str, list[tuple[str, int]]]:
    """Return each value set's unknown labels across the files, most rows first."""
    merged: dict[str, dict[str, int]] = {}
    for file in examined.values():
        for value_set, labels in file.unknown.items():
            into = merged.setdefault(value_set, {})
            for label, rows in labels.items():
                into[label] = into.get(label, 0) + rows
    return {value_set: sorted(labels.items(), key=lambda item: (-item[1], item[0]))
            for value_set, labels in merged.items() if labels}


def column_items(kind: str, file: Examined, form: Mapping[str, str] | None) -> list[dict]:
    """Return the page's drop-down for each column: its headers with sample values."""
    layout = file.layout
    assert layout is not None
    items = []
    for column in SCHEMAS[kind].columns:
        name = column_field(kind, column)
        found = file.found.get(column)
        selected = form.get(name) if form is not None else (
            f"h{layout.headers.index(found)}" if found in layout.headers else "")
        options: list[dict[str, object]] = [{"value": "", "text": "Choose a column"}]
        for position, header in enumerate(layout.headers):
            if not header.strip():
                continue
            samples = layout.samples.get(position, ())[:SAMPLES]
            text = header + (f" (for example {', '.join(samples)})" if samples else
                             " (blank in the first rows)")
            options.append({"value": f"h{position}", "text": text,
                            "selected": selected == f"h{position}"})
        near = suggest(column, layout.headers) if column in file.absent else None
        hint = ("Found by its name" if found and column not in file.absent
                else "Not found: choose the column that holds it" +
                (f" (did you mean {quote(near)}?)" if near else ""))
        items.append({"name": name, "label": COLUMN_WORDS[column], "column": column,
                      "hint": hint, "options": options})
    return items


def value_items(examined: Mapping[str, Examined], form: Mapping[str, str] | None) -> list[dict]:
    """Return a drop-down for each unknown label, by value set."""
    groups = []
    for value_set, labels in unknown_labels(examined).items():
        items = []
        for label, rows in labels[:LABELS_LISTED]:
            name = value_field(value_set, label)
            selected = (form or {}).get(name, "")
            options: list[dict[str, object]] = [{"value": "", "text": "Choose what it means"}]
            options += [
                {"value": meaning, "text": MEANING_WORDS[meaning], "selected": selected == meaning}
                for meaning in MEANINGS[value_set]]
            items.append({"name": name, "label": label, "rows": rows, "options": options})
        groups.append({"value_set": value_set, "words": VALUE_SET_WORDS[value_set],
                       "items": items, "more": max(0, len(labels) - LABELS_LISTED)})
    return groups


def mapping_rows(mapping: ColumnMapping) -> dict[str, list[tuple[str, str]]]:
    """Return the saved mapping as rows for the organisation's mapping page."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for kind in EXTRACT_KINDS:
        if mapping.sheets.get(kind):
            rows.setdefault(KIND_WORDS[kind], []).append(
                ("The sheet of a workbook to read first", mapping.sheets[kind]))
        for column, header in mapping.for_kind(kind).items():
            rows.setdefault(KIND_WORDS[kind], []).append((column, header))
    for value_set, labels in mapping.values.items():
        for label, meaning in sorted(labels.items()):
            rows.setdefault(f"{VALUE_SET_WORDS[value_set]} values", []).append(
                (label, MEANING_WORDS[meaning]))
    return rows
