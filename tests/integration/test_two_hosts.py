"""Two app servers on one database behave as one (README, *Deploying*).

Each "host" is gunicorn with the project's gunicorn.conf.py (the app preloaded in the master,
2 workers each), production settings over plain HTTP on 127.0.0.1, both on the test's
database (SQLite in the suite, the PostgreSQL cluster in `make test`) with one SECRET_KEY.
Their sign-in limits are counted in one Redis (scripts/redis-test-server.sh; `make test`
starts it and gives TEST_REDIS_URL). Two job workers (`flask tracker worker`) run on the
PostgreSQL cluster as a deployment's would.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from tests.factories import PASSWORD
from tests.integration.test_reminders import Inbox
from tracker.domain.notifications import EmailStatus
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import ChartImage, OutgoingEmail
from tracker.services import mail

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("committed_db")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _host(database_url: str, secret_key: str, **settings: str) -> Iterator[str]:
    """Serve the app under gunicorn as one host would; yield its base URL."""
    port = _free_port()
    env = {**os.environ, "TRACKER_CONFIG": "production", "SECRET_KEY": secret_key,
           "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": "false", "HSTS": "false",
           "TRUSTED_PROXIES": "0", "LOG_LEVEL": "WARNING", **settings}
    env.pop("TEST_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr \
                    else "gunicorn stopped"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: its cookies go to whichever host it asks."""

    def __init__(self):
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(
            self.cookies), _NoRedirect())

    def get(self, url: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        return self._open(urllib.request.Request(url, headers=headers or {}))

    def post(self, url: str, fields: dict, token_from: str) -> int:
        _, html, _ = self.get(token_from)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token, f"no form on {token_from}"
        body = urllib.parse.urlencode({"csrf_token": token.group(1).decode(), **fields})
        return self._open(urllib.request.Request(url, body.encode()))[0]

    def _open(self, request) -> tuple[int, bytes, dict]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)


@pytest.fixture
def two_hosts(app) -> Iterator[tuple[str, str]]:
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    secret = secrets.token_urlsafe(48)
    with _host(url, secret) as first, _host(url, secret) as second:
        yield first, second


@pytest.fixture
def council(factories, db_session) -> dict:
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    cycle = factories.cycle(organisation=org)
    factories.dataset(cycle=cycle)
    db_session.commit()
    return {"email": lead.email, "org": f"/org/{org.slug}",
            "chart": f"/org/{org.slug}/cycles/{cycle.label}/indicators/chart.svg"}


def test_a_session_made_on_one_host_is_valid_on_the_other(two_hosts, council):
    first, second = two_hosts
    browser = Browser()
    assert browser.post(first + "/sign-in", {"email": council["email"], "password": PASSWORD},
                        token_from=first + "/sign-in") == 302
    for base in (first, second, first, second):  # each host's two workers
        assert browser.get(base + council["org"])[0] == 200
    # Signing out on the second host ends the session on the first too.
    assert browser.post(second + "/sign-out", {}, token_from=second + council["org"]) == 302
    status, _, headers = browser.get(first + council["org"])
    assert status == 302 and "/sign-in" in headers["Location"]


def test_a_chart_drawn_on_one_host_is_the_one_the_other_serves(two_hosts, council,
                                                                 db_session):
    first, second = two_hosts
    browser = Browser()
    browser.post(first + "/sign-in", {"email": council["email"], "password": PASSWORD},
                 token_from=first + "/sign-in")
    status, drawn, headers = browser.get(first + council["chart"])
    assert status == 200 and drawn.startswith(b"<?xml")
    status, served, other = browser.get(second + council["chart"])
    assert status == 200 and served == drawn and other["ETag"] == headers["ETag"]
    assert browser.get(second + council["chart"], {"If-None-Match": headers["ETag"]})[0] == 304
    db_session.commit()  # a transaction begun since, so that it sees what the hosts committed
    assert db_session.scalar(select(func.count()).select_from(ChartImage)) == 1


def test_the_app_is_frozen_out_of_the_collector_once_built(app):
    """wsgi.py freezes what start-up made (gc.freeze), so the collector never walks it."""
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "TRACKER_CONFIG": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count(), "
                               "len(gc.get_objects()))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    frozen, tracked = map(int, result.stdout.split())
    assert frozen > 100_000 and tracked < frozen / 10


# Sign-in limits: one count for every host, in Redis --------------------------------------------


@pytest.fixture
def redis_url(tmp_path_factory) -> Iterator[str]:
    """The Redis `make test` started (TEST_REDIS_URL), or one of this test's own."""
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
        return
    directory = tmp_path_factory.mktemp("redis") / "server"
    script = str(ROOT / "scripts" / "redis-test-server.sh")
    subprocess.run(["bash", script, "start", str(directory)], check=True, capture_output=True)
    try:
        yield subprocess.run(["bash", script, "url", str(directory)], check=True,
                             capture_output=True, text=True).stdout.strip()
    finally:
        subprocess.run(["bash", script, "stop", str(directory)], check=True)


def test_the_sign_in_limit_is_one_count_across_both_hosts(app, redis_url):
    import redis

    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    secret, prefix = secrets.token_urlsafe(48), f"test-{secrets.token_hex(6)}"
    limits = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix,
              "SIGN_IN_RATE_LIMIT": "4 per day"}  # a fixed window: no new one mid-test
    with _host(url, secret, **limits) as first, _host(url, secret, **limits) as second:
        browser = Browser()
        answers = [browser.post(host + "/sign-in", {"email": "nobody@example.org",
                                                    "password": "not-a-password"},
                                token_from=host + "/sign-in")
                   for host in (first, second, first, second, first, second)]
    # Four tries in all, on either host (and either of its two workers), then no more
    assert answers == [200, 200, 200, 200, 429, 429]
    counted = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
    assert counted, "the counts are kept in Redis"


# Jobs: two workers, each job once --------------------------------------------------------------


@contextmanager
def _workers(database_url: str, count: int, **settings: str) -> Iterator[list]:
    """Run `flask tracker worker` processes as a deployment would (until stopped)."""
    env = {**os.environ, "TRACKER_CONFIG": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "DATABASE_URL": database_url, "FLASK_APP": "tracker", "LOG_LEVEL": "DEBUG",
           **settings}
    env.pop("TEST_DATABASE_URL", None)
    flask = str(Path(sys.executable).parent / "flask")
    logs = [tempfile.TemporaryFile() for _ in range(count)]
    processes = [subprocess.Popen([flask, "tracker", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log) for log in logs]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()  # a worker stops cleanly on SIGTERM
        for process, log in zip(processes, logs, strict=True):
            process.wait(timeout=60)
            log.seek(0)
            process.log = [json.loads(line) for line in log.read().decode().splitlines()
                           if line.startswith("{")]
            log.close()


def _until(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.2)


def test_two_workers_send_each_email_once_and_defer_each_daily_run_once(
        app, factories, db_session):
    """Two `flask tracker worker` processes on one PostgreSQL: each queued e-mail is sent once
    (a job is fetched by one worker only, and a message is claimed by one run), and each
    periodic daily run is deferred by one worker (procrastinate's periodic locks), the other
    finding it deferred. On SQLite there is no job queue to share: the worker refuses."""
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    if not url.startswith("postgresql"):
        results = [subprocess.run([str(Path(sys.executable).parent / "flask"), "tracker",
                                   "worker", "--until-idle"], cwd=ROOT, capture_output=True,
                                  text=True, env={**os.environ, "FLASK_APP": "tracker",
                                                  "TRACKER_CONFIG": "production",
                                                  "SECRET_KEY": secrets.token_urlsafe(48),
                                                  "DATABASE_URL": url})
                   for _ in range(2)]
        assert [r.returncode for r in results] == [2, 2]
        assert all("the worker is for PostgreSQL" in r.stderr for r in results)
        return
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    server.start()
    lead = factories.member(role=Role.EDI_LEAD)
    owner = factories.member(role=Role.ACTION_OWNER, organisation=lead.memberships[0].organisation)
    factories.action(plan__cycle__organisation=lead.memberships[0].organisation, owner=owner,
                     title="Mentoring scheme", due_date=datetime.now(UTC).date())
    db_session.commit()
    address = owner.email
    db_session.commit()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(server.port),
                "PUBLIC_BASE_URL": "https://tracker.example.org",
                "REMINDERS_CRON": "* * * * * */5", "JOBS_CONCURRENCY": "4"}  # every 5 s
    saved = app.config["JOBS_RUNNER"]
    try:
        with _workers(url, 2, **settings) as workers:
            _until(lambda: _worker_rows(db_session) >= 2)  # both are up, listening
            app.config["JOBS_RUNNER"] = "procrastinate"  # this process only queues the jobs
            with app.app_context():
                for n in range(40):
                    mail.queue_email(user=None, recipient=f"person{n}@example.org",
                                     kind="mention", message=mail.RenderedEmail(
                                         subject=f"Message {n}", text=f"Body {n}",
                                         html=f"<p>Body {n}</p>"))
                db.session.commit()
            _until(lambda: len(inbox.messages) >= 41 and inbox.to(address))
            # Two more of the daily run's ticks with both workers up: both tried each of them
            # (procrastinate keeps only each task's latest defer)
            first = _latest_daily_run(db_session)
            _until(lambda: _latest_daily_run(db_session) >= first + 10)
    finally:
        app.config["JOBS_RUNNER"] = saved
        server.stop()
    sent = Counter((m["To"], m["Subject"]) for m in inbox.messages)
    assert {n for n in sent.values()} == {1}, sent
    assert len(sent) == 41 and len(inbox.to(address)) == 1
    rows = db_session.execute(select(OutgoingEmail.status, OutgoingEmail.attempts)).all()
    db_session.commit()
    assert set(rows) == {(EmailStatus.SENT, 1)} and len(rows) == 41
    deferred = Counter(_defers(workers, "periodic_task_deferred"))
    skipped = Counter(_defers(workers, "periodic_task_already_deferred"))
    assert len(deferred) >= 3 and set(deferred.values()) == {1}, deferred  # each run once
    assert set(skipped) & set(deferred), skipped  # the other worker found it deferred


def _worker_rows(db_session) -> int:
    count = db_session.scalar(text("SELECT count(*) FROM procrastinate_workers"))
    db_session.commit()
    return count


def _defers(workers, action: str) -> list[tuple[str, int]]:
    """(task, timestamp) of each periodic run a worker's log says it deferred, or skipped."""
    return [(record["task_name"], record["defer_timestamp"]) for worker in workers
            for record in getattr(worker, "log", []) if record.get("action") == action
            and record.get("task_name") == "daily_emails"]


def _latest_daily_run(db_session) -> int:
    latest = db_session.scalar(text("SELECT max(defer_timestamp) FROM procrastinate_periodic_defers"
                                    " WHERE task_name = 'daily_emails'"))
    db_session.commit()
    return latest or 0
