"""Small helpers shared by the blueprints."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, Response
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tracker.domain.formatting import LONDON
from tracker.services.errors import InvalidInput


def apply_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Show a service's field errors on the form's fields (or the first field if unknown)."""
    fields = list(form._fields.values())
    for name, message in error.errors.items():
        field = form._fields.get(name) or fields[0]
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


def today() -> date:
    """Return today's date in the UK (deadlines are UK dates)."""
    return datetime.now(LONDON).date()


def svg_response(svg: str) -> Response:
    """Serve a server-drawn chart; the SVG may style itself (matplotlib does) but runs nothing."""
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def page_of_form(app: Flask, path: str) -> str | None:
    """Return the nearest page above a form-only address (…/actions/5/progress -> …/actions/5).

    Pressing Back or reloading after a form was sent asks for its address with GET; that shows
    the page the form belongs to instead of an error.
    """
    adapter = app.url_map.bind("localhost")
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
        except RequestRedirect as redirect:
            return redirect.new_url.removeprefix("http://localhost")
        except HTTPException:
            continue
        return candidate
    return None
