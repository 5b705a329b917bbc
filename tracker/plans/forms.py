"""Action-plan forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from tracker.domain.definitions import INDICATORS, SERVICE_AREA_LABELS, SERVICE_AREAS
from tracker.domain.plans import STATUS_LABELS
from tracker.forms import CountField, GovForm, MeasureField, UKDateField

STATUS_CHOICES = [(status.value, label) for status, label in STATUS_LABELS.items()]


class ActionForm(GovForm):
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired(message="Enter a title"), Length(max=200)])
    description = TextAreaField("What will be done", widget=GovTextArea(),
                                validators=[Optional(), Length(max=4000)])
    # The service checks the theme is the plan's and the owner a member, with clear messages.
    theme_id = SelectField("Theme", widget=GovSelect(), coerce=int, validate_choice=False,
                           validators=[InputRequired(message="Select a theme")])
    owner_id = SelectField("Owner", widget=GovSelect(), coerce=int, validate_choice=False,
                           description="The person accountable for the action",
                           validators=[InputRequired(message="Select the action's owner")])
    lead_role = StringField("Lead role (optional)", widget=GovTextInput(),
                            description="For example, Principal Social Worker",
                            validators=[Optional(), Length(max=200)])
    partners = StringField("Partners (optional)", widget=GovTextInput(),
                           description="For example, HR, staff networks",
                           validators=[Optional(), Length(max=200)])
    start_date = UKDateField("Start date (optional)", noun="start date", required=False,
                             description="For example, 1 4 2025")
    due_date = UKDateField("Due date", description="For example, 31 3 2026")
    status = SelectField("Status", widget=GovSelect(), choices=STATUS_CHOICES,
                         validators=[InputRequired(message="Select a status")])
    success_measure = TextAreaField("How success will be known", widget=GovTextArea(),
                                    validators=[Optional(), Length(max=2000)])
    measure_unit = StringField("Measure (optional)", widget=GovTextInput(),
                               description="What is counted, for example % of managers trained",
                               validators=[Optional(), Length(max=200)])
    measure_baseline = MeasureField("Baseline (optional)")
    measure_target = MeasureField("Target (optional)")
    measure_current = MeasureField("Current value (optional)")
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
        return {name: self[name].data for name in (
            "title", "description", "theme_id", "owner_id", "lead_role", "partners",
            "start_date", "due_date", "status", "success_measure", "measure_unit",
            "measure_baseline", "measure_target", "measure_current")}


class ProgressForm(GovForm):
    occurred_on = UKDateField("Date", noun="date of the update",
                              description="When it happened, for example 14 11 2026")
    note = TextAreaField("What happened", widget=GovTextArea(),
                         validators=[InputRequired(message="Enter what happened"),
                                     Length(max=4000)])
    new_status = SelectField("Status (optional)", widget=GovSelect(),
                             choices=[("", "Leave the status as it is"), *STATUS_CHOICES], default="")
    measure_value = MeasureField("New value of the measure (optional)")
    evidence_links = TextAreaField("Evidence links (optional)", widget=GovTextArea(),
                                   description="One web address per line, starting https://",
                                   validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Add update", widget=GovSubmitInput())

    def links(self) -> list[str]:
        return [line.strip() for line in (self.evidence_links.data or "").splitlines()
                if line.strip()]


class LinkForm(GovForm):
    indicator = SelectField("Indicator", widget=GovSelect(),
                            choices=[(i.id, f"{i.id} {i.short_name}") for i in INDICATORS],
                            validators=[InputRequired(message="Select an indicator")])
    service_area = SelectField("Service area", widget=GovSelect(),
                               choices=[(a, SERVICE_AREA_LABELS[a]) for a in SERVICE_AREAS],
                               validators=[InputRequired(message="Select a service area")])
    submit = SubmitField("Link indicator", widget=GovSubmitInput())


class ThemeForm(GovForm):
    name = StringField("Theme name", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the theme's name"),
                                   Length(max=120)])
    submit = SubmitField("Add theme", widget=GovSubmitInput())


class SignOffForm(GovForm):
    signer_role = StringField("Your role", widget=GovTextInput(),
                              description="For example, Director of Adult Social Services",
                              validators=[InputRequired(message="Enter your role"),
                                          Length(max=200)])
    statement = TextAreaField("Statement (optional)", widget=GovTextArea(),
                              validators=[Optional(), Length(max=2000)])
    confirm = BooleanField("I have read the plan and sign it off as it stands",
                           widget=GovCheckboxInput(),
                           validators=[InputRequired(message="Confirm that you sign off the plan")])
    submit = SubmitField("Sign off the plan", widget=GovSubmitInput())


class ImportForm(GovForm):
    plan_file = FileField("Plan spreadsheet", widget=GovFileInput(),
                          description="CSV or Excel (.xlsx), in the same columns as the export",
                          validators=[FileRequired(message="Select the plan spreadsheet")])
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ConfirmImportForm(GovForm):
    submit = SubmitField("Import these changes", widget=GovSubmitInput())


class ReflectionForm(GovForm):
    team = StringField("Team", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the team's name"),
                                   Length(max=200)])
    held_on = UKDateField("Date of the discussion", noun="date of the discussion")
    awareness = TextAreaField("Awareness: what issues did the team see?", widget=GovTextArea(),
                              validators=[InputRequired(message="Enter what the team is aware of"),
                                          Length(max=4000)])
    appreciation = TextAreaField("Appreciation: what did the team reflect on?",
                                 widget=GovTextArea(),
                                 validators=[InputRequired(message="Enter the team's reflection"),
                                             Length(max=4000)])
    actions_text = TextAreaField("Actions to take", widget=GovTextArea(),
                                 description="One action per line: each becomes a draft action",
                                 validators=[InputRequired(message="Enter at least one action"),
                                             Length(max=4000)])
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
