"""Simultaneous imports of one plan (issue 9 item 7): one at a time, nothing added twice.

Two simultaneous imports overwrote each other and added the same new action twice, and 4 of
12 got 500. Each client here uploads its file (a pending import each), then all confirm at
the same moment, each in its own thread and database connection (tests/concurrency.py): on
SQLite in the suite and on the PostgreSQL cluster in `make test`.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.concurrency import signed_in_client, statuses, together
from tests.helpers import csrf_token
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.models import Action, AuditEvent

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.fixture
def plan(factories, db_session):
    lead = factories.member(role=Role.EDI_LEAD, email="lead@example.org")
    org = lead.memberships[0].organisation
    for number in range(2, 5):  # one pending import per person: four leads, four imports
        factories.member(role=Role.EDI_LEAD, organisation=org, email=f"lead{number}@example.org")
    factories.member(role=Role.ACTION_OWNER, organisation=org, email="tom@example.org")
    action = factories.action(plan__cycle__organisation=org, owner=lead, title="Mentoring",
                              due_date=date(2031, 12, 31), status=ActionStatus.ON_TRACK)
    db_session.commit()
    return {"base": f"/org/{org.slug}/cycles/2024-25/plan", "plan_id": action.plan_id,
            "action_id": action.id}


def _upload(client, base: str, content: str) -> str:
    url = base + "/import"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "plan_file": (io.BytesIO(content.encode()), "plan.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _export(client, base: str) -> list[str]:
    return client.get(base + "/export.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()


def _confirmations(clients, previews, choice=None):
    tokens = [csrf_token(client, url) for client, url in zip(clients, previews, strict=True)]
    return together([
        lambda client=client, url=url, token=token: client.post(
            url, data={"csrf_token": token, **(choice or {})})
        for client, url, token in zip(clients, previews, tokens, strict=True)])


def test_the_same_file_confirmed_by_four_at_once_adds_its_new_row_once(app, plan, db_session):
    clients = [signed_in_client(app, email) for email in
               ("lead@example.org", "lead2@example.org", "lead3@example.org", "lead4@example.org")]
    header, *lines = _export(clients[0], plan["base"])
    content = "\n".join([header, *lines, ",Leadership,Aspiring managers,,,tom@example.org,,,,"
                                         "2031-01-31,not_started,,,,,,"])
    previews = [_upload(client, plan["base"], content) for client in clients]
    results = _confirmations(clients, previews)
    counted = statuses(results)
    assert counted[500] == 0 and counted[302] >= 1, counted
    db_session.commit()  # end the test's read transaction: see what the requests committed
    titles = db_session.scalars(select(Action.title).where(
        Action.plan_id == plan["plan_id"]).order_by(Action.title)).all()
    assert titles == ["Aspiring managers", "Mentoring"]
    imported = db_session.scalar(select(func.count(AuditEvent.id)).filter_by(action="imported"))
    assert imported == 1


def test_two_imports_of_one_action_never_overwrite_each_other_unasked(app, plan, db_session):
    clients = [signed_in_client(app, "lead@example.org"),
               signed_in_client(app, "lead2@example.org")]
    header, *lines = _export(clients[0], plan["base"])
    files = ["\n".join([header, *(line.replace("Mentoring", title) for line in lines)])
             for title in ("Mentoring for directors", "Mentoring for new staff")]
    previews = [_upload(client, plan["base"], content)
                for client, content in zip(clients, files, strict=True)]
    results = _confirmations(clients, previews, choice={"conflicts": "keep"})
    # One is applied; the other finds the action changed since its export, saves nothing and
    # shows its new preview, listing the conflict, to be confirmed again.
    assert sorted(r.status_code for r in results) == [200, 302]
    [shown] = [r for r in results if r.status_code == 200]
    assert "Changed in the tracker since your export" in shown.get_data(as_text=True)
    db_session.commit()  # end the test's read transaction: see what the requests committed
    title = db_session.scalar(select(Action.title).where(Action.id == plan["action_id"]))
    winner = files[[r.status_code for r in results].index(302)]
    assert title in winner
