"""Administration forms."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from tracker.domain.definitions import INDICATORS
from tracker.forms import GovForm, LineField, TextField
from tracker.models import OrganisationKind

EMAIL_VALIDATORS = [
    InputRequired(message="Enter an email address"),
    Email(message="Enter an email address in the correct format, like name@example.org"),
    Length(max=254),
]


class OrganisationForm(GovForm):
    name = LineField("Name", max_length=200, widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the organisation's name")])
    slug = LineField("Short name", max_length=80, widget=GovTextInput(),
                       description="Used in web addresses: lower-case letters, numbers and "
                                   "hyphens, like camden",
                       validators=[InputRequired(message="Enter a short name")])
    kind = RadioField("Kind of organisation", widget=GovRadioInput(),
                      choices=[(k.value, k.label) for k in OrganisationKind],
                      validators=[InputRequired(message="Select the kind of organisation")])
    ons_code = LineField("ONS code (optional)", max_length=9, widget=GovTextInput(),
                           description="For example, E09000007",
                           validators=[Optional()])
    submit = SubmitField("Save organisation", widget=GovSubmitInput())


class UserForm(GovForm):
    name = LineField("Full name", max_length=200, widget=GovTextInput(),
                       validators=[InputRequired(message="Enter a name")])
    email = EmailField("Email address", widget=GovTextInput(), validators=EMAIL_VALIDATORS)
    is_admin = BooleanField("Administrator of this installation", widget=GovCheckboxInput())
    is_active = BooleanField("Account is active", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save account", widget=GovSubmitInput())


class AdminMembershipForm(GovForm):
    # The person is one of a search's results (radios laid out by admin/_find_person.html):
    # the installation has too many accounts for one list.
    user_id = IntegerField("Person", validators=[InputRequired(message="Select a person")])
    role = RadioField("Role", widget=GovRadioInput(),
                      validators=[InputRequired(message="Select a role")])
    submit = SubmitField("Add role", widget=GovSubmitInput())


class GroupForm(GovForm):
    name = LineField("Name", max_length=200, widget=GovTextInput(),
                       description="For example, Independent Advisory Group",
                       validators=[InputRequired(message="Enter the group's name")])
    short_name = LineField("Short name", max_length=20, widget=GovTextInput(), description="For example, IAG",
                             validators=[InputRequired(message="Enter a short name")])
    description = TextField("Description (optional)", max_length=1000, widget=GovTextArea(),
                                validators=[Optional()])
    submit = SubmitField("Save group", widget=GovSubmitInput())


class GroupMemberForm(GovForm):
    user_id = IntegerField("Person", validators=[InputRequired(message="Select a person")])
    submit = SubmitField("Add member", widget=GovSubmitInput())


class GroupShareForm(GovForm):
    organisation_id = SelectField("Organisation", widget=GovSelect(), coerce=int,
                                  validators=[InputRequired(message="Select an organisation")])
    submit = SubmitField("Share with this group", widget=GovSubmitInput())


class ConfirmForm(GovForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class LibraryForm(GovForm):
    title = LineField("Title", max_length=200, widget=GovTextInput(),
                      validators=[InputRequired(message="Enter a title")])
    theme = LineField("Theme", max_length=120, widget=GovTextInput(),
                      description="A theme of the plans, like Leadership",
                      validators=[InputRequired(message="Enter the theme")])
    indicators = SelectMultipleField(
        "Indicators it targets", widget=GovCheckboxesInput(),
        choices=[(i.id, f"{i.id} {i.short_name}") for i in INDICATORS],
        validators=[InputRequired(message="Select the indicators it targets")])
    description = TextField("Summary", max_length=2000, widget=GovTextArea(),
                            validators=[InputRequired(message="Enter a summary")])
    success_measure = TextField("How success is measured (optional)", max_length=2000,
                                widget=GovTextArea(), validators=[Optional()])
    guidance_url = LineField("Link to its guidance or resource (optional)", max_length=500,
                             widget=GovTextInput(), description="Starting with https://",
                             validators=[Optional()])
    retired = BooleanField("Retire it: no longer offered in the library",
                           widget=GovCheckboxInput(), validators=[Optional()])
    submit = SubmitField("Save intervention", widget=GovSubmitInput())

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("title", "theme", "indicators", "description", "success_measure",
                 "guidance_url", "retired")}
