"""Invitations: how an EDI lead adds people to the organisation without learning who has an account.

The lead types an address, a name and a role, and the same thing happens whatever the address:
an invitation is recorded and e-mailed to it (by a job, tracker.services.mail). Only the person
who reads that mailbox can accept: by signing in with that address if it has an account (the
lead never sees its name, nor whether it existed), or by making the account. A new invitation
of the same address to the same role replaces the earlier one; each works once, for a while.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tracker.domain import paths
from tracker.domain.emails import invitation_message
from tracker.domain.roles import Capability, Role
from tracker.extensions import db
from tracker.mail_templates import render
from tracker.models import Invitation, Membership, User
from tracker.models.user import email_key
from tracker.services import mail
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.auth import MIN_PASSWORD_LENGTH, hash_password, password_problem
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import lock, unique_or_invalid
from tracker.services.users import EMAIL_UNIQUE

__all__ = ["MIN_PASSWORD_LENGTH", "InvitationProblem", "accept", "accept_with_new_account",
           "invitation_for", "invite", "pending", "withdraw"]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(*, access: OrgAccess, actor: User, email: str, name: str, role: Role, now: datetime,
           days: int) -> Invitation:
    """Invite an address to take `role` in the organisation, and e-mail it the link."""
    require(access, Capability.MANAGE_MEMBERS)
    organisation = access.organisation
    key = email_key(email)
    member = db.session.scalar(
        select(Membership.id).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, Membership.role == role,
               User.email_key == key))
    if member is not None:  # the lead sees the organisation's people anyway
        raise InvalidInput({"email": f"{email.strip()} is already {role.label.lower()} in "
                                     f"{organisation.name}"})
    db.session.execute(update(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.email_key == key,
        Invitation.role == role, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation_id=organisation.id, email=email.strip(), email_key=key,
                            name=name.strip(), role=role, token_hash=_token_hash(token),
                            invited_by_id=actor.id, created_at=now,
                            expires_at=now + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    record_event(actor=actor, action="invited", entity_type="invitation",
                 entity_id=invitation.id, organisation=organisation,
                 after={"email": invitation.email, "role": role.value})
    message = render(invitation_message(
        name=invitation.name, organisation=organisation.name, role=role.label.lower(),
        inviter=actor.name, url=mail.settings().base_url + paths.build(paths.INVITATION,
                                                                       token=token),
        expires=invitation.expires_at.date()))
    mail.queue_email(user=None, recipient=invitation.email, message=message, kind="invitation")
    return invitation


def pending(*, access: OrgAccess, now: datetime) -> list[Invitation]:
    """Return the organisation's invitations still waiting to be accepted, newest first."""
    require(access, Capability.MANAGE_MEMBERS)
    return list(db.session.scalars(
        select(Invitation).where(Invitation.organisation_id == access.organisation.id,
                                 Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def withdraw(*, access: OrgAccess, actor: User, invitation_id: int, now: datetime) -> Invitation:
    """Withdraw one of the organisation's waiting invitations: its link stops working."""
    require(access, Capability.MANAGE_MEMBERS)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != access.organisation.id:
        raise NotFound(invitation_id)
    invitation = lock(Invitation, invitation.id)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now
        record_event(actor=actor, action="invitation_withdrawn", entity_type="invitation",
                     entity_id=invitation.id, organisation=access.organisation,
                     before={"email": invitation.email, "role": invitation.role.value})
        db.session.flush()
    return invitation


class InvitationProblem(Exception):
    """An invitation link that cannot be used: 'unknown', 'used', 'withdrawn' or 'expired'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InvitationView:
    """What the invitation's page shows the person who followed its link."""

    invitation: Invitation
    has_account: bool


def _usable(token: str, now: datetime, *, locked: bool = False) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None:
        raise InvitationProblem("unknown")
    if locked:  # the one accepting it: the others wait, then find it used
        invitation = lock(Invitation, invitation.id)
    if invitation.accepted_at is not None:
        raise InvitationProblem("used")
    if invitation.revoked_at is not None:
        raise InvitationProblem("withdrawn")
    if now >= invitation.expires_at:
        raise InvitationProblem("expired")
    return invitation


def invitation_for(*, token: str, now: datetime) -> InvitationView:
    """Return the usable invitation of a link (to the person holding it), or raise."""
    invitation = _usable(token, now)
    has_account = db.session.scalar(
        select(User.id).where(User.email_key == invitation.email_key)) is not None
    return InvitationView(invitation=invitation, has_account=has_account)


def _join(invitation: Invitation, user: User, now: datetime) -> Membership:
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.organisation_id == invitation.organisation_id,
        Membership.role == invitation.role))
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=invitation.organisation_id,
                                role=invitation.role)
        db.session.add(membership)
        db.session.flush()
        record_event(actor=user, action="added", entity_type="membership",
                     entity_id=membership.id, organisation=invitation.organisation,
                     after={"user_id": user.id, "email": user.email,
                            "role": invitation.role.value, "invitation_id": invitation.id})
    invitation.accepted_at = now
    db.session.flush()
    return membership


def accept(*, token: str, user: User, now: datetime) -> Membership:
    """Accept an invitation as the signed-in account it was sent to."""
    invitation = _usable(token, now, locked=True)
    if user.email_key != invitation.email_key:
        raise InvalidInput({"invitation": f"This invitation was sent to {invitation.email}. "
                                          "Sign out, then sign in with that address."})
    return _join(invitation, user, now)


def accept_with_new_account(*, token: str, name: str, password: str, now: datetime) -> User:
    """Accept an invitation sent to an address with no account: make the account, then join."""
    invitation = _usable(token, now, locked=True)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter your full name"
    if problem := password_problem(password):
        errors["password"] = problem
    if errors:
        raise InvalidInput(errors)
    user = User(email=invitation.email, name=name.strip(), password_hash=hash_password(password))
    with unique_or_invalid({**EMAIL_UNIQUE, "users.email_key": (
            "name", "An account with this address exists now: sign in to accept")}):
        db.session.add(user)
    record_event(actor=user, action="created", entity_type="user", entity_id=user.id,
                 after={"email": user.email, "name": user.name, "invitation_id": invitation.id})
    _join(invitation, user, now)
    return user
