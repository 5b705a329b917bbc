"""Configuration, security headers, error pages, health, schema and import contracts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigurationError
from tracker import create_app
from tracker.extensions import db
from tracker.services.auth import hash_password

ROOT = Path(__file__).resolve().parents[2]
KEY = "Qw3-rT9_zLp2Vn8sXc4BmK7hJd1FgA6yUe5iOo0tRqWbNvMlZkHj"  # random enough for production


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_secrets(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@localhost/tracker")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        create_app("production")


def test_production_uses_secure_cookies_and_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", "postgres://tracker@db.internal/tracker")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SECRET_KEY"] == KEY
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://tracker@db.internal/tracker"
    assert app.config["PASSWORD_HASH_PROFILE"] == "standard"


def test_each_app_keeps_its_own_password_cost(app, monkeypatch):
    """Building a production app must not make the suite's (or any other app's) hashes dear."""
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", "postgres://tracker@db.internal/tracker")
    production = create_app("production")
    with production.app_context():
        assert hash_password("a long passphrase").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    with app.app_context():
        assert hash_password("a long passphrase").startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_production_rejects_a_short_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@localhost/tracker")
    with pytest.raises(ConfigurationError, match="32 characters"):
        create_app("production")


def test_security_headers_forbid_inline_script(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)


def test_pages_have_no_inline_script_or_style(client_as):
    html = client_as("edi_lead").get("/org/northshire").get_data(as_text=True)
    assert "<script>" not in html and "<script >" not in html
    assert "style=" not in html


def test_not_found_and_health(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    health = client.get("/health")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": True}


def test_unexpected_error_shows_the_service_problem_page(app):
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       PROPAGATE_EXCEPTIONS=False)

    def explode():
        raise RuntimeError("boom")

    explode._guard = "public"
    fresh.add_url_rule("/explode-for-test", "explode_for_test", explode)
    response = fresh.test_client().get("/explode-for-test")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)


def test_expected_database_backend(app):
    import os

    expected = os.environ.get("EXPECT_DATABASE")
    with app.app_context():
        assert db.engine.dialect.name == (expected or "sqlite")


def test_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_production_refuses_mail_without_public_base_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@localhost/tracker")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        create_app("production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://tracker.example.org")
    assert create_app("production").config["SECRET_KEY"] == KEY  # it starts


@pytest.mark.parametrize("weak", ["a" * 64, "ab" * 32, "0123456789" * 4, "password" * 5])
def test_production_refuses_a_predictable_secret(monkeypatch, weak):
    monkeypatch.setenv("SECRET_KEY", weak)
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@localhost/tracker")
    with pytest.raises(ConfigurationError, match="too predictable"):
        create_app("production")


def test_a_generated_secret_is_accepted():
    import secrets

    from config import MIN_SECRET_KEY_BITS, secret_key_bits

    assert all(secret_key_bits(secrets.token_urlsafe(48)) > 2 * MIN_SECRET_KEY_BITS
               for _ in range(20))
    assert secret_key_bits(secrets.token_hex(32)) > MIN_SECRET_KEY_BITS


def test_the_command_line_refuses_the_development_key_on_a_database_server(monkeypatch):
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@db.internal/tracker")
    with pytest.raises(ConfigurationError, match="TRACKER_CONFIG=production"):
        create_app()
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "tracker",
                             "--help"], cwd=ROOT, capture_output=True, text=True,
                            env={k: v for k, v in os.environ.items()
                                 if k not in ("TRACKER_CONFIG", "SECRET_KEY")}
                            | {"DATABASE_URL": "postgresql://tracker@db.internal/tracker"})
    assert "TRACKER_CONFIG=production" in result.stdout + result.stderr
    # SQLite, the embedded default, keeps the development key; so does a key of one's own
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    assert create_app().config["SECRET_KEY"] == "dev-only-not-secret"
