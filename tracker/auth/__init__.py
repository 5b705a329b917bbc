"""Signing in and out, and setting a password from a link."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from tracker.auth import routes  # noqa: E402,F401
