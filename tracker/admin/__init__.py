"""Administration: organisations, accounts, memberships, advisory groups, audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from tracker.admin import routes  # noqa: E402,F401
