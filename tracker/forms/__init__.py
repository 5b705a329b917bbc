"""Form fields shared by every feature."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, DecimalField, IntegerField
from wtforms.validators import Optional, ValidationError

from tracker.forms.messages import field_name, gov_message


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
        parts = [v.strip() for v in valuelist]
        if not any(parts):
            return
        if not all(parts):
            missing = [name for name, v in zip(("day", "month", "year"), parts, strict=False)
                       if not v]
            raise ValueError(f"{self.noun.capitalize()} must include a {' and '.join(missing)}")
        try:
            self.data = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            raise ValueError(f"{self.noun.capitalize()} must be a real date") from None
        if self.data.year < 1900:
            self.data = None
            raise ValueError(f"{self.noun.capitalize()} must have a 4-digit year, like 2025")

    def pre_validate(self, form):
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(f"Enter the {self.noun}")

    def _value(self):  # pragma: no cover - the widget reads raw_data/data directly
        return self.data.strftime("%d %m %Y") if isinstance(self.data, date) else ""


class CountField(IntegerField):
    """A whole number of people, 0 or more, with GOV.UK messages naming the box."""

    def __init__(self, label: str, *, maximum: int = 10_000_000, **kwargs):
        super().__init__(label, widget=GovTextInput(), validators=[Optional()], **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        if not text:
            return
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{field_name(self)} must be a whole number, like 12")
        if len(text) > 12:
            raise ValueError(f"{field_name(self)} must be {self.maximum:,} or fewer")
        self.data = int(text)
        if self.data < 0:
            self.data = None
            raise ValueError(f"{field_name(self)} must be 0 or more")
        if self.data > self.maximum:
            self.data = None
            raise ValueError(f"{field_name(self)} must be {self.maximum:,} or fewer")


class MeasureField(DecimalField):
    """An optional number, with a GOV.UK message naming the field."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label, widget=GovTextInput(), validators=[Optional()], places=None,
                         **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        if not text:
            return
        try:
            self.data = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{field_name(self)} must be a number, like 75 or 12.5") from None
        if not self.data.is_finite() or abs(self.data) >= Decimal("1e10"):
            self.data = None
            raise ValueError(f"{field_name(self)} must be a number, like 75 or 12.5")
