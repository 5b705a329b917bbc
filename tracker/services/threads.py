"""Reading comment threads: a subject's comments as the user may see them, and what they may do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from tracker.domain.comments import (
    SubjectType,
    Visibility,
)
from tracker.domain.formatting import and_list
from tracker.domain.roles import ADVISOR, Capability
from tracker.extensions import db
from tracker.models import (
    Comment,
    FeedbackResponse,
    ReportingCycle,
    User,
)
from tracker.services.access import OrgAccess, require
from tracker.services.errors import NotFound
from tracker.services.follows import is_following
from tracker.services.readers import Person, is_member, readable, thread_readers
from tracker.services.subjects import Subject, resolve_subject

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
    #: The names of the advisory groups the organisation shares with.
    groups: list[str]
    people: list[Person]
    following: bool = False

    @property
    def count(self) -> int:
        return sum(1 + len(e.replies) for e in self.entries)

    @property
    def group_names(self) -> str:
        return and_list(self.groups) if self.groups else ""

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
    groups, people = thread_readers(organisation=access.organisation, with_people=can_comment)
    return Thread(subject=subject, entries=list(entries.values()), user_id=user.id,
                  member=is_member(access), advisor=ADVISOR in access.roles,
                  can_comment=can_comment,
                  can_respond=access.can(Capability.EDIT_PLAN),
                  groups=groups, people=people,
                  following=is_following(user=user, access=access, subject_type=subject.type,
                                         subject_key=subject.key))


def thread_for(*, access: OrgAccess, user: User, subject_type: str, subject_key: str,
               cycle_label: str, cycle: ReportingCycle | None = None) -> Thread:
    """Resolve a subject and load its thread (what the _thread.html partial shows); `cycle`
    when the page has it already (it is not read again)."""
    subject = resolve_subject(access=access, subject_type=subject_type, subject_key=subject_key,
                              cycle_label=cycle_label, cycle=cycle)
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
