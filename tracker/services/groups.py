"""Advisory groups (IAG, RERG), their members and the organisations that share with them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import (
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    Organisation,
    User,
)
from tracker.services.audit import changes, record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import unique_or_invalid
from tracker.services.unique import used_by_another


def list_groups() -> list[AdvisoryGroup]:
    """Return every advisory group with its members and shares loaded."""
    return list(
        db.session.scalars(
            select(AdvisoryGroup)
            .options(
                db.selectinload(AdvisoryGroup.members).joinedload(AdvisoryGroupMember.user),
                db.selectinload(AdvisoryGroup.shares).joinedload(AdvisoryGroupShare.organisation),
            )
            .order_by(AdvisoryGroup.name)
        )
    )


def get_group(*, group_id: int) -> AdvisoryGroup:
    """Return an advisory group by id with its members and shares, or raise NotFound."""
    group = db.session.get(AdvisoryGroup, group_id, options=[
        selectinload(AdvisoryGroup.members).joinedload(AdvisoryGroupMember.user),
        selectinload(AdvisoryGroup.shares).joinedload(AdvisoryGroupShare.organisation)])
    if group is None:
        raise NotFound(group_id)
    return group


GROUP_UNIQUE = {"advisory_groups.name": ("name", "Name is already used by another group"),
        "advisory_groups.short_name": ("short_name", "Short name is already used by another group")}


def _check_group(name: str, short_name: str, current: AdvisoryGroup | None) -> None:
    errors: dict[str, str] = {}
    for field, value, label in (("name", name, "Name"), ("short_name", short_name, "Short name")):
        if used_by_another(getattr(AdvisoryGroup, field), value, key=AdvisoryGroup.id,
                           current=current):
            errors[field] = f"{label} is already used by another group"
    if errors:
        raise InvalidInput(errors)


def create_group(*, actor: User, name: str, short_name: str, description: str | None) -> AdvisoryGroup:
    """Create an advisory group."""
    name, short_name = name.strip(), short_name.strip()
    _check_group(name, short_name, None)
    group = AdvisoryGroup(name=name, short_name=short_name, description=description or None)
    with unique_or_invalid(GROUP_UNIQUE):
        db.session.add(group)
    record_event(actor=actor, action="created", entity_type="advisory_group", entity_id=group.id,
                 after={"name": name, "short_name": short_name})
    return group


def update_group(
    *, actor: User, group: AdvisoryGroup, name: str, short_name: str, description: str | None
) -> AdvisoryGroup:
    """Change an advisory group's details."""
    name, short_name = name.strip(), short_name.strip()
    _check_group(name, short_name, group)
    before, after = changes(group, ["name", "short_name", "description"],
                            {"name": name, "short_name": short_name,
                             "description": description or None})
    if after:
        record_event(actor=actor, action="updated", entity_type="advisory_group",
                     entity_id=group.id, before=before, after=after)
    with unique_or_invalid(GROUP_UNIQUE):
        db.session.flush()
    return group


def add_group_member(*, actor: User, group: AdvisoryGroup, user: User) -> AdvisoryGroupMember:
    """Make a user a member of an advisory group."""
    if any(m.user_id == user.id for m in group.members):
        raise InvalidInput({"user_id": f"{user.name} is already a member of {group.short_name}"})
    member = AdvisoryGroupMember(group_id=group.id, user_id=user.id)
    with unique_or_invalid({"advisory_group_members.group_id,user_id": (
            "user_id", f"{user.name} is already a member of {group.short_name}")}):
        db.session.add(member)
    record_event(actor=actor, action="member_added", entity_type="advisory_group",
                 entity_id=group.id, after={"user_id": user.id, "email": user.email})
    return member


def remove_group_member(*, actor: User, group: AdvisoryGroup, member_id: int) -> None:
    """Remove a member from an advisory group."""
    member = db.session.get(AdvisoryGroupMember, member_id)
    if member is None or member.group_id != group.id:
        raise NotFound(member_id)
    record_event(actor=actor, action="member_removed", entity_type="advisory_group",
                 entity_id=group.id, before={"user_id": member.user_id})
    db.session.delete(member)
    db.session.flush()


def share_with_group(*, actor: User, group: AdvisoryGroup, organisation: Organisation) -> AdvisoryGroupShare:
    """Record that an organisation shares its plan with an advisory group."""
    if any(s.organisation_id == organisation.id for s in group.shares):
        raise InvalidInput({"organisation_id": f"{organisation.name} already shares with "
                                               f"{group.short_name}"})
    share = AdvisoryGroupShare(group_id=group.id, organisation_id=organisation.id)
    with unique_or_invalid({"advisory_group_shares.group_id,organisation_id": (
            "organisation_id", f"{organisation.name} already shares with {group.short_name}")}):
        db.session.add(share)
    record_event(actor=actor, action="shared", entity_type="advisory_group", entity_id=group.id,
                 organisation=organisation, after={"organisation_id": organisation.id})
    return share


def stop_sharing(*, actor: User, group: AdvisoryGroup, share_id: int) -> None:
    """Stop an organisation sharing with an advisory group."""
    share = db.session.get(AdvisoryGroupShare, share_id)
    if share is None or share.group_id != group.id:
        raise NotFound(share_id)
    record_event(actor=actor, action="unshared", entity_type="advisory_group", entity_id=group.id,
                 organisation=share.organisation, before={"organisation_id": share.organisation_id})
    db.session.delete(share)
    db.session.flush()
