"""Home, organisation switching, health and the accessibility statement."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from tracker.main import routes  # noqa: E402,F401
