"""Who may see which organisation, and with what capabilities.

Every organisation-scoped page resolves its organisation here; nobody sees an organisation
they neither belong to nor follow through an advisory group it shares with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tracker.domain.roles import ADVISOR, Capability, Role, capabilities_of
from tracker.extensions import db
from tracker.models import (
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    Membership,
    Organisation,
    User,
)
from tracker.services.errors import Forbidden, NotFound


@dataclass(frozen=True)
class OrgAccess:
    """A user's standing in one organisation."""

    organisation: Organisation
    roles: frozenset[str]

    @property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_of(set(self.roles))

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def role_labels(self) -> list[str]:
        labels = [Role(r).label for r in sorted(self.roles) if r != ADVISOR]
        if ADVISOR in self.roles:
            labels.append("Advisor")
        return labels


def accessible_organisations(*, user: User) -> list[OrgAccess]:
    """Return every organisation the user belongs to or follows, by name."""
    roles: dict[int, set[str]] = {}
    orgs: dict[int, Organisation] = {}
    member_rows = db.session.execute(
        select(Membership.role, Organisation)
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
    )
    for role, org in member_rows:
        roles.setdefault(org.id, set()).add(role.value)
        orgs[org.id] = org
    shared_rows = db.session.scalars(
        select(Organisation)
        .join(AdvisoryGroupShare, AdvisoryGroupShare.organisation_id == Organisation.id)
        .join(AdvisoryGroupMember, AdvisoryGroupMember.group_id == AdvisoryGroupShare.group_id)
        .where(AdvisoryGroupMember.user_id == user.id)
        .distinct()
    )
    for org in shared_rows:
        roles.setdefault(org.id, set()).add(ADVISOR)
        orgs[org.id] = org
    return sorted(
        (OrgAccess(organisation=orgs[i], roles=frozenset(r)) for i, r in roles.items()),
        key=lambda a: a.organisation.name,
    )


def organisation_access(*, user: User, slug: str) -> OrgAccess:
    """Return the user's access to the organisation with this slug, or raise NotFound."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(slug)
    roles = {
        role.value
        for role in db.session.scalars(
            select(Membership.role).where(
                Membership.user_id == user.id, Membership.organisation_id == org.id
            )
        )
    }
    follows = db.session.scalar(
        select(AdvisoryGroupShare.id)
        .join(AdvisoryGroupMember, AdvisoryGroupMember.group_id == AdvisoryGroupShare.group_id)
        .where(AdvisoryGroupMember.user_id == user.id, AdvisoryGroupShare.organisation_id == org.id)
        .limit(1)
    )
    if follows is not None:
        roles.add(ADVISOR)
    if not roles:
        # Do not reveal that an organisation the user cannot see exists.
        raise NotFound(slug)
    return OrgAccess(organisation=org, roles=frozenset(roles))


def require(access: OrgAccess, capability: Capability) -> OrgAccess:
    """Return the access if it allows `capability`, else raise Forbidden."""
    if not access.can(capability):
        raise Forbidden(capability.value)
    return access
