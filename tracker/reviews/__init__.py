"""Year-on-year review: trends, the annual review and its sign-off, starting the next cycle."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from tracker.reviews import routes  # noqa: E402,F401
