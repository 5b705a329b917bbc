"""Row locks and unique constraints: how services keep concurrent writes safe.

Two people may write at once. Services that read a row and then write what depends on it take
the row's lock first, so what they read is what they write against:

- on PostgreSQL, ``SELECT ... FOR UPDATE`` (or ``FOR SHARE``): another request wanting the same
  lock waits until this one commits, then reads the committed row;
- on SQLite there are no row locks, but a request that may write takes the database's write
  lock when its transaction begins (``BEGIN IMMEDIATE``, see tracker/__init__.py), so writing
  requests run one at a time and these selects simply re-read the row.

The order is always the same, so two requests never wait for each other: the plan (or the
review, or the cycle) first, then the action.

Where a row must be unique (an e-mail address, a cycle's label), the database's constraint is
the rule and ``unique_or_invalid`` turns its violation into the field's message: a check made
by a query before the insert cannot see a row another request is inserting at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.services.errors import InvalidInput, NotFound

T = TypeVar("T")


def lock(model: type[T], row_id: int, *, shared: bool = False) -> T:
    """Lock one row until the request ends and return it as it now stands in the database.

    ``shared`` takes ``FOR SHARE``: many requests may hold it at once (edits of a plan's
    actions), but not with ``FOR UPDATE`` (the plan's sign-off). The object in the session is
    refreshed, so call this before changing it.
    """
    statement = (select(model).where(model.id == row_id)  # type: ignore[attr-defined]
                 .with_for_update(read=shared).execution_options(populate_existing=True))
    row: T | None = db.session.execute(statement).scalar()
    if row is None:
        raise NotFound(row_id)
    return row


@contextmanager
def unique_or_invalid(messages: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Turn a unique constraint's violation, at the flush inside the block, into InvalidInput.

    ``messages`` maps a unique constraint, as ``"table.column"`` or ``"table.col1,col2"``, to
    the field and its message. The block runs in a savepoint, so the request's other work is
    kept and the view can show the form again. A violation of another constraint is re-raised.
    """
    savepoint = db.session.begin_nested()
    try:
        yield
        db.session.flush()
    except IntegrityError as error:
        savepoint.rollback()
        text = str(error.orig)
        for constraint, (field, message) in messages.items():
            if any(words in text for words in _constraint_words(constraint)):
                raise InvalidInput({field: message}) from error
        raise
    else:
        savepoint.commit()


def _constraint_words(constraint: str) -> tuple[str, str]:
    """How PostgreSQL and SQLite name a unique constraint in their messages."""
    table, _, columns = constraint.partition(".")
    names = columns.split(",")
    return (f'"uq_{table}_{"_".join(names)}"',  # the naming convention in models/base.py
            "UNIQUE constraint failed: " + ", ".join(f"{table}.{n}" for n in names))
