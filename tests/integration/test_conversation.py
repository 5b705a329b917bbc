"""Comments, "you said, we did", mentions, notifications and sharing: who may do what."""

from __future__ import annotations

import pytest

from tests.helpers import ROLES, csrf_token, error_summary, expected_status, page, post_form, sign_in
from tests.integration.test_plans import count_queries
from tracker.domain.comments import Outcome, SubjectType, Visibility
from tracker.domain.notifications import NotificationKind
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import (
    Action,
    ActionPlan,
    AuditEvent,
    Comment,
    FeedbackResponse,
    Notification,
    Organisation,
    ReportingCycle,
    User,
    utcnow,
)

CYCLE = "/org/northshire/cycles/2024-25"
SHORTLISTING = "Anonymous shortlisting for all social work posts"
REFERRALS = "Review fitness-to-practise referrals for fairness"
COMMENTERS = ["edi_lead", "action_owner", "sponsor", "advisor"]


def _action_id(app, title=SHORTLISTING) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(Action.id).join(ActionPlan).join(ReportingCycle)
            .where(Action.title == title, ReportingCycle.label == "2024-25"))


def _user(app, email) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        db.session.expunge(user)
        return user


def _comments(app, **filters) -> list[Comment]:
    with app.app_context():
        found = db.session.scalars(db.select(Comment).filter_by(**filters)
                                   .order_by(Comment.id)).all()
        for comment in found:
            db.session.expunge(comment)
        return found


def _notifications(app, email, kind=None) -> list[str]:
    with app.app_context():
        query = db.select(Notification.text).join(User, User.id == Notification.user_id).where(
            User.email == email)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(db.session.scalars(query.order_by(Notification.id)))


def _thread(action_id: int) -> str:
    return f"{CYCLE}/comments/action/{action_id}"


def _action_page(action_id: int) -> str:
    return f"{CYCLE}/plan/actions/{action_id}"


def _post(client, action_id, body, **extra):
    return post_form(client, _thread(action_id), {"body": body, **extra},
                     token_from=_action_page(action_id))


def _rerg_advisor(app):
    client = app.test_client()
    assert sign_in(client, "advisor@rerg.example.org").status_code == 302
    return client


# Who may comment, and who reads what ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_comment_on_an_action(app, client_as, role):
    client = client_as(role)
    action_id = _action_id(app)
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
    before = len(_comments(app))
    response = client.post(_thread(action_id), data={
        "csrf_token": token, "body": f"A comment from the {role}", "visibility": "shared"})
    assert response.status_code == expected_status(role, COMMENTERS, 302)
    assert len(_comments(app)) == before + (1 if role in COMMENTERS else 0)
    if role in COMMENTERS:
        assert response.headers["Location"].startswith(_action_page(action_id) + "#comment-")
    assert client.get(_thread(action_id)).status_code == expected_status(
        role, [*COMMENTERS, "viewer"], 200)


def test_an_advisor_comments_only_where_their_group_is_shared_with(app, client_as):
    rerg = _rerg_advisor(app)  # Riverside shares with RERG; Northshire does not
    action_id = _action_id(app)
    token = csrf_token(rerg, "/accessibility")
    response = rerg.post(_thread(action_id), data={"csrf_token": token, "body": "Hello",
                                                   "visibility": "shared"})
    assert response.status_code == 404
    assert rerg.get(_action_page(action_id)).status_code == 404
    assert not _comments(app, body="Hello")


def test_advisors_never_see_internal_comments_and_members_see_both(app, client_as):
    action_id = _action_id(app)
    lead = client_as("edi_lead")
    assert _post(lead, action_id, "Internal: the budget is not agreed yet",
                 visibility="internal").status_code == 302
    assert _post(lead, action_id, "Shared: we have started the pilot",
                 visibility="shared").status_code == 302
    internal = _comments(app, body="Internal: the budget is not agreed yet")[0]
    for role in ("edi_lead", "action_owner", "sponsor", "viewer"):
        html = client_as(role).get(_action_page(action_id)).get_data(as_text=True)
        assert "the budget is not agreed yet" in html and "we have started the pilot" in html
    advisor = client_as("advisor")
    html = advisor.get(_action_page(action_id)).get_data(as_text=True)
    assert "we have started the pilot" in html and "the budget is not agreed yet" not in html
    assert "internal comments are not shown to you" in html
    # Nor through any other door
    for path in (f"/org/northshire/comments/{internal.id}/history",
                 f"/org/northshire/comments/{internal.id}/reply"):
        assert advisor.get(path).status_code == 404
    token = csrf_token(advisor, _action_page(action_id))
    assert advisor.post(f"/org/northshire/comments/{internal.id}/reply",
                        data={"csrf_token": token, "body": "Let me in"}).status_code == 404
    assert client_as("other_org").get(_thread(action_id)).status_code == 404


def test_an_advisor_cannot_post_an_internal_comment(app, client_as):
    advisor = client_as("advisor")
    action_id = _action_id(app)
    before = len(_comments(app))
    response = _post(advisor, action_id, "Sneaky", visibility="internal")
    assert response.status_code == 400
    assert error_summary(response) == [
        "Advisors' comments are shared with the organisation and its advisory groups: they "
        "cannot be internal"]
    assert len(_comments(app)) == before
    # Without a choice an advisor's comment is shared, as the page says before it is posted
    form = page(advisor.get(_action_page(action_id))).find(id="comments")
    assert "Your comment will be shared" in form.get_text()
    assert form.find("input", attrs={"name": "visibility"}) is None
    assert _post(advisor, action_id, "From the IAG").status_code == 302
    assert _comments(app, body="From the IAG")[0].visibility is Visibility.SHARED


def test_members_are_told_who_will_read_before_posting(app, client_as):
    form = page(client_as("sponsor").get(_action_page(_action_id(app)))).find(id="comments")
    hints = [h.get_text(" ", strip=True) for h in form.select(".govuk-radios__hint")]
    assert hints == [
        "Only the people in Northshire County Council can read it",
        "The people in Northshire County Council and the members of the Independent Advisory "
        "Group can read it"]
    assert form.select_one("#comment-visibility")["checked"] is not None  # internal by default


@pytest.mark.parametrize(("body", "message"), [
    ("", "Enter your comment"),
    ("   ", "Enter your comment"),
    ("x" * 5001, "Your comment must be 5,000 characters or fewer"),
])
def test_bad_comments_are_refused_with_a_message(app, client_as, body, message):
    lead = client_as("edi_lead")
    before = len(_comments(app))
    response = _post(lead, _action_id(app), body, visibility="internal")
    assert response.status_code == 400 and error_summary(response) == [message]
    assert len(_comments(app)) == before


def test_bad_subjects_are_not_found(app, client_as):
    lead = client_as("edi_lead")
    for path in ("action/999999", "action/abc", "indicator/SCW2", "indicator/SCW99:all",
                 "review/2099-00", "plan/1"):
        assert lead.get(f"{CYCLE}/comments/{path}").status_code == 404, path
    # An action of another organisation's plan is not found through Northshire
    assert lead.get("/org/riverside/cycles/2024-25/comments/action/1").status_code == 404


def test_hostile_markdown_is_neutralised_on_the_page(app, client_as):
    lead = client_as("edi_lead")
    action_id = _action_id(app)
    hostile = ("<script>alert('x')</script> [click](javascript:alert(1)) "
               "<img src=x onerror=alert(2)> **bold** [ok](https://example.org)")
    assert _post(lead, action_id, hostile, visibility="internal").status_code == 302
    comment = _comments(app, author_id=_user(app, "edi.lead@northshire.example.org").id)[-1]
    article = page(client_as("viewer").get(_action_page(action_id))).find(
        id=f"comment-{comment.id}")
    body = article.select_one(".app-comment__body")
    assert body.find("script") is None and body.find("img") is None
    assert body.find("strong").get_text() == "bold"
    links = body.find_all("a")
    assert [(a["href"], a["rel"]) for a in links] == [("https://example.org",
                                                       ["nofollow", "noopener"])]
    assert "<script>alert('x')</script>" in body.get_text()  # shown as text, harmless


# Edits, history and deletion ------------------------------------------------------------------------


def test_edits_keep_earlier_versions_and_deleting_leaves_a_tombstone(app, client_as):
    owner = client_as("action_owner")
    action_id = _action_id(app)
    _post(owner, action_id, "First words", visibility="internal")
    comment = _comments(app, body="First words")[0]
    edit = f"/org/northshire/comments/{comment.id}/edit"
    assert post_form(owner, edit, {"body": "Second words"}).status_code == 302
    assert post_form(owner, edit, {"body": "Third words"}).status_code == 302
    html = page(client_as("viewer").get(_action_page(action_id)))
    article = html.find(id=f"comment-{comment.id}")
    assert "Third words" in article.get_text() and "First words" not in article.get_text()
    history_link = article.select_one("a[href$=\"/history\"]")
    assert history_link.get_text(strip=True).startswith("Edited")
    history = page(client_as("viewer").get(history_link["href"])).find("main").get_text(" ")
    assert history.index("Third words") < history.index("Second words") < history.index(
        "First words")
    # Nobody else edits or deletes it, whatever their role
    for role in ("edi_lead", "sponsor", "advisor"):
        other = client_as(role)
        assert other.get(edit).status_code in (403, 404)
        token = csrf_token(other, "/accessibility")
        assert other.post(edit, data={"csrf_token": token, "body": "Hijacked"}).status_code in (
            403, 404)
    assert post_form(owner, f"/org/northshire/comments/{comment.id}/delete", {}).status_code == 302
    article = page(client_as("viewer").get(_action_page(action_id))).find(
        id=f"comment-{comment.id}")
    assert "This comment was deleted by Tom Okafor" in article.get_text()
    assert "Third words" not in article.get_text()
    assert owner.get(edit).status_code == 302  # back to a deleted comment: its conversation
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent.action).filter_by(
            entity_type="comment", entity_id=comment.id).order_by(AuditEvent.id)).all()
    assert events == ["commented", "comment_edited", "comment_edited", "comment_deleted"]


# Mentions and replies -------------------------------------------------------------------------------


def test_a_mention_notifies_who_can_see_and_tells_the_author_about_the_others(app, client_as):
    sponsor = client_as("sponsor")
    action_id = _action_id(app)
    before = _notifications(app, "advisor@iag.example.org")
    response = _post(sponsor, action_id, "@tom.okafor and @grace.mensah and @nobody.here, and "
                     "@alex.admin: please look", visibility="internal", )
    assert response.status_code == 302
    flashed = page(sponsor.get(response.headers["Location"])).select(".govuk-notification-banner")
    messages = " ".join(b.get_text(" ", strip=True) for b in flashed)
    # Grace advises the organisation but cannot read internal comments. The administrator is
    # no more known here than an address with no account at all.
    assert "@grace.mensah cannot see this comment, so was not told" in messages
    assert ("Nobody in this organisation or its advisory groups is known as @nobody.here and "
            "@alex.admin" in messages)
    assert _notifications(app, "owner@northshire.example.org", NotificationKind.MENTION) == [
        f"Helen Clarke mentioned you in a comment on {SHORTLISTING}"]
    assert _notifications(app, "advisor@iag.example.org") == before
    assert _notifications(app, "admin@example.org") == []
    # Shared, Grace can see it, so a mention in a shared comment reaches her
    _post(sponsor, action_id, "Over to you, @grace.mensah", visibility="shared")
    assert _notifications(app, "advisor@iag.example.org", NotificationKind.MENTION) == [
        f"Helen Clarke mentioned you in a comment on {SHORTLISTING}"]


def test_one_person_named_twice_in_a_comment_is_told_once(app, client_as):
    sponsor = client_as("sponsor")
    action_id = _action_id(app)
    body = "@tom.okafor, @owner@northshire.example.org and @Tom.Okafor: one person, three ways"
    for visibility in ("internal", "shared"):
        response = _post(sponsor, action_id, body, visibility=visibility)
        assert response.status_code == 302
    # an advisor cannot see the internal one; named twice there too, and still one mention each
    advisor = client_as("advisor")
    assert _post(advisor, action_id, "@grace.mensah? @advisor@iag.example.org?").status_code == 302
    assert _notifications(app, "owner@northshire.example.org", NotificationKind.MENTION) == [
        f"Helen Clarke mentioned you in a comment on {SHORTLISTING}"] * 2
    from tracker.models import CommentMention

    with app.app_context():
        counts = [db.session.scalar(db.select(db.func.count()).select_from(CommentMention)
                                    .where(CommentMention.comment_id == comment.id))
                  for comment in _comments(app, body=body)]
    assert counts == [1, 1]


def test_an_edit_that_adds_a_mention_notifies_only_the_new_person(app, client_as):
    lead = client_as("edi_lead")
    action_id = _action_id(app)
    _post(lead, action_id, "Thoughts, @tom.okafor?", visibility="internal")
    comment = _comments(app, body="Thoughts, @tom.okafor?")[0]
    post_form(lead, f"/org/northshire/comments/{comment.id}/edit",
              {"body": "Thoughts, @tom.okafor and @sam.lee?"})
    assert len(_notifications(app, "owner@northshire.example.org", NotificationKind.MENTION)) == 1
    assert len(_notifications(app, "viewer@northshire.example.org", NotificationKind.MENTION)) == 1


def test_replies_notify_the_author_and_share_the_comment_s_audience(app, client_as):
    advisor, lead = client_as("advisor"), client_as("edi_lead")
    action_id = _action_id(app)
    _post(advisor, action_id, "Is the pilot working?")
    root = _comments(app, body="Is the pilot working?")[0]
    response = post_form(lead, f"/org/northshire/comments/{root.id}/reply",
                         {"body": "Yes, so far", "next": _action_page(action_id)},
                         token_from=_action_page(action_id))
    assert response.status_code == 302
    reply = _comments(app, body="Yes, so far")[0]
    assert (reply.parent_id, reply.visibility) == (root.id, Visibility.SHARED)
    assert response.headers["Location"] == f"{_action_page(action_id)}#comment-{reply.id}"
    assert f"Priya Shah replied to your comment on {SHORTLISTING}" in _notifications(
        app, "advisor@iag.example.org", NotificationKind.REPLY)
    html = page(advisor.get(_action_page(action_id)))
    assert "Yes, so far" in html.find(id=f"comment-{root.id}").find_next(
        class_="app-replies").get_text()
    # An empty reply changes nothing and says why
    response = post_form(lead, f"/org/northshire/comments/{root.id}/reply", {"body": " "})
    assert response.status_code == 400 and error_summary(response) == ["Enter your reply"]
    # A reply is never posted to somewhere outside the organisation
    response = post_form(lead, f"/org/northshire/comments/{root.id}/reply",
                         {"body": "Again", "next": "https://evil.example/"})
    assert response.headers["Location"].startswith(_action_page(action_id) + "#comment-")


# You said, we did -----------------------------------------------------------------------------------


def test_you_said_we_did(app, client_as):
    advisor, lead, sponsor = client_as("advisor"), client_as("edi_lead"), client_as("sponsor")
    action_id = _action_id(app, REFERRALS)
    accountability = f"{CYCLE}/plan/accountability"
    response = _post(advisor, action_id, "Please publish the referral reviews",
                     ask_for_response="y")
    assert response.status_code == 302
    comment = _comments(app, body="Please publish the referral reviews")[0]
    assert comment.needs_response and comment.response_requested_at is not None
    assert f"Grace Mensah asked for a response to their feedback on {REFERRALS}" in \
        _notifications(app, "edi.lead@northshire.example.org", NotificationKind.FEEDBACK)
    rows = page(sponsor.get(accountability)).select(".app-awaiting-table tbody tr")
    waiting = {r.th.get_text(strip=True): r.get_text(" ", strip=True) for r in rows}
    assert f"\u201c{REFERRALS}\u201d" in " ".join(waiting.values())
    assert "Since today" in " ".join(waiting.values())
    # Only the EDI lead responds; the advisor never edits the organisation's record
    respond = f"/org/northshire/comments/{comment.id}/respond"
    for role in ("advisor", "sponsor", "action_owner"):
        assert client_as(role).get(respond).status_code == 403
    response = post_form(lead, respond, {"outcome": "", "reason": " "})
    assert response.status_code == 400
    assert set(error_summary(response)) == {"Select what you did about this feedback",
                                            "Enter the reason for your response"}
    with app.app_context():
        foreign = db.session.scalar(db.select(Action.id).join(ActionPlan).join(ReportingCycle)
                                    .where(ReportingCycle.label == "2022-23"))
    response = post_form(lead, respond, {"outcome": "accepted", "reason": "Yes",
                                         "action_id": str(foreign)})
    assert error_summary(response) == ["Select an action from this cycle's plan"]
    with app.app_context():
        assert db.session.scalar(db.select(FeedbackResponse.id).filter_by(
            comment_id=comment.id)) is None
    response = post_form(lead, respond, {"outcome": "actioned", "reason": "Summary published",
                                         "action_id": str(action_id)})
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.scalar(db.select(FeedbackResponse).filter_by(comment_id=comment.id))
        assert (answer.outcome, answer.action_id) == (Outcome.ACTIONED, action_id)
    article = page(advisor.get(_action_page(action_id))).find(id=f"comment-{comment.id}")
    assert "You said, we did: Actioned" in article.get_text()
    assert "Summary published" in article.get_text()
    assert article.find("a", string=REFERRALS) is not None
    assert any("responded to your feedback" in n and n.endswith("actioned") for n in
               _notifications(app, "advisor@iag.example.org", NotificationKind.RESPONSE))
    rows = page(sponsor.get(accountability)).select(".app-awaiting-table tbody tr")
    assert not any(REFERRALS in r.get_text() for r in rows)
    # One response only; feedback with a response stays part of the record
    assert post_form(lead, respond, {"outcome": "accepted", "reason": "Again"}).status_code == 400
    response = post_form(advisor, f"/org/northshire/comments/{comment.id}/delete", {})
    assert not _comments(app, id=comment.id)[0].is_deleted


def test_only_advisors_ask_for_a_response(app, client_as):
    lead = client_as("edi_lead")
    action_id = _action_id(app)
    response = _post(lead, action_id, "Can I ask?", visibility="shared", ask_for_response="y")
    assert response.status_code == 400
    assert error_summary(response) == ["Only members of an advisory group can ask for a response"]
    advisor = client_as("advisor")
    _post(advisor, action_id, "Later I want an answer")
    comment = _comments(app, body="Later I want an answer")[0]
    assert not comment.needs_response
    response = post_form(advisor, f"/org/northshire/comments/{comment.id}/ask-for-response",
                         {"next": _action_page(action_id)}, token_from=_action_page(action_id))
    assert response.status_code == 302
    assert _comments(app, id=comment.id)[0].needs_response


def test_waiting_time_is_shown_in_days(app, client_as):
    from datetime import timedelta

    with app.app_context():
        comment = db.session.scalar(db.select(Comment).filter_by(subject_key="SCW2:adults"))
        comment.response_requested_at = utcnow() - timedelta(days=12, hours=1)
        db.session.commit()
    rows = page(client_as("sponsor").get(f"{CYCLE}/plan/accountability")).select(
        ".app-awaiting-table tbody tr")
    assert [r.select_one(".app-waiting").get_text(strip=True) for r in rows] == ["12 days"]


# Indicator results and annual reviews ---------------------------------------------------------------


def test_comments_on_an_indicator_result(app, client_as):
    advisor = client_as("advisor")
    results = f"{CYCLE}/indicators?area=adults&discuss=SCW3"
    html = page(advisor.get(results))
    assert html.find(id="comments-heading").get_text(strip=True).startswith(
        "Comments on SCW3, adult social care")
    response = post_form(advisor, f"{CYCLE}/comments/indicator/SCW3:adults",
                         {"body": "Disciplinaries are still high", "next": results},
                         token_from=results)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(results + "#comment-")
    listing = page(advisor.get(f"{CYCLE}/indicators?area=adults")).select(".app-discuss-list li")
    counts = {li.get_text(" ", strip=True).split(":")[0].strip(): li.get_text(" ", strip=True)
              for li in listing}
    assert counts["SCW3 Formal disciplinary"].endswith("1 comment")
    assert counts["SCW2 Appointed from shortlisting"].endswith("1 comment")  # the demo's
    children = page(advisor.get(f"{CYCLE}/indicators?area=children&discuss=SCW3"))
    assert "Disciplinaries are still high" not in children.get_text()


def test_comments_on_an_annual_review(app, client_as):
    sponsor = client_as("sponsor")
    response = post_form(sponsor, f"{CYCLE}/comments/review/2024-25",
                         {"body": "A good year for SCW3", "visibility": "internal"})
    assert response.status_code == 302
    comment = _comments(app, body="A good year for SCW3")[0]
    assert (comment.subject_type, comment.subject_key) == (SubjectType.REVIEW, "2024-25")
    html = sponsor.get(f"{CYCLE}/comments/review/2024-25").get_data(as_text=True)
    assert "A good year for SCW3" in html


# Sharing --------------------------------------------------------------------------------------------


def test_the_edi_lead_shares_with_a_group_and_can_stop(app, client_as):
    rerg = _rerg_advisor(app)
    assert "Northshire County Council" not in rerg.get("/").get_data(as_text=True)
    for role in ("sponsor", "advisor", "viewer"):
        assert client_as(role).get("/org/northshire/sharing").status_code == 403
    lead = client_as("edi_lead")
    with app.app_context():
        group_id = db.session.scalar(db.text("SELECT id FROM advisory_groups "
                                             "WHERE short_name = 'RERG'"))
    url = f"/org/northshire/sharing/{group_id}"
    assert post_form(lead, url + "/share", {}, token_from="/org/northshire/sharing"
                     ).status_code == 302
    home = page(rerg.get("/"))
    shared = home.select_one(".app-shared-table").get_text(" ", strip=True)
    assert "Northshire County Council" in shared and "RERG" in shared and "2024-25" in shared
    action_id = _action_id(app)
    assert rerg.get(_action_page(action_id)).status_code == 200
    assert "Edit action" not in rerg.get(_action_page(action_id)).get_data(as_text=True)
    assert post_form(lead, url + "/stop", {}, token_from="/org/northshire/sharing"
                     ).status_code == 302
    assert rerg.get(_action_page(action_id)).status_code == 404
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent.action).filter_by(
            entity_type="advisory_group", entity_id=group_id).order_by(AuditEvent.id)).all()
    assert events[-2:] == ["shared", "unshared"]


def test_an_advisor_sees_every_shared_organisation_in_one_list(app, client_as):
    rows = page(client_as("advisor").get("/")).select(".app-shared-table tbody tr")
    assert [r.a.get_text(strip=True) for r in rows] == ["Eastbrook Borough Council",
                                                        "Northshire County Council"]


# Notifications --------------------------------------------------------------------------------------


def test_notifications_unread_count_open_and_mark_all_read(app, client_as):
    lead = client_as("edi_lead")
    nav = [a.get_text(strip=True) for a in page(lead.get("/")).select(
        ".govuk-service-navigation__link")]
    assert "Notifications (2)" in nav  # the demo's mention and feedback request
    items = page(lead.get("/notifications")).select(".app-notifications li")
    unread = [li for li in items if li.select_one(".app-unread")]
    assert len(unread) == 2
    target = lead.get(unread[0].a["href"])
    assert target.status_code == 302 and "#comment-" in target.headers["Location"]
    nav = [a.get_text(strip=True) for a in page(lead.get("/")).select(
        ".govuk-service-navigation__link")]
    assert "Notifications (1)" in nav
    post_form(lead, "/notifications/read", {}, token_from="/notifications")
    assert "Notifications" in [a.get_text(strip=True) for a in page(lead.get("/")).select(
        ".govuk-service-navigation__link")]
    # Someone else's notification is not found
    with app.app_context():
        other = db.session.scalar(db.select(Notification.id).join(User, User.id == Notification.
                                  user_id).where(User.email == "advisor@iag.example.org"))
    assert lead.get(f"/notifications/{other}").status_code == 404
    assert client_as("anonymous").get("/notifications").status_code == 302


def test_notifications_ask_the_same_statements_however_many_organisations_they_name(
        factories, client_for, db_session):
    from tests.helpers import statements
    from tracker.domain.notifications import Frequency

    person = factories.user()
    client = client_for(person)
    counts = []
    for organisations in (1, 6):
        for _ in range(organisations):
            db_session.add(Notification(
                user_id=person.id, organisation_id=factories.organisation().id,
                kind=NotificationKind.MENTION, text="A mention", link="/", excerpt="",
                email_frequency=Frequency.OFF))
        with statements(db_session) as seen:
            shown = page(client.get("/notifications"))
        counts.append(len(seen))
    assert len(shown.select(".app-notifications > li")) == 7
    assert counts[0] == counts[1]  # the organisations named with the page, not one by one


def test_email_settings_are_saved_per_kind(app, client_as):
    viewer = client_as("viewer")
    form = page(viewer.get("/notifications/settings"))
    assert form.select_one("input[name=mention][value=immediately]").has_attr("checked")
    choices = {kind.value: "daily" for kind in NotificationKind}
    choices |= {"reminder": "off", "weekly": "weekly", "owner": "off"}
    assert post_form(viewer, "/notifications/settings", choices).status_code == 302
    form = page(viewer.get("/notifications/settings"))
    assert form.select_one("input[name=mention][value=daily]").has_attr("checked")
    assert form.select_one("input[name=owner][value=off]").has_attr("checked")
    response = post_form(viewer, "/notifications/settings", {**choices, "reminder": "immediately"})
    assert response.status_code == 400
    assert error_summary(response) == ["Select how you want to hear: reminders about your "
                                       "actions that are due in the next 14 days or overdue"]


def test_being_made_owner_of_an_action_notifies(app, client_as):
    from tests.integration.test_plans import _edit_form, _new_action_form

    lead = client_as("edi_lead")
    response = post_form(lead, f"{CYCLE}/plan/actions/new", _new_action_form(app))
    assert response.status_code == 302
    assert _notifications(app, "owner@northshire.example.org", NotificationKind.OWNER) == [
        "Priya Shah made you the owner of the action \u201cCoaching for global majority "
        "staff\u201d"]
    url = response.headers["Location"] + "/edit"
    form = _edit_form(lead, url)
    form["owner_id"] = str(_user(app, "hr.lead@northshire.example.org").id)
    assert lead.post(url, data=form).status_code == 302
    assert len(_notifications(app, "hr.lead@northshire.example.org", NotificationKind.OWNER)) == 1
    # Changing something else tells nobody again
    form = _edit_form(lead, url)
    form["partners"] = "HR"
    lead.post(url, data=form)
    assert len(_notifications(app, "hr.lead@northshire.example.org", NotificationKind.OWNER)) == 1


# Query counts ---------------------------------------------------------------------------------------


def _grow_thread(app, action_id: int, total: int) -> None:
    with app.app_context():
        org = db.session.scalar(db.select(Organisation).filter_by(slug="northshire"))
        cycle = db.session.scalar(db.select(ReportingCycle).filter_by(organisation_id=org.id,
                                                                      label="2024-25"))
        people = db.session.scalars(db.select(User).where(User.email.like("%northshire%"))).all()
        roots = []
        for i in range(total):
            parent = roots[i % len(roots)] if roots and i % 3 == 0 else None
            comment = Comment(organisation_id=org.id, cycle_id=cycle.id,
                              subject_type=SubjectType.ACTION, subject_key=str(action_id),
                              author_id=people[i % len(people)].id, posted_as="EDI lead",
                              visibility=parent.visibility if parent else list(Visibility)[i % 2],
                              body=f"Comment **{i}**",
                              parent_id=parent.id if parent else None,
                              edited_at=utcnow() if i % 4 == 0 else None,
                              needs_response=i % 5 == 0 and parent is None,
                              response_requested_at=utcnow())
            if comment.needs_response and i % 10 == 0:
                comment.response = FeedbackResponse(outcome=Outcome.ACCEPTED, reason="Yes",
                                                    action_id=action_id,
                                                    responder_id=people[0].id)
            db.session.add(comment)
            db.session.flush()
            if parent is None:
                roots.append(comment)
        db.session.commit()
    forget_kept_pages()  # written past the services (unaudited): no data version moved


@pytest.mark.parametrize("role", ["edi_lead", "advisor"])
def test_pages_with_comments_issue_the_same_queries_for_3_or_90_comments(app, client_as, role):
    client = client_as(role)
    action_id = _action_id(app, REFERRALS)
    _grow_thread(app, action_id, 3)
    pages = [_action_page(action_id), _thread(action_id), f"{CYCLE}/plan/accountability",
             f"{CYCLE}/indicators?area=adults&discuss=SCW2"]
    for url in pages:
        client.get(url)  # warm up
    small = {}
    for url in pages:
        forget_kept_pages()  # the written page's statements, not a kept one's
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        small[url] = len(statements)
    _grow_thread(app, action_id, 87)
    for url in pages:
        forget_kept_pages()
        with count_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert len(statements) == small[url], url
    with app.app_context():
        query = db.select(db.func.count(Comment.id)).filter_by(subject_key=str(action_id))
        if role == "advisor":
            query = query.filter_by(visibility=Visibility.SHARED)
        readable = db.session.scalar(query)
    assert readable > 40
    assert len(page(client.get(_action_page(action_id))).select("#comments article")) == readable
