"""Before signing, the sponsor is warned of what is unfinished and confirms having seen it
(issue 12): draft actions, open actions without an owner or a due date, adverse results not
covered, and in the annual review the narratives not written."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import error_summary, page, post_form
from tracker.domain.definitions import INDICATORS_BY_ID
from tracker.domain.roles import Role
from tracker.models import AnnualReview, AuditEvent, PlanSignOff, ReviewNarrative

SCW2, SCW3 = (INDICATORS_BY_ID[sid].short_name for sid in ("SCW2", "SCW3"))
SEEN = "Confirm that you have seen the warnings before you sign off"


def _council(factories, *, with_figures=True):
    sponsor = factories.member(role=Role.SPONSOR)
    org = sponsor.memberships[0].organisation
    cycle = factories.cycle(organisation=org)
    if with_figures:
        factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    return sponsor, org, cycle, plan


def test_the_plan_sign_off_lists_what_is_unfinished_and_asks_for_a_confirmation(
        factories, client_for, frozen_clock, db_session):
    sponsor, org, cycle, plan = _council(factories)
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org)
    factories.action(plan=plan, owner=owner, title="Half an idea", is_draft=True)
    factories.action(plan=plan, owner=None, title="Nobody's")
    factories.action(plan=plan, owner=owner, title="Some day", due_date=None)
    covered = factories.action(plan=plan, owner=owner, title="Anonymous shortlisting")
    factories.link(action=covered, indicator="SCW2", service_area="adults")
    client = client_for(sponsor)
    url = f"/org/{org.slug}/cycles/{cycle.label}/plan/sign-off"

    listed = [li.get_text(" ", strip=True) for li in
              page(client.get(url)).select(".app-sign-off-warning-list li")]
    assert listed[:3] == ["1 action is a draft, not yet part of the plan: Half an idea.",
                          "1 open action has no owner: Nobody's.",
                          "1 open action has no due date: Some day."]
    assert "no open action linked to it" in listed[3]
    assert f"SCW2 {SCW2}, adult social care" not in listed[3]  # its action covers it

    response = post_form(client, url, {"signer_role": "Director", "confirm": "y"})
    assert response.status_code == 400 and error_summary(response) == [SEEN]
    assert db_session.scalar(select(PlanSignOff.id)) is None

    response = post_form(client, url, {"signer_role": "Director", "confirm": "y",
                                       "warnings_seen": "y"})
    assert response.status_code == 302
    record = db_session.scalar(select(PlanSignOff))
    assert [w["text"] for w in record.snapshot["warnings"]][:3] == [
        "1 action is a draft, not yet part of the plan", "1 open action has no owner",
        "1 open action has no due date"]
    signed = page(client.get(response.headers["Location"]))
    assert "Nobody's" in signed.select_one(".app-signed-warnings").get_text()
    event = db_session.scalar(select(AuditEvent).filter_by(entity_type="action_plan",
                                                           action="signed_off"))
    assert len(event.after["warnings_seen"]) == 4


def test_a_finished_plan_is_signed_without_the_extra_confirmation(
        factories, client_for, frozen_clock):
    sponsor, org, cycle, plan = _council(factories, with_figures=False)
    factories.action(plan=plan, owner=sponsor, title="Complete in every field")
    client = client_for(sponsor)
    url = f"/org/{org.slug}/cycles/{cycle.label}/plan/sign-off"
    soup = page(client.get(url))
    assert not soup.select(".app-sign-off-warnings") and not soup.select("#warnings_seen")
    assert post_form(client, url, {"signer_role": "Director", "confirm": "y"}
                     ).status_code == 302


def test_the_review_sign_off_warns_of_narratives_not_written(
        factories, client_for, frozen_clock, db_session):
    sponsor, org, cycle, plan = _council(factories)
    review = AnnualReview(cycle_id=cycle.id, summary="A year of progress")
    db_session.add(review)
    db_session.flush()
    db_session.add(ReviewNarrative(review_id=review.id, indicator="SCW2", service_area="adults",
                                   what_we_did="Anonymous shortlisting"))
    client = client_for(sponsor)
    url = f"/org/{org.slug}/cycles/{cycle.label}/review"
    warning, = [li.get_text(" ", strip=True) for li in
                page(client.get(url)).select(".app-sign-off-warning-list li")
                if "no narrative" in li.get_text()]
    assert "have no narrative" in warning and f"SCW3 {SCW3}, adult social care" in warning
    assert f"SCW2 {SCW2}, adult social care" not in warning  # written

    response = post_form(client, f"{url}/sign-off", {"signer_role": "Director", "confirm": "y"},
                         token_from=url)
    assert response.status_code == 400 and SEEN in error_summary(response)
    db_session.refresh(review)
    assert review.signed_at is None
    assert post_form(client, f"{url}/sign-off", {"signer_role": "Director", "confirm": "y",
                                                 "warnings_seen": "y"},
                     token_from=url).status_code == 302
    db_session.refresh(review)
    assert review.signed_at is not None


def test_the_review_sign_off_warns_of_what_the_plan_leaves_unfinished_too(
        factories, client_for, frozen_clock, db_session):
    sponsor, org, cycle, plan = _council(factories)
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org)
    factories.action(plan=plan, owner=owner, title="Half an idea", is_draft=True)
    factories.action(plan=plan, owner=None, title="Nobody's")
    factories.action(plan=plan, owner=owner, title="Some day", due_date=None)
    covered = factories.action(plan=plan, owner=owner, title="Anonymous shortlisting")
    factories.link(action=covered, indicator="SCW2", service_area="adults")
    review = AnnualReview(cycle_id=cycle.id, summary="A year of progress")
    db_session.add(review)
    db_session.flush()
    client = client_for(sponsor)
    url = f"/org/{org.slug}/cycles/{cycle.label}/review"

    listed = [li.get_text(" ", strip=True) for li in
              page(client.get(url)).select(".app-sign-off-warning-list li")]
    assert listed[:3] == ["1 action is a draft, not yet part of the plan: Half an idea.",
                          "1 open action has no owner: Nobody's.",
                          "1 open action has no due date: Some day."]
    assert "no open action linked to it" in listed[3]
    assert f"SCW3 {SCW3}, adult social care" in listed[3]
    assert f"SCW2 {SCW2}, adult social care" not in listed[3]  # its action covers it
    assert "have no narrative" in listed[4]

    response = post_form(client, f"{url}/sign-off", {"signer_role": "Director", "confirm": "y"},
                         token_from=url)
    assert response.status_code == 400 and SEEN in error_summary(response)
    assert post_form(client, f"{url}/sign-off", {"signer_role": "Director", "confirm": "y",
                                                 "warnings_seen": "y"},
                     token_from=url).status_code == 302
    event = db_session.scalar(select(AuditEvent).filter_by(entity_type="annual_review",
                                                           action="signed_off"))
    assert event.after["warnings_seen"][:3] == [
        "1 action is a draft, not yet part of the plan", "1 open action has no owner",
        "1 open action has no due date"]


def test_a_review_of_a_finished_plan_with_every_narrative_signs_without_confirmation(
        factories, client_for, frozen_clock, db_session):
    sponsor, org, cycle, plan = _council(factories, with_figures=False)
    factories.action(plan=plan, owner=sponsor, title="Complete in every field")
    db_session.add(AnnualReview(cycle_id=cycle.id, summary="A year of progress"))
    db_session.flush()
    client = client_for(sponsor)
    url = f"/org/{org.slug}/cycles/{cycle.label}/review"
    soup = page(client.get(url))
    assert not soup.select(".app-sign-off-warnings") and not soup.select("#warnings_seen")
    assert post_form(client, f"{url}/sign-off", {"signer_role": "Director", "confirm": "y"},
                     token_from=url).status_code == 302
