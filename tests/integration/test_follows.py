"""Following an action or a result (issue 12): followers are told of its updates and comments
(only what they may still read, never their own doing), and EDI leads are told when an action
turns at risk or off track."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import page, post_form
from tests.integration.test_reminders import _body, smtp  # noqa: F401 - the SMTP server fixture
from tracker.domain.comments import SubjectType
from tracker.domain.definitions import INDICATORS_BY_ID
from tracker.domain.notifications import Frequency, NotificationKind
from tracker.domain.roles import Role
from tracker.models import (
    Follow,
    IndicatorDataset,
    Membership,
    Notification,
    NotificationPreference,
    ReportingCycle,
)


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


def _type_counts(client, org, values: dict):
    counts = f"/org/{org.slug}/cycles/2024-25/indicators/counts"
    response = post_form(client, counts, values)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = response.headers["Location"]
    saved = post_form(client, preview, {"confirmed": "yes"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]


SCW2, SCW3 = (INDICATORS_BY_ID[sid].short_name for sid in ("SCW2", "SCW3"))
SCW3_ADULTS = {"service_area": "adults", "SCW3_gm_numerator": "30", "SCW3_gm_denominator": "300",
               "SCW3_white_numerator": "20", "SCW3_white_denominator": "900"}


def test_followers_of_a_result_are_told_its_new_figure_when_the_figures_are_replaced(
        factories, client_for, frozen_clock, db_session, smtp):  # noqa: F811 - the fixture
    lead, org, owner, viewer, action = _council(factories)
    advisor = factories.advisor(follows=org)
    stranger = factories.member(role=Role.VIEWER)  # of another organisation
    dataset = db_session.scalar(select(IndicatorDataset).join(ReportingCycle).filter(
        ReportingCycle.organisation_id == org.id))
    was = dataset.results["adults"]["indicators"]["SCW3"]
    assert was["rating"] == "adverse"
    results = f"/org/{org.slug}/cycles/2024-25/indicators?area=adults&discuss=SCW3"
    for who in (viewer, advisor, owner, lead):
        assert _follow(client_for(who), org, "indicator", "SCW3:adults",
                       page_url=results).status_code == 302
    db_session.add(Follow(user_id=stranger.id, organisation_id=org.id,
                          subject_type=SubjectType.INDICATOR, subject_key="SCW3:adults"))
    db_session.add(NotificationPreference(user_id=owner.id, kind=NotificationKind.FOLLOWED,
                                          frequency=Frequency.OFF))
    smtp.clear()

    _type_counts(client_for(lead), org, SCW3_ADULTS)

    expected = (f"{lead.name} replaced the 2024-25 figures: SCW3 {SCW3}, adult "
                f"social care: RL 4.50, adverse (it was RL {was['rl']:.2f}, adverse)")
    assert _told(db_session, viewer) == [expected]
    assert _told(db_session, advisor) == [expected]  # advisors read the results too
    assert _told(db_session, owner) == [expected]
    assert _told(db_session, lead) == []  # never told of their own doing
    assert _told(db_session, stranger) == []  # may not read the organisation
    notice = db_session.scalar(select(Notification).filter_by(user_id=viewer.id))
    assert notice.link == results
    # e-mailed as each chose: the viewer and the advisor at once, the owner not at all
    assert sorted(m["To"] for m in smtp.messages) == sorted([viewer.email, advisor.email])
    assert expected in _body(smtp.to(viewer.email)[0])


def test_a_first_load_says_the_figure_and_a_reload_says_it_is_unchanged(
        factories, client_for, frozen_clock, db_session):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    viewer = factories.member(role=Role.VIEWER, organisation=org)
    factories.plan(cycle=factories.cycle(organisation=org))  # no figures yet
    results = f"/org/{org.slug}/cycles/2024-25/indicators?area=adults&discuss=SCW3"
    _follow(client_for(viewer), org, "indicator", "SCW3:adults", page_url=results)
    _follow(client_for(viewer), org, "indicator", "SCW2:adults", page_url=results)

    _type_counts(client_for(lead), org, SCW3_ADULTS)
    assert _told(db_session, viewer) == [
        f"{lead.name} loaded the 2024-25 figures: SCW2 {SCW2}, adult "
        "social care: no figure (no shortlisted applicants counted: the data was not loaded)",
        f"{lead.name} loaded the 2024-25 figures: SCW3 {SCW3}, adult social "
        "care: RL 4.50, adverse"]
    _type_counts(client_for(lead), org, SCW3_ADULTS)
    assert _told(db_session, viewer)[-1].endswith("RL 4.50, adverse (unchanged)")
