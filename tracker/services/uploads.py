"""Uploaded files: how large a table may be (and, for previews, where a file waits)."""

from __future__ import annotations

from flask import current_app

from tracker.domain.tabular import Limits


def upload_limits() -> Limits:
    """Return the largest table an upload may hold, from the app's UPLOAD_MAX_* settings."""
    return Limits.from_settings(current_app.config)
