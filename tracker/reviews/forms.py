"""Annual review, next cycle and national figure forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from tracker.domain.definitions import INDICATORS
from tracker.forms import CountField, GovForm, MeasureField, UKDateField


class NarrativeForm(GovForm):
    what_we_did = TextAreaField("What we did", widget=GovTextArea(),
                                validators=[Optional(), Length(max=4000)])
    what_changed = TextAreaField("What changed", widget=GovTextArea(),
                                 validators=[Optional(), Length(max=4000)])
    next_steps = TextAreaField("What we will do next", widget=GovTextArea(),
                               validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save narrative", widget=GovSubmitInput())


class SummaryForm(GovForm):
    summary = TextAreaField("Overall summary", widget=GovTextArea(),
                            validators=[InputRequired(message="Enter the summary"),
                                        Length(max=8000)])
    submit = SubmitField("Save summary", widget=GovSubmitInput())


class ReviewSignOffForm(GovForm):
    signer_role = StringField("Your role", widget=GovTextInput(),
                              validators=[InputRequired(message="Enter your role"),
                                          Length(max=200)])
    confirm = BooleanField("I have read the review and sign it off", widget=GovCheckboxInput(),
                           validators=[InputRequired(message="Confirm that you sign off the "
                                                             "review")])
    submit = SubmitField("Sign off the review", widget=GovSubmitInput())


class AmendmentForm(GovForm):
    text = TextAreaField("Amendment", widget=GovTextArea(),
                         description="Added with today's date below the signed review",
                         validators=[InputRequired(message="Enter the amendment"),
                                     Length(max=4000)])
    submit = SubmitField("Add amendment", widget=GovSubmitInput())


class NextCycleForm(GovForm):
    label = StringField("Label of the new cycle", widget=GovTextInput(),
                        validators=[InputRequired(message="Enter the label, like 2025-26"),
                                    Length(max=20)])
    period_start = UKDateField("Period start")
    period_end = UKDateField("Period end")
    snapshot_date = UKDateField("Snapshot date", description="The date staff in post are counted on")
    submit = SubmitField("Start the new cycle", widget=GovSubmitInput())


class NationalFigureForm(GovForm):
    year = StringField("Year of the national report", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the year, like 2025")])
    indicator = SelectField("Indicator", widget=GovSelect(),
                            choices=[(i.id, f"{i.id} {i.short_name}") for i in INDICATORS])
    band = StringField("Pay band (SCW1 only)", widget=GovTextInput(),
                       validators=[Optional(), Length(max=60)])
    value = MeasureField("Value", description="The national RL, or for SCW1 the global majority "
                                              "share of the band as a fraction (0.18)")
    authorities = CountField("Number of authorities (optional)")
    note = StringField("Note (optional)", widget=GovTextInput(),
                       validators=[Optional(), Length(max=200)])
    submit = SubmitField("Save figure", widget=GovSubmitInput())
