"""Serve charts drawn once per version of their data: kept in the database under a content hash.

A chart's key is the sha256 of the drawing code's version, the chart's kind and every input
the drawing takes, so equal figures give the same key on every process and host, changed
figures another key, and a kept image is never stale. The key doubles as the HTTP ETag.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from tracker import jobs
from tracker.extensions import db
from tracker.models import ChartImage, utcnow

log = logging.getLogger(__name__)

#: Kept images not drawn again for this long are removed (forget_old_charts); a chart still
#: wanted is then drawn once more.
KEEP_DAYS = 90


def chart_key(*parts: object) -> str:
    """Return the key of a chart drawn from these parts (reprs of plain values and dataclasses,
    which are the same on every process)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def chart_svg(*, key: str, draw: Callable[[], str]) -> str:
    """Return the kept chart under `key`, or draw it now and keep it for the next request."""
    svg = db.session.scalar(select(ChartImage.svg).where(ChartImage.key == key))
    if svg is not None:
        return svg
    svg = draw()
    _keep(key, svg)
    return svg


def _keep(key: str, svg: str) -> None:
    """Keep a drawn chart; two requests drawing it at once keep one, and a failure to keep it
    (SQLite's write lock taken meanwhile) only means drawing it again next time."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(ChartImage).values(key=key, svg=svg, created_at=utcnow()) \
        .on_conflict_do_nothing(index_elements=["key"])
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except DBAPIError as error:
        log.warning("chart not kept: %s", error.orig)


@jobs.task("forget_old_charts", cron_setting="REMINDERS_CRON")
def forget_old_charts_daily(*, timestamp: int) -> None:
    """The periodic job: once a day, with the reminders, remove the charts kept too long."""
    forget_old_charts()


def forget_old_charts(*, days: int = KEEP_DAYS) -> int:
    """Remove the charts drawn more than `days` ago; return how many."""
    result = db.session.execute(delete(ChartImage).where(
        ChartImage.created_at < utcnow() - timedelta(days=days)))
    return int(getattr(result, "rowcount", 0) or 0)
