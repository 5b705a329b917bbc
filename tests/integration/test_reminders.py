"""E-mail against a real SMTP server on loopback: notifications, digests, reminders, retries."""

from __future__ import annotations

import socket
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import post_form, sign_in
from tests.integration.test_conversation import CYCLE, _action_id, _action_page, _post
from tracker.demo.plan import ACTIONS
from tracker.domain.notifications import EmailStatus, Frequency, NotificationKind
from tracker.domain.plans import ActionStatus
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    ReportingCycle,
    User,
)

BASE = "https://tracker.example.org"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        self.messages.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1, and the app configured to send to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "PUBLIC_BASE_URL",
                                                  "MAIL_FROM")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, PUBLIC_BASE_URL=BASE,
                      MAIL_FROM="SC-WRES tracker <tracker@example.org>")
    yield inbox
    controller.stop()
    app.config.update(saved)


def _body(message: EmailMessage) -> str:
    """The plain-text part, which every message has (with an HTML alternative beside it)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "every message has a plain-text part"
    return part.get_content()


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None and part.get_content_type() == "text/html", "no HTML alternative"
    return part.get_content()


def _emails(app, **filters) -> list[OutgoingEmail]:
    with app.app_context():
        found = db.session.scalars(db.select(OutgoingEmail).filter_by(**filters)
                                   .order_by(OutgoingEmail.id)).all()
        for email in found:
            db.session.expunge(email)
        return found


def _run(runner, day: date | None = None):
    args = ["tracker", "send-reminders"] + (["--date", day.isoformat()] if day else [])
    return runner.invoke(args=args)


# Immediately ----------------------------------------------------------------------------------------


def test_a_mention_is_emailed_at_once_with_a_link(app, client_as, smtp):
    sponsor = client_as("sponsor")
    action_id = _action_id(app)
    _post(sponsor, action_id, "Could you check this, @tom.okafor?", visibility="internal")
    [message] = smtp.messages
    assert message["To"] == "owner@northshire.example.org"
    assert message["X-Envelope-To"] == "owner@northshire.example.org"
    assert message["From"] == "SC-WRES tracker <tracker@example.org>"
    assert message["Subject"] == ("Helen Clarke mentioned you in a comment on Anonymous "
                                  "shortlisting for all social work posts")
    body = _body(message)
    assert f"{BASE}{_action_page(action_id)}#comment-" in body
    assert "Could you check this, @tom.okafor?" in body
    assert f"{BASE}/notifications/settings" in body
    assert message.get_content_type() == "multipart/alternative"
    html = _html(message)  # the same words, as HTML, with the same links
    assert "Could you check this, @tom.okafor?" in html
    assert f'href="{BASE}{_action_page(action_id)}#comment-' in html
    assert f'href="{BASE}/notifications/settings"' in html
    [email] = _emails(app, recipient="owner@northshire.example.org")
    assert (email.status, email.attempts, email.kind) == (EmailStatus.SENT, 1, "mention")
    assert email.sent_at is not None


def test_a_reply_a_response_and_ownership_are_emailed(app, client_as, smtp):
    from tests.integration.test_plans import _new_action_form

    advisor, lead = client_as("advisor"), client_as("edi_lead")
    action_id = _action_id(app)
    _post(advisor, action_id, "What changed?", ask_for_response="y")
    assert [m["To"] for m in smtp.messages] == ["edi.lead@northshire.example.org"]
    assert smtp.messages[0]["Subject"].startswith("Grace Mensah asked for a response")
    smtp.clear()
    with app.app_context():
        comment_id = db.session.scalar(db.text("SELECT max(id) FROM comments"))
    post_form(lead, f"/org/northshire/comments/{comment_id}/reply", {"body": "Good question"},
              token_from=_action_page(action_id))
    post_form(lead, f"/org/northshire/comments/{comment_id}/respond",
              {"outcome": "accepted", "reason": "We will report it", "action_id": str(action_id)})
    assert [m["Subject"] for m in smtp.to("advisor@iag.example.org")] == [
        "Priya Shah replied to your comment on Anonymous shortlisting for all social work posts",
        "Northshire County Council responded to your feedback on Anonymous shortlisting for all "
        "social work posts: accepted"]
    assert "We will report it" in _body(smtp.to("advisor@iag.example.org")[1])
    smtp.clear()
    post_form(lead, f"{CYCLE}/plan/actions/new", _new_action_form(app))
    [message] = smtp.messages
    assert message["To"] == "owner@northshire.example.org"
    assert message["Subject"] == ("Priya Shah made you the owner of the action \u201cCoaching "
                                  "for global majority staff\u201d")


def test_someone_who_chose_off_gets_no_email_but_the_notification(app, client_as, smtp):
    with app.app_context():
        tom = db.session.scalar(db.select(User).filter_by(email="owner@northshire.example.org"))
        db.session.add(NotificationPreference(user_id=tom.id, kind=NotificationKind.MENTION,
                                              frequency=Frequency.OFF))
        db.session.commit()
    _post(client_as("sponsor"), _action_id(app), "@tom.okafor see this", visibility="internal")
    assert smtp.messages == []
    nav = client_as("action_owner").get("/").get_data(as_text=True)
    assert "Notifications (1)" in nav


# The daily run --------------------------------------------------------------------------------------


def _set_due_dates(app, today: date) -> dict[str, date]:
    """Give the 2024-25 plan known due dates relative to `today`; return them by title."""
    wanted = {
        "Anti-bias training for recruiting managers": today + timedelta(days=3),      # Tom
        "Mandatory EDI training for all managers": today - timedelta(days=2),         # Tom
        "Listening circles for global majority staff": today + timedelta(days=14),    # Mark
        "Improve ethnicity declaration in the HR system": today + timedelta(days=15),  # Nadia
    }
    with app.app_context():
        plan_id = db.session.scalar(db.select(ActionPlan.id).join(ReportingCycle).where(
            ReportingCycle.label == "2024-25"))
        for action in db.session.scalars(db.select(Action).filter_by(plan_id=plan_id)):
            if action.title in wanted:
                action.due_date, action.status = wanted[action.title], ActionStatus.ON_TRACK
            else:
                action.due_date = today + timedelta(days=90)
        for action in db.session.scalars(db.select(Action).join(ActionPlan).join(ReportingCycle)
                                         .where(ReportingCycle.label != "2024-25")):
            action.status = ActionStatus.COMPLETE
        db.session.commit()
    assert {title for _, title, *_ in ACTIONS} >= set(wanted)
    return wanted


def test_reminders_go_to_owners_once_a_day_and_only_with_something_to_say(app, client_as, smtp,
                                                                           runner):
    today = date(2026, 11, 25)  # a Wednesday
    _set_due_dates(app, today)
    result = _run(runner, today)
    assert result.exit_code == 0, result.output
    reminders = [m for m in smtp.messages if m["Subject"].startswith("Your actions")]
    assert sorted(m["To"] for m in reminders) == ["owner@northshire.example.org",
                                                  "psw@northshire.example.org"]
    tom = _body(smtp.to("owner@northshire.example.org")[0])
    assert smtp.to("owner@northshire.example.org")[0]["Subject"] == (
        "Your actions: 1 overdue and 1 due in the next 14 days")
    assert "Mandatory EDI training for all managers (Northshire County Council) was due on 23 " \
        "November 2026 (2 days ago)" in tom
    assert "Anti-bias training for recruiting managers (Northshire County Council) is due on 28 " \
        "November 2026 (in 3 days)" in tom
    assert f"{BASE}{CYCLE}/plan/actions/" in tom
    assert smtp.to("hr.lead@northshire.example.org") == []  # due in 15 days: nothing to say
    sent = len(smtp.messages)
    with app.app_context():
        recorded = db.session.scalar(db.select(db.func.count(OutgoingEmail.id)))
    assert recorded == sent
    # A second run the same day sends nothing at all
    smtp.clear()
    result = _run(runner, today)
    assert result.exit_code == 0 and smtp.messages == []
    assert "queued 0 digests, 0 reminders and 0 weekly summaries; sent 0 e-mails" in result.output
    # The next day the owners hear again, and Nadia's action is now due within 14 days
    _run(runner, today + timedelta(days=1))
    assert sorted(m["To"] for m in smtp.messages if m["Subject"].startswith("Your actions")) == [
        "hr.lead@northshire.example.org", "owner@northshire.example.org",
        "psw@northshire.example.org"]


def test_sponsors_get_a_weekly_summary_once_a_week(app, client_as, smtp, runner):
    monday = date(2026, 11, 23)
    _set_due_dates(app, monday)
    _run(runner, monday)
    [summary] = smtp.to("sponsor@northshire.example.org")
    assert summary["Subject"] == "Weekly summary for the week of 23 November 2026"
    body = _body(summary)
    assert "Northshire County Council" in body
    assert "Overdue actions: 1" in body and "Mandatory EDI training for all managers" in body
    assert "Feedback awaiting a response: 1" in body
    assert "Grace Mensah on SCW2 Appointed from shortlisting, adult social care" in body
    smtp.clear()
    _run(runner, monday + timedelta(days=2))
    assert smtp.to("sponsor@northshire.example.org") == []  # the same week
    _run(runner, monday + timedelta(days=7))
    assert len(smtp.to("sponsor@northshire.example.org")) == 1


def test_the_daily_digest_groups_what_happened(app, client_as, smtp, runner):
    with app.app_context():
        priya = db.session.scalar(db.select(User).filter_by(
            email="edi.lead@northshire.example.org"))
        for kind in (NotificationKind.MENTION, NotificationKind.REPLY, NotificationKind.FEEDBACK):
            db.session.add(NotificationPreference(user_id=priya.id, kind=kind,
                                                  frequency=Frequency.DAILY))
        priya_id = priya.id
        db.session.commit()
    advisor, sponsor = client_as("advisor"), client_as("sponsor")
    action_id = _action_id(app)
    _post(sponsor, action_id, "@priya.shah have a look", visibility="internal")
    _post(advisor, action_id, "Please tell us more", ask_for_response="y")
    _post(advisor, action_id, "And @priya.shah, one more thing")
    assert smtp.to("edi.lead@northshire.example.org") == []  # nothing at once
    today = date.today()
    _run(runner, today)
    [digest] = [m for m in smtp.to("edi.lead@northshire.example.org")
                if m["Subject"].startswith("Your daily digest")]
    assert digest["Subject"] == "Your daily digest: 3 updates"
    body = _body(digest)
    assert body.index("Mentions") < body.index("Feedback asking for a response")
    mentions = body[body.index("Mentions"):body.index("Feedback asking for a response")]
    assert "Helen Clarke mentioned you" in mentions and "Grace Mensah mentioned you" in mentions
    assert body.count(f"{BASE}{_action_page(action_id)}#comment-") == 3
    with app.app_context():
        waiting = db.session.scalar(db.select(db.func.count(Notification.id)).where(
            Notification.user_id == priya_id, Notification.email_frequency == Frequency.DAILY,
            Notification.email_id.is_(None)))
    assert waiting == 0
    smtp.clear()
    _run(runner, today)
    assert smtp.messages == []
    # What happens after today's digest waits for tomorrow's
    _post(sponsor, action_id, "@priya.shah and another", visibility="internal")
    _run(runner, today)
    assert smtp.messages == []
    _run(runner, today + timedelta(days=1))
    [digest] = [m for m in smtp.to("edi.lead@northshire.example.org")
                if m["Subject"].startswith("Your daily digest")]
    assert digest["Subject"] == "Your daily digest: 1 update"


def test_failures_stay_queued_and_are_sent_on_the_next_run(app, client_as, smtp, runner):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nobody listens there
    _post(client_as("sponsor"), _action_id(app), "@tom.okafor are you there?",
          visibility="internal")
    [email] = _emails(app, recipient="owner@northshire.example.org")
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()
    today = date(2026, 11, 25)
    _set_due_dates(app, today)
    result = _run(runner, today)
    assert result.exit_code == 1 and "failed (they are tried again on the next run)" in \
        result.output
    assert _emails(app, recipient="owner@northshire.example.org")[0].attempts == 2
    assert smtp.messages == []
    app.config["MAIL_PORT"] = port
    result = _run(runner, today)
    assert result.exit_code == 0, result.output
    subjects = sorted(m["Subject"] for m in smtp.to("owner@northshire.example.org"))
    assert subjects == ["Helen Clarke mentioned you in a comment on Anonymous shortlisting for "
                        "all social work posts",
                        "Your actions: 1 overdue and 1 due in the next 14 days"]
    assert {e.status for e in _emails(app)} == {EmailStatus.SENT}
    smtp.clear()
    _run(runner, today)
    assert smtp.messages == []


def test_nothing_is_sent_when_email_is_not_set_up(app, client_as, runner):
    assert not app.config.get("MAIL_SERVER")
    result = _run(runner)
    assert result.exit_code == 2
    assert "E-mail is not set up: set MAIL_SERVER and PUBLIC_BASE_URL" in result.output
    # Notifications made meanwhile queue their e-mails, to go once e-mail is set up
    _post(client_as("sponsor"), _action_id(app), "@tom.okafor hello", visibility="internal")
    [email] = _emails(app, recipient="owner@northshire.example.org")
    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 0)


# Messages that cannot be built, and where links come from ------------------------------------------


def _queue_raw(app, **fields) -> int:
    """An outbox row as an older release (or a bug) could have left it."""
    with app.app_context():
        email = OutgoingEmail(recipient=fields.pop("recipient", "owner@northshire.example.org"),
                              subject=fields.pop("subject", "A fine subject"), body="Body",
                              kind="mention", status=EmailStatus.QUEUED, **fields)
        db.session.add(email)
        db.session.commit()
        return email.id


def test_a_message_that_cannot_be_built_fails_with_its_reason_and_the_rest_go(app, demo, smtp,
                                                                               runner):
    bad_subject = _queue_raw(app, subject="Line one\nBcc: everyone@example.org")
    bad_address = _queue_raw(app, recipient="tom\r\n@example.org")
    good = _queue_raw(app, subject="Still goes")
    last_try = _queue_raw(app, subject="Broken\u2028too\r\n", attempts=9)
    result = _run(runner)
    assert result.exit_code == 1, result.output  # some failed
    mine = [m for m in smtp.messages if not m["Subject"].startswith(("Your actions", "Weekly"))]
    assert [m["Subject"] for m in mine] == ["Still goes"]
    assert all("everyone@example.org" not in str(m) for m in smtp.messages)
    emails = {e.id: e for e in _emails(app)}
    assert (emails[good].status, emails[good].attempts) == (EmailStatus.SENT, 1)
    for failed in (bad_subject, bad_address, last_try):
        assert emails[failed].status == EmailStatus.FAILED
        assert emails[failed].last_error.startswith("The message could not be built: ValueError")
    assert [emails[i].attempts for i in (bad_subject, bad_address, last_try)] == [1, 1, 10]
    # The next run counts another attempt on each, never stops on them, and gives up at 10
    smtp.clear()
    result = _run(runner)
    assert result.exit_code == 1
    emails = {e.id: e for e in _emails(app)}
    assert [emails[i].attempts for i in (bad_subject, bad_address, last_try)] == [2, 2, 10]


def test_links_in_emails_come_only_from_public_base_url(app, demo, smtp, monkeypatch):
    app.config["PUBLIC_BASE_URL"] = ""
    monkeypatch.setitem(app.config, "SERVER_NAME", "evil.example")  # every request's Host
    sponsor = app.test_client()
    sponsor.environ_base.update(HTTP_X_FORWARDED_HOST="evil.example")
    assert sign_in(sponsor, "sponsor@northshire.example.org").status_code == 302
    action_id = _action_id(app)
    assert sponsor.get(_action_page(action_id)).request.host == "evil.example"
    post_form(sponsor, f"{CYCLE}/comments/action/{action_id}",
              {"body": "@tom.okafor have a look", "visibility": "internal"},
              token_from=_action_page(action_id))
    [message] = smtp.messages
    assert "evil.example" not in _body(message) + _html(message)
    assert f"{_action_page(action_id)}#comment-" in _body(message)
    app.config["PUBLIC_BASE_URL"] = BASE
    smtp.clear()
    post_form(sponsor, f"{CYCLE}/comments/action/{action_id}",
              {"body": "@tom.okafor and again", "visibility": "internal"},
              token_from=_action_page(action_id))
    [message] = smtp.messages
    assert f"{BASE}{_action_page(action_id)}#comment-" in _body(message)
    assert "evil.example" not in _body(message) + _html(message)


def test_a_title_saved_with_a_line_break_still_makes_a_one_line_subject(app, smtp):
    from tracker.services import mail

    with app.app_context():
        mail.queue_email(user=None, recipient="owner@example.org", kind="owner",
                         message=mail.RenderedEmail(
                             subject="Priya Shah made you the owner of \u201cMentoring\n\u2028for all\u201d",
                             text="Body", html="<p>Body</p>"))
        db.session.commit()  # the job runs once this has committed
    [message] = smtp.messages
    assert message["Subject"] == "Priya Shah made you the owner of \u201cMentoring for all\u201d"
    [email] = _emails(app)
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)


@pytest.mark.parametrize("html", [True, False])
def test_a_message_arrives_as_it_was_written(app, smtp, html):
    """The bytes the tracker lays out itself (issue 15 item 4) read back as written: a long
    subject that is not ASCII, long lines, '=', trailing spaces, lines starting 'From ' and
    '.', and the HTML alternative or none."""
    from tracker.services import mail

    subject = ("Zoë Ní Bhriain made you the owner of \u201cListening circles for global "
               "majority staff in adults\u2019 and children\u2019s services\u201d (2026\u201327)")
    text = ("Dear Zoë,\n\n" + "a long line of words " * 12 + "\n=3D is not encoded twice \n"
            "From the start of a line\n.\n..and dots\n\u2014 the tracker\n")
    with app.app_context():
        mail.queue_email(user=None, recipient="zoe@example.org", kind="owner",
                         message=mail.RenderedEmail(
                             subject=subject, text=text,
                             html="<p>Dear Zoë, <a href=\"https://x.example/a?b=c\">this</a></p>"
                             if html else None))
        db.session.commit()  # the job runs once this has committed
    [message] = smtp.messages
    assert message["Subject"] == subject
    assert message["From"] == "SC-WRES tracker <tracker@example.org>"
    assert (message["To"], message["Auto-Submitted"]) == ("zoe@example.org", "auto-generated")
    assert message["Message-ID"].endswith("@example.org>") and message["Date"]
    assert _body(message).replace("\r\n", "\n") == text  # lines end CRLF on the wire
    if html:
        assert message.get_content_type() == "multipart/alternative"
        assert _html(message) == "<p>Dear Zoë, <a href=\"https://x.example/a?b=c\">this</a></p>"
    else:
        assert message.get_content_type() == "text/plain"
