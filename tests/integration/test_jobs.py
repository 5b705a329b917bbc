"""The job queue (tracker.jobs): requests only queue e-mail; a worker sends it, outside any request.

Each test runs with the database's own runner, as production does: on PostgreSQL procrastinate
(the jobs are rows in its tables; `flask tracker worker` runs them), on SQLite the thread in the
web process. They commit for real (committed_db): the worker and the thread read what the request
committed, on connections of their own. The SMTP servers are real, on loopback: aiosmtpd, and one
that accepts connections and never answers.
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from procrastinate.schema import SchemaManager
from sqlalchemy import func, select, text

from tests.factories import PASSWORD
from tests.helpers import post_form, sign_in
from tests.integration.test_reminders import Inbox, _free_port
from tracker import jobs
from tracker.domain.notifications import EmailStatus
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import OutgoingEmail
from tracker.services import mail

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://tracker.example.org"


class StalledServer:
    """An SMTP server that accepts connections and never says a word, until released."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.hanging_up = False
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            if self.hanging_up:
                connection.close()
                continue
            self.held.append(connection)
            self.connected.set()

    def release(self) -> None:
        """Hang up on everyone, now and from now on (the client sees the server disconnect)."""
        self.hanging_up = True
        for connection in self.held:
            connection.close()
        self.held.clear()

    def close(self) -> None:
        self.sock.close()
        self.release()


@pytest.fixture
def queue(app, committed_db):
    """The database's own runner (procrastinate on PostgreSQL, the thread on SQLite)."""
    saved = {key: app.config.get(key) for key in ("JOBS_RUNNER", "MAIL_SERVER", "MAIL_PORT",
                                                  "PUBLIC_BASE_URL", "MAIL_TIMEOUT_SECONDS")}
    runner = "procrastinate" if app.config["SQLALCHEMY_DATABASE_URI"].startswith(
        "postgresql") else "thread"
    app.config.update(JOBS_RUNNER=runner, PUBLIC_BASE_URL=BASE)
    yield app.extensions["jobs"]
    app.config.update(saved)


def _mail_to(app, port: int, *, timeout: float = 10) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT_SECONDS=timeout)


def _work(queue) -> None:
    """Let the jobs waiting now run to the end: the worker until idle, or the thread."""
    if queue.runner == "procrastinate":
        queue.work(wait=False)
    else:
        assert queue.wait_until_idle(timeout=60)


def _waiting_jobs(db_session) -> int:
    """E-mail jobs waiting in procrastinate's table (none on SQLite: there is no such table).

    Only send_email counts: a worker, as it starts, defers the periodic tasks due in the last
    ten minutes (retry_emails runs every five), and one it deferred as it went idle waits."""
    if db_session.bind.dialect.name != "postgresql":
        return 0
    count = db_session.scalar(text(
        "SELECT count(*) FROM procrastinate_jobs"
        " WHERE status = 'todo' AND task_name = 'send_email'"))
    db_session.commit()
    return count


def _emails(db_session) -> list:
    """The outbox as plain rows; the read ends at once (on SQLite it would block the writers)."""
    rows = db_session.execute(select(
        OutgoingEmail.status, OutgoingEmail.attempts, OutgoingEmail.last_error,
        OutgoingEmail.subject).order_by(OutgoingEmail.id)).all()
    db_session.commit()
    return rows


def _mention(app, factories, db_session):
    """A lead, an action and an owner to mention; return a post that mentions the owner."""
    lead = factories.member(role=Role.EDI_LEAD)
    organisation = lead.memberships[0].organisation
    owner = factories.member(role=Role.ACTION_OWNER, organisation=organisation)
    action = factories.action(plan__cycle__organisation=organisation, owner=owner)
    db_session.commit()
    client = app.test_client()
    assert sign_in(client, lead.email, PASSWORD).status_code == 302
    page = f"/org/{organisation.slug}/cycles/2024-25/plan/actions/{action.id}"
    thread = f"/org/{organisation.slug}/cycles/2024-25/comments/action/{action.id}"

    def post(words: str):
        return post_form(client, thread, {"body": f"@{owner.email} {words}",
                                          "visibility": "internal"}, token_from=page)

    address = owner.email
    db_session.commit()
    return address, post


def test_a_request_only_queues_its_email_and_the_worker_sends_it(app, queue, factories,
                                                                 db_session):
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    server.start()
    try:
        _mail_to(app, server.port)
        address, post = _mention(app, factories, db_session)
        assert post("please look").status_code == 302
        if queue.runner == "procrastinate":
            # Nothing was sent by the request: the e-mail and its job wait, both committed
            assert inbox.messages == []
            [email] = _emails(db_session)
            assert (email.status, email.attempts) == (EmailStatus.QUEUED, 0)
            assert _waiting_jobs(db_session) == 1
        _work(queue)
        [message] = inbox.messages
        assert message["To"] == address
        assert f"{BASE}/org/" in message.get_body(preferencelist=("plain",)).get_content()
        [email] = _emails(db_session)
        assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
        assert _waiting_jobs(db_session) == 0
    finally:
        server.stop()


def test_a_stalled_smtp_server_never_holds_a_request(app, queue, factories, db_session):
    stalled = StalledServer()
    try:
        _mail_to(app, stalled.port, timeout=60)
        _, post = _mention(app, factories, db_session)
        assert post("are you there?").status_code == 302
        # The answer came while the SMTP server has said nothing (and says nothing for 60 s)
        [email] = _emails(db_session)
        assert email.status == EmailStatus.QUEUED
        if queue.runner == "procrastinate":
            assert stalled.held == []  # nothing even connected: the worker has not run yet
            _mail_to(app, stalled.port, timeout=1)
            _work(queue)
        else:
            assert stalled.connected.wait(timeout=30)  # the thread is waiting for the server
            # ... holding no write lock meanwhile: another writing request goes through at once
            # (if the job held SQLite's write lock, this one would wait 30 s and be refused)
            assert post("anyone?").status_code == 302
            stalled.release()
            _work(queue)
        emails = _emails(db_session)
        assert emails, "the e-mails are recorded"
        for email in emails:
            assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
            assert email.last_error.startswith("The SMTP server could not be reached")
    finally:
        stalled.close()


def test_a_job_is_committed_with_its_change_or_not_at_all(app, queue, factories, db_session):
    owner = factories.user()
    db_session.commit()
    address = owner.email
    db_session.commit()
    with app.app_context():
        mail.queue_email(user=None, recipient=address, kind="mention",
                         message=mail.RenderedEmail(subject="Never", text="Rolled back",
                                                    html="<p>Rolled back</p>"))
        db.session.rollback()
        assert db.session.info.get("tracker.jobs.pending") is None
    assert _emails(db_session) == [] and _waiting_jobs(db_session) == 0
    with app.app_context():
        mail.queue_email(user=None, recipient=address, kind="mention",
                         message=mail.RenderedEmail(subject="Kept", text="Committed",
                                                    html="<p>Committed</p>"))
        db.session.commit()
    [email] = _emails(db_session)
    assert email.subject == "Kept"
    if queue.runner == "procrastinate":
        assert _waiting_jobs(db_session) == 1
    _work(queue)
    assert _emails(db_session)[0].status == EmailStatus.QUEUED  # e-mail is not set up


def test_the_daily_run_and_the_retries_are_periodic_jobs(app, queue):
    with app.app_context():
        queue_app = queue.procrastinate() if queue.runner == "procrastinate" else None
    registered = {name: task.cron_setting for name, task in jobs.tasks().items()}
    assert registered["daily_emails"] == "REMINDERS_CRON"
    assert registered["retry_emails"] == "MAIL_RETRY_CRON"
    assert registered["send_email"] is None
    assert registered["forget_old_charts"] == "REMINDERS_CRON"
    assert registered["forget_held_extracts"] == "REMINDERS_CRON"
    if queue_app is not None:
        crons = {p.task.name: p.cron for p in queue_app.periodic_registry.periodic_tasks.values()}
        assert crons == {"daily_emails": app.config["REMINDERS_CRON"],
                         "retry_emails": app.config["MAIL_RETRY_CRON"],
                         "forget_old_charts": app.config["REMINDERS_CRON"],
                         "forget_held_extracts": app.config["REMINDERS_CRON"]}


def test_the_daily_job_sends_the_reminders(app, queue, factories, db_session):
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    server.start()
    try:
        _mail_to(app, server.port)
        lead = factories.member(role=Role.EDI_LEAD)
        owner = factories.member(role=Role.ACTION_OWNER,
                                 organisation=lead.memberships[0].organisation)
        action = factories.action(plan__cycle__organisation=lead.memberships[0].organisation,
                                  owner=owner, title="Mentoring scheme")
        action.due_date = datetime.now(UTC).date()
        db_session.commit()
        address = owner.email
        db_session.commit()
        at = int(datetime.now(UTC).timestamp())
        with app.app_context():
            jobs.enqueue("daily_emails", timestamp=at)
            db.session.commit()
        _work(queue)
        [reminder] = inbox.to(address)
        assert reminder["Subject"].startswith("Your actions")
        assert "Mentoring scheme" in reminder.get_body(preferencelist=("plain",)).get_content()
    finally:
        server.stop()


def test_the_worker_command_needs_the_queue_of_postgresql(app, queue, runner):
    result = runner.invoke(args=["tracker", "worker", "--until-idle"])
    if queue.runner == "procrastinate":
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2
        assert "the worker is for PostgreSQL" in result.output


def test_the_queue_schema_is_the_pinned_procrastinate_release(db_session):
    """0008_job_queue applies a copy of procrastinate's schema: an upgrade that changes it
    needs a migration running its SQL migrations (and a new copy)."""
    kept = ROOT / "migrations" / "procrastinate" / "schema-3.10.0.sql"
    assert kept.read_text(encoding="utf-8") == SchemaManager.get_schema()
    if db_session.bind.dialect.name == "postgresql":
        assert db_session.scalar(select(func.count()).select_from(
            text("information_schema.tables")).where(
            text("table_name LIKE 'procrastinate%'"))) == 4
