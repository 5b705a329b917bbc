"""One transaction per request (tracker/__init__.py): services flush, the request commits once
at its end, or rolls back when it is refused or fails; and a request that only read does not pay
for expiring everything it loaded when it commits.

These use an app of their own on the committed database, with a few routes that write through
the session as the services do, and read what was saved through another connection.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, select

from tracker import create_app
from tracker.extensions import db
from tracker.models import Organisation, OrganisationKind
from tracker.security import public

loaded: list[Organisation] = []


@pytest.fixture
def writer(app, committed_db) -> Flask:
    own = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     WTF_CSRF_ENABLED=False)  # these routes have no forms

    def add(slug: str) -> None:
        db.session.add(Organisation(name=f"Council {slug}", slug=slug,
                                    kind=OrganisationKind.LOCAL_AUTHORITY))
        db.session.flush()  # as the services do: the request commits

    @own.post("/write/<slug>")
    @public
    def write(slug):
        add(slug)
        return "written"

    @own.post("/refuse/<slug>")
    @public
    def refuse(slug):
        add(slug)
        return "refused", 400

    @own.post("/fail/<slug>")
    @public
    def fail(slug):
        add(slug)
        raise RuntimeError("a failure after the flush")

    @own.get("/read")
    @public
    def read():
        loaded[:] = db.session.scalars(select(Organisation).order_by(Organisation.slug)).all()
        return ", ".join(o.name for o in loaded)

    yield own
    with own.app_context():
        db.engine.dispose()


def _saved(app) -> list[str]:
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # another connection
    try:
        with other.connect() as connection:
            return list(connection.execute(select(Organisation.slug).order_by(
                Organisation.slug)).scalars())
    finally:
        other.dispose()


def test_a_request_that_wrote_commits_what_it_flushed(writer):
    assert writer.test_client().post("/write/written").status_code == 200
    assert _saved(writer) == ["written"]


def test_a_refused_request_saves_nothing(writer):
    assert writer.test_client().post("/refuse/refused").status_code == 400
    assert _saved(writer) == []


def test_a_request_that_fails_saves_nothing(writer):
    writer.config["PROPAGATE_EXCEPTIONS"] = False
    assert writer.test_client().post("/fail/failed").status_code == 500
    assert _saved(writer) == []


def test_a_reading_request_commits_without_expiring_what_it_loaded(writer):
    client = writer.test_client()
    client.post("/write/a")
    client.post("/write/b")
    assert client.get("/read").get_data(as_text=True) == "Council a, Council b"
    # Expiring every loaded object at the commit cost a page of 300 actions ~7.5 ms.
    assert [inspect(o).expired_attributes for o in loaded] == [set(), set()]
    assert [o.name for o in loaded] == ["Council a", "Council b"]  # still readable, detached
    loaded.clear()
