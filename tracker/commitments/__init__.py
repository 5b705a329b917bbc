"""An organisation's commitments, their goals and indicator targets."""

from flask import Blueprint

bp = Blueprint("commitments", __name__, url_prefix="/org/<slug>/commitments")

from tracker.commitments import routes  # noqa: E402,F401
