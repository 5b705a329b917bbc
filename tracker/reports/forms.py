"""Forms of publication: preparing a cycle's public page, approving it, withdrawing it."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, HiddenField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Optional

from tracker.domain.publication import PARTS
from tracker.forms import GovForm, TextField, UKDateField


class PrepareForm(GovForm):
    parts = SelectMultipleField("What the public page shows", choices=list(PARTS.items()),
                                widget=GovCheckboxesInput(),
                                validators=[InputRequired(message="Choose what the public page "
                                                                  "shows")])
    private_ids = SelectMultipleField("Actions kept private", coerce=int,
                                      widget=GovCheckboxesInput(), validators=[Optional()],
                                      description="Never shown on the public page")
    embargo_until = UKDateField("Embargo: not public before (optional)", noun="embargo date",
                                required=False, description="For example, 1 9 2025. Leave it "
                                "empty to publish as soon as the sponsor approves")
    submit = SubmitField("Prepare the public page", widget=GovSubmitInput())


class ApproveForm(GovForm):
    version = HiddenField()
    confirm = BooleanField("I have read the public page below and approve it",
                           widget=GovCheckboxInput(),
                           validators=[InputRequired(message="Confirm that you approve the "
                                                             "public page")])
    submit = SubmitField("Approve the public page", widget=GovSubmitInput())


class WithdrawForm(GovForm):
    reason = TextField("Why it is withdrawn", max_length=2000, widget=GovTextArea(),
                       validators=[InputRequired(message="Enter why the page is withdrawn")])
    submit = SubmitField("Withdraw the public page", widget=GovSubmitInput())
