"""One rule for values that must be unique: the same letters in another case are the same value."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from tracker.extensions import db


class _Row(Protocol):
    @property
    def id(self) -> int: ...


def used_by_another(column: InstrumentedAttribute[str], value: str, *,
                    key: InstrumentedAttribute[int], current: _Row | None,
                    among: ColumnElement[bool] | None = None) -> bool:
    """Say whether a row other than `current` (its primary `key`) holds `value` in `column`,
    ignoring case; `among` narrows the rows compared (a plan's themes, say)."""
    query = select(key).where(func.lower(column) == value.lower())
    if among is not None:
        query = query.where(among)
    if current is not None:
        query = query.where(key != current.id)
    return db.session.scalar(query.limit(1)) is not None
