"""The API's endpoints: an organisation's cycles, results and plan; the published national report.

Every view needs a bearer token (``api_token``): unknown or revoked, 401. A token reads only its
organisation (a cycle of another is 404), and every read is audited. Lists are paginated
(``?page=1&page_size=10``, the total in the ``X-Pagination`` header).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from flask_smorest import Blueprint, abort

from tracker.api.schemas import ActionSchema, CycleSchema, NationalSchema, ResultSchema
from tracker.services import api as api_service
from tracker.services.errors import NotFound


class ApiBlueprint(Blueprint):
    """flask-smorest's blueprint, its pagination header documented as what it is: a string."""

    def _document_pagination_metadata(self, spec, resp_doc):
        # Its default documents the header as an object; a header is text holding JSON (which
        # schemathesis rightly refused).
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination as JSON: total, total_pages, first_page, last_page, "
                           "page, and previous_page and next_page where there are",
            "schema": {"type": "string"}}


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1",
                  description="Read-only: a council's cycles, results and plan")

View = Callable[..., Any]


def api_token(view: View) -> View:
    """Require a valid bearer token; the caller is in ``g.api_caller``; the read is audited."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, plain = header.partition(" ")
        caller = api_service.authenticate(plain.strip() if scheme.lower() == "bearer" else None)
        if caller is None:
            abort(401, message="Send a valid token as 'Authorization: Bearer <token>'",
                  headers={"WWW-Authenticate": "Bearer"})
            raise AssertionError("abort raises")  # for the type checker
        g.api_caller = caller
        api_service.record_read(caller=caller, path=request.full_path)
        try:
            return view(*args, **kwargs)
        except NotFound:
            abort(404, message="Not found for this token")

    wrapped._guard = "api_token"  # type: ignore[attr-defined]
    return wrapped


def _page(rows: list, pagination_parameters) -> list:
    pagination_parameters.item_count = len(rows)
    start = pagination_parameters.first_item
    return rows[start:start + pagination_parameters.page_size]


@bp.route("/cycles")
@bp.response(200, CycleSchema(many=True))
@bp.paginate()
@bp.doc(responses={401: {"description": "No valid token"}})
@api_token
def cycles(pagination_parameters):
    """The organisation's cycles, oldest first."""
    return _page(api_service.cycles(caller=g.api_caller), pagination_parameters)


@bp.route("/cycles/<label>/results")
@bp.response(200, ResultSchema(many=True))
@bp.paginate()
@bp.doc(responses={401: {"description": "No valid token"},
                   404: {"description": "No such cycle"}})
@api_token
def results(label: str, pagination_parameters):
    """Every series of a cycle's results, per service area (unrounded)."""
    return _page(api_service.results(caller=g.api_caller, label=label), pagination_parameters)


@bp.route("/cycles/<label>/actions")
@bp.response(200, ActionSchema(many=True))
@bp.paginate()
@bp.doc(responses={401: {"description": "No valid token"},
                   404: {"description": "No such cycle"}})
@api_token
def actions(label: str, pagination_parameters):
    """A cycle's plan: each action with its progress updates (no drafts, no comments)."""
    total, rows = api_service.actions(caller=g.api_caller, label=label,
                                      start=pagination_parameters.first_item,
                                      size=pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return rows


@bp.route("/national/<label>")
@bp.response(200, NationalSchema(many=True))
@bp.paginate()
@bp.doc(responses={401: {"description": "No valid token"},
                   404: {"description": "Not published, or not the programme lead's token"}})
@api_token
def national(label: str, pagination_parameters):
    """A published national report's figures (the programme lead's token)."""
    return _page(api_service.national(caller=g.api_caller, label=label), pagination_parameters)
