"""Small helpers shared by the blueprints."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response
from flask_wtf import FlaskForm

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
