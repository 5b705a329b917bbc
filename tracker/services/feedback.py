""""You said, we did": the EDI lead's response to feedback, and the feedback still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tracker.domain.comments import (
    MAX_REASON_LENGTH,
    Outcome,
    SubjectType,
    days_waiting,
    plain_excerpt,
)
from tracker.domain.formatting import LONDON
from tracker.domain.notifications import NotificationKind
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    Comment,
    FeedbackResponse,
    Organisation,
    ReportingCycle,
    User,
    utcnow,
)
from tracker.services import notifications
from tracker.services.access import OrgAccess, require
from tracker.services.comments import audit
from tracker.services.errors import InvalidInput
from tracker.services.readers import reader_ids
from tracker.services.subjects import Subject, comment_subject, find_cycle, indicator_title
from tracker.services.threads import get_comment

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
            access=access, cycle=find_cycle(access, cycle_id=comment.cycle_id))}:
        errors["action_id"] = "Select an action from this cycle's plan"
    if errors:
        raise InvalidInput(errors)
    assert outcome is not None  # an Outcome's value, checked above
    response = FeedbackResponse(comment_id=comment.id, outcome=Outcome(outcome), reason=reason,
                                action_id=action_id or None, responder_id=actor.id,
                                responded_at=utcnow())
    comment.response = response
    db.session.flush()
    audit(actor, access, comment, "responded", outcome=outcome, action_id=action_id or None)
    subject = comment_subject(access=access, comment=comment)
    author = db.session.get(User, comment.author_id) if comment.author_id else None
    if author is not None and author.id != actor.id and author.is_active_account \
            and author.id in reader_ids(subject.organisation, comment.visibility):
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
            title = indicator_title(comment.subject_key)
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
