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

from sqlalchemy import func, literal, select, union, union_all

from tracker.extensions import db
from tracker.models import (
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    DataVersion,
    Membership,
    Organisation,
)
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


def people_organisations_version(user_id: int) -> tuple[tuple[int, int], ...]:
    """Each organisation the person belongs to or follows through an advisory group, with
    its version, and the version of what organisations share (under 0), in one statement.

    The organisations are named with their versions: joining or leaving one changes what a
    page of theirs shows even when no version moved (a role changed within an organisation
    is an audited change of it).
    """
    member = select(Membership.organisation_id).where(Membership.user_id == user_id)
    followed = (select(AdvisoryGroupShare.organisation_id)
                .join(AdvisoryGroupMember,
                      AdvisoryGroupMember.group_id == AdvisoryGroupShare.group_id)
                .where(AdvisoryGroupMember.user_id == user_id))
    ids = union(member, followed, select(literal(SHARED))).subquery()
    organisation_id = ids.c[0]
    return tuple((found, version) for found, version in db.session.execute(
        select(organisation_id, func.coalesce(DataVersion.version, 0))
        .outerjoin(DataVersion, DataVersion.organisation_id == organisation_id)
        .order_by(organisation_id)))


def everything_version() -> int:
    """The version of every organisation's data and of what they share: the sum of their
    versions, which any audited change anywhere moves on (for pages showing all of them)."""
    return db.session.scalar(select(func.coalesce(func.sum(DataVersion.version), 0))) or 0


def organisation_version_by_slug(slug: str) -> tuple[tuple[int, int], ...]:
    """The organisation with this slug (its id, with its version) and the version of what
    organisations share, in one statement; only the shared version if no organisation has
    that slug (a page about an organisation found by its address, not by the person's access)."""
    named = (select(Organisation.id, func.coalesce(DataVersion.version, 0))
             .outerjoin(DataVersion, DataVersion.organisation_id == Organisation.id)
             .where(Organisation.slug == slug))
    shared = select(literal(SHARED), func.coalesce(
        select(DataVersion.version).where(DataVersion.organisation_id == SHARED)
        .scalar_subquery(), 0))
    return tuple(sorted((found, version) for found, version in
                        db.session.execute(union_all(named, shared))))


def shared_version() -> tuple[int, ...]:
    """The version of what organisations share alone (the programme's published reports)."""
    return organisations_version(())
