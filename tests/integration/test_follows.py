"""Following an action or a result (issue 12): followers are told of its updates and comments
(only what they may still read, never their own doing), and EDI leads are told when an action
turns at risk or off track."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import page, post_form
from tracker.domain.notifications import NotificationKind
from tracker.domain.roles import Role
from tracker.models import Follow, Membership, Notification


def _council(factories):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org, name="Olu Owner")
    viewer = factories.member(role=Role.VIEWER, organisation=org)
    plan = factories.plan(cycle=factories.cycle(organisation=org))
    factories.dataset(cycle=plan.cycle)
    action = factories.action(plan=plan, owner=owner, title="Mentoring")
    return lead, org, owner, viewer, action


def _told(db_session, user, kind=NotificationKind.FOLLOWED) -> list[str]:
    return list(db_session.scalars(select(Notification.text).where(
        Notification.user_id == user.id, Notification.kind == kind)
        .order_by(Notification.id)))


def _action_url(org, action):
    return f"/org/{org.slug}/cycles/2024-25/plan/actions/{action.id}"


def _progress(client, org, action, status=""):
    return post_form(client, _action_url(org, action) + "/progress", {
        "occurred_on": ["2", "6", "2025"], "note": "Two pairs matched", "new_status": status},
        token_from=_action_url(org, action))


def _follow(client, org, subject, key, follow="yes", page_url=None):
    return post_form(client, f"/org/{org.slug}/cycles/2024-25/comments/{subject}/{key}/follow",
                     {"follow": follow}, token_from=page_url)


def test_a_follower_is_told_of_updates_and_comments_until_they_stop(
        factories, client_for, frozen_clock, db_session):
    lead, org, owner, viewer, action = _council(factories)
    follower = client_for(viewer)
    url = _action_url(org, action)
    assert "Follow" in page(follower.get(url)).select_one(".app-follow-form button").get_text()
    response = _follow(follower, org, "action", action.id, page_url=url)
    assert response.status_code == 302 and response.headers["Location"].endswith("#comments")
    assert db_session.scalar(select(Follow.subject_key).filter_by(user_id=viewer.id)) == \
        str(action.id)
    form = page(follower.get(url)).select_one(".app-follow-form")
    assert "Stop following" in form.button.get_text() and "You follow" in form.get_text()

    assert _progress(client_for(owner), org, action).status_code == 302
    assert _told(db_session, viewer) == ["Olu Owner added a progress update to \u201cMentoring\u201d"]
    assert _told(db_session, owner) == []  # never told of their own doing
    notice = db_session.scalar(select(Notification).filter_by(user_id=viewer.id))
    assert notice.link == url and notice.excerpt == "Two pairs matched"

    post_form(client_for(lead), f"/org/{org.slug}/cycles/2024-25/comments/action/{action.id}",
              {"body": "Good news", "visibility": "internal"}, token_from=url)
    assert _told(db_session, viewer)[-1].endswith("commented on Mentoring")

    _follow(follower, org, "action", action.id, follow="no", page_url=url)
    _progress(client_for(owner), org, action)
    assert len(_told(db_session, viewer)) == 2


def test_an_advisor_follower_hears_only_of_what_they_may_read(
        factories, client_for, frozen_clock, db_session):
    lead, org, owner, viewer, action = _council(factories)
    advisor = factories.advisor(follows=org)
    url = _action_url(org, action)
    _follow(client_for(advisor), org, "action", action.id, page_url=url)
    comments = f"/org/{org.slug}/cycles/2024-25/comments/action/{action.id}"
    post_form(client_for(lead), comments, {"body": "Between us", "visibility": "internal"},
              token_from=url)
    assert _told(db_session, advisor) == []
    post_form(client_for(lead), comments, {"body": "For the IAG", "visibility": "shared"},
              token_from=url)
    assert len(_told(db_session, advisor)) == 1
    # someone who can no longer read the organisation is told nothing more
    _follow(client_for(viewer), org, "action", action.id, page_url=url)
    db_session.execute(Membership.__table__.delete().where(Membership.user_id == viewer.id))
    _progress(client_for(owner), org, action)
    assert _told(db_session, viewer) == []


def test_following_a_result_tells_of_its_comments(factories, client_for, frozen_clock,
                                                  db_session):
    lead, org, owner, viewer, action = _council(factories)
    results = f"/org/{org.slug}/cycles/2024-25/indicators?area=adults&discuss=SCW2"
    assert _follow(client_for(viewer), org, "indicator", "SCW2:adults",
                   page_url=results).status_code == 302
    post_form(client_for(lead), f"/org/{org.slug}/cycles/2024-25/comments/indicator/SCW2:adults",
              {"body": "Shortlisting is the gap", "visibility": "internal"}, token_from=results)
    told = _told(db_session, viewer)
    assert len(told) == 1 and "commented on" in told[0] and "SCW2" in told[0]
    assert post_form(client_for(viewer), f"/org/{org.slug}/cycles/2024-25/comments/indicator/"
                     "NOPE:adults/follow", {"follow": "yes"}, token_from=results
                     ).status_code == 404


def test_the_edi_lead_is_told_when_an_action_turns_at_risk_or_off_track(
        factories, client_for, frozen_clock, db_session):
    lead, org, owner, viewer, action = _council(factories)
    other_lead = factories.member(role=Role.EDI_LEAD, organisation=org)
    owner_client = client_for(owner)
    _progress(owner_client, org, action, status="on_track")
    assert _told(db_session, lead, NotificationKind.TROUBLE) == []
    _progress(owner_client, org, action, status="at_risk")
    assert _told(db_session, lead, NotificationKind.TROUBLE) == [
        "Olu Owner set \u201cMentoring\u201d to at risk"]
    _progress(owner_client, org, action, status="at_risk")  # still at risk: no news
    _progress(owner_client, org, action, status="off_track")  # at risk to off track: no news
    assert len(_told(db_session, lead, NotificationKind.TROUBLE)) == 1
    _progress(owner_client, org, action, status="on_track")
    _progress(client_for(lead), org, action, status="off_track")  # the lead did it: not told
    assert len(_told(db_session, lead, NotificationKind.TROUBLE)) == 1
    assert len(_told(db_session, other_lead, NotificationKind.TROUBLE)) == 2
    assert _told(db_session, viewer, NotificationKind.TROUBLE) == []
