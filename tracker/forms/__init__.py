"""Form fields shared by every feature, each reading its value with tracker/domain/values.py.

A form and a file accept and refuse the same values with the same words: the fields here call
the domain's parsers (counts, decimals, dates, one line of text, text over several lines) and turn
what they refuse into a field error naming the box. Every text box in the project is a
``LineField`` (one line: titles, names, labels) or a ``TextField`` (several lines: notes,
descriptions); tests/integration/test_values_forms_and_files.py fails on a plain StringField.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextArea, GovTextInput
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional, StopValidation, ValidationError

from tracker.domain.values import (
    ValueRejected,
    date_from_parts,
    multi_line,
    parse_count,
    parse_decimal,
    single_line,
)
from tracker.forms.messages import field_name, gov_message

T = TypeVar("T")


def entered(value: T | None) -> T:
    """Return what a required field holds once its form has validated.

    WTForms types every field's ``data`` as possibly None (nothing posted yet); after
    ``validate_on_submit()`` a field with InputRequired or DataRequired, or a required
    ``UKDateField``, holds a value, and the views pass it to services typed to need one.
    """
    assert value is not None, "a required field is filled in once its form has validated"
    return value


class LineField(StringField):
    """One line of text: line breaks, tabs and control characters are refused, spaces trimmed."""

    widget = GovTextInput()

    def __init__(self, label: str, *, max_length: int | None = None, **kwargs: Any):
        super().__init__(label, **kwargs)
        self.max_length = max_length

    def pre_validate(self, form: Any) -> None:
        _read_text(self, single_line, self.max_length)


class TextField(TextAreaField):
    """Text over several lines: newlines and tabs kept, other control characters refused."""

    widget = GovTextArea()

    def __init__(self, label: str, *, max_length: int | None = None, **kwargs: Any):
        super().__init__(label, **kwargs)
        self.max_length = max_length

    def pre_validate(self, form: Any) -> None:
        _read_text(self, multi_line, self.max_length)


def _read_text(field: StringField, parse: Callable[..., str], max_length: int | None) -> None:
    """Read a text box's value with the domain's parser; what it refuses is the field's error."""
    if isinstance(field.data, str):
        try:
            field.data = parse(field.data, name=field_name(field), max_length=max_length)
        except ValueRejected as rejected:
            raise StopValidation(rejected.message) from None

class GovForm(FlaskForm):
    """Every form's base: WTForms' default messages are said the GOV.UK way, naming the field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if isinstance(field.errors, list | tuple):
                field.errors = [gov_message(field, message) for message in field.errors]
        return valid


class UKDateField(DateField):
    """A day/month/year date with GOV.UK error messages ("Enter the due date")."""

    widget = GovDateInput()

    def __init__(self, label: str, *, noun: str | None = None, required: bool = True, **kwargs):
        super().__init__(label, format="%d %m %Y", **kwargs)
        self.noun = noun or label.lower()
        self.required = required

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            self.raw_data = None  # the GOV.UK widget expects day, month and year or nothing
            return
        if len(valuelist) != 3:
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]
            raise ValueError(f"{self.noun.capitalize()} must be a real date")
        try:
            self.data = date_from_parts(*valuelist, noun=self.noun)
        except ValueRejected as rejected:
            raise ValueError(rejected.message) from None

    def pre_validate(self, form):
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(f"Enter the {self.noun}")

    def _value(self):  # pragma: no cover - the widget reads raw_data/data directly
        return self.data.strftime("%d %m %Y") if isinstance(self.data, date) else ""


class CountField(IntegerField):
    """A whole number of people, 0 or more, read as the counts template reads it."""

    def __init__(self, label: str, *, maximum: int = 10_000_000, **kwargs: Any):
        super().__init__(label, widget=GovTextInput(), validators=[Optional()], **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist):
        self.data = None
        try:
            self.data = parse_count(valuelist[0] if valuelist else "",
                                    name=field_name(self), maximum=self.maximum)
        except ValueRejected as rejected:
            raise ValueError(rejected.message) from None


class MeasureField(DecimalField):
    """An optional number, read as the plan sheet reads it (at most 4 decimal places)."""

    def __init__(self, label: str, **kwargs: Any):
        super().__init__(label, widget=GovTextInput(), validators=[Optional()], places=None,
                         **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        try:
            self.data = parse_decimal(valuelist[0] if valuelist else "",
                                      name=field_name(self))
        except ValueRejected as rejected:
            raise ValueError(rejected.message) from None
