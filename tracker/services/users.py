"""Accounts and organisation memberships."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from tracker.domain.pages import PER_PAGE
from tracker.domain.roles import Capability, Role
from tracker.extensions import db
from tracker.models import AdvisoryGroup, AdvisoryGroupMember, Membership, Organisation, User
from tracker.models.user import email_key
from tracker.services.access import OrgAccess, require
from tracker.services.audit import changes, record_event
from tracker.services.auth import clear_sign_in_failures, hash_password, password_problem
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import lock, unique_or_invalid


def users_page(*, page: int, query: str = "", per_page: int = PER_PAGE):
    """Return one page of the accounts by name, those matching the query if there is one.

    For administrators only: callers check.
    """
    statement = _matching(select(User), search_words(query))
    return db.paginate(
        statement.options(db.selectinload(User.memberships).joinedload(
            Membership.organisation)).order_by(func.lower(User.name), User.id),
        page=page, per_page=per_page, error_out=False)


def next_unlock(*, now: datetime) -> datetime | None:
    """Return when the soonest lock on an account still in force ends (None: none is).

    What the accounts list shows of locks changes when a lock is set (audited) and when one
    ends, which no change marks: a page kept with this shows every lock as it stands now.
    """
    return db.session.scalar(select(func.min(User.locked_until)).where(User.locked_until > now))


#: The most people one search shows: a longer list is narrowed by typing more, never scrolled.
PEOPLE_FOUND = 20


@dataclass(frozen=True)
class PeopleFound:
    """The people a search for someone to choose found, at most PEOPLE_FOUND of them."""

    query: str
    people: list[User]
    more: bool  # more people matched than are shown

    @property
    def searched(self) -> bool:
        return bool(self.query)


def search_words(query: str) -> list[str]:
    """Split a search for a person into at most five words; "Name (address)" is the address."""
    chosen = re.search(r"\(([^()\s]+@[^()\s]+)\)\s*$", query)
    return (chosen.group(1).split() if chosen else query.split())[:5]


def _matching(statement, words: list[str]):
    for word in words:
        word = word.lower()
        statement = statement.where(or_(func.lower(User.name).contains(word, autoescape=True),
                                        User.email_key.contains(word, autoescape=True)))
    return statement


def find_people(*, query: str, not_in_group: AdvisoryGroup | None = None,
                limit: int = PEOPLE_FOUND) -> PeopleFound:
    """Find the active accounts whose name or address holds every word of the query.

    For an administrator choosing a person for a role or a group (callers check): the
    installation's accounts are theirs to choose from, and a group's members are left out.
    One query however many accounts there are.
    """
    words = search_words(query)
    if not words:
        return PeopleFound(query="", people=[], more=False)
    statement = _matching(select(User).where(User.is_active_account.is_(True)), words)
    if not_in_group is not None:
        statement = statement.where(~exists().where(
            AdvisoryGroupMember.group_id == not_in_group.id,
            AdvisoryGroupMember.user_id == User.id))
    found = list(db.session.scalars(
        statement.order_by(func.lower(User.name), User.id).limit(limit + 1)))
    return PeopleFound(query=query.strip(), people=found[:limit], more=len(found) > limit)


def get_user(*, user_id: int) -> User:
    """Return an account by id, or raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


#: Addresses are unique regardless of case: users.email_key (lower case) is unique.
EMAIL_UNIQUE = {"users.email_key": ("email", "An account with this email address already exists")}


def _email_taken(email: str, *, other_than: User | None = None) -> bool:
    query = select(User.id).where(User.email_key == email_key(email))
    if other_than is not None:
        query = query.where(User.id != other_than.id)
    return db.session.scalar(query) is not None


def create_user(
    *, actor: User | None, email: str, name: str, is_admin: bool = False,
    password: str | None = None,
) -> User:
    """Create an account; without a password it can only be used after a set-password link."""
    email = email.strip()
    errors: dict[str, str] = {}
    if _email_taken(email):
        errors["email"] = "An account with this email address already exists"
    if password is not None and (problem := password_problem(password)):
        errors["password"] = problem
    if not name.strip():
        errors["name"] = "Enter a name"
    if errors:
        raise InvalidInput(errors)
    user = User(email=email, name=name.strip(), is_admin=is_admin,
                password_hash=hash_password(password) if password else None)
    with unique_or_invalid(EMAIL_UNIQUE):  # the database decides, whatever the case
        db.session.add(user)
    record_event(actor=actor, action="created", entity_type="user", entity_id=user.id,
                 after={"email": email, "name": user.name, "is_admin": is_admin})
    return user


def update_user(
    *, actor: User, user: User, email: str, name: str, is_admin: bool, is_active: bool
) -> User:
    """Change an account's details, administrator flag or active flag."""
    email = email.strip()
    if _email_taken(email, other_than=user):
        raise InvalidInput({"email": "An account with this email address already exists"})
    if user.id == actor.id and (not is_admin or not is_active):
        raise InvalidInput({"is_admin": "You cannot remove your own administrator access "
                                        "or deactivate your own account"})
    before, after = changes(user, ["email", "name", "is_admin", "is_active_account"],
                            {"email": email, "name": name.strip(), "is_admin": is_admin,
                             "is_active_account": is_active})
    if after:
        record_event(actor=actor, action="updated", entity_type="user", entity_id=user.id,
                     before=before, after=after)
    with unique_or_invalid(EMAIL_UNIQUE):
        db.session.flush()
    return user


def make_administrator(*, actor: User | None, user: User) -> None:
    """Give an existing account administrator rights (the create-admin command), audited."""
    if not user.is_admin:
        user.is_admin = True
        record_event(actor=actor, action="updated", entity_type="user", entity_id=user.id,
                     before={"is_admin": False}, after={"is_admin": True})
        db.session.flush()


def set_password(*, actor: User | None, user: User, password: str) -> None:
    """Set a user's password directly (the create-admin command)."""
    problem = password_problem(password)
    if problem:
        raise InvalidInput({"password": problem})
    user.password_hash = hash_password(password)
    clear_sign_in_failures(user)
    record_event(actor=actor, action="password_set", entity_type="user", entity_id=user.id)
    db.session.flush()


# Memberships ---------------------------------------------------------------------------------


def organisation_members(*, access: OrgAccess) -> list[Membership]:
    """Return the organisation's memberships, by member name (EDI leads manage them)."""
    require(access, Capability.READ)
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, Membership.user_id == User.id)
            .where(Membership.organisation_id == access.organisation.id)
            .options(db.contains_eager(Membership.user))
            .order_by(func.lower(User.name), Membership.role)
        )
    )


def all_memberships(*, organisation: Organisation) -> list[Membership]:
    """Return an organisation's memberships for the administration pages."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id)
            .options(db.contains_eager(Membership.user))
            .order_by(func.lower(User.name), Membership.role)
        )
    )


def add_membership(
    *, actor: User, organisation: Organisation, email: str, role: Role,
    name: str | None = None,
) -> tuple[Membership, User, bool]:
    """Give a person a role in the organisation, creating their account if needed.

    Returns the membership, the user and whether the account was created (so the caller can
    offer a set-password link).
    """
    user = db.session.scalar(select(User).where(User.email_key == email_key(email)))
    created = False
    if user is None:
        if not name or not name.strip():
            raise InvalidInput({"name": "Enter the person's name: there is no account with "
                                        "this email address yet"})
        user = create_user(actor=actor, email=email, name=name)
        created = True
    existing = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id,
                                 Membership.organisation_id == organisation.id,
                                 Membership.role == role)
    )
    if existing is not None:
        raise InvalidInput({"email": f"{user.name} is already {role.label.lower()} "
                                     f"in {organisation.name}"})
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
    with unique_or_invalid({"memberships.user_id,organisation_id,role": (
            "email", f"{user.name} is already {role.label.lower()} in {organisation.name}")}):
        db.session.add(membership)
    record_event(actor=actor, action="added", entity_type="membership", entity_id=membership.id,
                 organisation=organisation,
                 after={"user_id": user.id, "email": user.email, "role": role.value})
    return membership, user, created


def get_membership(*, organisation: Organisation, membership_id: int) -> Membership:
    """Return one of the organisation's memberships, or raise NotFound."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        raise NotFound(membership_id)
    return membership


def remove_membership(*, actor: User, membership: Membership) -> None:
    """Take a role away; an organisation always keeps at least one EDI lead.

    Two leads removing each other at once are taken one after the other: the organisation's row
    is locked (tracker/services/locks.py) before the leads are counted, so the second counts
    after the first has gone.
    """
    if membership.role == Role.EDI_LEAD:
        lock(Organisation, membership.organisation_id)  # the leads are counted one at a time
        leads = db.session.execute(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == membership.organisation_id,
                Membership.role == Role.EDI_LEAD,
            )
        ).scalar_one()
        if leads <= 1:
            raise InvalidInput({"membership": "An organisation must keep at least one EDI lead. "
                                              "Add another EDI lead first."})
    record_event(actor=actor, action="removed", entity_type="membership",
                 entity_id=membership.id, organisation=membership.organisation,
                 before={"user_id": membership.user_id, "role": membership.role.value})
    db.session.delete(membership)
    db.session.flush()
