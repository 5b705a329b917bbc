"""Who reads what in an organisation's conversation, and who can be mentioned.

An organisation's members read both kinds of comment; advisors (members of an advisory group
the organisation shares with) read only shared comments, and never see internal ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select

from tracker.domain.comments import (
    Visibility,
    mention_handle,
)
from tracker.domain.roles import ADVISOR
from tracker.extensions import db
from tracker.models import (
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    Membership,
    Organisation,
    User,
)
from tracker.services.access import OrgAccess

# Who reads what ------------------------------------------------------------------------------------


def is_member(access: OrgAccess) -> bool:
    """Return whether the user belongs to the organisation (not only follows it as an advisor)."""
    return bool(access.roles - {ADVISOR})


def readable(access: OrgAccess) -> list[Visibility]:
    """Return the kinds of comment the user may read in this organisation."""
    return list(Visibility) if is_member(access) else [Visibility.SHARED]


def reader_ids(organisation: Organisation, visibility: Visibility) -> set[int]:
    """Return everyone who may read a comment of this visibility in the organisation."""
    readers = set(db.session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, User.is_active_account.is_(True))))
    if visibility is Visibility.SHARED:
        readers |= set(db.session.scalars(
            select(AdvisoryGroupMember.user_id)
            .join(AdvisoryGroupShare, AdvisoryGroupShare.group_id == AdvisoryGroupMember.group_id)
            .join(User, User.id == AdvisoryGroupMember.user_id)
            .where(AdvisoryGroupShare.organisation_id == organisation.id,
                   User.is_active_account.is_(True))))
    return readers


def shared_groups(*, organisation: Organisation) -> list[AdvisoryGroup]:
    """Return the advisory groups the organisation shares with, by name."""
    return list(db.session.scalars(
        select(AdvisoryGroup).join(AdvisoryGroupShare, AdvisoryGroupShare.group_id == AdvisoryGroup.id)
        .where(AdvisoryGroupShare.organisation_id == organisation.id).order_by(AdvisoryGroup.name)))


def posted_as(access: OrgAccess, user: User) -> str:
    if is_member(access):
        return ", ".join(access.role_labels[:-1] if ADVISOR in access.roles
                         else access.role_labels)
    groups = db.session.scalars(
        select(AdvisoryGroup.short_name)
        .join(AdvisoryGroupMember, AdvisoryGroupMember.group_id == AdvisoryGroup.id)
        .join(AdvisoryGroupShare, AdvisoryGroupShare.group_id == AdvisoryGroup.id)
        .where(AdvisoryGroupMember.user_id == user.id,
               AdvisoryGroupShare.organisation_id == access.organisation.id)
        .order_by(AdvisoryGroup.short_name))
    return "Advisor, " + ", ".join(groups)


@dataclass(frozen=True)
class Person:
    """Someone who can be mentioned, and whether they read internal comments too."""

    name: str
    handle: str
    role: str
    reads_internal: bool


def mentionable(*, organisation: Organisation) -> list[Person]:
    """Return the people who can read the organisation's comments, by name."""
    people: dict[int, Person] = {}
    # Names and ids only: every thread shows these, and whole User rows cost more to load.
    for user_id, name, role in db.session.execute(
            select(User.id, User.name, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id,
                   User.is_active_account.is_(True))):
        known = people.get(user_id)
        role_words = role.label if known is None else f"{known.role}, {role.label}"
        people[user_id] = Person(name, mention_handle(name), role_words, True)
    for user_id, name, group in db.session.execute(
            select(User.id, User.name, AdvisoryGroup.short_name)
            .join(AdvisoryGroupMember, AdvisoryGroupMember.user_id == User.id)
            .join(AdvisoryGroup, AdvisoryGroup.id == AdvisoryGroupMember.group_id)
            .join(AdvisoryGroupShare, AdvisoryGroupShare.group_id == AdvisoryGroup.id)
            .where(AdvisoryGroupShare.organisation_id == organisation.id,
                   User.is_active_account.is_(True))):
        if user_id not in people:
            people[user_id] = Person(name, mention_handle(name), f"Advisor, {group}", False)
    return sorted(people.values(), key=lambda p: p.name.lower())


def thread_readers(*, organisation: Organisation,
                   with_people: bool) -> tuple[list[str], list[Person]]:
    """Return the names of the advisory groups the organisation shares with (by name) and, when
    `with_people`, `mentionable`'s people: the groups and their advisors in one statement (a
    thread shows both), the members in another."""
    people: dict[int, Person] = {}
    if with_people:
        for user_id, name, role in db.session.execute(
                select(User.id, User.name, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.organisation_id == organisation.id,
                       User.is_active_account.is_(True))):
            known = people.get(user_id)
            role_words = role.label if known is None else f"{known.role}, {role.label}"
            people[user_id] = Person(name, mention_handle(name), role_words, True)
    query = (select(AdvisoryGroup.name, AdvisoryGroup.short_name)
             .select_from(AdvisoryGroupShare)
             .join(AdvisoryGroup, AdvisoryGroup.id == AdvisoryGroupShare.group_id)
             .where(AdvisoryGroupShare.organisation_id == organisation.id)
             .order_by(AdvisoryGroup.name, AdvisoryGroup.id))
    if with_people:
        query = (query.add_columns(User.id, User.name)
                 .outerjoin(AdvisoryGroupMember, AdvisoryGroupMember.group_id == AdvisoryGroup.id)
                 .outerjoin(User, and_(User.id == AdvisoryGroupMember.user_id,
                                       User.is_active_account.is_(True))))
    groups: dict[str, None] = {}
    rows: list[Any] = list(db.session.execute(query))  # two columns, or four with the people
    for row in rows:
        groups[row[0]] = None
        if with_people and row[2] is not None and row[2] not in people:
            people[row[2]] = Person(row[3], mention_handle(row[3]), f"Advisor, {row[1]}", False)
    return list(groups), sorted(people.values(), key=lambda p: p.name.lower())
