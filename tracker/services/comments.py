"""Writing comments on actions, indicator results and annual reviews.

Who may do what is enforced here. Members post internal or shared comments; advisors post
only shared ones; everyone else gets NotFound. Only the author edits or deletes a comment;
only advisors ask for a response.
"""

from __future__ import annotations

from sqlalchemy import select

from tracker.domain.comments import (
    MAX_COMMENT_LENGTH,
    Visibility,
    plain_excerpt,
)
from tracker.domain.notifications import NotificationKind
from tracker.domain.roles import ADVISOR, Capability, Role
from tracker.extensions import db
from tracker.models import (
    Comment,
    CommentRevision,
    Membership,
    User,
    utcnow,
)
from tracker.services import follows, notifications
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import Forbidden, InvalidInput
from tracker.services.mentions import MentionReport, mention
from tracker.services.readers import is_member, posted_as, reader_ids
from tracker.services.subjects import Subject, comment_subject
from tracker.services.threads import get_comment

# Writing -------------------------------------------------------------------------------------------


def _check_body(body: str, field_name: str = "body", words: str = "your comment") -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput({field_name: f"Enter {words}"})
    if len(body) > MAX_COMMENT_LENGTH:
        raise InvalidInput({field_name: f"{words.capitalize()} must be {MAX_COMMENT_LENGTH:,} "
                                        "characters or fewer"})
    return body


def audit(actor: User, access: OrgAccess, comment: Comment, verb: str, **after) -> None:
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
                      posted_as=posted_as(access, actor), visibility=chosen, body=body,
                      needs_response=ask_for_response,
                      response_requested_at=utcnow() if ask_for_response else None)
    db.session.add(comment)
    db.session.flush()
    audit(actor, access, comment, "commented", needs_response=ask_for_response)
    report, told = mention(actor, subject, comment)
    if ask_for_response:
        _tell_edi_leads(actor, subject, comment)
    _tell_followers(actor, subject, comment, told)
    return comment, report


def _tell_followers(actor: User, subject: Subject, comment: Comment, told: set[int]) -> None:
    follows.tell_followers(
        organisation=subject.organisation, subject_type=subject.type,
        subject_key=subject.key, actor=actor, visibility=comment.visibility,
        text=f"{actor.name} commented on {subject.title}", link=subject.comment_path(comment),
        excerpt=plain_excerpt(comment.body), skip=told)


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
    subject = comment_subject(access=access, comment=parent)
    reply = Comment(organisation_id=parent.organisation_id, cycle_id=parent.cycle_id,
                    subject_type=parent.subject_type, subject_key=parent.subject_key,
                    parent_id=parent.id, author_id=actor.id, posted_as=posted_as(access, actor),
                    visibility=parent.visibility, body=body)
    db.session.add(reply)
    db.session.flush()
    audit(actor, access, reply, "replied", parent_id=parent.id)
    report, told = mention(actor, subject, reply)
    taking_part = {parent.author_id, *db.session.scalars(
        select(Comment.author_id).where(Comment.parent_id == parent.id,
                                        Comment.deleted_at.is_(None)))}
    readers = reader_ids(subject.organisation, parent.visibility)
    replied_to = set()
    for user_id in sorted(i for i in taking_part if i is not None):
        if user_id == actor.id or user_id in told or user_id not in readers:
            continue
        replied_to.add(user_id)
        whose = "your comment" if user_id == parent.author_id else "a comment you replied to"
        notifications.notify(
            user=db.session.get_one(User, user_id), kind=NotificationKind.REPLY,
            organisation=subject.organisation, actor=actor, comment=reply,
            link=subject.comment_path(reply),
            text=f"{actor.name} replied to {whose} on {subject.title}",
            excerpt=plain_excerpt(body))
    _tell_followers(actor, subject, reply, told | replied_to)
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
    audit(actor, access, comment, "comment_edited", version=len(comment.revisions) + 1)
    report, _ = mention(actor, comment_subject(access=access, comment=comment), comment)
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
    audit(actor, access, comment, "comment_deleted")
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
    audit(actor, access, comment, "response_requested")
    _tell_edi_leads(actor, comment_subject(access=access, comment=comment), comment)
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
