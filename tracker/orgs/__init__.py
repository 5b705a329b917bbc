"""An organisation's overview, reporting cycles and people."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/org/<slug>")

from tracker.orgs import routes  # noqa: E402,F401
