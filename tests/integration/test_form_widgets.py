"""GOV.UK form fields are rendered once for each thing they show (tracker/form_widgets.py)."""

from __future__ import annotations

import pytest
from flask import template_rendered
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from markupsafe import Markup
from wtforms import SelectField, StringField

from tracker import form_widgets
from tracker.forms import GovForm


class _Form(GovForm):
    name = StringField("Name", widget=GovTextInput())
    owner = SelectField("Owner", widget=GovSelect(), choices=[("1", "Ama"), ("2", "Ben")])


@pytest.fixture
def rendering(app):
    """The widget templates rendered while the test runs, in a request of the app."""
    form_widgets.forget()
    seen: list[str] = []

    def rendered(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(rendered, app)
    with app.test_request_context():
        yield seen
    template_rendered.disconnect(rendered, app)
    form_widgets.forget()


def test_the_same_field_is_rendered_once(rendering):
    first = str(_Form(meta={"csrf": False}).owner())
    second = str(_Form(meta={"csrf": False}).owner())
    assert first == second and 'value="2"' in first
    assert rendering == ["govuk_frontend_wtf/select.html"]  # the second came from what was kept


def test_what_differs_is_rendered_anew(rendering):
    form = _Form(meta={"csrf": False}, data={"owner": "2", "name": "Ama"})
    chosen = str(form.owner())
    assert 'value="2" selected' in chosen
    assert chosen != str(_Form(meta={"csrf": False}).owner())
    form.name.errors = ["Enter a name"]
    assert "Enter a name" in str(form.name())
    assert "Enter a name" not in str(_Form(meta={"csrf": False}).name())


def test_text_that_looks_like_html_is_never_taken_for_html(rendering):
    widget = GovTextInput()
    params = {"id": "n", "name": "n", "label": {"text": "<b>bold</b>"}, "attributes": {}}
    assert "&lt;b&gt;bold&lt;/b&gt;" in widget.render(params)
    safe = {**params, "label": {"text": Markup("<b>bold</b>")}}
    assert "<b>bold</b>" in widget.render(safe)
    assert "&lt;b&gt;bold&lt;/b&gt;" in widget.render(params)  # each kept under its own key


def test_what_is_kept_stays_within_its_size(rendering, monkeypatch):
    monkeypatch.setattr(form_widgets, "KEPT_BYTES", 2000)
    widget = GovTextInput()
    for n in range(50):
        widget.render({"id": f"f{n}", "name": f"f{n}", "label": {"text": "A field"},
                       "attributes": {}})
    assert 0 < form_widgets._size <= 2000 and len(form_widgets._kept) < 50
