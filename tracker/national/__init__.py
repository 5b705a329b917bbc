"""The national picture: submissions to the programme, the programme lead's pages, the report."""

from flask import Blueprint

bp = Blueprint("national", __name__)

from tracker.national import routes  # noqa: E402,F401
