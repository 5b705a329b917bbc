"""Annual review, next cycle and national figure forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import InputRequired, Optional

from tracker.domain.definitions import INDICATORS
from tracker.forms import CountField, GovForm, LineField, MeasureField, TextField, UKDateField


class NarrativeForm(GovForm):
    what_we_did = TextField("What we did", max_length=4000, widget=GovTextArea(),
                                validators=[Optional()])
    what_changed = TextField("What changed", max_length=4000, widget=GovTextArea(),
                                 validators=[Optional()])
    next_steps = TextField("What we will do next", max_length=4000, widget=GovTextArea(),
                               validators=[Optional()])
    submit = SubmitField("Save narrative", widget=GovSubmitInput())


class SummaryForm(GovForm):
    summary = TextField("Overall summary", max_length=8000, widget=GovTextArea(),
                            validators=[InputRequired(message="Enter the summary")])
    submit = SubmitField("Save summary", widget=GovSubmitInput())


class ReviewSignOffForm(GovForm):
    signer_role = LineField("Your role", max_length=200, widget=GovTextInput(),
                              validators=[InputRequired(message="Enter your role")])
    confirm = BooleanField("I have read the review and sign it off", widget=GovCheckboxInput(),
                           validators=[InputRequired(message="Confirm that you sign off the "
                                                             "review")])
    warnings_seen = BooleanField("I have seen the warnings above and sign off the review with "
                                 "them", widget=GovCheckboxInput(), validators=[Optional()])
    submit = SubmitField("Sign off the review", widget=GovSubmitInput())


class AmendmentForm(GovForm):
    text = TextField("Amendment", max_length=4000, widget=GovTextArea(),
                         description="Added with today's date below the signed review",
                         validators=[InputRequired(message="Enter the amendment")])
    submit = SubmitField("Add amendment", widget=GovSubmitInput())


class NextCycleForm(GovForm):
    label = LineField("Label of the new cycle", max_length=20, widget=GovTextInput(),
                        validators=[InputRequired(message="Enter the label, like 2025-26")])
    period_start = UKDateField("Period start")
    period_end = UKDateField("Period end")
    snapshot_date = UKDateField("Snapshot date", description="The date staff in post are counted on")
    bulk_due_date = UKDateField(
        "One new due date for all of them (optional)", noun="new due date for all of them",
        required=False, description="Leave blank to use each action's date below")
    submit = SubmitField("Start the new cycle", widget=GovSubmitInput())


class NationalFigureForm(GovForm):
    year = LineField("Year of the national report", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the year, like 2025")])
    indicator = SelectField("Indicator", widget=GovSelect(),
                            choices=[(i.id, f"{i.id} {i.short_name}") for i in INDICATORS])
    band = LineField("Pay band (SCW1 only)", max_length=60, widget=GovTextInput(),
                       validators=[Optional()])
    value = MeasureField("Value", description="The national RL, or for SCW1 the global majority "
                                              "share of the band as a fraction (0.18)")
    authorities = CountField("Number of authorities (optional)")
    note = LineField("Note (optional)", max_length=200, widget=GovTextInput(),
                       validators=[Optional()])
    submit = SubmitField("Save figure", widget=GovSubmitInput())
