"""Forms for comments, replies, responses and notification settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.domain.comments import MAX_COMMENT_LENGTH, MAX_REASON_LENGTH, OUTCOME_LABELS, Visibility
from tracker.domain.notifications import FREQUENCY_LABELS, NotificationKind, frequency_choices
from tracker.forms import GovForm, TextField

TOO_LONG = f"must be {MAX_COMMENT_LENGTH:,} characters or fewer"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


TEXT: dict[str, Any] = {"filters": [_strip]}


class CommentForm(GovForm):
    """A new comment; the fields carry the ids the thread partial gives them."""

    body = TextField("Comment", id="comment-body", widget=GovTextArea(), **TEXT,
                         validators=[DataRequired(message="Enter your comment"),
                                     Length(max=MAX_COMMENT_LENGTH,
                                            message=f"Your comment {TOO_LONG}")])
    # Checked by the service, which knows who may choose what.
    visibility = RadioField("Who can read your comment", id="comment-visibility",
                            widget=GovRadioInput(), validate_choice=False,
                            choices=[(v.value, v.label) for v in Visibility],
                            validators=[Optional()])
    ask_for_response = BooleanField("Ask for a response", id="comment-ask",
                                    widget=GovCheckboxInput())
    next = HiddenField()
    submit = SubmitField("Post comment", widget=GovSubmitInput())


class ReplyForm(GovForm):
    body = TextField("Your reply", widget=GovTextArea(), **TEXT,
                         validators=[DataRequired(message="Enter your reply"),
                                     Length(max=MAX_COMMENT_LENGTH,
                                            message=f"Your reply {TOO_LONG}")])
    next = HiddenField()
    submit = SubmitField("Post reply", widget=GovSubmitInput())


class EditForm(GovForm):
    body = TextField("Comment", widget=GovTextArea(), **TEXT,
                         description="Your earlier words are kept: anyone who can read the "
                                     "comment can see every version",
                         validators=[DataRequired(message="Enter your comment"),
                                     Length(max=MAX_COMMENT_LENGTH,
                                            message=f"Your comment {TOO_LONG}")])
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ConfirmForm(GovForm):
    """Just the CSRF token and a button."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ResponseForm(GovForm):
    outcome = RadioField("What did you do about this feedback?", widget=GovRadioInput(),
                         choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
                         validate_choice=False,
                         validators=[InputRequired(message="Select what you did about this "
                                                           "feedback")])
    reason = TextField("Why", widget=GovTextArea(), **TEXT,
                           description="The advisor sees this with the outcome",
                           validators=[DataRequired(message="Enter the reason for your response"),
                                       Length(max=MAX_REASON_LENGTH,
                                              message=f"The reason must be {MAX_REASON_LENGTH:,} "
                                                      "characters or fewer")])
    action_id = SelectField("Link it to an action (optional)", widget=GovSelect(), coerce=int,
                            validate_choice=False, validators=[Optional()])
    submit = SubmitField("Send response", widget=GovSubmitInput())


def preferences_form(current: Mapping[NotificationKind, str]) -> GovForm:
    """Return a form with one set of radios per kind of notification."""

    class PreferencesForm(GovForm):
        submit = SubmitField("Save settings", widget=GovSubmitInput())

    for kind in NotificationKind:
        setattr(PreferencesForm, kind.value, RadioField(
            kind.label, widget=GovRadioInput(), default=current[kind], validate_choice=False,
            choices=[(f.value, FREQUENCY_LABELS[f]) for f in frequency_choices(kind)],
            validators=[InputRequired(message=f"Select how you want to hear: "
                                              f"{kind.label.lower()}")]))
    return PreferencesForm()
