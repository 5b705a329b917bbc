"""Following an action or an indicator result, and telling people what changed: followers of
updates and comments and of a result's new figures, EDI leads of an action turning at risk or
off track.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from tracker.domain import paths
from tracker.domain.comments import SubjectType, Visibility
from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREA_WORDS
from tracker.domain.notifications import NotificationKind
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Capability, Role
from tracker.domain.wording import result_in_brief
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    Follow,
    Membership,
    Organisation,
    ReportingCycle,
    User,
)
from tracker.services import notifications
from tracker.services.access import OrgAccess, require
from tracker.services.readers import reader_ids

TROUBLE = frozenset({ActionStatus.AT_RISK, ActionStatus.OFF_TRACK})


def is_following(*, user: User, access: OrgAccess, subject_type: SubjectType,
                 subject_key: str) -> bool:
    """Say whether the user follows this action or result."""
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.organisation_id == access.organisation.id,
        Follow.subject_type == subject_type, Follow.subject_key == subject_key)) is not None


def set_following(*, user: User, access: OrgAccess, subject_type: SubjectType,
                  subject_key: str, follow: bool) -> None:
    """Follow or stop following an action or result (anyone who may read it)."""
    require(access, Capability.READ)
    if follow == is_following(user=user, access=access, subject_type=subject_type,
                              subject_key=subject_key):
        return
    if follow:
        db.session.add(Follow(user_id=user.id, organisation_id=access.organisation.id,
                              subject_type=subject_type, subject_key=subject_key))
    else:
        db.session.execute(delete(Follow).where(
            Follow.user_id == user.id, Follow.organisation_id == access.organisation.id,
            Follow.subject_type == subject_type, Follow.subject_key == subject_key))
    db.session.flush()


def tell_followers(*, organisation: Organisation, subject_type: SubjectType, subject_key: str,
                   actor: User | None, text: str, link: str, visibility: Visibility,
                   excerpt: str = "", skip: set[int] | frozenset[int] = frozenset()) -> None:
    """Notify everyone following the subject who may still read what happened (not the actor,
    nor those in ``skip``, told already)."""
    followers = set(db.session.scalars(select(Follow.user_id).where(
        Follow.organisation_id == organisation.id, Follow.subject_type == subject_type,
        Follow.subject_key == subject_key)))
    followers -= {actor.id} if actor else set()
    followers -= set(skip)
    if not followers:
        return
    followers &= reader_ids(organisation, visibility)
    for user in db.session.scalars(select(User).where(User.id.in_(list(followers)))):
        notifications.notify(user=user, kind=NotificationKind.FOLLOWED, organisation=organisation,
                             actor=actor, text=text, link=link, excerpt=excerpt)


def _where(action: Action) -> tuple[Organisation, ReportingCycle]:
    cycle, organisation = db.session.execute(
        select(ReportingCycle, Organisation)
        .join(ActionPlan, ActionPlan.cycle_id == ReportingCycle.id)
        .join(Organisation, Organisation.id == ReportingCycle.organisation_id)
        .where(ActionPlan.id == action.plan_id)).one()
    return organisation, cycle


def action_changed(*, action: Action, actor: User, what: str, before: ActionStatus | None,
                   excerpt: str = "") -> None:
    """Tell the action's followers what happened to it, and the organisation's EDI leads when
    its status turned at risk or off track."""
    organisation, cycle = _where(action)
    link = paths.build(paths.ACTION, slug=organisation.slug, label=cycle.label,
                       action_id=action.id)
    told: set[int] = set()
    if action.status in TROUBLE and before not in TROUBLE and before is not None:
        leads = db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id,
                   Membership.role == Role.EDI_LEAD, User.is_active_account.is_(True),
                   User.id != actor.id).distinct())
        for lead in leads:
            notifications.notify(
                user=lead, kind=NotificationKind.TROUBLE, organisation=organisation, actor=actor,
                text=f"{actor.name} set \u201c{action.title}\u201d to "
                     f"{action.status.label.lower()}", link=link, excerpt=excerpt)
            told.add(lead.id)
    tell_followers(organisation=organisation, subject_type=SubjectType.ACTION,
                   subject_key=str(action.id), actor=actor,
                   text=f"{actor.name} {what} \u201c{action.title}\u201d", link=link,
                   visibility=Visibility.SHARED, excerpt=excerpt, skip=told)


def figures_saved(*, organisation: Organisation, cycle: ReportingCycle, actor: User | None,
                  results: dict, before: dict | None) -> None:
    """Tell each follower of one of the organisation's results its figure now that the cycle's
    figures were loaded (``before`` None) or replaced, and what it was before a replacement."""
    follows = [(user_id, key) for user_id, key in db.session.execute(
        select(Follow.user_id, Follow.subject_key).where(
            Follow.organisation_id == organisation.id,
            Follow.subject_type == SubjectType.INDICATOR)) if actor is None or user_id != actor.id]
    if not follows:
        return
    readers = reader_ids(organisation, Visibility.SHARED)
    users = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_({user_id for user_id, _ in follows} & readers)))}
    verb = "loaded" if before is None else "replaced"
    who = f"{actor.name} {verb} the {cycle.label} figures" if actor else \
        f"The {cycle.label} figures were {verb}"
    for user_id, key in sorted(follows):
        indicator, _, area = key.partition(":")
        if user_id not in users or indicator not in INDICATORS_BY_ID:
            continue
        now = result_in_brief(indicator, results.get(area))
        if before is not None:
            was = result_in_brief(indicator, before.get(area))
            now += " (unchanged)" if was == now else f" (it was {was})"
        title = f"{indicator} {INDICATORS_BY_ID[indicator].short_name}, " \
                f"{SERVICE_AREA_WORDS.get(area, area)}"
        notifications.notify(
            user=users[user_id], kind=NotificationKind.FOLLOWED, organisation=organisation,
            actor=actor, text=f"{who}: {title}: {now}",
            link=paths.build(paths.INDICATORS, slug=organisation.slug, label=cycle.label,
                             area=area, discuss=indicator))
