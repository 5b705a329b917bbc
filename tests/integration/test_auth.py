"""Sign-in, throttling and lock-out, CSRF, set-password links, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import csrf_token, error_summary, page, post_form, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, PasswordLink, User, utcnow
from tracker.services import auth as auth_service

EDI = "edi.lead@northshire.example.org"


def _user(app, email=EDI) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        db.session.expunge(user)
        return user


def test_sign_in_with_any_case_email_and_sign_out(app, client, demo):
    response = sign_in(client, "EDI.Lead@Northshire.Example.org")
    assert response.status_code == 302
    assert "Your organisations" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_gets_a_clear_message_and_counts_a_failure(app, client, demo):
    response = sign_in(client, EDI, "not-the-password")
    assert response.status_code == 200
    assert error_summary(response) == ["Enter a correct email address and password"]
    assert page(response).title.string.startswith("Error: Sign in")
    assert _user(app).failed_logins == 1
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_message(client, demo):
    response = sign_in(client, "nobody@example.org", "whatever-password")
    assert error_summary(response) == ["Enter a correct email address and password"]


def test_empty_form_says_what_is_missing(client, demo):
    response = post_form(client, "/sign-in", {"email": "", "password": ""})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter your email address", "Enter your password"]


def test_repeated_failures_slow_then_lock_the_account(app, client, demo):
    for _ in range(3):
        sign_in(client, EDI, "wrong-password-1")
    # The 4th attempt comes too soon: it is not even checked, even with the right password.
    response = sign_in(client, EDI)
    assert response.status_code == 200
    assert "Too many wrong passwords. Wait until" in error_summary(response)[0]
    assert _user(app).failed_logins == 3

    # Pretend the wait has passed, then fail twice more: the account locks.
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=EDI))
        for attempt in range(2):
            user.last_failed_login_at = utcnow() - timedelta(minutes=5)
            db.session.commit()
            response = sign_in(client, EDI, f"wrong-password-{attempt}")
            db.session.refresh(user)
        assert user.locked_until is not None
        assert "locked" in error_summary(response)[0]
        # Locked: even the right password is refused, with the reason.
        response = sign_in(client, EDI)
        assert "This account is locked after 5 wrong passwords" in error_summary(response)[0]
        assert client.get("/").status_code == 302
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="locked")) is not None
        # When the lock has run out, the right password works again.
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert sign_in(client, EDI).status_code == 302
    assert _user(app).failed_logins == 0


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, demo):
    response = client.post("/sign-in", data={"email": EDI, "password": "wrong"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert _user(app).failed_logins == 0
    sign_in(client, EDI)
    response = client.post("/org/northshire/people",
                           data={"email": "new@example.org", "name": "New", "role": "viewer"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email="new@example.org")) is None


def test_session_is_renewed_on_sign_in(client, demo):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, EDI)
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("target, expected", [
    ("/org/northshire", "/org/northshire"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
])
def test_next_only_follows_local_addresses(client, demo, target, expected):
    token = csrf_token(client, "/sign-in")
    response = client.post(f"/sign-in?next={target}",
                           data={"csrf_token": token, "email": EDI,
                                 "password": "demo-password-2026"})
    assert response.headers["Location"] == expected


def _issue_link(app, email=EDI, hours=72, now=None):
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(email="admin@example.org"))
        user = db.session.scalar(db.select(User).filter_by(email=email))
        token = auth_service.issue_password_link(actor=admin, user=user,
                                                 now=now or utcnow(), hours=hours)
        db.session.commit()
        return token


def test_administrator_issues_a_link_shown_on_screen(app, client_as):
    admin = client_as("administrator")
    user_id = _user(app).id
    token = csrf_token(admin, f"/admin/users/{user_id}")
    response = admin.post(f"/admin/users/{user_id}/password-link", data={"csrf_token": token})
    assert response.status_code == 200
    link = page(response).find(id="password-link").get_text(strip=True)
    assert "/set-password/" in link
    path = link[link.index("/set-password/"):]
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200


def test_link_sets_password_unlocks_and_works_once(app, client, demo):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=EDI))
        user.locked_until = utcnow() + timedelta(minutes=10)
        user.failed_logins = 5
        db.session.commit()
    token = _issue_link(app)
    response = post_form(client, f"/set-password/{token}",
                         {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert sign_in(client, EDI, "a brand new passphrase").status_code == 302
    other = app.test_client()
    response = other.get(f"/set-password/{token}")
    assert response.status_code == 410
    assert "This link has already been used" in response.get_data(as_text=True)


def test_expired_link_gets_a_clear_message_and_changes_nothing(app, client, demo):
    token = _issue_link(app, now=utcnow() - timedelta(hours=73))
    before = _user(app).password_hash
    response = client.get(f"/set-password/{token}")
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    response = client.post(f"/set-password/{token}",
                           data={"password": "another long passphrase",
                                 "confirm": "another long passphrase"})
    assert response.status_code in (400, 410)
    assert _user(app).password_hash == before


def test_unknown_link(client, demo):
    response = client.get("/set-password/not-a-token")
    assert response.status_code == 410
    assert "This link is not valid" in response.get_data(as_text=True)


def test_link_refuses_short_or_mismatched_passwords(app, client, demo):
    token = _issue_link(app)
    response = post_form(client, f"/set-password/{token}", {"password": "short", "confirm": "x"})
    assert response.status_code == 400
    assert error_summary(response) == ["Password must be 12 characters or more",
                                       "Passwords must match"]
    with app.app_context():
        assert db.session.scalar(db.select(PasswordLink.used_at)) is None


def test_new_password_signs_out_other_sessions(app, client, demo):
    sign_in(client, EDI)
    assert client.get("/").status_code == 200
    token = _issue_link(app)
    other = app.test_client()
    post_form(other, f"/set-password/{token}",
              {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert client.get("/").status_code == 302


def test_deactivated_account_cannot_sign_in_and_is_signed_out(app, client, demo):
    sign_in(client, EDI)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=EDI))
        user.is_active_account = False
        db.session.commit()
    assert client.get("/").status_code == 302
    response = sign_in(client, EDI)
    assert error_summary(response) == ["Enter a correct email address and password"]
