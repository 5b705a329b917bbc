"""An action's fields, defined once: label, kind of value, limits, form question and file column.

The action form (tracker/plans/forms.py), the plan sheet (tracker/domain/plan_sheet.py: columns,
required cells, limits), the export and import (tracker/services/plan_sheets.py), the history and
stale-edit wording (tracker/services/actions.py), the sign-off snapshot (services/sign_off.py) and
carrying an action into the next cycle (services/reviews.py) all read ``ACTION_FIELDS``. A new
field is one row here, a model column and a migration.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Kind(enum.StrEnum):
    """The kind of value a field holds, which decides its parser (tracker/domain/values.py)."""

    LINE = "line"  # single-line text: values.single_line
    TEXT = "text"  # multi-line text: values.multi_line
    DATE = "date"  # values.parse_date / values.date_from_parts
    DECIMAL = "decimal"  # values.parse_decimal (Numeric(14, 4))
    THEME = "theme"  # a theme of the plan: its id in the database, its name in a file
    OWNER = "owner"  # a member of the organisation: an id in the database, an e-mail in a file
    STATUS = "status"  # an ActionStatus: its value, or its label in a file


@dataclass(frozen=True, kw_only=True)
class ActionField:
    """One field of an action.

    ``name`` is the Action attribute and the form field; ``label`` names it in history, stale-edit
    and file messages; ``question`` is the form's label; ``column`` the plan sheet's header and
    ``snapshot`` the sign-off snapshot's key; ``missing`` the form's message when a required
    field is blank and ``missing_cell`` the file's; ``owner_edits``: an action's owner (not only
    the EDI lead) may change it.
    """

    name: str
    label: str
    kind: Kind
    question: str
    column: str
    snapshot: str
    max_length: int | None = None
    required: bool = False
    draft_may_omit: bool = False
    missing: str = ""
    missing_cell: str = ""
    owner_edits: bool = False
    hint: str = ""

    @property
    def is_text(self) -> bool:
        """Say whether the field holds text (single- or multi-line)."""
        return self.kind in (Kind.LINE, Kind.TEXT)


def _plain(name: str, label: str, kind: Kind, question: str, **more: Any) -> ActionField:
    """A field stored, written to the sheet and kept in the snapshot under its own name."""
    return ActionField(name=name, label=label, kind=kind, question=question, column=name,
                       snapshot=name, **more)


ACTION_FIELDS: tuple[ActionField, ...] = (
    ActionField(name="theme_id", label="Theme", kind=Kind.THEME, question="Theme",
                column="theme", snapshot="theme", required=True, missing="Select a theme",
                missing_cell="Enter a theme"),
    _plain("title", "Title", Kind.LINE, "Title", max_length=200, required=True,
           missing="Enter a title", missing_cell="Enter a title"),
    _plain("description", "Description", Kind.TEXT, "What will be done", max_length=4000),
    ActionField(name="owner_id", label="Owner", kind=Kind.OWNER, question="Owner",
                column="owner_email", snapshot="owner", required=True, draft_may_omit=True,
                missing="Select the action's owner",
                missing_cell="Enter the owner's email address",
                hint="The person accountable for the action"),
    _plain("lead_role", "Lead role", Kind.LINE, "Lead role (optional)", max_length=200,
           hint="For example, Principal Social Worker"),
    _plain("partners", "Partners", Kind.LINE, "Partners (optional)", max_length=200,
           hint="For example, HR, staff networks"),
    _plain("start_date", "Start date", Kind.DATE, "Start date (optional)",
           hint="For example, 1 4 2025"),
    _plain("due_date", "Due date", Kind.DATE, "Due date", required=True, draft_may_omit=True,
           missing="Enter the due date", missing_cell="Enter a due date",
           hint="For example, 31 3 2026"),
    _plain("status", "Status", Kind.STATUS, "Status", required=True, owner_edits=True,
           missing="Select a status", missing_cell="Enter a status"),
    _plain("success_measure", "How success will be known", Kind.TEXT,
           "How success will be known", max_length=2000),
    _plain("measure_unit", "Measure unit", Kind.LINE, "Measure (optional)", max_length=200,
           hint="What is counted, for example % of managers trained"),
    _plain("measure_baseline", "Measure baseline", Kind.DECIMAL, "Baseline (optional)"),
    _plain("measure_target", "Measure target", Kind.DECIMAL, "Target (optional)"),
    _plain("measure_current", "Measure current value", Kind.DECIMAL, "Current value (optional)",
           owner_edits=True),
)

FIELDS: dict[str, ActionField] = {field.name: field for field in ACTION_FIELDS}
#: Field name -> label, as history and stale-edit messages name a field.
FIELD_LABELS: dict[str, str] = {field.name: field.label for field in ACTION_FIELDS}
#: The fields an EDI lead may change (all of them), and the ones an owner may change.
EDITABLE: tuple[str, ...] = tuple(FIELDS)
OWNER_FIELDS: tuple[str, ...] = tuple(f.name for f in ACTION_FIELDS if f.owner_edits)
#: Fields whose value is the same in the database, the sheet and the snapshot (no lookup).
PLAIN_FIELDS: tuple[ActionField, ...] = tuple(
    f for f in ACTION_FIELDS if f.kind in (Kind.LINE, Kind.TEXT, Kind.DATE, Kind.DECIMAL))
TEXT_FIELDS: tuple[ActionField, ...] = tuple(f for f in ACTION_FIELDS if f.is_text)
BY_COLUMN: dict[str, ActionField] = {field.column: field for field in ACTION_FIELDS}
