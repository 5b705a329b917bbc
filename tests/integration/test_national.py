"""Submitting a cycle to the programme, and the programme lead's years and councils' statuses."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from tests.helpers import error_summary, page, post_form
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import AuditEvent, PlanSignOff, Submission
from tracker.services import national as national_service

BASE = "/org/{slug}/cycles/2024-25/submission"


@pytest.fixture
def council(factories, frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    cycle = factories.cycle(organisation=org, start_year=2024)
    return {"lead": lead, "org": org, "cycle": cycle, "base": BASE.format(slug=org.slug)}


@pytest.fixture
def programme_lead(factories):
    return factories.user(name="Pat Programme", is_programme_lead=True)


def _submit(client, council):
    return post_form(client, council["base"] + "/submit", {}, token_from=council["base"])


def _withdraw(client, council):
    return post_form(client, council["base"] + "/withdraw", {}, token_from=council["base"])


def test_the_edi_lead_submits_only_saved_data_and_may_withdraw(client_for, council, factories,
                                                               db_session):
    lead = client_for(council["lead"])
    response = _submit(lead, council)
    assert response.status_code == 400
    assert error_summary(response) == ["Save the cycle's data before submitting it"]
    assert db_session.scalars(select(Submission)).all() == []

    factories.dataset(cycle=council["cycle"])
    assert _submit(lead, council).status_code == 302
    text = page(lead.get(council["base"])).get_text(" ", strip=True)
    assert "Submitted on" in text and council["lead"].name in text
    submission = db_session.scalar(select(Submission))
    assert submission.cycle_id == council["cycle"].id
    events = db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "submission")).all()
    assert [(e.action, e.actor_id, e.organisation_id) for e in events] == [
        ("submitted", council["lead"].id, council["org"].id)]

    assert _withdraw(lead, council).status_code == 302
    assert db_session.scalars(select(Submission)).all() == []
    assert "Not submitted" in page(lead.get(council["base"])).get_text(" ", strip=True)
    assert [e.action for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "submission").order_by(AuditEvent.id))] == [
        "submitted", "withdrawn"]


def test_once_the_programme_closes_the_year_nothing_is_submitted_or_withdrawn(
        client_for, council, factories, programme_lead, db_session):
    factories.dataset(cycle=council["cycle"])
    lead, programme = client_for(council["lead"]), client_for(programme_lead)
    assert _submit(lead, council).status_code == 302
    year_page = "/programme/2024-25"
    assert post_form(programme, year_page + "/close", {}, token_from=year_page).status_code == 302
    response = _withdraw(lead, council)
    assert response.status_code == 400
    assert error_summary(response) == [
        "The programme has closed 2024-25: the submission can no longer be withdrawn"]
    assert db_session.scalar(select(Submission)) is not None
    assert "no longer be made or withdrawn" in page(lead.get(council["base"])).get_text()
    assert post_form(programme, year_page + "/reopen", {}, token_from=year_page).status_code == 302
    assert _withdraw(lead, council).status_code == 302


@pytest.mark.parametrize(("role", "expected"), [(Role.SPONSOR, 403), (Role.VIEWER, 403),
                                                (Role.ACTION_OWNER, 403)])
def test_only_the_edi_lead_submits(client_for, council, factories, role, expected, db_session):
    factories.dataset(cycle=council["cycle"])
    other = client_for(factories.member(role=role, organisation=council["org"]))
    assert other.get(council["base"]).status_code == 200
    assert _submit(other, council).status_code == expected
    assert db_session.scalars(select(Submission)).all() == []


def test_nobody_else_sees_or_submits_a_councils_cycle(client_for, council, factories,
                                                      programme_lead, db_session):
    factories.dataset(cycle=council["cycle"])
    stranger = client_for(factories.member(role=Role.EDI_LEAD))
    programme = client_for(programme_lead)
    advisor = client_for(factories.advisor(follows=council["org"]))
    for client in (stranger, programme):
        assert client.get(council["base"]).status_code == 404
    assert advisor.get(council["base"]).status_code == 200
    for client in (stranger, programme, advisor):
        assert _submit(client, council).status_code in (403, 404)
    assert db_session.scalars(select(Submission)).all() == []


def test_the_programme_lead_sees_each_councils_status_and_sets_deadlines(
        client_for, factories, programme_lead, frozen_clock, db_session):
    orgs = {name: factories.organisation(name=name, region="London")
            for name in ("Aville", "Beeton", "Ceeford", "Deeham")}
    cycles = {name: factories.cycle(organisation=org, start_year=2024)
              for name, org in orgs.items() if name != "Aville"}
    for name in ("Ceeford", "Deeham"):
        factories.dataset(cycle=cycles[name])
    lead = factories.member(role=Role.EDI_LEAD, organisation=orgs["Deeham"])
    assert _submit(client_for(lead), {"base": BASE.format(slug=orgs["Deeham"].slug)}
                   ).status_code == 302
    plan = factories.plan(cycle=cycles["Deeham"])
    db_session.add(PlanSignOff(plan_id=plan.id, signer_name="S", signer_role="Sponsor",
                               snapshot={}))
    db_session.flush()

    client = client_for(programme_lead)
    year = "/programme/2024-25"
    response = post_form(client, year + "/deadlines",
                         {"data_deadline": ["30", "9", "2024"],
                          "plan_deadline": ["1", "9", "2024"]}, token_from=year)
    assert response.status_code == 400
    assert error_summary(response) == ["The plan deadline must be on or after the data deadline"]
    response = post_form(client, year + "/deadlines",
                         {"data_deadline": ["30", "9", "2024"],
                          "plan_deadline": ["31", "10", "2024"]}, token_from=year)
    assert response.status_code == 302
    rows = {row.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in row("td")]
            for row in page(client.get(year)).select("#council-statuses tbody tr")}
    # the frozen clock's today is after both deadlines
    assert date.today() > date(2024, 10, 31)
    assert rows["Aville"][1:3] == ["Not started", "Late data and plan"]
    assert rows["Beeton"][1] == "Not started"
    assert rows["Ceeford"][1:3] == ["Data loaded", "Late data and plan"]
    assert rows["Deeham"][1:3] == ["Plan signed off", "No"]
    assert "30 September 2024" in page(client.get("/programme")).get_text()
    assert [e.action for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "programme_year"))] == ["deadlines set"]


def test_the_status_page_asks_the_same_queries_for_more_councils(
        app, client_for, factories, programme_lead):
    client = client_for(programme_lead)

    def queries() -> int:
        forget_kept_pages()  # the written page's statements, not a kept one's
        statements = []
        with app.app_context():
            engine = db.engine
        record = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/programme/2024-25").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    for _ in range(2):
        factories.dataset(cycle=factories.cycle(start_year=2024))
    few = queries()
    for _ in range(6):
        factories.dataset(cycle=factories.cycle(start_year=2024))
    assert queries() == few


@pytest.mark.parametrize("who", ["edi_lead", "administrator", "advisor"])
def test_only_the_programme_lead_has_the_programme_pages(client_for, council, factories, who):
    user = {"edi_lead": lambda: council["lead"], "administrator": factories.administrator,
            "advisor": lambda: factories.advisor(follows=council["org"])}[who]()
    client = client_for(user)
    for url in ("/programme", "/programme/2024-25"):
        assert client.get(url).status_code == 403
    assert post_form(client, "/programme/2024-25/close", {},
                     token_from=council["base"]).status_code == 403


def test_the_programme_lead_never_sees_a_councils_own_pages_or_comments(
        client_for, council, factories, programme_lead):
    factories.dataset(cycle=council["cycle"])
    plan = factories.plan(cycle=council["cycle"])
    action = factories.action(plan=plan, theme=plan.themes[0])
    factories.comment(action=action, body="Internal worry", visibility="internal")
    client = client_for(programme_lead)
    slug = council["org"].slug
    for url in (f"/org/{slug}", f"/org/{slug}/cycles/2024-25/results",
                f"/org/{slug}/cycles/2024-25/plan"):
        assert client.get(url).status_code == 404
    assert "Internal worry" not in page(client.get("/programme/2024-25")).get_text()


def test_the_report_uses_only_submitted_data_as_submitted(council, factories, frozen_clock,
                                                          app_context, db_session):
    dataset = factories.dataset(cycle=council["cycle"])
    assert national_service.submitted_data(label="2024-25") == []
    from tracker.services.access import organisation_access
    access = organisation_access(user=council["lead"], slug=council["org"].slug)
    national_service.submit_cycle(actor=council["lead"], access=access, cycle=council["cycle"])
    assert len(national_service.submitted_data(label="2024-25")) == 1
    frozen_clock.shift(60)
    dataset.loaded_at = dataset.loaded_at.replace(year=2030)  # saved again after submitting
    db_session.flush()
    assert national_service.submitted_data(label="2024-25") == []
    state = national_service.submission_state(access=access, cycle=council["cycle"])
    assert not state.is_current


def test_the_command_line_makes_the_programme_lead_and_records_regions(runner, factories,
                                                                       db_session):
    user = factories.user(email="pat@programme.example.org")
    org = factories.organisation(slug="eastham")
    result = runner.invoke(args=["tracker", "national", "programme-lead",
                                 "--email", "Pat@Programme.example.org"])
    assert result.exit_code == 0, result.output
    assert user.is_programme_lead
    result = runner.invoke(args=["tracker", "national", "grouping", "--org", "eastham",
                                 "--region", "Narnia"])
    assert result.exit_code == 2
    assert "The region must be one of: North East, North West" in result.output
    result = runner.invoke(args=["tracker", "national", "grouping", "--org", "eastham",
                                 "--region", "London", "--kind", "london_borough"])
    assert result.exit_code == 0, result.output
    assert (org.region, org.council_kind.label) == ("London", "London borough")
    assert {e.action for e in db_session.scalars(select(AuditEvent))} >= {
        "programme lead", "grouping set"}


def test_the_programme_lead_reads_a_submitted_councils_plan_without_comments(
        client_for, council, factories, programme_lead):
    factories.dataset(cycle=council["cycle"])
    plan = factories.plan(cycle=council["cycle"])
    action = factories.action(plan=plan, theme=plan.themes[0], title="Reverse mentoring")
    factories.action(plan=plan, theme=plan.themes[0], title="Half-formed idea", is_draft=True)
    factories.comment(action=action, body="Internal worry", visibility="internal")
    factories.comment(action=action, body="Shared thought")
    client = client_for(programme_lead)
    url = f"/programme/2024-25/councils/{council['org'].slug}/plan"
    assert client.get(url).status_code == 404  # not submitted: nothing to read
    assert _submit(client_for(council["lead"]), council).status_code == 302
    text = page(client.get(url)).get_text(" ", strip=True)
    assert "Reverse mentoring" in text and "Not signed off yet" in text
    for hidden in ("Half-formed idea", "Internal worry", "Shared thought"):
        assert hidden not in text
    statuses = page(client.get("/programme/2024-25"))
    assert statuses.select_one(f"a[href='{url}']") is not None
    assert client_for(council["lead"]).get(url).status_code == 403


def test_the_councils_plan_shows_each_actions_latest_update_in_fixed_statements(
        app, client_for, council, factories, programme_lead, db_session):
    from datetime import date

    from tests.integration.test_plans import count_queries

    factories.dataset(cycle=council["cycle"])
    plan = factories.plan(cycle=council["cycle"])
    first = factories.action(plan=plan, theme=plan.themes[0], title="Reverse mentoring")
    factories.progress(action=first, occurred_on=date(2024, 6, 3), note="Pairs matched")
    factories.progress(action=first, occurred_on=date(2024, 9, 2), note="First sessions held")
    factories.progress(action=first, occurred_on=date(2024, 7, 1), note="Training done")
    factories.action(plan=plan, theme=plan.themes[0], title="Fair shortlisting")
    assert _submit(client_for(council["lead"]), council).status_code == 302
    client = client_for(programme_lead)
    url = f"/programme/2024-25/councils/{council['org'].slug}/plan"
    forget_kept_pages()  # the written page's statements, here and below
    with count_queries(app) as few:
        html = page(client.get(url))
    rows = {tr.th.get_text(strip=True): tr.select("td")[-1].get_text(" ", strip=True)
            for tr in html.select("tbody tr")}
    assert rows == {"Reverse mentoring": "2 September 2024: First sessions held",
                    "Fair shortlisting": "None yet"}
    for i in range(5):
        more = factories.action(plan=plan, theme=plan.themes[i % len(plan.themes)])
        factories.progress(action=more, occurred_on=date(2024, 8, 1))
        factories.progress(action=more, occurred_on=date(2024, 8, 2))
    forget_kept_pages()
    with count_queries(app) as many:
        html = page(client.get(url))
    assert len(html.select("tbody tr")) == 7
    assert len(many) == len(few)
