"""Reports: results exports, the board pack, the council's SC-WRES report and publication."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from tracker.reports import routes  # noqa: E402,F401
