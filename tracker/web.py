"""Small helpers shared by the blueprints."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime

from flask import Flask, Response, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tracker.domain.formatting import LONDON
from tracker.services import charts as chart_service
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


def chart_response(draw: Callable[..., str], *args, **kwargs) -> Response:
    """Serve draw(*args, **kwargs), drawn once per version of its inputs (services/charts.py).

    The content hash is the ETag: a browser holding this version gets 304 and nothing is read
    or drawn; a kept image is served as it is; only new figures are drawn. The answer must be
    checked again each time (no-cache), as the figures behind a page's address can change.
    """
    version = sys.modules[draw.__module__].DRAWING_VERSION  # see tracker/indicators/charts.py
    key = chart_service.chart_key(draw.__module__, draw.__qualname__, version, args,
                                  sorted(kwargs.items()))
    if request.if_none_match.contains(key):
        response = Response(status=304)
    else:
        response = svg_response(chart_service.chart_svg(
            key=key, draw=lambda: draw(*args, **kwargs)))
    response.set_etag(key)
    response.headers["Cache-Control"] = "private, no-cache"
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
