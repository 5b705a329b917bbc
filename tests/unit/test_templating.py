"""Undefined names fail in the project's templates and stay lenient in GOV.UK Frontend's."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import jinja2
import pytest
from jinja2 import Environment, FunctionLoader

from tracker import action_is_overdue
from tracker.domain.plans import ActionStatus
from tracker.templating import TEMPLATES, VENDORED, ProjectStrictUndefined

GOVUK = jinja2.__file__  # any path outside the project's templates/ folder
SOURCES = {
    "page.html": (TEMPLATES / "probe/page.html", "{{ missing }}"),
    "if.html": (TEMPLATES / "probe/if.html", "{% if missing %}yes{% endif %}"),
    "loop.html": (TEMPLATES / "probe/loop.html", "{% for x in missing %}{{ x }}{% endfor %}"),
    "guarded.html": (TEMPLATES / "probe/guarded.html",
                     "{{ missing | default('fallback') }}{% if missing is defined %}!{% endif %}"),
    "vendored.html": (VENDORED / "probe.html", "[{{ missing }}]{% if missing %}yes{% endif %}"),
    "macro.html": (GOVUK + "/macro.html",
                   "{% macro box(params) %}<div{% if params.classes %} class=\"{{ params.classes }}\""
                   "{% endif %}>{{ params.text }}</div>{% endmacro %}"),
    "uses_macro.html": (TEMPLATES / "probe/uses_macro.html",
                        "{% from 'macro.html' import box %}{{ box({'text': 'Hello'}) }}"),
    "overdue.html": (TEMPLATES / "probe/overdue.html",
                     "{{ 'overdue' if action is overdue(today) else 'fine' }}"),
}


@pytest.fixture
def env() -> Environment:
    def load(name: str):
        path, source = SOURCES[name]
        return source, str(path), lambda: True

    environment = Environment(loader=FunctionLoader(load), undefined=ProjectStrictUndefined)
    environment.tests["overdue"] = action_is_overdue
    return environment


@pytest.mark.parametrize("name", ["page.html", "if.html", "loop.html"])
def test_an_undefined_name_in_a_project_template_fails(env, name):
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        env.get_template(name).render()


def test_defined_and_default_still_work_in_a_project_template(env):
    assert env.get_template("guarded.html").render() == "fallback"


def test_vendored_and_package_templates_keep_jinjas_leniency(env):
    assert env.get_template("vendored.html").render() == "[]"
    assert env.get_template("uses_macro.html").render() == "<div>Hello</div>"


def test_overdue_is_a_jinja_test(env):
    template = env.get_template("overdue.html")
    late = SimpleNamespace(due_date=date(2026, 1, 1), status=ActionStatus.ON_TRACK)
    done = SimpleNamespace(due_date=date(2026, 1, 1), status=ActionStatus.COMPLETE)
    assert template.render(action=late, today=date(2026, 1, 2)) == "overdue"
    assert template.render(action=late, today=date(2026, 1, 1)) == "fine"
    assert template.render(action=done, today=date(2026, 1, 2)) == "fine"
