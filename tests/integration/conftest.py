"""App, database and client fixtures; the database is SQLite or, in make test, PostgreSQL too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from tests.helpers import sign_in
from tracker import create_app
from tracker.demo.load import load_demo
from tracker.extensions import db


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    """The application on a freshly migrated database (migrations, not create_all)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'test.sqlite3'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Give every test an empty database, and empty it again afterwards."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))


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
def demo(app):
    """Load the demo organisations, people and groups."""
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()


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
