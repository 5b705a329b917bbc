"""Configuration classes, chosen by FLASK_ENV-like TRACKER_CONFIG or by create_app()."""

from __future__ import annotations

import math
import os
import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigurationError(RuntimeError):
    """Raised when the environment does not provide what a configuration needs."""


def secret_key_bits(key: str) -> float:
    """An upper estimate of a key's randomness in bits: the smaller of its length times the
    Shannon entropy of its characters, and the size zlib can squeeze it into (which sees
    repeated patterns). `secrets.token_urlsafe(48)` gives about 330; "aaaa..." 0, "0123456789"
    four times about 100."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_character = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    squeezed = 8 * max(0, len(zlib.compress(key.encode(), 9)) - 8)  # less zlib's own framing
    return min(per_character * len(key), squeezed)


MIN_SECRET_KEY_BITS = 128


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs (as hosting platforms give them)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment; safe defaults."""

    SERVICE_NAME = os.environ.get("SERVICE_NAME", "SC-WRES tracker")
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = (
        _database_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else None
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # tokens last as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_int("SESSION_HOURS", 8))
    # A 1,000,000-row staff CSV is about 60 MB; large uploads are checked by a job, so the
    # request only keeps the file (bench/upload_check.py).
    MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_MB", 100) * 1024 * 1024
    # The largest table an upload may hold, bounded while it is read (tracker.domain.tabular).
    UPLOAD_MAX_ROWS = _int("UPLOAD_MAX_ROWS", 1_048_576)
    UPLOAD_MAX_COLUMNS = _int("UPLOAD_MAX_COLUMNS", 1_000)
    UPLOAD_MAX_CELLS = _int("UPLOAD_MAX_CELLS", 30_000_000)
    UPLOAD_MAX_CELL_LENGTH = _int("UPLOAD_MAX_CELL_LENGTH", 32_767)
    # An upload larger than this (its files together, or a CSV's lines) is read and checked by
    # a job while a progress page waits, never inside the request (tracker.domain.upload_checks).
    UPLOAD_BACKGROUND_MB = _int("UPLOAD_BACKGROUND_MB", 5)
    UPLOAD_BACKGROUND_ROWS = _int("UPLOAD_BACKGROUND_ROWS", 50_000)
    HSTS = False
    TRUSTED_PROXIES = 0

    # Sign-in protection (see tracker.domain.signin for the policy itself).
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
    SET_PASSWORD_LINK_HOURS = _int("SET_PASSWORD_LINK_HOURS", 72)
    INVITATION_DAYS = _int("INVITATION_DAYS", 7)  # how long an invitation's link works
    # Per-client limits on the sign-in and set-password forms (tracker/limits.py, Flask-Limiter's
    # notation); the counts live in memory (each process its own) or in Redis (redis://host:6379).
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    # Put before every key the limits keep, so that installations can share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX") or "sc-wres"
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT") or "20 per minute; 200 per hour"
    SET_PASSWORD_RATE_LIMIT = os.environ.get("SET_PASSWORD_RATE_LIMIT") or "10 per minute"
    PASSWORD_HASH_PROFILE = "standard"

    # Indicator engine
    ETHNICITY_MAPPING_FILE = os.environ.get("ETHNICITY_MAPPING_FILE") or None

    DISPLAY_TIMEZONE = "Europe/London"

    # Disclosure control: anything published outside the organisation shows no count of people
    # below this, neither directly nor worked out from the figures beside it.
    DISCLOSURE_THRESHOLD = _int("DISCLOSURE_THRESHOLD", 10)

    # E-mail (notifications, reminders, digests): nothing is sent while MAIL_SERVER is unset.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "SC-WRES tracker <no-reply@localhost>")
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 10)
    # The address people use to reach the tracker, for links in e-mails: https://tracker.example.org
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    # Logs: one JSON line per request, and errors with their traceback (tracker/observability.py).
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    LOG_TO_STDERR = True
    # Error reporting to Sentry (or a service speaking its protocol), only when a DSN is set.
    SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT") or None

    # Work done outside requests (tracker.jobs): "procrastinate" (the queue in PostgreSQL, run by
    # `flask tracker worker`), "thread" (in the web process, after the commit) or "immediate"
    # (in the same thread, after the commit: the test suite). Unset: procrastinate on
    # PostgreSQL, thread on SQLite.
    JOBS_RUNNER = os.environ.get("JOBS_RUNNER") or None
    JOBS_CONCURRENCY = _int("JOBS_CONCURRENCY", 4)
    # When the worker queues the daily reminders and digests (cron syntax, UTC).
    REMINDERS_CRON = os.environ.get("REMINDERS_CRON", "0 6 * * *")
    # How often the worker tries again the e-mails that failed (each waits longer every time).
    MAIL_RETRY_CRON = os.environ.get("MAIL_RETRY_CRON", "*/5 * * * *")
    # The heaviest pages are kept per version of their data and served again until it changes
    # (tracker/kept_pages.py): at most this many bytes of HTML per app process; 0 keeps none.
    KEPT_PAGES_MAX_BYTES = _int("KEPT_PAGES_MAX_BYTES", 64 * 1024 * 1024)

    @classmethod
    def check(cls) -> None:
        """Refuse to run without what this configuration needs."""


class DevelopmentConfig(Config):
    """Local use: embedded SQLite under instance/, a throw-away secret."""

    @classmethod
    def check(cls) -> None:
        url = os.environ.get("DATABASE_URL", "")
        if url and not url.startswith("sqlite") and not os.environ.get("SECRET_KEY"):
            raise ConfigurationError(
                "DATABASE_URL names a database server, but TRACKER_CONFIG is not production and "
                "SECRET_KEY is unset: the development settings would sign sessions with a key "
                "everyone knows. Set TRACKER_CONFIG=production (with its SECRET_KEY) for a real "
                "database.")

    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    STRICT_TEMPLATES = True  # a template that uses an undefined name fails loudly
    SQLALCHEMY_DATABASE_URI = (
        _database_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite3'}"
    )


class TestConfig(Config):
    """The test suite: TEST_DATABASE_URL (PostgreSQL in make test) or in-memory SQLite."""

    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    STRICT_TEMPLATES = True
    SQLALCHEMY_DATABASE_URI = _database_url(
        os.environ.get("TEST_DATABASE_URL") or "sqlite:///:memory:"
    )
    SERVER_NAME = None
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # The suite signs in from one address thousands of times; tests/integration/test_auth.py
    # builds an application with the limits on.
    RATELIMIT_ENABLED = False
    PASSWORD_HASH_PROFILE = "cheapest"  # fast hashes for the suite; never in production
    LOG_TO_STDERR = False  # the tests read the log records themselves
    SENTRY_DSN = None  # a test that wants Sentry passes its own (loopback) DSN
    # Jobs run as soon as their transaction commits; tests/integration/test_jobs.py runs the others.
    JOBS_RUNNER = "immediate"


class ProductionConfig(Config):
    """Production: everything secret comes from the environment; cookies are secure."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    HSTS = _bool("HSTS", True)
    # How many proxies in front of the app set X-Forwarded-* headers (0 when none).
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 1)

    @classmethod
    def check(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise ConfigurationError(
                "The production configuration needs these environment variables: "
                + ", ".join(missing)
            )
        if len(os.environ["SECRET_KEY"]) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters long")
        if secret_key_bits(os.environ["SECRET_KEY"]) < MIN_SECRET_KEY_BITS:
            raise ConfigurationError(
                "SECRET_KEY is too predictable (repeated or too few different characters): make "
                "one with python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
        if os.environ.get("MAIL_SERVER") and not os.environ.get("PUBLIC_BASE_URL", "").strip():
            raise ConfigurationError(
                "MAIL_SERVER is set but PUBLIC_BASE_URL is not: links in e-mails are built only "
                "from PUBLIC_BASE_URL (like https://tracker.example.org), never from a request")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
