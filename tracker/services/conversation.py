"""Comments on actions, indicator results and annual reviews; mentions; "you said, we did".

Who may do what is enforced here. An organisation's members read both kinds of comment and may
post either; advisors (members of an advisory group the organisation shares with) read and post
only shared comments, and never see internal ones; everyone else gets NotFound. Only the author
edits or deletes a comment; only advisors ask for a response; only the EDI lead gives one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from tracker.domain.comments import (
    MAX_COMMENT_LENGTH,
    MAX_REASON_LENGTH,
    NotificationKind,
    Outcome,
    SubjectType,
    Visibility,
    days_waiting,
    find_mentions,
    mention_handle,
    parse_subject,
    plain_excerpt,
)
from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREA_WORDS
from tracker.domain.formatting import LONDON
from tracker.domain.roles import ADVISOR, Capability, Role
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    Comment,
    CommentMention,
    CommentRevision,
    FeedbackResponse,
    Membership,
    Organisation,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services import notifications
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import Forbidden, InvalidInput, NotFound

# Subjects ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a thread is about, in which organisation and cycle."""

    type: SubjectType
    key: str
    organisation: Organisation
    cycle: ReportingCycle
    title: str

    @property
    def path(self) -> str:
        """Return the page that shows this subject's thread."""
        slug, label = self.organisation.slug, self.cycle.label
        if self.type is SubjectType.ACTION:
            return notifications.path_for("plans.view_action", slug=slug, label=label,
                                          action_id=int(self.key))
        if self.type is SubjectType.INDICATOR:
            indicator, _, area = self.key.partition(":")
            return notifications.path_for("indicators.results", slug=slug, label=label,
                                          area=area, discuss=indicator)
        return notifications.path_for("reviews.review", slug=slug, label=label)

    @property
    def thread_path(self) -> str:
        return notifications.path_for("conversation.thread", slug=self.organisation.slug,
                                      label=self.cycle.label, subject_type=self.type.value,
                                      subject_key=self.key)

    def comment_path(self, comment: Comment) -> str:
        return f"{self.path}#comment-{comment.id}"


def _cycle(access: OrgAccess, *, label: str | None = None,
           cycle_id: int | None = None) -> ReportingCycle:
    query = select(ReportingCycle).where(ReportingCycle.organisation_id == access.organisation.id)
    query = query.where(ReportingCycle.label == label) if label is not None else query.where(
        ReportingCycle.id == cycle_id)
    cycle = db.session.scalar(query)
    if cycle is None:
        raise NotFound(label or cycle_id)
    return cycle


def resolve_subject(*, access: OrgAccess, subject_type: str, subject_key: str,
                    cycle_label: str | None = None,
                    cycle: ReportingCycle | None = None) -> Subject:
    """Return the subject of a thread in one of the organisation's cycles, or raise NotFound."""
    require(access, Capability.READ)
    try:
        kind, key = parse_subject(subject_type, subject_key)
    except ValueError:
        raise NotFound(subject_key) from None
    if cycle is None or cycle.organisation_id != access.organisation.id:
        cycle = _cycle(access, label=cycle_label)
    if kind is SubjectType.ACTION:
        title = db.session.scalar(
            select(Action.title).join(ActionPlan, ActionPlan.id == Action.plan_id)
            .where(Action.id == int(key), ActionPlan.cycle_id == cycle.id))
        if title is None:
            raise NotFound(key)
    elif kind is SubjectType.INDICATOR:
        title = _indicator_title(key)
    else:
        if key != cycle.label:
            raise NotFound(key)
        title = f"the annual review {cycle.label}"
    return Subject(type=kind, key=key, organisation=access.organisation, cycle=cycle, title=title)


def _indicator_title(key: str) -> str:
    """Name an indicator result from its subject key: "SCW2:adults" -> "SCW2 ..., adult social care"."""
    indicator, _, area = key.partition(":")
    return f"{indicator} {INDICATORS_BY_ID[indicator].short_name}, {SERVICE_AREA_WORDS[area]}"


def _subject_of(access: OrgAccess, comment: Comment) -> Subject:
    return resolve_subject(access=access, subject_type=comment.subject_type.value,
                           subject_key=comment.subject_key,
                           cycle=_cycle(access, cycle_id=comment.cycle_id))


# Who reads what ------------------------------------------------------------------------------------


def is_member(access: OrgAccess) -> bool:
    """Return whether the user belongs to the organisation (not only follows it as an advisor)."""
    return bool(access.roles - {ADVISOR})


def readable(access: OrgAccess) -> list[Visibility]:
    """Return the kinds of comment the user may read in this organisation."""
    return list(Visibility) if is_member(access) else [Visibility.SHARED]


def _reader_ids(organisation: Organisation, visibility: Visibility) -> set[int]:
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


def _posted_as(access: OrgAccess, user: User) -> str:
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
    for user, role in db.session.execute(
            select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id,
                   User.is_active_account.is_(True))):
        known = people.get(user.id)
        role_words = role.label if known is None else f"{known.role}, {role.label}"
        people[user.id] = Person(user.name, mention_handle(user.name), role_words, True)
    for user, group in db.session.execute(
            select(User, AdvisoryGroup.short_name)
            .join(AdvisoryGroupMember, AdvisoryGroupMember.user_id == User.id)
            .join(AdvisoryGroup, AdvisoryGroup.id == AdvisoryGroupMember.group_id)
            .join(AdvisoryGroupShare, AdvisoryGroupShare.group_id == AdvisoryGroup.id)
            .where(AdvisoryGroupShare.organisation_id == organisation.id,
                   User.is_active_account.is_(True))):
        if user.id not in people:
            people[user.id] = Person(user.name, mention_handle(user.name), f"Advisor, {group}",
                                     False)
    return sorted(people.values(), key=lambda p: p.name.lower())


# Reading threads -----------------------------------------------------------------------------------


@dataclass
class ThreadEntry:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class Thread:
    """A subject's comments as the user may see them, and what the user may do."""

    subject: Subject
    entries: list[ThreadEntry]
    user_id: int
    member: bool
    advisor: bool
    can_comment: bool
    can_respond: bool
    groups: list[AdvisoryGroup]
    people: list[Person]

    @property
    def count(self) -> int:
        return sum(1 + len(e.replies) for e in self.entries)

    @property
    def group_names(self) -> str:
        return _names([g.name for g in self.groups]) if self.groups else ""

    def can_edit(self, comment: Comment) -> bool:
        return self.can_comment and comment.author_id == self.user_id and not comment.is_deleted

    def can_delete(self, comment: Comment) -> bool:
        return self.can_edit(comment) and comment.response is None

    def can_ask_for_response(self, comment: Comment) -> bool:
        return (self.advisor and self.can_edit(comment) and comment.parent_id is None
                and comment.visibility is Visibility.SHARED and not comment.needs_response)

    def can_answer(self, comment: Comment) -> bool:
        return self.can_respond and comment.awaits_response


def _comment_options():
    return (db.joinedload(Comment.author), db.joinedload(Comment.deleted_by),
            db.joinedload(Comment.response).joinedload(FeedbackResponse.responder),
            db.joinedload(Comment.response).joinedload(FeedbackResponse.action))


def load_thread(*, access: OrgAccess, user: User, subject: Subject) -> Thread:
    """Return the subject's comments the user may read, oldest first, replies under each."""
    require(access, Capability.READ)
    comments = db.session.scalars(
        select(Comment).where(Comment.cycle_id == subject.cycle.id,
                              Comment.subject_type == subject.type,
                              Comment.subject_key == subject.key,
                              Comment.visibility.in_(readable(access)))
        .options(*_comment_options()).order_by(Comment.created_at, Comment.id)).unique()
    entries: dict[int, ThreadEntry] = {}
    replies: list[Comment] = []
    for comment in comments:
        if comment.parent_id is None:
            entries[comment.id] = ThreadEntry(comment)
        else:
            replies.append(comment)
    for reply in replies:
        if reply.parent_id in entries:
            entries[reply.parent_id].replies.append(reply)
    can_comment = access.can(Capability.COMMENT)
    return Thread(subject=subject, entries=list(entries.values()), user_id=user.id,
                  member=is_member(access), advisor=ADVISOR in access.roles,
                  can_comment=can_comment,
                  can_respond=access.can(Capability.EDIT_PLAN),
                  groups=shared_groups(organisation=access.organisation),
                  people=mentionable(organisation=access.organisation) if can_comment else [])


def thread_for(*, access: OrgAccess, user: User, subject_type: str, subject_key: str,
               cycle_label: str) -> Thread:
    """Resolve a subject and load its thread (what the _thread.html partial shows)."""
    subject = resolve_subject(access=access, subject_type=subject_type, subject_key=subject_key,
                              cycle_label=cycle_label)
    return load_thread(access=access, user=user, subject=subject)


def comment_counts(*, access: OrgAccess, cycle: ReportingCycle,
                   subject_type: SubjectType) -> dict[str, int]:
    """Return how many comments (not deleted) the user may read, per subject key of a type."""
    require(access, Capability.READ)
    return dict(db.session.execute(
        select(Comment.subject_key, func.count(Comment.id))
        .where(Comment.cycle_id == cycle.id, Comment.subject_type == subject_type,
               Comment.deleted_at.is_(None), Comment.visibility.in_(readable(access)))
        .group_by(Comment.subject_key)).all())


def get_comment(*, access: OrgAccess, comment_id: int) -> Comment:
    """Return a comment of the organisation that the user may read, or raise NotFound."""
    require(access, Capability.READ)
    comment = db.session.scalar(
        select(Comment).where(Comment.id == comment_id,
                              Comment.organisation_id == access.organisation.id,
                              Comment.visibility.in_(readable(access)))
        .options(*_comment_options(), db.selectinload(Comment.revisions)))
    if comment is None:
        raise NotFound(comment_id)
    return comment


def comment_subject(*, access: OrgAccess, comment: Comment) -> Subject:
    """Return what a comment is about."""
    return _subject_of(access, comment)


# Mentions -----------------------------------------------------------------------------------------


@dataclass
class MentionReport:
    """What became of each @mention, to tell the author."""

    told: list[str] = field(default_factory=list)
    cannot_see: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        said = []
        if self.cannot_see:
            said.append(f"{_names(self.cannot_see)} cannot see this comment, so "
                        f"{'was' if len(self.cannot_see) == 1 else 'were'} not told about it")
        if self.unknown:
            said.append(f"Nobody is known as {_names(self.unknown)}: check the spelling")
        if self.ambiguous:
            said.append(f"More than one person is known as {_names(self.ambiguous)}: mention them "
                        "by e-mail address, like @name@example.org")
        return said


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _users_for(handles: list[str]) -> dict[str, list[User]]:
    emails = [h for h in handles if "@" in h]
    # A name handle is letters and digits joined by dots (mention_handle); nothing else can match.
    names = [h for h in handles if "@" not in h and re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+)*", h)]
    conditions = []
    if emails:
        conditions.append(User.email_key.in_(emails))
    for handle in names:
        conditions.append(func.lower(User.name).like("%" + handle.replace(".", "%") + "%"))
    if not conditions:
        return {}
    found: dict[str, list[User]] = {h: [] for h in handles}
    for user in db.session.scalars(select(User).where(User.is_active_account.is_(True))
                                   .where(db.or_(*conditions))):
        for handle in handles:
            if handle == user.email_key or handle == mention_handle(user.name):
                found[handle].append(user)
    return found


def _mention(actor: User, subject: Subject, comment: Comment) -> tuple[MentionReport, set[int]]:
    """Notify the people newly mentioned in a comment who can read it; report the others."""
    report = MentionReport()
    handles = find_mentions(comment.body)
    if not handles:
        return report, set()
    already = {m.user_id for m in comment.mentions}
    readers = _reader_ids(subject.organisation, comment.visibility)
    told: set[int] = set()
    for handle, users in _users_for(handles).items():
        users = [u for u in users if u.id != actor.id]
        visible = [u for u in users if u.id in readers]
        if not users:
            if handle != mention_handle(actor.name) and handle != actor.email_key:
                report.unknown.append(f"@{handle}")
        elif len(visible) > 1:
            report.ambiguous.append(f"@{handle}")
        elif not visible:
            report.cannot_see.append(f"@{handle}")
            for user in users:
                if user.id not in already:
                    comment.mentions.append(CommentMention(user_id=user.id, notified=False))
        else:
            user = visible[0]
            if user.id not in already:
                comment.mentions.append(CommentMention(user_id=user.id, notified=True))
                notifications.notify(
                    user=user, kind=NotificationKind.MENTION, organisation=subject.organisation,
                    actor=actor, comment=comment, link=subject.comment_path(comment),
                    text=f"{actor.name} mentioned you in a comment on {subject.title}",
                    excerpt=plain_excerpt(comment.body))
                report.told.append(user.name)
            told.add(user.id)
    db.session.flush()
    return report, told


# Writing -------------------------------------------------------------------------------------------


def _check_body(body: str, field_name: str = "body", words: str = "your comment") -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput({field_name: f"Enter {words}"})
    if len(body) > MAX_COMMENT_LENGTH:
        raise InvalidInput({field_name: f"{words.capitalize()} must be {MAX_COMMENT_LENGTH:,} "
                                        "characters or fewer"})
    return body


def _audit(actor: User, access: OrgAccess, comment: Comment, verb: str, **after) -> None:
    record_event(actor=actor, action=verb, entity_type="comment", entity_id=comment.id,
                 organisation=access.organisation,
                 after={"subject": f"{comment.subject_type.value} {comment.subject_key}",
                        "visibility": comment.visibility.value, **after})


def post_comment(*, actor: User, access: OrgAccess, subject: Subject, body: str,
                 visibility: str | None, ask_for_response: bool = False) -> tuple[Comment,
                                                                                  MentionReport]:
    """Add a comment to a subject; an advisor's is shared, a member chooses."""
    require(access, Capability.COMMENT)
    errors: dict[str, str] = {}
    try:
        body = _check_body(body)
    except InvalidInput as error:
        errors.update(error.errors)
    member = is_member(access)
    if not member and visibility in (None, "", Visibility.SHARED.value):
        chosen = Visibility.SHARED
    elif visibility in {v.value for v in Visibility}:
        chosen = Visibility(visibility)
        if not member and chosen is Visibility.INTERNAL:
            errors["visibility"] = ("Advisors' comments are shared with the organisation and its "
                                    "advisory groups: they cannot be internal")
    else:
        chosen = Visibility.INTERNAL
        errors["visibility"] = "Select who can read your comment"
    if ask_for_response and ADVISOR not in access.roles:
        errors["ask_for_response"] = "Only members of an advisory group can ask for a response"
    elif ask_for_response and chosen is Visibility.INTERNAL:
        errors["ask_for_response"] = "Only shared comments can ask for a response"
    if errors:
        raise InvalidInput(errors)
    comment = Comment(organisation_id=access.organisation.id, cycle_id=subject.cycle.id,
                      subject_type=subject.type, subject_key=subject.key, author_id=actor.id,
                      posted_as=_posted_as(access, actor), visibility=chosen, body=body,
                      needs_response=ask_for_response,
                      response_requested_at=utcnow() if ask_for_response else None)
    db.session.add(comment)
    db.session.flush()
    _audit(actor, access, comment, "commented", needs_response=ask_for_response)
    report, _ = _mention(actor, subject, comment)
    if ask_for_response:
        _tell_edi_leads(actor, subject, comment)
    return comment, report


def post_reply(*, actor: User, access: OrgAccess, comment_id: int,
               body: str) -> tuple[Comment, MentionReport]:
    """Reply to a comment: the reply is read by whoever reads the comment."""
    require(access, Capability.COMMENT)
    parent = get_comment(access=access, comment_id=comment_id)
    if parent.parent_id is not None:  # replies to a reply join the same thread
        parent = get_comment(access=access, comment_id=parent.parent_id)
    if parent.is_deleted:
        raise InvalidInput({"body": "This comment has been deleted: you cannot reply to it"})
    body = _check_body(body, words="your reply")
    subject = _subject_of(access, parent)
    reply = Comment(organisation_id=parent.organisation_id, cycle_id=parent.cycle_id,
                    subject_type=parent.subject_type, subject_key=parent.subject_key,
                    parent_id=parent.id, author_id=actor.id, posted_as=_posted_as(access, actor),
                    visibility=parent.visibility, body=body)
    db.session.add(reply)
    db.session.flush()
    _audit(actor, access, reply, "replied", parent_id=parent.id)
    report, told = _mention(actor, subject, reply)
    taking_part = {parent.author_id, *db.session.scalars(
        select(Comment.author_id).where(Comment.parent_id == parent.id,
                                        Comment.deleted_at.is_(None)))}
    readers = _reader_ids(subject.organisation, parent.visibility)
    for user_id in sorted(i for i in taking_part if i is not None):
        if user_id == actor.id or user_id in told or user_id not in readers:
            continue
        whose = "your comment" if user_id == parent.author_id else "a comment you replied to"
        notifications.notify(
            user=db.session.get(User, user_id), kind=NotificationKind.REPLY,
            organisation=subject.organisation, actor=actor, comment=reply,
            link=subject.comment_path(reply),
            text=f"{actor.name} replied to {whose} on {subject.title}",
            excerpt=plain_excerpt(body))
    return reply, report


def edit_comment(*, actor: User, access: OrgAccess, comment_id: int,
                 body: str) -> tuple[Comment, MentionReport]:
    """Change a comment's text (its author only), keeping the earlier version."""
    require(access, Capability.COMMENT)
    comment = get_comment(access=access, comment_id=comment_id)
    if comment.author_id != actor.id:
        raise Forbidden("edit comment")
    if comment.is_deleted:
        raise InvalidInput({"body": "This comment has been deleted: it cannot be changed"})
    body = _check_body(body)
    if body == comment.body:
        return comment, MentionReport()
    comment.revisions.append(CommentRevision(body=comment.body,
                                             written_at=comment.edited_at or comment.created_at,
                                             replaced_at=utcnow()))
    comment.body = body
    comment.edited_at = utcnow()
    db.session.flush()
    _audit(actor, access, comment, "comment_edited", version=len(comment.revisions) + 1)
    report, _ = _mention(actor, _subject_of(access, comment), comment)
    return comment, report


def delete_comment(*, actor: User, access: OrgAccess, comment_id: int) -> Comment:
    """Delete a comment (its author only): its words go, a tombstone stays in the thread."""
    require(access, Capability.COMMENT)
    comment = get_comment(access=access, comment_id=comment_id)
    if comment.author_id != actor.id:
        raise Forbidden("delete comment")
    if comment.is_deleted:
        return comment
    if comment.response is not None:
        raise InvalidInput({"comment": "This feedback has a response, so it stays as part of the "
                                       "record: you can edit it instead"})
    comment.deleted_at, comment.deleted_by_id = utcnow(), actor.id
    comment.body = ""
    comment.revisions.clear()
    db.session.flush()
    _audit(actor, access, comment, "comment_deleted")
    return comment


def ask_for_response(*, actor: User, access: OrgAccess, comment_id: int) -> Comment:
    """Mark an advisor's own shared comment as needing the organisation's response."""
    require(access, Capability.COMMENT)
    comment = get_comment(access=access, comment_id=comment_id)
    if ADVISOR not in access.roles or comment.author_id != actor.id:
        raise Forbidden("ask for response")
    if comment.is_deleted or comment.parent_id is not None \
            or comment.visibility is not Visibility.SHARED:
        raise InvalidInput({"comment": "Only your own shared comments can ask for a response"})
    if comment.needs_response:
        return comment
    comment.needs_response, comment.response_requested_at = True, utcnow()
    db.session.flush()
    _audit(actor, access, comment, "response_requested")
    _tell_edi_leads(actor, _subject_of(access, comment), comment)
    return comment


def _tell_edi_leads(actor: User, subject: Subject, comment: Comment) -> None:
    leads = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == subject.organisation.id,
               Membership.role == Role.EDI_LEAD, User.is_active_account.is_(True)).distinct())
    for lead in leads:
        if lead.id != actor.id:
            notifications.notify(
                user=lead, kind=NotificationKind.FEEDBACK, organisation=subject.organisation,
                actor=actor, comment=comment, link=subject.comment_path(comment),
                text=f"{actor.name} asked for a response to their feedback on {subject.title}",
                excerpt=plain_excerpt(comment.body))


# "You said, we did" -------------------------------------------------------------------------------


def linkable_actions(*, access: OrgAccess, cycle: ReportingCycle) -> list[tuple[int, str]]:
    """Return the cycle's actions (id, title) a response may link to, by title."""
    require(access, Capability.READ)
    return list(db.session.execute(
        select(Action.id, Action.title).join(ActionPlan, ActionPlan.id == Action.plan_id)
        .where(ActionPlan.cycle_id == cycle.id).order_by(func.lower(Action.title))))


def respond(*, actor: User, access: OrgAccess, comment_id: int, outcome: str | None,
            reason: str, action_id: int | None) -> FeedbackResponse:
    """Answer feedback that asked for a response (EDI leads): an outcome, why, perhaps an action."""
    require(access, Capability.EDIT_PLAN)
    comment = get_comment(access=access, comment_id=comment_id)
    if not comment.needs_response or comment.is_deleted:
        raise InvalidInput({"outcome": "This comment did not ask for a response"})
    if comment.response is not None:
        raise InvalidInput({"outcome": "This feedback already has a response"})
    errors: dict[str, str] = {}
    if outcome not in {o.value for o in Outcome}:
        errors["outcome"] = "Select what you did about this feedback"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter the reason for your response"
    elif len(reason) > MAX_REASON_LENGTH:
        errors["reason"] = f"The reason must be {MAX_REASON_LENGTH:,} characters or fewer"
    if action_id and action_id not in {i for i, _ in linkable_actions(
            access=access, cycle=_cycle(access, cycle_id=comment.cycle_id))}:
        errors["action_id"] = "Select an action from this cycle's plan"
    if errors:
        raise InvalidInput(errors)
    response = FeedbackResponse(comment_id=comment.id, outcome=Outcome(outcome), reason=reason,
                                action_id=action_id or None, responder_id=actor.id,
                                responded_at=utcnow())
    comment.response = response
    db.session.flush()
    _audit(actor, access, comment, "responded", outcome=outcome, action_id=action_id or None)
    subject = _subject_of(access, comment)
    author = db.session.get(User, comment.author_id) if comment.author_id else None
    if author is not None and author.id != actor.id and author.is_active_account \
            and author.id in _reader_ids(subject.organisation, comment.visibility):
        notifications.notify(
            user=author, kind=NotificationKind.RESPONSE, organisation=subject.organisation,
            actor=actor, comment=comment, link=subject.comment_path(comment),
            text=f"{subject.organisation.name} responded to your feedback on {subject.title}: "
                 f"{response.outcome.label.lower()}",
            excerpt=plain_excerpt(reason))
    return response


@dataclass(frozen=True)
class AwaitingFeedback:
    """Feedback that asked for a response and has none yet."""

    comment: Comment
    author_name: str
    subject_title: str
    path: str
    asked_on: date
    days: int


def _asked_on(comment: Comment) -> date:
    return (comment.response_requested_at or comment.created_at).astimezone(LONDON).date()


def waiting_feedback(*, organisation_ids: list[int], today: date,
                     cycle_id: int | None = None) -> dict[int, list[AwaitingFeedback]]:
    """Return, per organisation, the feedback awaiting a response, the longest waiting first."""
    query = (select(Comment, Organisation, ReportingCycle)
             .join(Organisation, Organisation.id == Comment.organisation_id)
             .join(ReportingCycle, ReportingCycle.id == Comment.cycle_id)
             .outerjoin(FeedbackResponse, FeedbackResponse.comment_id == Comment.id)
             .where(Comment.organisation_id.in_(organisation_ids),
                    Comment.needs_response.is_(True), Comment.deleted_at.is_(None),
                    FeedbackResponse.id.is_(None))
             .options(db.joinedload(Comment.author))
             .order_by(Comment.response_requested_at, Comment.id))
    if cycle_id is not None:
        query = query.where(Comment.cycle_id == cycle_id)
    rows = db.session.execute(query).all()
    action_ids = [int(c.subject_key) for c, _, _ in rows if c.subject_type is SubjectType.ACTION]
    titles = dict(db.session.execute(select(Action.id, Action.title).where(
        Action.id.in_(action_ids))).all())  # always one query, however many
    waiting: dict[int, list[AwaitingFeedback]] = {}
    for comment, organisation, cycle in rows:
        if comment.subject_type is SubjectType.ACTION:
            title = f"\u201c{titles.get(int(comment.subject_key), 'a removed action')}\u201d"
        elif comment.subject_type is SubjectType.INDICATOR:
            title = _indicator_title(comment.subject_key)
        else:
            title = f"the annual review {comment.subject_key}"
        subject = Subject(type=comment.subject_type, key=comment.subject_key,
                          organisation=organisation, cycle=cycle, title=title)
        asked = _asked_on(comment)
        waiting.setdefault(organisation.id, []).append(AwaitingFeedback(
            comment=comment, author_name=comment.author.name if comment.author else "A former "
            "advisor", subject_title=title, path=subject.comment_path(comment), asked_on=asked,
            days=days_waiting(asked, today)))
    return waiting


def awaiting_response(*, access: OrgAccess, cycle: ReportingCycle,
                      today: date) -> list[AwaitingFeedback]:
    """Return the cycle's feedback awaiting a response (for the accountability view)."""
    require(access, Capability.READ)
    return waiting_feedback(organisation_ids=[access.organisation.id], today=today,
                            cycle_id=cycle.id).get(access.organisation.id, [])
