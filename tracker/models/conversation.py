"""The conversation: comments and their versions, mentions, responses, notifications, e-mails."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.comments import Outcome, SubjectType, Visibility
from tracker.domain.notifications import EmailStatus, Frequency, NotificationKind
from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.organisation import _enum

if TYPE_CHECKING:
    from tracker.models.organisation import Organisation
    from tracker.models.plans import Action
    from tracker.models.user import User


#: The comments that asked for a response and are not deleted (a partial index's condition,
#: written as the feedback queries write it so that the planner uses the index).
AWAITING = "needs_response IS TRUE AND deleted_at IS NULL"


class Comment(Base):
    """A comment on an action, an indicator result or an annual review, or a reply to one."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_subject", "cycle_id", "subject_type", "subject_key"),
        # The weekly summary counts each organisation's comments of the week (migration 0019).
        Index("ix_comments_organisation_created", "organisation_id", "created_at"),
        # Feedback waiting for a response: only the comments that asked for one (0019), with
        # what the count of those waiting reads, so PostgreSQL answers from the index (0027).
        Index("ix_comments_awaiting_response", "organisation_id", "response_requested_at",
              postgresql_where=text(AWAITING), sqlite_where=text(AWAITING),
              postgresql_include=["id", "visibility", "created_at"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id", ondelete="CASCADE"))
    subject_type: Mapped[SubjectType] = mapped_column(_enum(SubjectType, "comment_subject"))
    # The action's id, "SCW2:adults" for an indicator result, or the cycle label for a review.
    subject_key: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # How the author took part when they wrote it, e.g. "EDI lead" or "Advisor, IAG".
    posted_as: Mapped[str] = mapped_column(String(200), default="")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "comment_visibility"))
    body: Mapped[str] = mapped_column(Text, default="")
    needs_response: Mapped[bool] = mapped_column(Boolean, default=False)
    response_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", cascade="all, delete-orphan",
        order_by="CommentRevision.written_at")
    mentions: Mapped[list[CommentMention]] = relationship(
        back_populates="comment", cascade="all, delete-orphan")
    response: Mapped[FeedbackResponse | None] = relationship(
        back_populates="comment", cascade="all, delete-orphan", uselist=False)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def awaits_response(self) -> bool:
        return self.needs_response and self.response is None and not self.is_deleted


class CommentRevision(Base):
    """An earlier version of an edited comment, kept so that the history stays readable."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class CommentMention(Base):
    """Someone @mentioned in a comment, and whether they could see it (and so were told)."""

    __tablename__ = "comment_mentions"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)

    comment: Mapped[Comment] = relationship(back_populates="mentions")


class FeedbackResponse(Base):
    """The EDI lead's answer to feedback that asked for one: "you said, we did"."""

    __tablename__ = "feedback_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            unique=True)
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome, "feedback_outcome"))
    reason: Mapped[str] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    responder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="response")
    action: Mapped[Action | None] = relationship()
    responder: Mapped[User | None] = relationship()


class OutgoingEmail(Base):
    """Every e-mail the tracker sends or tries to send: failures stay queued for the next run."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The same message as HTML, sent as the alternative part (none on messages queued before it).
    html_body: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))
    # One reminder or digest per person, kind and day (or week): a second run sends nothing.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[EmailStatus] = mapped_column(_enum(EmailStatus, "email_status"),
                                                default=EmailStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """Something a person should know about, shown in the tracker and perhaps e-mailed."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # A person's latest notifications, newest first, read from the index (migration 0019).
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind, "notification_kind"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    excerpt: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How it is e-mailed, chosen by the person's preference when it was made.
    email_frequency: Mapped[Frequency] = mapped_column(_enum(Frequency, "notification_email"))
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_emails.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation | None] = relationship()
    email: Mapped[OutgoingEmail | None] = relationship()


class NotificationPreference(Base):
    """How one person wants to hear of one kind of notification by e-mail."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind, "preference_kind"))
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency, "preference_frequency"))


class Follow(Base):
    """Someone following an action or an indicator result of an organisation, to be told of
    its updates and comments (an indicator result is followed across the cycles)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "subject_type",
                                       "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    subject_type: Mapped[SubjectType] = mapped_column(_enum(SubjectType, "follow_subject"))
    subject_key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
