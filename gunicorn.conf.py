"""gunicorn's settings for the tracker, read from the project folder: `gunicorn wsgi:app`.

Chosen from bench/pages.py at national scale (README, *Deploying*):

- ``preload_app``: the app (Flask, SQLAlchemy, pandas, numpy, matplotlib: about 200,000
  objects) is built once in the master before the workers fork, so the workers share its
  memory and start at once; wsgi.py then freezes those objects (``gc.freeze()``), so the
  collector never walks them again: its pauses in a worker fell from 120-170 ms to a few ms.
- each worker forgets the database connections the master may hold (SQLAlchemy's advice for
  forked processes): a connection is never shared between processes.
- ``workers``: WEB_CONCURRENCY, else 2 per core plus 1; sync workers (every request is short:
  files and documents are made by the worker, tracker/jobs).
- ``timeout`` 60 s, and each worker is replaced after about 2,000 requests (jittered), which
  bounds any slow growth of its memory.

Settings given on the command line (``-w 4``, ``-b 0.0.0.0:8000``) override these.
"""

import multiprocessing
import os

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
preload_app = True
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = None  # the app logs each request itself, as JSON (README, LOG_LEVEL)


def post_fork(server, worker):
    """Drop the master's pooled connections in the new worker, without closing them."""
    from tracker.extensions import db
    from wsgi import app

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
