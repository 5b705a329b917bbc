"""Forms of the national picture: submitting a cycle, a programme year's deadlines."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from tracker.forms import GovForm, LineField, UKDateField


class SubmitCycleForm(GovForm):
    submit = SubmitField("Submit to the programme", widget=GovSubmitInput())


class WithdrawSubmissionForm(GovForm):
    withdraw = SubmitField("Withdraw the submission", widget=GovSubmitInput())


class DeadlinesForm(GovForm):
    data_deadline = UKDateField("Data deadline", noun="data deadline", required=False,
                                description="Councils submit their data by this day. "
                                            "For example, 30 9 2025")
    plan_deadline = UKDateField("Plan deadline", noun="plan deadline", required=False,
                                description="The senior sponsor signs the plan off by this day")
    submit = SubmitField("Save the deadlines", widget=GovSubmitInput())


class CloseYearForm(GovForm):
    close = SubmitField("Close the year", widget=GovSubmitInput())


class PublishReportForm(GovForm):
    publish = SubmitField("Publish the national report", widget=GovSubmitInput())


class WithdrawReportForm(GovForm):
    withdraw = SubmitField("Withdraw the published report", widget=GovSubmitInput())


class TokenForm(GovForm):
    name = LineField("Name of the token", max_length=120,
                     description="What it is for, like 'Power BI dashboard'",
                     validators=[InputRequired(message="Enter a name for the token")])
    create = SubmitField("Make a token", widget=GovSubmitInput())


class RevokeTokenForm(GovForm):
    revoke = SubmitField("Revoke", widget=GovSubmitInput())
