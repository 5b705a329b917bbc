"""Home, organisation switching, health and the accessibility statement."""

from __future__ import annotations

from flask import jsonify, render_template, request, session
from flask_login import current_user

from tracker.domain.definitions import SERVICE_AREA_LABELS
from tracker.domain.plans import STATUS_TAG, Attention
from tracker.main import bp
from tracker.security import public, signed_in
from tracker.services import homes as home_service
from tracker.services.health import database_ok
from tracker.web import today


@bp.get("/")
@signed_in
def home():
    """Show the user's home: each organisation they lead or sponsor at a glance, the actions
    they own, the councils their advisory groups follow, and the organisations to work in."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in home_service.COUNCIL_SORTS else "name"
    descending = request.args.get("order") == "descending"
    return render_template(
        "main/home.html", current_slug=session.get("org"), today=today(),
        home=home_service.home(user=current_user, today=today(), sort=sort,
                               descending=descending),
        sort=sort, descending=descending, descending_first=home_service.DESCENDING_FIRST,
        attention=Attention, status_tag=STATUS_TAG, area_words=SERVICE_AREA_LABELS)


@bp.get("/health")
@public
def health():
    """Report whether the application and its database answer (for load balancers)."""
    ok = database_ok()
    return jsonify(status="ok" if ok else "unavailable", database=ok), 200 if ok else 503


@bp.get("/accessibility")
@public
def accessibility():
    """Show the accessibility statement."""
    return render_template("main/accessibility.html")
