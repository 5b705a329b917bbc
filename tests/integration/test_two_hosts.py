"""Two app servers on one database behave as one (README, *Deploying*).

Each "host" is gunicorn with the project's gunicorn.conf.py (the app preloaded in the master,
2 workers each), production settings over plain HTTP on 127.0.0.1, both on the test's
database (SQLite in the suite, the PostgreSQL cluster in `make test`) with one SECRET_KEY.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import ChartImage

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("committed_db")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _host(database_url: str, secret_key: str) -> Iterator[str]:
    """Serve the app under gunicorn as one host would; yield its base URL."""
    port = _free_port()
    env = {**os.environ, "TRACKER_CONFIG": "production", "SECRET_KEY": secret_key,
           "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": "false", "HSTS": "false",
           "TRUSTED_PROXIES": "0", "LOG_LEVEL": "WARNING"}
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
