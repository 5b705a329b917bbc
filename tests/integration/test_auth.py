"""Sign-in, throttling and lock-out, CSRF, set-password links, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import PASSWORD
from tests.helpers import csrf_token, error_summary, page, post_form, sign_in
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import AuditEvent, PasswordLink, User, utcnow
from tracker.services import auth as auth_service

EDI = "edi.lead@testshire.example.org"


@pytest.fixture
def lead(factories) -> User:
    """An EDI lead of a new organisation, signing in as EDI with PASSWORD."""
    return factories.member(role=Role.EDI_LEAD, email=EDI, name="Esther Lead")


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


def test_repeated_failures_slow_then_lock_the_account(client, lead, db_session, frozen_clock):
    for _ in range(3):
        sign_in(client, EDI, "wrong-password-1")
    # The 4th attempt comes too soon: it is not even checked, even with the right password.
    response = sign_in(client, EDI, PASSWORD)
    assert response.status_code == 200
    assert "Too many wrong passwords. Wait until" in error_summary(response)[0]
    assert lead.failed_logins == 3

    # Once the wait has passed, fail twice more: the account locks.
    for attempt in range(2):
        frozen_clock.shift(timedelta(minutes=5))
        response = sign_in(client, EDI, f"wrong-password-{attempt}")
    assert lead.locked_until is not None
    assert "locked" in error_summary(response)[0]
    # Locked: even the right password is refused, with the reason.
    frozen_clock.shift(timedelta(minutes=5))
    response = sign_in(client, EDI, PASSWORD)
    assert "This account is locked after 5 wrong passwords" in error_summary(response)[0]
    assert client.get("/").status_code == 302
    assert db_session.scalar(db.select(AuditEvent).filter_by(action="locked")) is not None
    # When the lock has run out (15 minutes), the right password works again.
    frozen_clock.shift(timedelta(minutes=11))
    assert sign_in(client, EDI, PASSWORD).status_code == 302
    assert lead.failed_logins == 0


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


def test_deactivated_account_cannot_sign_in_and_is_signed_out(client, lead):
    sign_in(client, EDI, PASSWORD)
    lead.is_active_account = False
    assert client.get("/").status_code == 302
    response = sign_in(client, EDI, PASSWORD)
    assert error_summary(response) == ["Enter a correct email address and password"]
