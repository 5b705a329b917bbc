"""An organisation's EDI lead shares its plan with advisory groups, or stops; advisors' one list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    User,
)
from tracker.services import groups as group_service
from tracker.services.access import OrgAccess, require
from tracker.services.errors import NotFound


@dataclass(frozen=True)
class GroupChoice:
    """An advisory group and whether the organisation shares with it."""

    group: AdvisoryGroup
    share_id: int | None
    members: int

    @property
    def shared(self) -> bool:
        return self.share_id is not None


def sharing_choices(*, access: OrgAccess) -> list[GroupChoice]:
    """Return every advisory group, saying which ones the organisation shares with."""
    require(access, Capability.MANAGE_MEMBERS)
    shares = dict(db.session.execute(
        select(AdvisoryGroupShare.group_id, AdvisoryGroupShare.id)
        .where(AdvisoryGroupShare.organisation_id == access.organisation.id)).all())
    members = dict(db.session.execute(
        select(AdvisoryGroupMember.group_id, func.count(AdvisoryGroupMember.id))
        .group_by(AdvisoryGroupMember.group_id)).all())
    return [GroupChoice(group, shares.get(group.id), members.get(group.id, 0))
            for group in db.session.scalars(select(AdvisoryGroup).order_by(AdvisoryGroup.name))]


def _group(group_id: int) -> AdvisoryGroup:
    group = db.session.get(AdvisoryGroup, group_id)
    if group is None:
        raise NotFound(group_id)
    return group


def share(*, actor: User, access: OrgAccess, group_id: int) -> AdvisoryGroup:
    """Share the organisation's plan with an advisory group (audited)."""
    require(access, Capability.MANAGE_MEMBERS)
    group = _group(group_id)
    group_service.share_with_group(actor=actor, group=group, organisation=access.organisation)
    return group


def stop_sharing(*, actor: User, access: OrgAccess, group_id: int) -> AdvisoryGroup:
    """Stop sharing with an advisory group: its members no longer see the organisation."""
    require(access, Capability.MANAGE_MEMBERS)
    group = _group(group_id)
    share_id = db.session.scalar(select(AdvisoryGroupShare.id).where(
        AdvisoryGroupShare.group_id == group.id,
        AdvisoryGroupShare.organisation_id == access.organisation.id))
    if share_id is None:
        raise NotFound(group_id)
    group_service.stop_sharing(actor=actor, group=group, share_id=share_id)
    return group
