"""A form and a file accept and refuse the same values, with the same words (tracker/domain/values.py).

The action form and the plan import read titles, descriptions and measures; the counts form and
the counts template read counts. Each pair must agree on every value below, and what they refuse
changes nothing.
"""

from __future__ import annotations

import csv
import importlib
import io
import pkgutil
from datetime import date, timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

import tracker
from tests.helpers import csrf_token, error_summary, page, post_form
from tracker.domain.counts import counts_from_rows
from tracker.domain.plan_sheet import PLAN_COLUMNS
from tracker.domain.problems import ExtractValidationError
from tracker.domain.roles import Role
from tracker.forms import CountField, LineField, TextField
from tracker.models import Action

TEXTS = {
    "a line break": "Reverse\nmentoring",
    "a Windows line break": "Reverse\r\nmentoring",
    "a line separator (U+2028)": "Reverse\u2028mentoring",
    "a paragraph separator (U+2029)": "Reverse\u2029mentoring",
    "NUL": "Reverse\x00mentoring",
    "a tab": "Reverse\tmentoring",
    "an escape character": "Reverse\x1bmentoring",
}


@pytest.fixture
def lead_and_plan(factories):
    lead = factories.member(role=Role.EDI_LEAD)
    organisation = lead.memberships[0].organisation
    plan = factories.plan(cycle__organisation=organisation)
    url = f"/org/{organisation.slug}/cycles/{plan.cycle.label}/plan"
    return lead, plan, url


def _form(plan, lead, **overrides) -> dict:
    due = date.today() + timedelta(days=90)
    data = {"title": "Reverse mentoring", "description": "", "theme_id": plan.themes[0].id,
            "owner_id": lead.id, "lead_role": "", "partners": "", "start_date": ["", "", ""],
            "due_date": [str(due.day), str(due.month), str(due.year)], "status": "not_started",
            "success_measure": "", "measure_unit": "", "measure_baseline": "",
            "measure_target": "", "measure_current": ""}
    return data | overrides


def _sheet(plan, lead, **overrides) -> bytes:
    due = (date.today() + timedelta(days=90)).isoformat()
    row = {column: "" for column in PLAN_COLUMNS} | {
        "theme": plan.themes[0].name, "title": "Reverse mentoring", "owner_email": lead.email,
        "due_date": due, "status": "Not started"} | overrides
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PLAN_COLUMNS)
    writer.writerow([row[column] for column in PLAN_COLUMNS])
    return out.getvalue().encode()


def _import(client, url: str, content: bytes):
    """Upload a plan sheet and, once it is previewed, confirm it."""
    token = csrf_token(client, url + "/import")
    checked = client.post(url + "/import", data={"csrf_token": token,
                                                 "plan_file": (io.BytesIO(content), "plan.csv")},
                          content_type="multipart/form-data")
    if checked.status_code != 302:
        return checked
    return post_form(client, checked.headers["Location"], {})


def _actions(db_session) -> int:
    return db_session.scalar(select(func.count(Action.id)))


@pytest.mark.parametrize("what", TEXTS)
def test_a_title_on_more_than_one_line_is_refused_by_the_form_and_the_import(
        what, lead_and_plan, client_for, db_session):
    lead, plan, url = lead_and_plan
    client = client_for(lead)
    title = TEXTS[what]

    response = post_form(client, url + "/actions/new", _form(plan, lead, title=title))
    assert response.status_code == 400
    expected = ("Title must not contain tabs or control characters"
                if what in ("NUL", "a tab", "an escape character")
                else "Title must be on one line: remove the line break")
    assert error_summary(response) == [expected]

    response = _import(client, url, _sheet(plan, lead, title=title))
    assert response.status_code == 400
    problems = [li.get_text(" ", strip=True) for li in page(response).select(".app-problem-list li")]
    assert len(problems) == 1, problems
    if what == "NUL":  # a NUL byte makes a CSV a binary file (and a workbook cannot hold one)
        assert "must be a CSV file or a spreadsheet workbook" in problems[0]
    else:
        assert expected.replace("Title", "Title in row 2") in problems[0]
        assert "title" in problems[0]
    assert _actions(db_session) == 0


@pytest.mark.parametrize("name", ["lead_role", "partners", "measure_unit"])
def test_every_single_line_field_refuses_a_line_break(name, lead_and_plan, client_for, db_session):
    lead, plan, url = lead_and_plan
    client = client_for(lead)
    response = post_form(client, url + "/actions/new", _form(plan, lead, **{name: "a\u2028b"}))
    assert response.status_code == 400
    assert error_summary(response)[0].endswith("must be on one line: remove the line break")
    assert _import(client, url, _sheet(plan, lead, **{name: "a\u2028b"})).status_code == 400
    assert _actions(db_session) == 0


def test_a_description_keeps_its_lines_and_tabs_from_the_form_and_the_import(
        lead_and_plan, client_for, db_session):
    lead, plan, url = lead_and_plan
    client = client_for(lead)
    typed = "First:\r\n\tcoaching\u2028second"
    assert post_form(client, url + "/actions/new",
                     _form(plan, lead, description=typed)).status_code == 302
    assert _import(client, url, _sheet(plan, lead, title="Imported",
                                       description=typed)).status_code == 302
    descriptions = set(db_session.scalars(select(Action.description)))
    assert descriptions == {"First:\n\tcoaching\nsecond"}
    for refused in ("a\x00b", "a\x07b"):
        response = post_form(client, url + "/actions/new", _form(plan, lead, description=refused))
        assert error_summary(response) == ["What will be done must not contain control characters"]
        assert _import(client, url, _sheet(plan, lead, description=refused)).status_code == 400
    assert _actions(db_session) == 2


MEASURES = {"12.5": True, "1,200": True, "-3": True, "0.1234": True, "0.12345": False,
            "1,2,3": False, "12%": False, "NaN": False, "1e10": False, "about 10": False}


@pytest.mark.parametrize("text", MEASURES)
def test_the_form_and_the_import_agree_on_every_measure(text, lead_and_plan, client_for,
                                                        db_session):
    lead, plan, url = lead_and_plan
    client = client_for(lead)
    by_form = post_form(client, url + "/actions/new", _form(plan, lead, measure_target=text))
    by_file = _import(client, url, _sheet(plan, lead, title="Imported", measure_target=text))
    assert (by_form.status_code == 302) == (by_file.status_code == 302) == MEASURES[text]
    if not MEASURES[text]:
        form_message = error_summary(by_form)[0]
        assert form_message.startswith("Target must ")
        file_message = page(by_file).select_one(".app-problem-list li").get_text(" ", strip=True)
        # the same rule in the same words, the file's naming the column and row
        assert form_message.removeprefix("Target ") in file_message.replace("Measure target in row 2 ", "")
    else:
        targets = set(db_session.scalars(select(Action.measure_target)))
        assert len(targets) == 1  # the same value from both


COUNTS = {"0": 0, "12": 12, "1,200": 1200, "1,2,3": None, "12,00": None, "12.0": None,
          "-1": None, "twelve": None}


@pytest.mark.parametrize("text", COUNTS)
def test_the_counts_form_and_the_counts_template_agree_on_every_count(text, app):
    class Form(FlaskForm):
        class Meta:
            csrf = False

        staff = CountField("SCW3 global majority: staff")

    with app.test_request_context(method="POST"):
        form = Form(formdata=MultiDict({"staff": text}))
        form_ok = form.validate()
    try:
        counts_from_rows([{"row": 2, "service_area": "adults", "indicator": "SCW3", "band": "",
                           "group": "gm", "numerator": "0", "denominator": text}], source="t.csv")
        problems = []
    except ExtractValidationError as error:
        problems = [p for p in error.problems if p.column == "denominator"]
    assert form_ok == (not problems) == (COUNTS[text] is not None)
    if form_ok:
        assert form.staff.data == COUNTS[text]
    else:
        assert form.staff.errors[0].startswith("SCW3 global majority: staff must be")
        assert problems[0].message.startswith("The denominator in row 2 must be")


def _form_classes():
    for module in pkgutil.walk_packages(tracker.__path__, "tracker."):
        if module.name.endswith(".forms"):
            loaded = importlib.import_module(module.name)
            for value in vars(loaded).values():
                if isinstance(value, type) and issubclass(value, FlaskForm) and \
                        value.__module__ == loaded.__name__:
                    yield value  # tracker.indicators.forms.CountsForm (built) among them


def test_every_text_box_in_every_form_follows_a_line_rule():
    plain, ruled = [], 0
    for form in _form_classes():
        for name in dir(form):
            unbound = getattr(form, name)
            field_class = getattr(unbound, "field_class", None)
            if field_class in (StringField, TextAreaField):
                plain.append(f"{form.__module__}.{form.__name__}.{name}")
            elif field_class is not None and issubclass(field_class, (LineField, TextField)):
                ruled += 1
    assert plain == []
    assert ruled > 40  # the walk found the project's forms (the counts form's band names too)
