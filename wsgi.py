"""WSGI entry point for gunicorn: `gunicorn wsgi:app` (production settings unless told otherwise)."""

import os

from tracker import create_app

app = create_app(os.environ.get("TRACKER_CONFIG", "production"))
