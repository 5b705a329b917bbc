"""Forms for cycles and memberships."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, RadioField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from tracker.domain.roles import Role
from tracker.forms import GovForm, LineField, UKDateField


class CycleForm(GovForm):
    label = LineField(
        "Label", max_length=20, widget=GovTextInput(), description="The financial year, like 2025-26",
        validators=[InputRequired(message="Enter the label, like 2025-26")],
    )
    period_start = UKDateField("Period start", description="For example, 1 4 2025")
    period_end = UKDateField("Period end", description="For example, 31 3 2026")
    snapshot_date = UKDateField(
        "Snapshot date", description="The date staff in post are counted on, for example 31 3 2026"
    )
    submit = SubmitField("Add cycle", widget=GovSubmitInput())


ROLE_CHOICES = [(role.value, role.label) for role in Role]
ROLE_HINTS = {
    Role.EDI_LEAD.value: "Manages the data, the plan and the people of the organisation",
    Role.ACTION_OWNER.value: "Updates the actions they own",
    Role.SPONSOR.value: "Reads everything, signs off the plan and the annual review",
    Role.VIEWER.value: "Reads only",
}


class MembershipForm(GovForm):
    email = EmailField(
        "Email address", widget=GovTextInput(),
        validators=[InputRequired(message="Enter their email address"),
                    Email(message="Enter an email address in the correct format, "
                                  "like name@example.org"),
                    Length(max=254)],
    )
    name = LineField(
        "Full name", max_length=200, widget=GovTextInput(),
        description="The invitation greets them by it; if they have no account yet, it is the "
                    "name they start with (they can change it)",
        validators=[InputRequired(message="Enter their full name")],
    )
    role = RadioField(
        "Role", widget=GovRadioInput(), choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class ConfirmForm(GovForm):
    """An empty form: just the CSRF token and a button."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
