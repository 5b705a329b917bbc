"""Uploaded files: how large a table may be (and, for previews, where a file waits)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from tracker.domain import upload_checks
from tracker.domain.tabular import Limits


def upload_limits() -> Limits:
    """Return the largest table an upload may hold, from the app's UPLOAD_MAX_* settings."""
    return Limits.from_settings(current_app.config)


def in_background(uploads: Mapping[str, tuple[bytes, str]]) -> bool:
    """Say whether this upload is checked by a job (UPLOAD_BACKGROUND_MB and _ROWS)."""
    settings = current_app.config
    return upload_checks.in_background(
        uploads, most_bytes=int(settings.get("UPLOAD_BACKGROUND_MB", 5)) * 1024 * 1024,
        most_rows=int(settings.get("UPLOAD_BACKGROUND_ROWS", 50_000)))
