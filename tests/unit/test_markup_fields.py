"""The GOV.UK markup written directly (templates/partials/_markup_fields.html) is the same HTML
as the govuk-frontend-wtf widgets render: same elements, attributes and text."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup, NavigableString, Tag
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from tracker import create_app
from tracker.indicators.forms import CountsForm
from tracker.reports.forms import PrepareForm

MACROS = '{% from "partials/_markup_fields.html" import text_box, checkboxes %}'


def _tree(html: str) -> list:
    """Elements with their attributes (classes as sets) and the text, whitespace collapsed."""
    def walk(node) -> list:
        out = []
        for child in node.children:
            if isinstance(child, Tag):
                attrs = {k: (frozenset(v) if k == "class" else v) for k, v in child.attrs.items()}
                out.append((child.name, attrs, walk(child)))
            elif isinstance(child, NavigableString) and child.strip():
                out.append(" ".join(child.split()))
        return out
    return walk(BeautifulSoup(html, "html.parser"))


@pytest.fixture
def app():
    return create_app("test")


@pytest.mark.parametrize("sent", [
    {},  # empty
    {"SCW2_gm_numerator": "x1", "SCW2_gm_denominator": "12"},  # an error, a value
    {"SCW2_gm_numerator": "<b>&\"", "band1_label": "Band \"A\" & <b>"},  # escaped
])
def test_a_text_box_is_the_widgets_markup(app, sent):
    with app.test_request_context("/", method="POST", data=sent):
        form = CountsForm(formdata=MultiDict(sent), meta={"csrf": False})
        form.validate()
        for name, classes, inputmode in (("SCW2_gm_numerator", "govuk-input--width-5", "numeric"),
                                         ("SCW2_gm_denominator", "govuk-input--width-5",
                                          "numeric"),
                                         ("band1_label", "govuk-input--width-10", None)):
            params = {"label": {"classes": "govuk-visually-hidden"}, "classes": classes}
            if inputmode:
                params["inputmode"] = inputmode
            widget = form[name](params=params)
            written = render_template_string(
                MACROS + "{{ text_box(field, classes=classes, inputmode=inputmode, "
                "label_classes='govuk-visually-hidden') }}", field=form[name], classes=classes,
                inputmode=inputmode)
            assert _tree(written) == _tree(str(widget)), name


@pytest.mark.parametrize("chosen, error", [([], None), ([2, 3], None),
                                           ([3], "Choose actions of this cycle's plan")])
def test_checkboxes_are_the_widgets_markup(app, chosen, error):
    with app.test_request_context("/"):
        form = PrepareForm(meta={"csrf": False})
        form.private_ids.choices = [(1, "Do <x> & \"y\" (Theme)"), (2, "Two (T)"), (3, "Three")]
        form.private_ids.data = chosen
        if error:
            form.private_ids.errors = [error]
        widget = form.private_ids()
        written = render_template_string(MACROS + "{{ checkboxes(field) }}",
                                         field=form.private_ids)
        assert _tree(written) == _tree(str(widget))
        assert written.count("checked") == len(chosen)


@pytest.mark.parametrize("sent", [
    None,  # the first view: dates filled in from the cycle
    {},  # nothing sent: each required date in error
    {"label": "", "period_start": ["31", "2", "2025"], "period_end": ["1", "4", "<b>"],
     "snapshot_date": ["1", "", ""], "bulk_due_date": ["5", "6", "2026"]},
])
def test_a_date_and_a_required_text_box_are_the_widgets_markup(app, sent):
    from datetime import date

    from tracker.reviews.forms import NextCycleForm

    with app.test_request_context("/"):
        if sent is None:
            form = NextCycleForm(data={"label": "2027-28", "period_start": date(2027, 4, 1),
                                       "period_end": date(2028, 3, 31)}, meta={"csrf": False})
        else:
            form = NextCycleForm(formdata=MultiDict(
                [(k, v) for k, values in sent.items()
                 for v in (values if isinstance(values, list) else [values])]),
                meta={"csrf": False})
            form.validate()
        for name in ("period_start", "period_end", "snapshot_date", "bulk_due_date"):
            written = render_template_string(MACROS.replace("checkboxes", "date_input")
                                             + "{{ date_input(field) }}", field=form[name])
            assert _tree(written) == _tree(str(form[name]())), name
        widget = form.label(params={"classes": "govuk-input--width-10"})
        written = render_template_string(
            MACROS + "{{ text_box(field, classes='govuk-input--width-10') }}", field=form.label)
        assert _tree(written) == _tree(str(widget))
