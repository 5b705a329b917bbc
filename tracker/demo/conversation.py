"""Demo conversation for Northshire 2024-25: an advisor's feedback with its answer ("you said,
we did"), feedback still waiting, an internal mention, and the notifications they made."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from tracker.domain import paths
from tracker.domain.comments import Outcome, SubjectType, Visibility, plain_excerpt
from tracker.domain.notifications import Frequency, NotificationKind
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    Comment,
    CommentMention,
    FeedbackResponse,
    Notification,
    Organisation,
    ReportingCycle,
    User,
)


def _at(today: date, days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, 15), tzinfo=UTC)


def load_conversation(*, today: date) -> None:
    """Add the demo comments to Northshire's 2024-25 cycle, unless it has comments already."""
    org = db.session.execute(select(Organisation).where(Organisation.slug == "northshire")).scalar_one()
    cycle = db.session.scalar(select(ReportingCycle).where(
        ReportingCycle.organisation_id == org.id, ReportingCycle.label == "2024-25"))
    if cycle is None or db.session.scalar(select(Comment.id).where(
            Comment.organisation_id == org.id).limit(1)):
        return
    people = {u.email_key: u for u in db.session.scalars(select(User))}
    advisor, lead = people["advisor@iag.example.org"], people["edi.lead@northshire.example.org"]
    sponsor = people["sponsor@northshire.example.org"]
    actions = {a.title: a for a in db.session.scalars(
        select(Action).join(ActionPlan, ActionPlan.id == Action.plan_id)
        .where(ActionPlan.cycle_id == cycle.id))}
    shortlisting = actions["Anonymous shortlisting for all social work posts"]
    report = actions["Quarterly SC-WRES progress report to the leadership team"]
    referrals = actions["Review fitness-to-practise referrals for fairness"]

    def comment(subject_type, key, author, posted_as, visibility, body, days_ago, **extra):
        made = Comment(organisation_id=org.id, cycle_id=cycle.id, subject_type=subject_type,
                       subject_key=str(key), author_id=author.id, posted_as=posted_as,
                       visibility=visibility, body=body, created_at=_at(today, days_ago),
                       **extra)
        db.session.add(made)
        db.session.flush()
        return made

    def tell(user, kind, actor, about, text, link, days_ago, read):
        db.session.add(Notification(
            user_id=user.id, organisation_id=org.id, kind=kind, actor_id=actor.id,
            comment_id=about.id, text=text, excerpt=plain_excerpt(about.body), link=link,
            created_at=_at(today, days_ago, 11), read_at=_at(today, days_ago, 12) if read else None,
            email_frequency=Frequency.OFF))  # the demo sends no e-mail

    def action_link(action, made):
        return paths.build(paths.ACTION, slug=org.slug, label=cycle.label,
                        action_id=action.id) + f"#comment-{made.id}"

    # You said, we did: answered, with an action linked
    asked = comment(
        SubjectType.ACTION, shortlisting.id, advisor, "Advisor, IAG", Visibility.SHARED,
        "The pilot sounds promising. Could you publish the **appointment rates by ethnicity** "
        "for the pilot teams, so that the IAG can see whether the gap is closing?", 14,
        needs_response=True, response_requested_at=_at(today, 14))
    asked.response = FeedbackResponse(
        outcome=Outcome.ACTIONED, action_id=report.id, responder_id=lead.id,
        responded_at=_at(today, 6),
        reason="The pilot teams' appointment rates are in the October staff bulletin, and every "
               "quarterly SC-WRES report to the leadership team will carry them from now on.")
    reply = comment(SubjectType.ACTION, shortlisting.id, lead, "EDI lead", Visibility.SHARED,
                    "Thank you, Grace. The first three months are in the bulletin; we will share "
                    "the next quarter's figures with the IAG before the January meeting.", 6,
                    parent_id=asked.id)
    tell(lead, NotificationKind.FEEDBACK, advisor, asked,
         "Grace Mensah asked for a response to their feedback on Anonymous shortlisting for all "
         "social work posts", action_link(shortlisting, asked), 14, read=True)
    tell(advisor, NotificationKind.RESPONSE, lead, asked,
         "Northshire County Council responded to your feedback on Anonymous shortlisting for all "
         "social work posts: actioned", action_link(shortlisting, asked), 6, read=False)
    tell(advisor, NotificationKind.REPLY, lead, reply,
         "Priya Shah replied to your comment on Anonymous shortlisting for all social work posts",
         action_link(shortlisting, reply), 6, read=False)

    # Feedback still waiting for a response, on an indicator result
    waiting = comment(
        SubjectType.INDICATOR, "SCW2:adults", advisor, "Advisor, IAG", Visibility.SHARED,
        "Global majority applicants to adult social care are about a third as likely as white "
        "applicants to be appointed from shortlisting. Which actions are aimed at the interview "
        "stage, not only at shortlisting?", 9, needs_response=True,
        response_requested_at=_at(today, 9))
    tell(lead, NotificationKind.FEEDBACK, advisor, waiting,
         "Grace Mensah asked for a response to their feedback on SCW2 Appointed from "
         "shortlisting, adult social care",
         paths.build(paths.INDICATORS, slug=org.slug, label=cycle.label, area="adults",
                  discuss="SCW2") + f"#comment-{waiting.id}", 9, read=False)

    # An internal comment with a mention
    internal = comment(
        SubjectType.ACTION, referrals.id, sponsor, "Senior sponsor", Visibility.INTERNAL,
        "@priya.shah this has been at risk for two months. Can we take it to the next "
        "departmental management team meeting?", 3)
    internal.mentions.append(CommentMention(user_id=lead.id, notified=True))
    tell(lead, NotificationKind.MENTION, sponsor, internal,
         "Helen Clarke mentioned you in a comment on Review fitness-to-practise referrals for "
         "fairness", action_link(referrals, internal), 3, read=False)
    db.session.flush()
