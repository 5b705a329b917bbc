"""A cycle's indicators: upload extracts or counts, preview, save, and the results page."""

from flask import Blueprint

bp = Blueprint("indicators", __name__)

from tracker.indicators import routes  # noqa: E402,F401
