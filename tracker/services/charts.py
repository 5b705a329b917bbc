"""Serve charts drawn once per version of their data: kept in the database under a content hash.
Files made from figures (the results workbooks) are kept the same way (``kept_file``).

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
from tracker.models import ChartImage, KeptFile, utcnow

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


def kept_file(*, key: str, make: Callable[[], bytes]) -> bytes:
    """Return the file kept under `key` (made from the same inputs by the same code), or make
    it now and keep it for the next request."""
    body = db.session.scalar(select(KeptFile.body).where(KeptFile.key == key))
    if body is not None:
        return bytes(body)
    body = make()
    _keep(key, body, model=KeptFile)
    return body


def _keep(key: str, made: str | bytes, *, model: type[ChartImage] | type[KeptFile] = ChartImage
          ) -> None:
    """Keep a drawn chart (or a made file); two requests making it at once keep one, and a
    failure to keep it (SQLite's write lock taken meanwhile) only means making it again next
    time."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    values = {"svg": made} if model is ChartImage else {"body": made}
    statement = module.insert(model).values(key=key, created_at=utcnow(), **values) \
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
    """Remove the charts drawn (and the files made) more than `days` ago; return how many."""
    removed = 0
    for model in (ChartImage, KeptFile):
        result = db.session.execute(delete(model).where(
            model.created_at < utcnow() - timedelta(days=days)))
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
