"""Forms for commitments, goals and targets."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Optional

from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREA_LABELS
from tracker.forms import GovForm, LineField, MeasureField, TextField


class CommitmentForm(GovForm):
    title = LineField("Title", max_length=200,
                      description="What the organisation commits to, like Inclusive recruitment",
                      validators=[InputRequired(message="Enter the commitment's title")])
    description = TextField("Description (optional)", max_length=4000, validators=[Optional()])
    submit = SubmitField("Save commitment", widget=GovSubmitInput())


class GoalForm(GovForm):
    text = TextField("Goal", max_length=1000,
                     description="What the commitment will achieve, in a sentence or two",
                     validators=[InputRequired(message="Enter the goal")])
    # The choices are the latest plan's themes (the view sets them; the service checks them).
    themes = SelectMultipleField("Themes of the plan it is part of", widget=GovCheckboxesInput(),
                                 validate_choice=False,
                                 validators=[InputRequired(
                                     message="Select the themes this goal is part of")])
    submit = SubmitField("Save goal", widget=GovSubmitInput())


class TargetForm(GovForm):
    indicator = SelectField(
        "Indicator", widget=GovSelect(), validate_choice=False,
        choices=[("", "Choose an indicator")] + [
            (sid, f"{sid} {INDICATORS_BY_ID[sid].short_name}") for sid in SERIES_IDS],
        validators=[InputRequired(message="Select the indicator")])
    service_area = RadioField("Service area", widget=GovRadioInput(), default="all",
                              validate_choice=False, choices=list(SERVICE_AREA_LABELS.items()),
                              validators=[InputRequired(message="Select the service area")])
    target = MeasureField("Target relative likelihood",
                          description="The figure to reach: 1 is parity, the range 0.80 to "
                                      "1.25 is within the four-fifths rule")
    by_cycle = LineField("Cycle to reach it by", max_length=20,
                         description="A financial year, like 2026-27",
                         validators=[InputRequired(message="Enter the cycle to reach it by")])
    baseline_cycle = SelectField("Cycle it is set in", widget=GovSelect(),
                                 validate_choice=False,
                                 description="Its figure is the baseline the path starts from",
                                 validators=[InputRequired(
                                     message="Select the cycle it is set in")])
    submit = SubmitField("Save target", widget=GovSubmitInput())


class RemoveForm(GovForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())
