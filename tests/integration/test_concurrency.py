"""Concurrent writes: no 500, no lost or duplicated change (issue 9 items 5 and 6).

Each test makes its rows, commits them (``committed_db``) and releases several signed-in
clients at once, each in its own thread with its own database connection: on SQLite in the
suite, and on the PostgreSQL cluster in `make test`. At most 8 threads, each call bounded in
time (tests/concurrency.py).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from tests.concurrency import signed_in_client, statuses, together
from tests.helpers import csrf_token, page
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    AnnualReview,
    PlanSignOff,
    PlanTheme,
    ProgressUpdate,
    ReportingCycle,
    ReviewNarrative,
    User,
)

pytestmark = pytest.mark.usefixtures("committed_db")

TODAY = date.today()


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def plan(factories, db_session):
    """A committed plan with one action, its owner, an EDI lead and a sponsor."""
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org)
    sponsor = factories.member(role=Role.SPONSOR, organisation=org)
    action = factories.action(plan__cycle__organisation=org, owner=owner, title="Mentoring")
    db_session.commit()
    base = f"/org/{org.slug}/cycles/2024-25"
    return {"org": org, "lead": lead.email, "owner": owner.email, "sponsor": sponsor.email,
            "action_id": action.id, "plan_id": action.plan_id, "base": base,
            "action": f"{base}/plan/actions/{action.id}"}


def _edit_form(client, url: str) -> dict:
    """The edit form as the page gives it (every field, the version it was loaded at)."""
    soup = page(client.get(url))
    data: dict = {}
    for field in soup.select("form input[name], form textarea[name], form select[name]"):
        name = field["name"]
        if field.name == "select":
            option = field.select_one("option[selected]") or field.select_one("option")
            value = option["value"]
        elif field.name == "textarea":
            value = field.get_text()
        else:
            value = field.get("value", "")
        data.setdefault(name, [])
        data[name].append(value)
    return data


def test_progress_updates_from_8_clients_are_all_saved(app, plan, db_session):
    """65 of 200 progress updates got 500 (StaleDataError): an append-only write never fails."""
    clients = [signed_in_client(app, plan["owner"] if i % 2 else plan["lead"]) for i in range(8)]
    tokens = [csrf_token(client, plan["action"]) for client in clients]

    def updates(i: int):
        def run():
            return [clients[i].post(plan["action"] + "/progress", data={
                "csrf_token": tokens[i], "occurred_on": _date(TODAY), "note": f"Update {i}.{n}",
                "new_status": ["on_track", "at_risk"][n % 2], "measure_value": str(n)})
                for n in range(4)]
        return run

    results = together([updates(i) for i in range(8)])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    assert statuses(results) == {302: 32}
    notes = db_session.scalars(select(ProgressUpdate.note)
                               .where(ProgressUpdate.action_id == plan["action_id"])).all()
    assert sorted(notes) == sorted(f"Update {i}.{n}" for i in range(8) for n in range(4))
    action = db_session.get(Action, plan["action_id"])
    assert action.version == 1 + 32  # every update applied to the action as it then stood


def test_simultaneous_edits_from_one_version_save_one_and_refuse_the_rest(app, plan, db_session):
    """24 of 200 edits got 500: a stale edit is the designed 409, naming what changed."""
    clients = [signed_in_client(app, plan["lead"]) for _ in range(6)]
    url = plan["action"] + "/edit"
    forms = [_edit_form(client, url) for client in clients]
    for i, form in enumerate(forms):
        form["partners"] = [f"Partner {i}"]

    results = together([lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms,
                                                                           strict=True)])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    assert statuses(results) == {302: 1, 409: 5}
    winner = next(i for i, r in enumerate(results) if r.status_code == 302)
    for response in results:
        if response.status_code == 409:
            text = page(response).get_text(" ", strip=True)
            assert "Someone else changed this action" in text
            assert f"Partners: now Partner {winner}" in text
    assert db_session.get(Action, plan["action_id"]).partners == f"Partner {winner}"


def test_edits_and_progress_updates_mixed_never_fail(app, plan, db_session):
    """Edits reload before saving; progress updates race them: nothing is a 500 or lost."""
    url = plan["action"] + "/edit"
    editors = [signed_in_client(app, plan["lead"]) for _ in range(4)]
    owners = [signed_in_client(app, plan["owner"]) for _ in range(4)]
    tokens = [csrf_token(client, plan["action"]) for client in owners]

    def edit(client, i):
        def run():
            got = []
            for n in range(3):
                form = _edit_form(client, url)
                form["lead_role"] = [f"Lead {i}.{n}"]
                got.append(client.post(url, data=form))
            return got
        return run

    def progress(client, token, i):
        def run():
            return [client.post(plan["action"] + "/progress", data={
                "csrf_token": token, "occurred_on": _date(TODAY), "note": f"Note {i}.{n}"})
                for n in range(3)]
        return run

    results = together([edit(c, i) for i, c in enumerate(editors)] +
                       [progress(c, t, i) for i, (c, t) in enumerate(zip(owners, tokens,
                                                                         strict=True))])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    counted = statuses(results)
    assert set(counted) <= {302, 409} and counted[302] >= 12, counted  # every progress saved
    assert db_session.scalar(select(func.count(ProgressUpdate.id)).where(
        ProgressUpdate.action_id == plan["action_id"])) == 12


def test_plan_sign_off_racing_edits_keeps_every_edit_in_the_snapshot_or_marked(
        app, plan, factories, db_session):
    """12 of 30 plan edits racing a sign-off were neither in the snapshot nor marked."""
    owner = db_session.scalar(select(User).filter_by(email=plan["owner"]))
    plan_row = db_session.get(ActionPlan, plan["plan_id"])
    more = [factories.action(plan=plan_row, owner=owner, title=f"Action {i}") for i in range(5)]
    db_session.commit()
    ids = [plan["action_id"], *(a.id for a in more)]
    editors = [signed_in_client(app, plan["lead"]) for _ in range(6)]
    forms = []
    for client, action_id in zip(editors, ids, strict=True):
        url = f"{plan['base']}/plan/actions/{action_id}/edit"
        form = _edit_form(client, url)
        form["success_measure"] = [f"Measured {action_id}"]
        forms.append((client, url, form))
    sponsor = signed_in_client(app, plan["sponsor"])
    sign_off_url = f"{plan['base']}/plan/sign-off"
    token = csrf_token(sponsor, sign_off_url)

    def sign_off():
        return sponsor.post(sign_off_url, data={"csrf_token": token, "signer_role": "Director",
                                                "statement": "Agreed", "confirm": "y",
                                                "warnings_seen": "y"})

    results = together([sign_off, *(lambda c=c, u=u, f=f: c.post(u, data=f)
                                     for c, u, f in forms)])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    assert statuses(results) == {302: 7}
    record = db_session.scalar(select(PlanSignOff).where(PlanSignOff.plan_id == plan["plan_id"]))
    snapshot = {row["id"]: row for row in record.snapshot["actions"]}
    for action_id in ids:
        action = db_session.get(Action, action_id)
        in_snapshot = snapshot[action_id]["success_measure"] == f"Measured {action_id}"
        marked = action.updated_at > record.signed_at
        assert in_snapshot != marked, action_id  # one or the other, never neither


def test_review_sign_off_racing_narratives_takes_no_edit_after_it(app, plan, factories,
                                                                   db_session):
    """In 5 of 10 rounds a signed review had narratives saved after its sign-off time."""
    cycle = db_session.scalar(select(ReportingCycle).where(
        ReportingCycle.organisation_id == plan["org"].id))
    review = AnnualReview(cycle_id=cycle.id, summary="The year")
    db_session.add(review)
    db_session.commit()
    base = f"{plan['base']}/review"
    leads = [signed_in_client(app, plan["lead"]) for _ in range(5)]
    tokens = [csrf_token(client, base) for client in leads]
    sponsor = signed_in_client(app, plan["sponsor"])
    sponsor_token = csrf_token(sponsor, base)
    indicators = ["SCW2", "SCW3", "SCW4", "SCW5", "SCW6"]

    def narrative(client, token, indicator):
        return lambda: [client.post(f"{base}/narrative/{indicator}/all", data={
            "csrf_token": token, "what_we_did": f"Did {indicator} {n}"}) for n in range(2)] + [
            client.post(f"{base}/summary", data={"csrf_token": token, "summary": "Changed"})]

    results = together([lambda: sponsor.post(f"{base}/sign-off", data={
        "csrf_token": sponsor_token, "signer_role": "Director", "confirm": "y",
        "warnings_seen": "y"}),
        *(narrative(c, t, i) for c, t, i in zip(leads, tokens, indicators, strict=True))])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    counted = statuses(results)
    assert set(counted) <= {302, 409} and results[0].status_code == 302, counted
    db_session.expire_all()
    signed = db_session.get(AnnualReview, review.id)
    assert signed.is_signed
    late = db_session.scalars(select(ReviewNarrative).where(
        ReviewNarrative.review_id == review.id,
        ReviewNarrative.updated_at > signed.signed_at)).all()
    assert late == []
    refused = [r for rs in results[1:] for r in rs if r.status_code == 409]
    assert all("signed off" in r.get_data(as_text=True) for r in refused)


def test_a_new_cycles_plan_and_review_exist_at_once_and_first_visits_never_write(
        app, factories, db_session):
    """10 of 48 first GETs of a new cycle's plan or review page got 500 (unique violations)."""
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    db_session.commit()
    client = signed_in_client(app, lead.email)
    new = f"/org/{org.slug}/cycles/new"
    response = client.post(new, data={
        "csrf_token": csrf_token(client, new), "label": "2025-26",
        "period_start": ["1", "4", "2025"], "period_end": ["31", "3", "2026"],
        "snapshot_date": ["31", "3", "2026"]})
    assert response.status_code == 302
    base = f"/org/{org.slug}/cycles/2025-26"
    clients = [signed_in_client(app, lead.email) for _ in range(8)]
    writes: list[str] = []

    def count_writes(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_writes)
    try:
        results = together([lambda c=c, i=i: c.get(f"{base}/plan" if i % 2 else f"{base}/review")
                            for i, c in enumerate(clients)])
        db_session.rollback()  # the test's own snapshot ends: read what they did
    finally:
        event.remove(engine, "before_cursor_execute", count_writes)
    assert statuses(results) == {200: 8}
    assert writes == []
    plans = db_session.scalars(select(ActionPlan).join(ReportingCycle).where(
        ReportingCycle.organisation_id == org.id)).all()
    assert len(plans) == 1
    assert db_session.scalar(select(func.count(PlanTheme.id)).where(
        PlanTheme.plan_id == plans[0].id)) == 7


def test_simultaneous_new_cycles_with_one_label_make_one(app, factories, db_session):
    """The unique constraint decides; the others get the label's message, never a 500."""
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    db_session.commit()
    clients = [signed_in_client(app, lead.email) for _ in range(4)]
    new = f"/org/{org.slug}/cycles/new"
    tokens = [csrf_token(client, new) for client in clients]
    results = together([lambda c=c, t=t: c.post(new, data={
        "csrf_token": t, "label": "2025-26", "period_start": ["1", "4", "2025"],
        "period_end": ["31", "3", "2026"], "snapshot_date": ["31", "3", "2026"]})
        for c, t in zip(clients, tokens, strict=True)])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    assert statuses(results) == {302: 1, 400: 3}
    for response in results:
        if response.status_code == 400:
            assert "There is already a 2025-26 cycle" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(ReportingCycle.id)).where(
        ReportingCycle.organisation_id == org.id)) == 1


def test_simultaneous_accounts_with_one_address_in_two_cases_make_one(app, factories,
                                                                       db_session):
    """E-mails are unique regardless of case in the database itself, not only in a query."""
    admin = factories.administrator()
    db_session.commit()
    clients = [signed_in_client(app, admin.email) for _ in range(4)]
    url = "/admin/users/new"
    tokens = [csrf_token(client, url) for client in clients]
    addresses = ["Sam.Jones@example.org", "sam.jones@example.org", "SAM.JONES@example.org",
                 "sam.Jones@Example.org"]
    results = together([lambda c=c, t=t, a=a: c.post(url, data={
        "csrf_token": t, "email": a, "name": "Sam Jones"})
        for c, t, a in zip(clients, tokens, addresses, strict=True)])
    db_session.rollback()  # the test's own snapshot ends: read what they did
    assert statuses(results) == {200: 1, 400: 3}, statuses(results)  # 200: the link page
    for response in results:
        if response.status_code == 400:
            assert "An account with this email address already exists" in \
                response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(User.id)).where(
        func.lower(User.email) == "sam.jones@example.org")) == 1


def test_the_database_itself_refuses_an_address_in_another_case(factories, db_session):
    from sqlalchemy.exc import IntegrityError

    factories.user(email="Ada@example.org")
    db_session.commit()
    db_session.add(User(email="ADA@EXAMPLE.ORG", name="Ada again"))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_a_stale_status_change_through_the_owner_form_is_a_409_too(app, plan, db_session):
    """Whatever route hits a stale version answers the designed 409, never StaleDataError."""
    lead = signed_in_client(app, plan["lead"])
    url = plan["action"] + "/edit"
    form = _edit_form(lead, url)
    db_session.rollback()
    action = db_session.get(Action, plan["action_id"])
    action.status = ActionStatus.AT_RISK
    action.due_date = TODAY + timedelta(days=30)
    db_session.commit()
    form["title"] = ["Mentoring for all"]
    response = lead.post(url, data=form)
    assert response.status_code == 409
    assert "Someone else changed this action" in response.get_data(as_text=True)
