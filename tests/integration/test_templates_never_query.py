"""Templates never query: every page's data is loaded by its view before rendering starts.

Each GET page is rendered while a listener counts the SQL statements run between Flask's
`before_render_template` and `template_rendered` signals. A template that calls a loader, or
touches a relationship its view did not load, runs SQL there and fails this test.
"""

from __future__ import annotations

import pytest
from flask import before_render_template, template_rendered
from sqlalchemy import event

from tests.integration.test_no_server_errors import GOOD, _ids, _urls
from tracker.extensions import db


@pytest.fixture
def render_queries(app):
    """Collect (template, statement) for every statement run while a template renders."""
    seen: list[tuple[str, str]] = []
    rendering: list[str] = []

    def started(sender, template, context, **extra):
        rendering.append(template.name)

    def finished(sender, template, context, **extra):
        rendering.remove(template.name)

    def executed(conn, cursor, statement, parameters, context, executemany):
        if rendering:
            seen.append((rendering[-1], statement.split("\n")[0][:120]))

    with app.app_context():
        engine = db.engine
    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(engine, "before_cursor_execute", executed)
    yield seen
    event.remove(engine, "before_cursor_execute", executed)
    before_render_template.disconnect(started, app)
    template_rendered.disconnect(finished, app)


@pytest.mark.parametrize("role", ["edi_lead", "sponsor", "action_owner", "advisor", "administrator"])
def test_no_template_runs_a_query(app, client_as, render_queries, role):
    client = client_as(role)
    values = {**GOOD, **_ids(app)}
    pages = 0
    for url in _urls(app, values):
        for query in ("", "?discuss=SCW2"):
            with client.get(url + query) as response:
                pages += response.status_code == 200 and response.mimetype == "text/html"
    assert pages > 20
    problems = sorted(set(render_queries))
    assert "\n".join(map(str, problems)) == ""


def test_templates_are_strict_in_tests_and_development_only():
    from tracker import create_app
    from tracker.templating import ProjectStrictUndefined

    assert create_app("test").jinja_env.undefined is ProjectStrictUndefined
    assert create_app("development").jinja_env.undefined is ProjectStrictUndefined
