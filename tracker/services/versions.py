"""The version of what a page shows: how many times the data behind it has changed.

Every change to an organisation's data is an audit event under that organisation (the audit
trail is the record of who changed what), and every change to what organisations share
(people's names and rights, advisory groups, the programme's years and reports, the library)
is one under none. Each transaction that records such events counts one change for each
organisation, just before it commits (services/audit.py, models.DataVersion): the count is
seen with the change, never before it, whatever order two changes commit in.

A page kept under a version (tracker/kept_pages.py) is therefore never served after a change
it could show. Reading a version is one statement on a table of a row per organisation.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import DataVersion
from tracker.services.audit import SHARED


def organisations_version(organisation_ids: Collection[int]) -> tuple[int, ...]:
    """The versions of these organisations' data and of what they share, in one statement:
    a page that shows many organisations (an advisor's councils) changes with any of them."""
    wanted = sorted({*organisation_ids, SHARED})
    found = dict(db.session.execute(select(DataVersion.organisation_id, DataVersion.version)
                                    .where(DataVersion.organisation_id.in_(wanted))).all())
    return tuple(found.get(organisation_id, 0) for organisation_id in wanted)


def organisation_version(organisation_id: int) -> tuple[int, ...]:
    """The version of the organisation's data and of what organisations share."""
    return organisations_version((organisation_id,))
