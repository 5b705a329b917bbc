"""Sign-in and set-password forms."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from tracker.forms import GovForm, LineField


class SignInForm(GovForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"),
                    Email(message="Enter an email address in the correct format, "
                                  "like name@example.org")],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SetPasswordForm(GovForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 12 characters or more. A few unrelated words make a strong password.",
        validators=[InputRequired(message="Enter a new password"),
                    Length(min=12, message="Password must be 12 characters or more"),
                    Length(max=256, message="Password must be 256 characters or fewer")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Confirm your new password"),
                    EqualTo("password", message="Passwords must match")],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class AcceptInvitationForm(GovForm):
    submit = SubmitField("Accept and join", widget=GovSubmitInput())


class NewAccountForm(SetPasswordForm):
    """Make an account to accept an invitation: a name, and a password twice."""

    name = LineField(
        "Full name", max_length=200, widget=GovTextInput(),
        description="How other people in the tracker will see you",
        validators=[InputRequired(message="Enter your full name")],
    )
    submit = SubmitField("Create account and join", widget=GovSubmitInput())
