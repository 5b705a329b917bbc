"""The read-only JSON API: tokens made and revoked by the EDI lead, scoped, hashed and audited;
its OpenAPI 3.1 document; and schemathesis against that document."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from tests.helpers import error_summary, page, post_form, prepared_document, statements
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import Action, ApiToken, AuditEvent, User
from tracker.services import documents, homes
from tracker.services.versions import everything_version, organisation_version


@pytest.fixture
def council(factories, frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    cycle = factories.cycle(organisation=org, start_year=2024)
    factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    action = factories.action(plan=plan, theme=plan.themes[0], title="Diverse panels")
    factories.progress(action=action, note="First panel held")
    factories.action(plan=plan, theme=plan.themes[1], title="A draft idea", is_draft=True)
    factories.comment(action=action, body="Internal worry", visibility="internal")
    return {"lead": lead, "org": org, "base": f"/org/{org.slug}/api-tokens", "action": action}


def _make_token(client, council, name="Power BI") -> str:
    response = post_form(client, council["base"] + "/new", {"name": name},
                         token_from=council["base"])
    assert response.status_code == 200
    return page(response).select_one("#new-token code").get_text(strip=True)


def _get(client, url, token):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_the_edi_lead_makes_a_token_that_reads_only_its_organisation(client_for, council,
                                                                     factories, db_session):
    lead = client_for(council["lead"])
    token = _make_token(lead, council)
    assert token.startswith("scwres_")
    stored = db_session.scalar(select(ApiToken))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored.__dict__)  # only the hash is kept
    assert token not in page(lead.get(council["base"])).get_text()  # shown once

    api = client_for(factories.user())  # the API needs no session: a token is enough
    response = _get(api, "/api/v1/cycles", token)
    assert response.status_code == 200
    assert [c["label"] for c in response.json] == ["2024-25"]
    results = _get(api, "/api/v1/cycles/2024-25/results?page_size=100", token).json
    scw2 = next(r for r in results if r["service_area"] == "adults" and r["indicator"] == "SCW2")
    assert (scw2["gm_numerator"], scw2["gm_denominator"]) == (43, 290)
    actions = _get(api, "/api/v1/cycles/2024-25/actions", token).json
    assert [a["title"] for a in actions] == ["Diverse panels"]  # no drafts
    assert actions[0]["progress"][0]["note"] == "First panel held"
    assert "Internal worry" not in str(actions)
    other = factories.cycle(start_year=2024)  # another organisation's cycle
    assert other.organisation_id != council["org"].id
    assert _get(api, "/api/v1/national/2024-25", token).status_code == 404
    reads = db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "api_token", AuditEvent.action == "read")).all()
    assert {r.after["path"].split("?")[0] for r in reads} >= {
        "/api/v1/cycles", "/api/v1/cycles/2024-25/results", "/api/v1/cycles/2024-25/actions"}
    assert all(r.organisation_id == council["org"].id for r in reads)


def test_a_councils_token_reads_are_in_the_trail_but_change_nothing_of_the_councils(
        app, client_for, council, factories, db_session, frozen_clock):
    """A read is not a change: the council's data version (its kept pages), its prepared
    documents' "changed since" and its last activity stay as they were; only the trail moves."""
    advisor = factories.advisor(follows=council["org"])
    lead = client_for(council["lead"])
    token = _make_token(lead, council)
    cycle = f"/org/{council['org'].slug}/cycles/2024-25"
    assert prepared_document(lead, f"{cycle}/board-pack.pdf").status_code == 200

    def last_activity():
        [seen] = homes.councils(user=db.session.get(User, advisor.id), today=date(2025, 6, 2))
        return seen.last_activity

    with app.app_context():
        before, everything = organisation_version(council["org"].id), everything_version()
        last_change, active = documents.latest_change(council["org"].id), last_activity()
    frozen_clock.move_to("2025-06-02 11:00:00+01:00")  # the reads come later
    api = client_for(factories.user())
    for _ in range(3):
        assert _get(api, "/api/v1/cycles/2024-25/actions", token).status_code == 200
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "api_token", AuditEvent.action == "read")) == 3
    with app.app_context():
        assert organisation_version(council["org"].id) == before
        assert everything_version() == everything + 3  # the trail's own count (TRAIL_ONLY)
        assert documents.latest_change(council["org"].id) == last_change
        assert last_activity() == active
    section = page(lead.get(f"{cycle}/reports")).select_one("#board-pack-pdf")
    assert "out of date" not in section.get_text(" ", strip=True)


def test_lists_are_paginated(client_for, council, factories):
    token = _make_token(client_for(council["lead"]), council)
    api = client_for(factories.user())
    first = _get(api, "/api/v1/cycles/2024-25/results?page=1&page_size=5", token)
    assert len(first.json) == 5
    assert '"total": ' in first.headers["X-Pagination"]
    second = _get(api, "/api/v1/cycles/2024-25/results?page=2&page_size=5", token)
    assert second.json != first.json


def test_the_plan_is_read_a_page_at_a_time_from_the_database(client_for, council, factories,
                                                              db_session):
    """A page of actions is read as a page (with its updates), not cut from the whole plan:
    the statements are the same for 5 actions as for 40, and the total counts them all."""
    token = _make_token(client_for(council["lead"]), council)
    api = client_for(factories.user())
    plan_id = council["action"].plan_id
    _get(api, "/api/v1/cycles", token)  # the token's first use is noted once
    counts = {}
    for more in (4, 35):
        for n in range(more):
            action = factories.action(plan_id=plan_id, theme=council["action"].theme,
                                      title=f"Action {more}-{n}")
            factories.progress(action=action, note="Started")
        with statements(db_session) as seen:
            second = _get(api, "/api/v1/cycles/2024-25/actions?page=2&page_size=3", token)
        counts[more] = len(seen)
        assert any("FROM actions" in sql and "LIMIT" in sql for sql in seen)  # the page alone
        ids = sorted(db_session.scalars(select(Action.id).where(
            Action.plan_id == plan_id, Action.is_draft.is_(False))))
        assert [row["id"] for row in second.json] == ids[3:6]
        assert all(row["progress"] for row in second.json)
        assert json.loads(second.headers["X-Pagination"])["total"] == len(ids)
    assert counts[4] == counts[35]
    # the page's actions with their themes and owners in one statement, their updates in one
    assert sum("FROM progress_updates" in sql for sql in seen) == 1
    assert not any(sql.lstrip().startswith("SELECT plan_themes") for sql in seen)


def test_a_revoked_or_wrong_token_reads_nothing(client_for, council, factories, db_session):
    lead = client_for(council["lead"])
    token = _make_token(lead, council)
    api = client_for(factories.user())
    for header in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": token}):
        response = api.get("/api/v1/cycles", headers=header)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    token_id = db_session.scalar(select(ApiToken.id))
    listing = page(lead.get(council["base"]))
    assert listing.select_one(f"form[action$='/{token_id}/revoke'] button") is not None
    assert post_form(lead, f"{council['base']}/{token_id}/revoke", {},
                     token_from=council["base"]).status_code == 302
    assert _get(api, "/api/v1/cycles", token).status_code == 401
    assert "Revoked on" in page(lead.get(council["base"])).get_text()
    assert [e.action for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "api_token", AuditEvent.action != "read")
        .order_by(AuditEvent.id))] == ["created", "revoked"]


@pytest.mark.parametrize("role", [Role.SPONSOR, Role.VIEWER, Role.ACTION_OWNER])
def test_only_the_edi_lead_makes_tokens(client_for, council, factories, role, db_session):
    other = client_for(factories.member(role=role, organisation=council["org"]))
    assert other.get(council["base"]).status_code == 403
    token = post_form(client_for(council["lead"]), council["base"] + "/new", {},
                      token_from=council["base"])
    assert error_summary(token) == ["Enter a name for the token"]
    assert db_session.scalars(select(ApiToken)).all() == []


def test_the_programme_leads_token_reads_the_published_national_report(client_for, factories,
                                                                       db_session, runner):
    from tests.integration.test_national_report import _jittered
    from tracker.models import Submission
    for i in range(5):
        dataset = factories.dataset(cycle=factories.cycle(start_year=2024), rows=_jittered(i))
        db_session.add(Submission(cycle_id=dataset.cycle_id, data_loaded_at=dataset.loaded_at))
    lead = factories.user(is_programme_lead=True)
    programme = client_for(lead)
    base = "/programme/2024-25/report"
    assert post_form(programme, base + "/publish", {}, token_from=base).status_code == 302
    result = runner.invoke(args=["tracker", "national", "api-token", "--email", lead.email,
                                 "--name", "Programme dashboard"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    api = client_for(factories.user())
    rows = _get(api, "/api/v1/national/2024-25?page_size=100", plain).json
    assert isinstance(rows, list), rows
    assert {r["councils"] for r in rows} == {5}
    assert _get(api, "/api/v1/cycles", plain).status_code == 404


def test_the_openapi_document_is_3_1_and_names_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/api/v1/cycles", "/api/v1/cycles/{label}/results",
                                      "/api/v1/cycles/{label}/actions",
                                      "/api/v1/national/{label}"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_api_keeps_to_its_document_under_schemathesis(app, client_for, council):
    """Every answer (200, 401, 404) matches the document; no 500; the headers say the type.

    schemathesis draws each operation's requests from the document (hypothesis); its pytest
    plugin is not used (it relies on pytest internals that pytest 9 no longer has).
    """
    token = _make_token(client_for(council["lead"]), council)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    for operation in operations:

        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

        check()
        # and the real cycle, whatever the strategy drew
        if "{label}" in operation.path:
            case = operation.Case(path_parameters={"label": "2024-25"})
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
