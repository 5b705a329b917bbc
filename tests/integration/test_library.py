"""The intervention library, editable by administrators (issue 12): it ships with today's
entries; an administrator changes, retires or adds one (title, theme, indicators, summary, a
link to its guidance), audited; EDI leads start actions from it and see it suggested."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import error_summary, page, post_form
from tracker.domain.plans import INTERVENTIONS
from tracker.domain.roles import Role
from tracker.models import AuditEvent


def _lead_plan(factories):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    plan = factories.plan(cycle=factories.cycle(organisation=org))
    return lead, org, plan


def _library(client, org):
    soup = page(client.get(f"/org/{org.slug}/cycles/2024-25/plan/library"))
    return [h.get_text(strip=True) for h in soup.select(".govuk-summary-card__title")]


def test_it_ships_with_todays_entries_and_an_administrator_changes_one(
        factories, client_for, db_session):
    lead, org, plan = _lead_plan(factories)
    admin = client_for(factories.administrator())
    assert _library(client_for(lead), org) == [i.title for i in INTERVENTIONS]
    listed = page(admin.get("/admin/library"))
    assert len(listed.select(".app-library-table tbody tr")) == len(INTERVENTIONS)

    key = "zero-tolerance-public"
    url = f"/admin/library/{key}/edit"
    form = page(admin.get(url))
    assert form.select_one("#title")["value"] == "Zero-tolerance policy on abuse from the public"
    assert form.select_one("input[name=indicators][value=SCW6]").has_attr("checked")
    response = post_form(admin, url, {
        "title": "Zero tolerance of racist abuse from the public", "theme": "Anti-racism",
        "indicators": ["SCW6", "SCW7a"], "description": "Adopt and publicise it.",
        "success_measure": "", "guidance_url": "https://example.org/zero-tolerance"})
    assert response.status_code == 302
    titles = _library(client_for(lead), org)
    assert "Zero tolerance of racist abuse from the public" in titles
    assert len(titles) == len(INTERVENTIONS)
    library = page(client_for(lead).get(
        f"/org/{org.slug}/cycles/2024-25/plan/library?indicator=SCW7a"))
    assert "Zero tolerance of racist abuse" in library.select_one(".app-suggested").get_text()
    assert library.find("a", href="https://example.org/zero-tolerance") is not None
    started = page(client_for(lead).get(
        f"/org/{org.slug}/cycles/2024-25/plan/actions/new?from={key}"))
    assert started.select_one("#title")["value"] == "Zero tolerance of racist abuse from the public"
    event = db_session.scalar(select(AuditEvent).filter_by(entity_type="library_entry"))
    assert event.action == "updated" and event.after["indicators"] == ["SCW6", "SCW7a"]


def test_an_administrator_adds_and_retires_entries(factories, client_for):
    lead, org, plan = _lead_plan(factories)
    admin = client_for(factories.administrator())
    response = post_form(admin, "/admin/library/new", {
        "title": "Stay interviews", "theme": "Workforce diversity and recruitment",
        "indicators": ["SCW8"], "description": "Ask staff why they stay, before they leave."})
    assert response.status_code == 302
    assert _library(client_for(lead), org)[-1] == "Stay interviews"
    new_action = client_for(lead).get(
        f"/org/{org.slug}/cycles/2024-25/plan/actions/new?from=stay-interviews")
    assert new_action.status_code == 200

    post_form(admin, "/admin/library/anonymous-shortlisting/edit", {
        "title": "Anonymous shortlisting and anti-bias interview panels",
        "theme": "Workforce diversity and recruitment", "indicators": ["SCW2"],
        "description": "Remove names at shortlisting.", "retired": "y"})
    assert "Anonymous shortlisting and anti-bias interview panels" not in _library(
        client_for(lead), org)
    assert client_for(lead).get(f"/org/{org.slug}/cycles/2024-25/plan/actions/new"
                                "?from=anonymous-shortlisting").status_code == 404
    assert "Retired" in page(admin.get("/admin/library")).get_text()


def test_bad_entries_are_refused_by_field_and_only_administrators_edit(factories, client_for):
    lead, org, plan = _lead_plan(factories)
    admin = client_for(factories.administrator())
    response = post_form(admin, "/admin/library/new", {
        "title": "", "theme": "Leadership", "indicators": ["NOPE"], "description": "",
        "guidance_url": "javascript:alert(1)"})
    assert response.status_code == 400
    assert set(error_summary(response)) >= {"Enter a title", "Enter a summary"}
    response = post_form(admin, "/admin/library/new", {
        "title": "Something", "theme": "Leadership", "indicators": ["SCW2"],
        "description": "A summary", "guidance_url": "javascript:alert(1)"})
    assert response.status_code == 400
    assert error_summary(response) == [
        "The link to its guidance must be a web address starting with https://"]
    assert client_for(lead).get("/admin/library").status_code == 403
    assert admin.get("/admin/library/no-such-key/edit").status_code == 404
