"""Every form says what is wrong the GOV.UK way, naming the field: no WTForms default is shown."""

from __future__ import annotations

import importlib
import re

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    FileField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
)

from tracker.domain.notifications import NotificationKind
from tracker.forms import GovForm

FORM_MODULES = ["tracker.admin.forms", "tracker.auth.forms", "tracker.conversation.forms",
                "tracker.indicators.forms", "tracker.orgs.forms", "tracker.plans.forms",
                "tracker.reviews.forms"]
# WTForms' and Flask-WTF's own wording, which must never reach a page.
WTFORMS_DEFAULTS = re.compile(
    r"This field is required|Field cannot be longer|Field must be (?:at least|exactly|between|"
    r"equal)|Not a valid|Invalid (?:value|email|URL|input|[Cc]hoice)|Number must be|"
    r"valid choices? for this field|"
    r"File does not have|CSRF token")


def _form_classes() -> list[type[GovForm] | str]:
    for name in FORM_MODULES:
        importlib.import_module(name)
    found, todo = set(), list(GovForm.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo += cls.__subclasses__()
    classes = sorted(found, key=lambda c: (c.__module__, c.__name__))
    return [*classes, "PreferencesForm"]


def _hostile(form: GovForm) -> MultiDict:
    data = MultiDict()
    for field in form:
        if isinstance(field, SubmitField | HiddenField | FileField | BooleanField):
            continue
        if isinstance(field, DateField):
            data.setlist(field.name, ["31", "2", "99999x"])
        elif isinstance(field, IntegerField | DecimalField):
            data.add(field.name, "twelve")
        elif isinstance(field, SelectField):
            data.add(field.name, "not-a-choice")
        else:
            data.add(field.name, "x" * 20000)
    return data


def _errors(app, cls, data: MultiDict) -> list[tuple[str, str]]:
    with app.test_request_context(method="POST", data=data):
        form = cls(meta={"csrf": False})
        for field in form:
            if isinstance(field, SelectField) and field.choices is None:
                field.choices = [(1, "One")] if field.coerce is int else [("one", "One")]
        form.validate()
        return [(field.label.text, message) for field in form
                for message in (field.errors if isinstance(field.errors, list) else [])]


@pytest.mark.parametrize("cls", _form_classes(), ids=lambda c: getattr(c, "__name__", c))
def test_form_messages_are_govuk_and_name_the_field(app, cls):
    if cls == "PreferencesForm":  # built per person, from their choices
        from tracker.conversation.forms import preferences_form

        with app.test_request_context():
            cls = type(preferences_form({kind: "off" for kind in NotificationKind}))
    problems = []
    seen = 0
    for data in (MultiDict(), None):
        with app.test_request_context():
            data = data if data is not None else _hostile(cls(meta={"csrf": False}))
        for label, message in _errors(app, cls, data):
            seen += 1
            if WTFORMS_DEFAULTS.search(message) or message.endswith("."):
                problems.append(f"{label}: {message}")
    assert problems == []


def test_wtforms_defaults_become_messages_naming_the_field(app):
    from wtforms import StringField
    from wtforms.validators import InputRequired, Length

    class Sample(GovForm):
        title = StringField("Title", validators=[InputRequired(), Length(max=120)])
        lead_role = StringField("Lead role (optional)", validators=[Length(max=20)])
        role = SelectField("Your role", choices=[("a", "A")])
        count = IntegerField("Number of authorities")

    with app.test_request_context(method="POST", data={
            "lead_role": "x" * 21, "role": "b", "count": "many"}):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {
            "title": ["Enter the title"],
            "lead_role": ["Lead role must be 20 characters or fewer"],
            "role": ["Select your role from the list"],
            "count": ["Number of authorities must be a whole number, like 12"],
        }
    with app.test_request_context(method="POST", data={"title": "x" * 121}):
        form = Sample(meta={"csrf": False})
        form.validate()
        assert form.errors["title"] == ["Title must be 120 characters or fewer"]
