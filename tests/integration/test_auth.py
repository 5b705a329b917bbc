"""Sign-in, throttling and lock-out, CSRF, set-password links, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.concurrency import statuses, together
from tests.factories import PASSWORD
from tests.helpers import csrf_token, error_summary, page, post_form, sign_in
from tracker import create_app
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import AuditEvent, PasswordLink, SignInFailure, User, utcnow
from tracker.services import auth as auth_service

EDI = "edi.lead@testshire.example.org"


@pytest.fixture
def lead(factories) -> User:
    """An EDI lead of a new organisation, signing in as EDI with PASSWORD."""
    return factories.member(role=Role.EDI_LEAD, email=EDI, name="Esther Lead")


def test_sign_out_ends_the_session_on_the_server(app, client, lead):
    """A copy of the session cookie taken before signing out no longer signs anyone in, even
    after the owner signs in again."""
    sign_in(client, EDI, PASSWORD)
    copied = client.get_cookie("session").value
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 302
    sign_in(client, EDI, PASSWORD)
    assert client.get("/").status_code == 200
    assert thief.get("/").status_code == 302


def test_signing_out_one_browser_leaves_the_others_signed_in(app, client, lead):
    other = app.test_client()
    sign_in(client, EDI, PASSWORD)
    sign_in(other, EDI, PASSWORD)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 200


def test_sign_in_with_any_case_email_and_sign_out(app, client, lead):
    response = sign_in(client, "EDI.Lead@Testshire.Example.org", PASSWORD)
    assert response.status_code == 302
    assert "Your organisations" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_gets_a_clear_message_and_counts_a_failure(app, client, lead):
    response = sign_in(client, EDI, "not-the-password")
    assert response.status_code == 200
    assert error_summary(response) == ["Enter a correct email address and password"]
    assert page(response).title.string.startswith("Error: Sign in")
    assert lead.failed_logins == 1
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_message(client, lead):
    response = sign_in(client, "nobody@example.org", "whatever-password")
    assert error_summary(response) == ["Enter a correct email address and password"]


def test_empty_form_says_what_is_missing(client, lead):
    response = post_form(client, "/sign-in", {"email": "", "password": ""})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter your email address", "Enter your password"]


def _client_at(app, address: str):
    """A new client at another address than the owner's (127.0.0.1)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _stranger(app):
    """A client at a stranger's address, with no cookie of theirs."""
    return _client_at(app, "203.0.113.66")


def test_repeated_failures_slow_the_account_then_lock_the_client_out(
        app, client, lead, db_session, frozen_clock):
    stranger = _stranger(app)
    for _ in range(3):
        sign_in(stranger, EDI, "wrong-password-1")
    # The 4th attempt comes too soon: it is not even checked, even with the right password.
    response = sign_in(stranger, EDI, PASSWORD)
    assert response.status_code == 200
    assert error_summary(response) == ["Enter a correct email address and password"]
    assert lead.failed_logins == 3
    # Once the wait has passed, fail twice more: that client is locked out of the account.
    for attempt in range(2):
        frozen_clock.shift(timedelta(minutes=5))
        response = sign_in(stranger, EDI, f"wrong-password-{attempt}")
    assert lead.locked_until is not None
    failure = db_session.scalar(db.select(SignInFailure).filter_by(user_id=lead.id))
    assert (failure.client, failure.failures) == ("203.0.113.66", 5)
    assert db_session.scalar(db.select(AuditEvent).filter_by(action="locked")) is not None
    # Locked: even the right password is refused from there, with the same message.
    frozen_clock.shift(timedelta(minutes=5))
    response = sign_in(stranger, EDI, PASSWORD)
    assert error_summary(response) == ["Enter a correct email address and password"]
    assert stranger.get("/").status_code == 302
    # The owner, elsewhere, is not locked out.
    assert sign_in(client, EDI, PASSWORD).status_code == 302
    assert lead.failed_logins == 0
    # When the lock has run out (15 minutes), the stranger's address may try again.
    frozen_clock.shift(timedelta(minutes=11))
    assert sign_in(stranger, EDI, PASSWORD).status_code == 302


def test_a_stranger_cannot_keep_the_owner_out(app, client, lead, db_session, frozen_clock):
    """Wrong passwords from many addresses slow the account down, but never the browser the
    owner signed in with before, and never for more than a minute."""
    assert sign_in(client, EDI, PASSWORD).status_code == 302  # the owner's usual browser
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    for number in range(12):
        frozen_clock.shift(timedelta(seconds=61))
        sign_in(_client_at(app, f"198.51.100.{number}"), EDI, "guessing-the-password")
    assert lead.failed_logins == 12
    # The owner's browser signs in at once, straight after the stranger's last try.
    assert sign_in(client, EDI, PASSWORD).status_code == 302
    # A new browser of the owner's waits a minute at most after the stranger's last try.
    for number in range(12):
        frozen_clock.shift(timedelta(seconds=61))
        sign_in(_client_at(app, f"198.51.100.{number}"), EDI, "guessing-again")
    new_browser = app.test_client()
    assert sign_in(new_browser, EDI, PASSWORD).status_code == 200
    frozen_clock.shift(timedelta(seconds=60))
    assert sign_in(new_browser, EDI, PASSWORD).status_code == 302


def test_a_made_up_known_device_cookie_counts_for_nothing(app, lead, frozen_clock):
    stranger = _stranger(app)
    for _ in range(3):
        sign_in(stranger, EDI, "wrong-password")
    forger = app.test_client()
    forger.set_cookie("known_device", f"[{lead.id}]")
    assert sign_in(forger, EDI, PASSWORD).status_code == 200  # slowed down like anyone


def _hashes_verified(app) -> int:
    return sum(app.extensions["password_hasher"].verified.values())


def _refusals(app, lead, db_session, frozen_clock):
    """Sign in as each kind of refused account; return (kind, message) for each."""
    db_session.add(User(email="gone@testshire.example.org", name="Gone",
                        password_hash=lead.password_hash, is_active_account=False))
    throttled = User(email="slow@testshire.example.org", name="Slow",
                     password_hash=lead.password_hash, failed_logins=3,
                     last_failed_login_at=utcnow())
    locked = User(email="locked@testshire.example.org", name="Locked",
                  password_hash=lead.password_hash)
    db_session.add_all([throttled, locked])
    db_session.flush()
    db_session.add(SignInFailure(user_id=locked.id, client="127.0.0.1", failures=5,
                                 locked_until=utcnow() + timedelta(minutes=10)))
    attempts = {
        "wrong password": (EDI, "not-the-password"),
        "unknown": ("nobody@testshire.example.org", PASSWORD),
        "deactivated": ("gone@testshire.example.org", PASSWORD),
        "slowed down": ("slow@testshire.example.org", PASSWORD),
        "locked out": ("locked@testshire.example.org", PASSWORD),
    }
    answers = {}
    for kind, (email, password) in attempts.items():
        before = _hashes_verified(app)
        response = sign_in(app.test_client(), email, password)
        answers[kind] = (response.status_code, error_summary(response),
                         _hashes_verified(app) - before)
    return answers


def test_every_refusal_gets_the_same_answer_and_verifies_one_hash(
        app, lead, db_session, frozen_clock):
    """Unknown, deactivated, slowed-down and locked-out accounts answer as a wrong password
    does, and each verifies one password hash, so none answers faster (8 ms against 175 ms)."""
    answers = _refusals(app, lead, db_session, frozen_clock)
    assert answers == {kind: (200, ["Enter a correct email address and password"], 1)
                       for kind in answers}, answers


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, lead, db_session):
    response = client.post("/sign-in", data={"email": EDI, "password": "wrong"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert lead.failed_logins == 0
    sign_in(client, EDI, PASSWORD)
    response = client.post(f"/org/{lead.memberships[0].organisation.slug}/people",
                           data={"email": "new@example.org", "name": "New", "role": "viewer"})
    assert response.status_code == 400
    assert db_session.scalar(db.select(User).filter_by(email="new@example.org")) is None


def test_session_is_renewed_on_sign_in(client, lead):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, EDI, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("target, expected", [
    ("/org/testshire", "/org/testshire"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
])
def test_next_only_follows_local_addresses(client, lead, target, expected):
    token = csrf_token(client, "/sign-in")
    response = client.post(f"/sign-in?next={target}",
                           data={"csrf_token": token, "email": EDI,
                                 "password": PASSWORD})
    assert response.headers["Location"] == expected


def _issue_link(app, factories, email=EDI, hours=72, now=None):
    admin_id = factories.administrator().id
    with app.app_context():
        admin = db.session.get(User, admin_id)
        user = db.session.scalar(db.select(User).filter_by(email=email))
        token = auth_service.issue_password_link(actor=admin, user=user,
                                                 now=now or utcnow(), hours=hours)
        db.session.commit()
        return token


def test_administrator_issues_a_link_shown_on_screen(app, client_for, factories, lead):
    admin = client_for(factories.administrator())
    user_id = lead.id
    token = csrf_token(admin, f"/admin/users/{user_id}")
    response = admin.post(f"/admin/users/{user_id}/password-link", data={"csrf_token": token})
    assert response.status_code == 200
    link = page(response).find(id="password-link").get_text(strip=True)
    assert "/set-password/" in link
    path = link[link.index("/set-password/"):]
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200


def test_link_sets_password_unlocks_and_works_once(app, client, lead, factories):
    lead.locked_until = utcnow() + timedelta(minutes=10)
    lead.failed_logins = 5
    token = _issue_link(app, factories)
    response = post_form(client, f"/set-password/{token}",
                         {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert sign_in(client, EDI, "a brand new passphrase").status_code == 302
    other = app.test_client()
    response = other.get(f"/set-password/{token}")
    assert response.status_code == 410
    assert "This link has already been used" in response.get_data(as_text=True)


def test_expired_link_gets_a_clear_message_and_changes_nothing(app, client, lead, factories):
    token = _issue_link(app, factories, now=utcnow() - timedelta(hours=73))
    before = lead.password_hash
    response = client.get(f"/set-password/{token}")
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    response = client.post(f"/set-password/{token}",
                           data={"password": "another long passphrase",
                                 "confirm": "another long passphrase"})
    assert response.status_code in (400, 410)
    assert lead.password_hash == before


def test_unknown_link(client, lead):
    response = client.get("/set-password/not-a-token")
    assert response.status_code == 410
    assert "This link is not valid" in response.get_data(as_text=True)


def test_link_refuses_short_or_mismatched_passwords(app, client, lead, factories, db_session):
    token = _issue_link(app, factories)
    response = post_form(client, f"/set-password/{token}", {"password": "short", "confirm": "x"})
    assert response.status_code == 400
    assert error_summary(response) == ["Password must be 12 characters or more",
                                       "Passwords must match"]
    assert db_session.scalar(db.select(PasswordLink.used_at)) is None


def test_new_password_signs_out_other_sessions(app, client, lead, factories):
    sign_in(client, EDI, PASSWORD)
    assert client.get("/").status_code == 200
    token = _issue_link(app, factories)
    other = app.test_client()
    post_form(other, f"/set-password/{token}",
              {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert client.get("/").status_code == 302


def test_a_new_link_revokes_the_earlier_unused_ones(app, client, lead, factories, db_session):
    first = _issue_link(app, factories)
    second = _issue_link(app, factories)
    response = client.get(f"/set-password/{first}")
    assert response.status_code == 410
    assert "This link has been replaced by a newer one" in response.get_data(as_text=True)
    response = client.post(f"/set-password/{first}",
                           data={"csrf_token": csrf_token(client, f"/set-password/{second}"),
                                 "password": "a brand new passphrase",
                                 "confirm": "a brand new passphrase"})
    assert response.status_code == 410
    assert client.get(f"/set-password/{second}").status_code == 200
    assert post_form(client, f"/set-password/{second}",
                     {"password": "a brand new passphrase",
                      "confirm": "a brand new passphrase"}).status_code == 302
    assert sign_in(client, EDI, "a brand new passphrase").status_code == 302


def test_deactivated_account_cannot_sign_in_and_is_signed_out(client, lead):
    sign_in(client, EDI, PASSWORD)
    lead.is_active_account = False
    assert client.get("/").status_code == 302
    response = sign_in(client, EDI, PASSWORD)
    assert error_summary(response) == ["Enter a correct email address and password"]


@pytest.fixture
def limited_app(app):
    """The application with its per-client limits on (the suite's settings turn them off)."""
    limited = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute",
                         SET_PASSWORD_RATE_LIMIT="2 per minute")
    yield limited
    with limited.app_context():
        db.engine.dispose()


@pytest.mark.usefixtures("committed_db")
def test_each_client_may_send_the_forms_only_so_often(limited_app, lead, db_session):
    db_session.commit()
    client = limited_app.test_client()
    answers = [sign_in(client, "nobody@example.org", "whatever-password").status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    response = sign_in(client, EDI, PASSWORD)
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)
    # Another client is counted on its own: the owner signs in.
    assert sign_in(_client_at(limited_app, "192.0.2.10"), EDI, PASSWORD).status_code == 302
    token = csrf_token(client, "/sign-in")
    answers = [client.post("/set-password/not-a-token", data={"csrf_token": token}).status_code
               for _ in range(3)]
    assert answers == [410, 410, 429]


@pytest.mark.usefixtures("committed_db")
def test_simultaneous_wrong_passwords_are_counted_one_at_a_time(app, lead, db_session):
    """40 simultaneous wrong passwords checked 12 (the policy allows 3) and stored 3: each
    attempt is counted and checked only while the policy allows."""
    db_session.commit()
    clients = [_client_at(app, f"198.51.100.{number}") for number in range(8)]
    tokens = [csrf_token(client, "/sign-in") for client in clients]
    checked_before = app.extensions["password_hasher"].verified["account"]
    results = together([
        lambda client=client, token=token: client.post(
            "/sign-in", data={"csrf_token": token, "email": EDI, "password": "wrong-password"})
        for client, token in zip(clients, tokens, strict=True)])
    assert statuses(results) == {200: 8}
    db_session.expire_all()
    assert db_session.get(User, lead.id).failed_logins == 3
    assert app.extensions["password_hasher"].verified["account"] - checked_before == 3
