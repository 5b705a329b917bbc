"""The test fixtures themselves: isolation, savepoints, committed data and the frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, func, select

from tests.helpers import database_rows
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import Organisation, User, utcnow
from tracker.web import today

# Run in this order, on one worker: the second half checks what the first half left behind.
pytestmark = pytest.mark.xdist_group("fixtures")


def test_each_test_starts_from_an_empty_database(db_session):
    assert all(rows == [] for rows in database_rows(db_session).values())


def test_the_apps_commits_stay_inside_the_tests_transaction(factories, client_for, db_session):
    lead = factories.member(role=Role.EDI_LEAD)
    assert lead.last_login_at is None
    client_for(lead)  # the sign-in request commits last_login_at
    assert lead.last_login_at is not None  # seen by the test at once, through the same connection


def test_a_refused_request_rolls_back_only_its_own_work(factories, client_for, db_session):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    client = client_for(lead)
    assert client.get(f"/org/{org.slug}/cycles/1999-00/plan").status_code == 404  # rolls back
    assert db_session.get(User, lead.id) is lead and db_session.get(Organisation, org.id) is org


def test_what_one_test_made_is_gone_in_the_next(db_session):
    assert db_session.scalar(select(func.count(User.id))) == 0


def test_committed_db_commits_for_real(app, committed_db, factories, db_session):
    factories.organisation(slug="committed-for-real")
    db_session.commit()
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # another connection sees it
    try:
        with other.connect() as connection:
            slugs = connection.execute(select(Organisation.slug)).scalars().all()
    finally:
        other.dispose()
    assert slugs == ["committed-for-real"]


def test_committed_rows_are_emptied_after_the_test(app, committed_db):
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_the_frozen_clock_is_what_the_app_sees(app, frozen_clock):
    with app.app_context():
        assert today() == date(2025, 6, 2) == date.today()
        assert utcnow() == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)  # 09:30 in London (BST)


def test_the_demo_is_there_when_asked_for(demo, db_session):
    assert db_session.scalar(select(Organisation.name).filter_by(slug="northshire")) == \
        "Northshire County Council"
