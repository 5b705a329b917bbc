"""Logs a service owner can use: one JSON line per request, errors with their traceback, and
Sentry when SENTRY_DSN is set (tracker/observability.py)."""

from __future__ import annotations

import gzip
import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tracker import create_app
from tracker.domain.roles import Role
from tracker.observability import json_formatter, request_id_from


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracker.requests"]


def _as_json(record: logging.LogRecord) -> dict:
    line = json_formatter().format(record)
    assert "\n" not in line  # one line a record, whatever it holds
    return json.loads(line)


def test_each_request_writes_one_json_line_with_who_where_and_how_long(
        factories, client_for, caplog):
    lead = factories.member(role=Role.EDI_LEAD)
    slug = lead.memberships[0].organisation.slug
    client = client_for(lead)
    caplog.clear()
    response = client.get(f"/org/{slug}/people")
    assert response.status_code == 200
    [record] = _request_lines(caplog)
    line = _as_json(record)
    assert line["level"] == "INFO" and line["logger"] == "tracker.requests"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32  # made here: the client sent none
    assert line["user_id"] == lead.id
    assert line["organisation"] == slug
    assert line["endpoint"] == "orgs.members"
    assert line["method"] == "GET"
    assert line["path"] == f"/org/{slug}/people"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")  # UTC


def test_an_anonymous_request_and_a_sign_in_say_who_they_were(factories, client, caplog):
    user = factories.user()
    client.get("/sign-in")
    [anonymous] = _request_lines(caplog)
    assert anonymous.user_id is None and anonymous.organisation is None
    assert anonymous.endpoint == "auth.sign_in" and anonymous.status == 200
    caplog.clear()
    from tests.factories import PASSWORD
    from tests.helpers import sign_in

    assert sign_in(client, user.email, PASSWORD).status_code == 302
    *form, signed_in = _request_lines(caplog)  # the helper reads the form, then sends it
    assert all(line.user_id is None for line in form)
    assert signed_in.user_id == user.id and signed_in.method == "POST"
    assert signed_in.status == 302


def test_a_page_that_does_not_exist_is_logged_with_its_status(client, caplog):
    response = client.get("/org/nowhere/people")
    [record] = _request_lines(caplog)
    assert record.status == response.status_code
    assert record.organisation == "nowhere"


@pytest.mark.parametrize("incoming", [
    "0f8fd1c2-6a3b-4c1e-9a51-1f7d3a5e9b20",  # a UUID, as load balancers send
    "Root=1-67891233-abcdef012345678912345678",  # an AWS trace id
])
def test_a_sane_incoming_request_id_is_kept(client, caplog, incoming):
    response = client.get("/sign-in", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    assert _request_lines(caplog)[0].request_id == incoming


@pytest.mark.parametrize("incoming", [
    "", "short", "x" * 129, "id with spaces", "tab\tinside-1234", "semi;colon-12345", "<script>",
    "naïve-id-1234", "../../etc/passwd-0000",
])
def test_an_odd_incoming_request_id_is_replaced(client, caplog, incoming):
    response = client.get("/sign-in", headers={"X-Request-ID": incoming})
    made = response.headers["X-Request-ID"]
    assert made != incoming and len(made) == 32 and int(made, 16) >= 0
    assert _request_lines(caplog)[0].request_id == made


def test_outside_the_tests_the_lines_go_to_standard_error_as_json(app, capsys):
    served = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        LOG_TO_STDERR=True)
    tracker_logger = logging.getLogger("tracker")
    added = [h for h in tracker_logger.handlers if type(h).__name__ == "_StandardError"]
    try:
        assert len(added) == 1
        create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                   LOG_TO_STDERR=True)  # a second app adds no second handler
        assert [h for h in tracker_logger.handlers if type(h).__name__ == "_StandardError"] == added
        capsys.readouterr()
        response = served.test_client().get("/sign-in")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                 if line.startswith("{")]
    finally:
        for handler in added:
            tracker_logger.removeHandler(handler)
    [line] = [line for line in lines if line["logger"] == "tracker.requests"]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["endpoint"] == "auth.sign_in" and line["status"] == 200
    assert line["message"] == "GET /sign-in 200"


def test_request_ids_made_here_differ():
    assert len({request_id_from(None) for _ in range(100)}) == 100


def _exploding_app(app, **config):
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       PROPAGATE_EXCEPTIONS=False, **config)

    def explode():
        raise RuntimeError("boom")

    explode._guard = "public"
    fresh.add_url_rule("/explode-for-test", "explode_for_test", explode)
    return fresh


def test_an_error_is_logged_as_json_with_its_traceback_and_request_id(app, caplog):
    response = _exploding_app(app).test_client().get(
        "/explode-for-test", headers={"X-Request-ID": "trace-0123456789"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-0123456789"
    [error] = [r for r in caplog.records if r.name == "tracker" and r.levelname == "ERROR"]
    line = _as_json(error)
    assert line["request_id"] == "trace-0123456789"
    assert "Traceback (most recent call last)" in line["exc_info"]
    assert 'raise RuntimeError("boom")' in line["exc_info"]
    [request_line] = _request_lines(caplog)
    assert request_line.status == 500 and request_line.request_id == "trace-0123456789"


def test_without_sentry_dsn_nothing_is_reported(app):
    import sentry_sdk

    create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    assert not sentry_sdk.get_client().is_active()


class _Collector(BaseHTTPRequestHandler):
    """A Sentry ingestion endpoint on loopback: keeps what it is sent."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_collector():
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Collector.received
    import sentry_sdk

    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init()  # no DSN: the rest of the suite reports nothing
    server.shutdown()
    server.server_close()
    thread.join()


def test_with_sentry_dsn_errors_are_reported_without_personal_data(app, sentry_collector):
    import sentry_sdk

    server, received = sentry_collector
    secret = uuid.uuid4().hex
    fresh = _exploding_app(app, SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42",
                           SENTRY_ENVIRONMENT="test")
    assert sentry_sdk.get_client().is_active()
    assert not sentry_sdk.get_client().should_send_default_pii()
    client = fresh.test_client()
    client.set_cookie("remember_token", secret)
    response = client.get("/explode-for-test", headers={"X-Request-ID": "sentry-test-00000001",
                                                        "Authorization": f"Bearer {secret}"})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)
    envelopes = [body for path, body in received if path == "/api/42/envelope/"]
    assert envelopes, f"Sentry sent nothing to the loopback server: {received!r}"
    event = json.loads([line for line in envelopes[0].split(b"\n") if b'"exception"' in line][0])
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "boom"
    assert event["tags"]["request_id"] == "sentry-test-00000001"
    assert event["environment"] == "test"
    assert event["request"]["url"].endswith("/explode-for-test")
    everything = b"".join(envelopes)
    assert secret.encode() not in everything  # no cookies, no credentials
    assert "user" not in event or "ip_address" not in event["user"]
