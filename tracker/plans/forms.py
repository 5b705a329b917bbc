"""Action-plan forms."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import InputRequired, Optional

from tracker.domain.action_fields import EDITABLE, FIELDS, Kind
from tracker.domain.definitions import INDICATORS, SERVICE_AREA_LABELS, SERVICE_AREAS
from tracker.domain.plans import STATUS_LABELS
from tracker.forms import CountField, GovForm, LineField, MeasureField, TextField, UKDateField

STATUS_CHOICES = [(status.value, label) for status, label in STATUS_LABELS.items()]


def action_field(name: str) -> Any:
    """Return the form field for one of an action's fields, as tracker/domain/action_fields.py says."""
    field = FIELDS[name]
    more: dict[str, Any] = {"description": field.hint} if field.hint else {}
    required = [InputRequired(message=field.missing)] if field.required else [Optional()]
    if field.kind is Kind.LINE:
        return LineField(field.question, max_length=field.max_length, validators=required, **more)
    if field.kind is Kind.TEXT:
        return TextField(field.question, max_length=field.max_length, validators=required, **more)
    if field.kind is Kind.DATE:
        return UKDateField(field.question, noun=field.label.lower(), required=field.required,
                           **more)
    if field.kind is Kind.DECIMAL:
        return MeasureField(field.question, **more)
    if field.kind is Kind.STATUS:
        return SelectField(field.question, widget=GovSelect(), choices=STATUS_CHOICES,
                           validators=required, **more)
    # The service checks the theme is the plan's and the owner a member, with clear messages.
    return SelectField(field.question, widget=GovSelect(), coerce=int, validate_choice=False,
                       validators=required, **more)


class ActionForm(GovForm):
    """An action's fields (one form field each, from the field table) and where the editor began."""

    theme_id = action_field("theme_id")
    title = action_field("title")
    description = action_field("description")
    owner_id = action_field("owner_id")
    lead_role = action_field("lead_role")
    partners = action_field("partners")
    start_date = action_field("start_date")
    due_date = action_field("due_date")
    status = action_field("status")
    success_measure = action_field("success_measure")
    measure_unit = action_field("measure_unit")
    measure_baseline = action_field("measure_baseline")
    measure_target = action_field("measure_target")
    measure_current = action_field("measure_current")
    # Where the editor started: refuses a stale save and says what changed since (hidden).
    version = HiddenField()
    seen_change = HiddenField()
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def started_from(self) -> tuple[int, int]:
        """Return the version and last change the editor loaded (0 when missing or tampered)."""
        def number(text: str | None) -> int:
            return int(text) if text and text.isdigit() and len(text) < 10 else 0

        return number(self.version.data), number(self.seen_change.data)

    def values(self) -> dict:
        """Return the action's fields as the service takes them."""
        return {name: self[name].data for name in EDITABLE}


class ProgressForm(GovForm):
    occurred_on = UKDateField("Date", noun="date of the update",
                              description="When it happened, for example 14 11 2026")
    note = TextField("What happened", max_length=4000, widget=GovTextArea(),
                         validators=[InputRequired(message="Enter what happened")])
    new_status = SelectField("Status (optional)", widget=GovSelect(),
                             choices=[("", "Leave the status as it is"), *STATUS_CHOICES], default="")
    measure_value = MeasureField("New value of the measure (optional)")
    evidence_links = TextField("Evidence links (optional)", max_length=4000, widget=GovTextArea(),
                                   description="One web address per line, starting https://",
                                   validators=[Optional()])
    submit = SubmitField("Add update", widget=GovSubmitInput())

    def links(self) -> list[str]:
        return [line.strip() for line in (self.evidence_links.data or "").splitlines()
                if line.strip()]


class LinkForm(GovForm):
    indicator = SelectField("Indicator", widget=GovSelect(),
                            choices=[(i.id, f"{i.id} {i.short_name}") for i in INDICATORS],
                            validators=[InputRequired(message="Select an indicator")])
    service_area = SelectField("Service area", widget=GovSelect(),
                               choices=[(a, SERVICE_AREA_LABELS[a]) for a in SERVICE_AREAS]
                               + [("every", "Every service area at once")],
                               validators=[InputRequired(message="Select a service area")])
    submit = SubmitField("Link indicator", widget=GovSubmitInput())


class ThemeForm(GovForm):
    name = LineField("Theme name", max_length=120, widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the theme's name")])
    submit = SubmitField("Add theme", widget=GovSubmitInput())


class SignOffForm(GovForm):
    signer_role = LineField("Your role", max_length=200, widget=GovTextInput(),
                              description="For example, Director of Adult Social Services",
                              validators=[InputRequired(message="Enter your role")])
    statement = TextField("Statement (optional)", max_length=2000, widget=GovTextArea(),
                              validators=[Optional()])
    confirm = BooleanField("I have read the plan and sign it off as it stands",
                           widget=GovCheckboxInput(),
                           validators=[InputRequired(message="Confirm that you sign off the plan")])
    warnings_seen = BooleanField("I have seen the warnings above and sign off the plan with them",
                                 widget=GovCheckboxInput(), validators=[Optional()])
    submit = SubmitField("Sign off the plan", widget=GovSubmitInput())


class ImportForm(GovForm):
    plan_file = FileField("Plan spreadsheet", widget=GovFileInput(),
                          description="CSV or Excel (.xlsx), in the same columns as the export",
                          validators=[FileRequired(message="Select the plan spreadsheet")])
    submit = SubmitField("Check the file", widget=GovSubmitInput())


#: What to do with the rows whose action changed in the tracker since the file was exported.
CONFLICT_CHOICES = [
    ("keep", "Keep the tracker's version of each of them (import the other rows only)"),
    ("all", "Overwrite all of them with the file's values"),
    ("rows", "Overwrite only the rows I tick below, and keep the tracker's version of the others"),
]


class ConfirmImportForm(GovForm):
    conflicts = RadioField(
        "What should happen to the actions changed in the tracker since your export?",
        choices=CONFLICT_CHOICES, widget=GovRadioInput(), validators=[Optional()])
    overwrite_rows = SelectMultipleField("Rows to overwrite with the file's values", coerce=int,
                                         widget=GovCheckboxesInput(), validators=[Optional()])
    submit = SubmitField("Import these changes", widget=GovSubmitInput())

    def overwrite(self) -> set[int] | str | None:
        """The choice for the conflicting rows, as confirm_import takes it (None: not made)."""
        if self.conflicts.data == "keep":
            return set()
        if self.conflicts.data == "all":
            return "all"
        if self.conflicts.data == "rows":
            return set(self.overwrite_rows.data or ())
        return None


class ReflectionForm(GovForm):
    team = LineField("Team", max_length=200, widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the team's name")])
    held_on = UKDateField("Date of the discussion", noun="date of the discussion")
    awareness = TextField("Awareness: what issues did the team see?", max_length=4000, widget=GovTextArea(),
                              validators=[InputRequired(message="Enter what the team is aware of")])
    appreciation = TextField("Appreciation: what did the team reflect on?", max_length=4000,
                                 widget=GovTextArea(),
                                 validators=[InputRequired(message="Enter the team's reflection")])
    actions_text = TextField("Actions to take", max_length=4000, widget=GovTextArea(),
                                 description="One action per line: each becomes a draft action",
                                 validators=[InputRequired(message="Enter at least one action")])
    theme_id = SelectField("Theme for the draft actions", widget=GovSelect(), coerce=int,
                           validators=[InputRequired(message="Select a theme")])
    submit = SubmitField("Save and create draft actions", widget=GovSubmitInput())


class FilterForm(GovForm):
    """The action list's filters (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    owner = SelectField("Owner", widget=GovSelect(), coerce=int, validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(),
                         choices=[("", "Any status"), *STATUS_CHOICES], validators=[Optional()])
    theme = SelectField("Theme", widget=GovSelect(), coerce=int, validators=[Optional()])
    indicator = SelectField("Indicator", widget=GovSelect(),
                            choices=[("", "Any indicator")] + [(i.id, i.id) for i in INDICATORS],
                            validators=[Optional()])
    area = SelectField("Service area", widget=GovSelect(),
                       choices=[("", "Any service area")] + [(a, SERVICE_AREA_LABELS[a])
                                                             for a in SERVICE_AREAS],
                       validators=[Optional()])
    overdue = BooleanField("Overdue only", widget=GovCheckboxInput())
    due_within = CountField("Due within (days)", maximum=3660)
    sort = SelectField("Sort by", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())
