"""Home, organisation switching, health and the accessibility statement."""

from __future__ import annotations

from flask import jsonify, render_template, session
from flask_login import current_user

from tracker.domain.roles import ADVISOR
from tracker.main import bp
from tracker.security import public, signed_in
from tracker.services import sharing as sharing_service
from tracker.services.access import accessible_organisations
from tracker.services.health import database_ok


@bp.get("/")
@signed_in
def home():
    """List the organisations the user belongs to or follows, to choose one to work in."""
    organisations = [access for access in accessible_organisations(user=current_user)
                     if access.roles - {ADVISOR}]
    return render_template("main/home.html", organisations=organisations,
                           shared=sharing_service.shared_with(user=current_user),
                           current_slug=session.get("org"))


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
