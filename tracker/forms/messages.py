"""GOV.UK-style error messages that name the field, in place of WTForms' defaults.

WTForms says "This field is required." or "Field cannot be longer than 120 characters."; the
GOV.UK Design System says "Enter the title" and "Title must be 120 characters or fewer". A
message the form's author wrote is kept as it is; only WTForms' own wording is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from wtforms import Field
from wtforms.fields import BooleanField, FileField, RadioField, SelectField, SelectMultipleField

_ARTICLE_FREE = {"your", "their", "what", "how", "when", "why", "who", "where", "which",
                 "a", "an", "the"}


def field_name(field: Field) -> str:
    """The field's label without "(optional)": "Lead role"."""
    text = re.sub(r"\s*\(optional\)", "", str(field.label.text)).strip().rstrip(":?")
    return text or field.name.replace("_", " ").capitalize()


def _lower_first(text: str) -> str:
    # "Title" -> "title", but "ONS code" and "SCW1 figure" keep their capitals.
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def noun(field: Field) -> str:
    """The field as a sentence names it: "the title", "your role", "what happened"."""
    name = _lower_first(field_name(field))
    return name if name.split(" ")[0].lower() in _ARTICLE_FREE else f"the {name}"


def _choosing(field: Field) -> bool:
    return isinstance(field, SelectField | RadioField | SelectMultipleField)


def _required(field: Field, _match: re.Match) -> str:
    if isinstance(field, FileField):
        return f"Select {noun(field)}"
    if isinstance(field, BooleanField):
        return f"Select '{field_name(field)}' to continue"
    return f"{'Select' if _choosing(field) else 'Enter'} {noun(field)}"


def _name(field: Field) -> str:
    return field_name(field)


#: WTForms' default messages (as rendered) and what to say instead.
DEFAULTS: list[tuple[re.Pattern, Callable[[Field, re.Match], str]]] = [
    (re.compile(r"This field is required\."), _required),
    (re.compile(r"Field cannot be longer than (\d+) characters?\."),
     lambda f, m: f"{_name(f)} must be {int(m[1]):,} characters or fewer"),
    (re.compile(r"Field must be at least (\d+) characters? long\."),
     lambda f, m: f"{_name(f)} must be {int(m[1]):,} characters or more"),
    (re.compile(r"Field must be exactly (\d+) characters? long\."),
     lambda f, m: f"{_name(f)} must be {int(m[1]):,} characters"),
    (re.compile(r"Field must be between (\d+) and (\d+) characters long\."),
     lambda f, m: f"{_name(f)} must be between {int(m[1]):,} and {int(m[2]):,} characters"),
    (re.compile(r"Not a valid choice\.?|Invalid Choice: could not coerce\.?|"
                r"Invalid choice\(s\): one or more data inputs could not be coerced\.?|"
                r"'.*' (?:is not a valid choice|are not valid choices) for this field\.?"),
     lambda f, m: f"Select {noun(f)} from the list"),
    (re.compile(r"Invalid value, must be one of: (.*)\."),
     lambda f, m: f"{_name(f)} must be one of: {m[1]}"),
    (re.compile(r"Invalid value, can't be any of: (.*)\."),
     lambda f, m: f"{_name(f)} cannot be any of: {m[1]}"),
    (re.compile(r"Invalid email address\."),
     lambda f, m: "Enter an email address in the correct format, like name@example.com"),
    (re.compile(r"Not a valid integer value\.?"),
     lambda f, m: f"{_name(f)} must be a whole number, like 12"),
    (re.compile(r"Not a valid (?:decimal|float) value\.?"),
     lambda f, m: f"{_name(f)} must be a number, like 12.5"),
    (re.compile(r"Not a valid (?:date|datetime|time|week) value\.?"),
     lambda f, m: f"{_name(f)} must be a real date"),
    (re.compile(r"Number must be between (.+) and (.+)\."),
     lambda f, m: f"{_name(f)} must be between {m[1]} and {m[2]}"),
    (re.compile(r"Number must be at least (.+)\."),
     lambda f, m: f"{_name(f)} must be {m[1]} or more"),
    (re.compile(r"Number must be at most (.+)\."),
     lambda f, m: f"{_name(f)} must be {m[1]} or less"),
    (re.compile(r"Field must be equal to (.+)\."),
     lambda f, m: f"{_name(f)} must match {m[1]}"),
    (re.compile(r"Invalid URL\."),
     lambda f, m: f"{_name(f)} must be a web address, like https://www.example.org"),
    (re.compile(r"Invalid input\."), lambda f, m: f"Enter {noun(f)} in the correct format"),
    (re.compile(r"File does not have an approved extension.*"),
     lambda f, m: f"{_name(f)} must be a file of the kind the hint names"),
    (re.compile(r"File must be (?:between|less than|greater than).*"),
     lambda f, m: f"{_name(f)} is too large or too small"),
    (re.compile(r"(?:The )?CSRF token (?:is )?(?:missing|invalid|expired).*|"
                r"The CSRF tokens do not match\.|The CSRF session token is missing\."),
     lambda f, m: "This form has expired: go back, reload the page and try again"),
]


def gov_message(field: Field, message: str) -> str:
    """Return the GOV.UK message for a WTForms default, or the message as it was written."""
    for pattern, say in DEFAULTS:
        match = pattern.fullmatch(str(message).strip())
        if match:
            return say(field, match)
    return message
