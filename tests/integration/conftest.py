"""App, database, client and factory fixtures for the integration tests (see tests/README.md).

Every test runs inside one database transaction that is rolled back afterwards: the app's own
commits (one per request, the CLI's) become savepoints inside it. Two databases per pytest
worker are migrated once: an empty one (the default, filled by factories) and one holding the
demo (for tests that ask for the `demo` fixture). Tests that need data really committed (a live
server, several connections, a command that commits on its own connection) ask for
`committed_db` instead: no outer transaction, every table emptied afterwards.

The database is SQLite (a file per worker) or, in `make test`, PostgreSQL too (TEST_DATABASE_URL:
each worker makes its own databases next to it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session

from tests import factories as factories_module
from tests.factories import PASSWORD, Factories
from tests.helpers import sign_in
from tracker import create_app
from tracker.extensions import db
from tracker.jobs import is_queue_table
from tracker.kept_pages import forget_kept_pages
from tracker.models import User

# The frozen clock's "now": a Monday morning in June, after the demo's 2024-25 cycle ended.
FROZEN_AT = datetime(2025, 6, 2, 9, 30, tzinfo=ZoneInfo("Europe/London"))


# Databases ----------------------------------------------------------------------------------------


def _postgres_database(base_url: str, name: str) -> str:
    """(Re)create database `name` on the server of `base_url` and return its URL."""
    url = make_url(base_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return _postgres_database(base, f"{make_url(base).database}_{worker_id}_{name}")
    return f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / f'{name}.sqlite3'}"


def _hand_over(session: Session | None) -> None:
    """Let a request (or command) see what the test made: flush it, or with committed_db commit
    it, which also ends the test's read transaction (on SQLite it would block the app's commit)."""
    if session is None:
        return
    if session.info.get("committed_db"):
        session.commit()
    else:
        session.flush()
    if session.info.pop("wrote", False):
        # The test wrote rows itself (factories), past the services and so unaudited: no data
        # version counts them (services/audit.py), so no page kept before may be served again.
        forget_kept_pages()


class TestClient(FlaskClient):
    """A test client that keeps the test's session in step with the app's requests.

    Before each request the test's pending changes are flushed, or committed with committed_db
    (so the request sees them);
    after it, everything the test holds is expired (so the test sees what the request did).
    """

    def open(self, *args, **kwargs):
        _hand_over(factories_module._session)
        session = factories_module._session
        try:
            return super().open(*args, **kwargs)
        finally:
            if session is not None:
                session.expire_all()


class TestCliRunner(FlaskCliRunner):
    """The CLI runner, in step with the test's session as TestClient is."""

    def invoke(self, *args, **kwargs):
        _hand_over(factories_module._session)
        session = factories_module._session
        try:
            return super().invoke(*args, **kwargs)
        finally:
            if session is not None:
                session.expire_all()


def _migrated_app(url: str, *, with_demo: bool = False) -> Flask:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    app.test_client_class = TestClient
    app.test_cli_runner_class = TestCliRunner
    # Bound to the test's connection, the app's sessions commit and roll back savepoints in it
    # (on SQLite the app begins its transactions itself, so SAVEPOINTs work: tracker/__init__.py).
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    with app.app_context():
        upgrade()
        if with_demo:
            from tracker.demo.load import load_demo

            load_demo()
            db.session.commit()
    return app


@pytest.fixture(scope="session")
def _empty_app(tmp_path_factory, worker_id) -> Iterator[Flask]:
    """The app on a freshly migrated, empty database (migrations, not create_all)."""
    app = _migrated_app(_database_url(tmp_path_factory, worker_id, "empty"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _demo_app(tmp_path_factory, worker_id) -> Iterator[Flask]:
    """The app on a migrated database holding the demo, loaded once per worker."""
    app = _migrated_app(_database_url(tmp_path_factory, worker_id, "demo"), with_demo=True)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo() -> None:
    """Ask for the demo's organisations, people, plan and history (read-only for the test)."""


@pytest.fixture
def app(request) -> Flask:
    """The application: on the demo database if the test asks for `demo`, else the empty one."""
    if "demo" in request.fixturenames:
        if "committed_db" in request.fixturenames:
            raise pytest.UsageError("committed_db tests load what they need: not the shared demo")
        return request.getfixturevalue("_demo_app")
    return request.getfixturevalue("_empty_app")


def _truncate_everything(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                tables += [name for name in inspect(connection).get_table_names()
                           if is_queue_table(name)]  # the job queue's too (tracker.jobs)
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))


def _watch_writes(session: Session) -> None:
    """Mark the test's session when it writes rows (see _hand_over)."""
    event.listen(session, "after_flush", lambda s, context: s.info.__setitem__("wrote", True))


@pytest.fixture(autouse=True)
def db_session(request, app) -> Iterator[Session]:
    """The test's own session, for factories and for reading what the app did.

    By default it and the app share one connection whose transaction is rolled back after
    the test. With `committed_db` it is an ordinary session: commit it yourself.
    """
    # Pages kept by an earlier test were kept under versions that this test's rolled-back
    # rows may count again (tracker/kept_pages.py).
    forget_kept_pages()
    if "committed_db" in request.fixturenames:
        with app.app_context():
            engine = db.engine
        session = Session(bind=engine, info={"committed_db": True})
        _watch_writes(session)
        factories_module.bind(session)
        try:
            yield session
        finally:
            factories_module.bind(None)
            session.close()
            _truncate_everything(app)
        return

    with app.app_context():
        engines = db.engines  # the app's own mapping: the app's sessions bind to what it holds
        engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    _watch_writes(session)
    factories_module.bind(session)
    try:
        yield session
    finally:
        factories_module.bind(None)
        session.close()
        engines[None] = engine
        outer.rollback()
        connection.close()


@pytest.fixture
def committed_db() -> None:
    """Commit for real (no rolled-back transaction); every table is emptied after the test.

    For a live server, several real connections (concurrency), or anything else that must see
    committed rows. Commit `db_session` yourself; the test client commits it before a request.
    """


@pytest.fixture
def factories(db_session) -> Factories:
    """Factories bound to the test's session (tests/factories.py)."""
    return Factories()


@pytest.fixture
def frozen_clock(time_machine):
    """Stop the clock at FROZEN_AT (2 June 2025, 09:30 in London); move it with .move_to()."""
    time_machine.move_to(FROZEN_AT, tick=False)
    return time_machine


# Clients ------------------------------------------------------------------------------------------


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def client_for(app, db_session):
    """Return a new client signed in (through the sign-in form) as a factory-made user."""

    def make(user: User) -> FlaskClient:
        client = app.test_client()
        response = sign_in(client, user.email, PASSWORD)
        assert response.status_code == 302, f"could not sign in as {user.email}"
        return client

    return make


DEMO_USERS = {
    "administrator": "admin@example.org",
    "edi_lead": "edi.lead@northshire.example.org",
    "action_owner": "owner@northshire.example.org",
    "sponsor": "sponsor@northshire.example.org",
    "viewer": "viewer@northshire.example.org",
    "advisor": "advisor@iag.example.org",
    "other_org": "edi.lead@riverside.example.org",
}


@pytest.fixture
def client_as(app, demo):
    """Return a signed-in client for a demo role (or an anonymous one for 'anonymous')."""

    def make(role: str):
        client = app.test_client()
        if role != "anonymous":
            response = sign_in(client, DEMO_USERS[role])
            assert response.status_code == 302, f"could not sign in as {role}"
        return client

    return make
