"""Action plans: themes, actions, progress, views, accountability, sign-off, spreadsheets."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from tracker.plans import routes  # noqa: E402,F401
