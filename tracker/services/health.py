"""Health checks."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db


def database_ok() -> bool:
    """Return whether the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
