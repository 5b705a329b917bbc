"""WSGI entry point for gunicorn: `gunicorn wsgi:app` (production settings unless told otherwise).

gunicorn.conf.py preloads this module in gunicorn's master. Once the app is built, the objects
made so far (the app, its imports: Flask, SQLAlchemy, pandas, numpy, matplotlib) live as long
as the process, so they are frozen out of the garbage collector's reach: it then never walks
them again, which is most of its pause in a worker (and forked workers keep sharing their
memory pages instead of copying them as the collector touches them).
"""

import gc
import os

from tracker import create_app

app = create_app(os.environ.get("TRACKER_CONFIG", "production"))
gc.freeze()
