"""Linking (issue 12): an action linked to a result in every service area at once, each with
its own baseline, and library interventions suggested for the indicators they target."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import page, post_form
from tracker.domain.roles import Role
from tracker.models import ActionIndicatorLink


def _council(factories, *, with_figures=True):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    plan = factories.plan(cycle=factories.cycle(organisation=org))
    if with_figures:
        factories.dataset(cycle=plan.cycle)
    return lead, org, plan


def _link(client, org, action, area):
    url = f"/org/{org.slug}/cycles/2024-25/plan/actions/{action.id}"
    return post_form(client, url + "/links", {"indicator": "SCW3", "service_area": area},
                     token_from=url)


def _links(db_session, action):
    return sorted(db_session.execute(select(
        ActionIndicatorLink.service_area, ActionIndicatorLink.baseline_rl).where(
        ActionIndicatorLink.action_id == action.id)).all())


def test_an_action_is_linked_in_every_service_area_at_once(factories, client_for, db_session):
    lead, org, plan = _council(factories)
    action = factories.action(plan=plan, title="Check cases first")
    client = client_for(lead)
    assert _link(client, org, action, "adults").status_code == 302
    response = _link(client, org, action, "every")
    assert response.status_code == 302
    links = _links(db_session, action)
    assert [area for area, _ in links] == ["adults", "all", "children"]
    assert all(rl is not None for _, rl in links) and len({rl for _, rl in links}) == 3
    shown = page(client.get(response.headers["Location"]))
    banner = shown.select_one(".govuk-notification-banner").get_text(" ", strip=True)
    assert "Linked to SCW3 (all staff, children's social care)" in banner
    _link(client, org, action, "every")
    again = page(client.get(response.headers["Location"])).get_text(" ", strip=True)
    assert "already linked to SCW3 in every service area" in again
    assert len(_links(db_session, action)) == 3


def test_without_figures_every_area_is_linked_without_a_baseline(factories, client_for,
                                                                 db_session):
    lead, org, plan = _council(factories, with_figures=False)
    action = factories.action(plan=plan)
    assert _link(client_for(lead), org, action, "every").status_code == 302
    assert _links(db_session, action) == [("adults", None), ("all", None), ("children", None)]


def test_the_library_is_suggested_for_uncovered_results(factories, client_for):
    lead, org, plan = _council(factories)
    viewer = factories.member(role=Role.VIEWER, organisation=org)
    url = f"/org/{org.slug}/cycles/2024-25/plan/by-indicator"
    soup = page(client_for(lead).get(url))
    suggestions = " ".join(s.get_text(" ", strip=True) for s in soup.select(".app-suggestions"))
    assert "Review fitness-to-practise referrals for fairness" in suggestions  # SCW4 uncovered
    link = soup.select_one(".app-suggestions a")["href"]
    assert "/plan/actions/new?from=" in link
    assert client_for(lead).get(link).status_code == 200
    assert not page(client_for(viewer).get(url)).select(".app-suggestions")

    library = f"/org/{org.slug}/cycles/2024-25/plan/library"
    suggested = page(client_for(lead).get(library + "?indicator=SCW6")).select_one(
        ".app-suggested").get_text(" ", strip=True)
    assert "Suggested for SCW6" in suggested
    assert "Zero-tolerance policy on abuse from the public" in suggested
    assert "Anonymous shortlisting" not in suggested
    assert not page(client_for(lead).get(library + "?indicator=NOPE")).select(".app-suggested")
