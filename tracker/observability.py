"""Logs a service owner can use, and optional error reporting.

Every request writes one JSON line to the ``tracker.requests`` logger: its request id, who made
it (``user_id``), the organisation in its URL (``organisation``), the route (``endpoint``),
``method``, ``path``, ``status`` and ``duration_ms``. Errors are logged by Flask on the
``tracker`` logger with their traceback (``exc_info``) and the same request id, so one id finds
both lines. The id comes from the caller's ``X-Request-ID`` when it looks like an id (a proxy
or load balancer set it), else it is made here; the response carries it back.

Lines are JSON through the standard ``logging`` module (python-json-logger's formatter), on
standard error unless ``LOG_TO_STDERR`` is off (the tests read the records themselves).
With ``SENTRY_DSN`` set, errors also go to Sentry (or a compatible service), without personal
data: no cookies, headers' values, IP addresses or user names (``send_default_pii=False``).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_login import user_logged_in
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
#: What an incoming request id may look like: a UUID, a hex or base64url token, a trace id.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{7,127}")

request_log = logging.getLogger("tracker.requests")


def request_id_from(header: str | None) -> str:
    """Keep the caller's request id if it looks like one; otherwise make a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Give every record logged during a request that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class _StandardError(logging.StreamHandler):
    """Write to whatever sys.stderr is when a record comes (a server or test may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # StreamHandler keeps a stream; this one looks it up each time
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def json_formatter() -> JsonFormatter:
    """One JSON object a line: time (UTC), level, logger, message and the record's fields."""
    return JsonFormatter("%(levelname)s %(name)s %(message)s",
                         rename_fields={"levelname": "level", "name": "logger"},
                         timestamp="time")


def init_logging(app: Flask) -> None:
    """JSON lines from the application's loggers, and the per-request line."""
    logger = logging.getLogger("tracker")  # app.logger: Flask names it after the package
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
        logger.addFilter(RequestIdFilter())  # Flask's error records carry the request id too
    if app.config["LOG_TO_STDERR"] and not any(isinstance(h, _StandardError) for h in logger.handlers):
        handler = _StandardError()
        handler.setFormatter(json_formatter())
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)  # one per process, however many apps are made
    _register_request_log(app)
    user_logged_in.connect(_note_signed_in, app)


def log_job_queue(app: Flask) -> None:
    """In the worker: the job queue's own records (procrastinate's: each job started and
    finished, each periodic run deferred, or skipped as another worker deferred it) go out as
    JSON lines beside the application's, at LOG_LEVEL."""
    logger = logging.getLogger("procrastinate")
    logger.setLevel(app.config["LOG_LEVEL"])
    if app.config["LOG_TO_STDERR"] and not any(isinstance(h, _StandardError)
                                               for h in logger.handlers):
        handler = _StandardError()
        handler.setFormatter(json_formatter())
        logger.addHandler(handler)
        logger.propagate = False


def _note_signed_in(sender: Flask, user: Any, **extra: Any) -> None:
    g.user_id = user.id  # whoever signed in with this request


def _register_request_log(app: Flask) -> None:
    @app.before_request
    def start_request() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        request_log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={
                "request_id": request_id,
                # Noted when the request loaded or signed in someone (tracker/__init__.py):
                # reading current_user here could cost a query.
                "user_id": g.get("user_id"),
                "organisation": (request.view_args or {}).get("slug"),
                "endpoint": request.endpoint,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started is not None else None,
            })
        return response


def init_sentry(app: Flask) -> bool:
    """Report errors to Sentry when SENTRY_DSN is set; say whether it was set up."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config.get("SENTRY_ENVIRONMENT") or None,
        # No personal data: the SDK's default sends no cookies, IP addresses or user names
        # (send_default_pii is off; naming it is deprecated from 2.4x), and here no request bodies
        # and no local variables (an extract's rows would hold people's ethnicity).
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0.0,  # errors only
    )

    @app.before_request
    def tag_request() -> None:  # an event names the request id its log lines carry
        sentry_sdk.set_tag("request_id", g.get("request_id"))

    return True
