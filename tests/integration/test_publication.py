"""Publication: the EDI lead prepares, only the sponsor approves, anyone reads what is live,
withdrawal takes effect at once, small numbers stay safe and private actions stay out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import error_summary, page, post_form
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.models import AuditEvent, Commitment, CommitmentGoal, IndicatorTarget, Publication


@pytest.fixture
def council(factories, frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    sponsor = factories.member(role=Role.SPONSOR, organisation=org)
    earlier = factories.cycle(organisation=org, start_year=2023)
    factories.dataset(cycle=earlier)
    cycle = factories.cycle(organisation=org, start_year=2024)
    factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    _commitment(org, earlier)
    commitment = factories.action(plan=plan, theme=plan.themes[2], title="Diverse panels",
                                  success_measure="Every panel has a global majority member",
                                  status=ActionStatus.ON_TRACK)
    secret = factories.action(plan=plan, theme=plan.themes[5], title="Case review of FtP 2024",
                              status=ActionStatus.AT_RISK)
    factories.comment(action=commitment, body="Internal worry about panel X",
                      visibility="internal")
    base = f"/org/{org.slug}/cycles/2024-25/publication"
    return {"lead": lead, "sponsor": sponsor, "org": org, "cycle": cycle, "base": base,
            "commitment": commitment, "secret": secret}


def _commitment(org, set_in):
    """Inclusive recruitment: a goal with targets for SCW2 and for SCW4 (small counts)."""
    from tests.factories import current_session

    session = current_session()
    commitment = Commitment(organisation_id=org.id, title="Inclusive recruitment",
                            description="Appointed as fairly as anyone.")
    session.add(commitment)
    session.flush()
    goal = CommitmentGoal(commitment_id=commitment.id, text="Anonymous shortlisting everywhere",
                          themes=["Workforce diversity and recruitment"])
    session.add(goal)
    session.flush()
    for indicator, baseline in (("SCW2", 0.5), ("SCW4", 2.0)):
        session.add(IndicatorTarget(goal_id=goal.id, indicator=indicator, service_area="all",
                                    target_rl=1.0, by_cycle="2027-28",
                                    baseline_cycle_id=set_in.id, baseline_rl=baseline))
    session.flush()


def _prepare(client, council, **extra):
    data = {"parts": ["indicators", "commitments", "plan"],
            "private_ids": [str(council["secret"].id)], **extra}
    return post_form(client, council["base"] + "/prepare", data, token_from=council["base"])


def _approve(client, council, db_session):
    version = db_session.scalar(select(Publication.version))
    return post_form(client, council["base"] + "/approve", {"version": str(version),
                                                             "confirm": "y"},
                     token_from=council["base"])


def test_prepare_approve_read_and_withdraw(client_for, client, council, db_session):
    org, lead, sponsor = council["org"], client_for(council["lead"]), client_for(council["sponsor"])
    public_url = f"/public/{org.slug}/2024-25"
    assert client.get(public_url).status_code == 404
    assert _prepare(lead, council).status_code == 302
    assert client.get(public_url).status_code == 404  # prepared, not approved
    preview = page(lead.get(council["base"])).get_text(" ", strip=True)
    assert "Prepared, waiting for the sponsor's approval" in preview
    assert _approve(sponsor, council, db_session).status_code == 302
    response = client.get(public_url)
    assert response.status_code == 200
    text = page(response).get_text(" ", strip=True)
    assert org.name in text and "Diverse panels" in text
    assert "Inclusive recruitment" in text and "Anonymous shortlisting everywhere" in text
    assert "Case review of FtP 2024" not in text  # private
    assert "Internal worry" not in text  # no comments at all
    assert "fewer than 10" in text  # SCW4's small counts
    assert org.name in page(client.get("/public")).get_text(" ", strip=True)
    # Withdrawn: gone at once, for everyone.
    response = post_form(lead, council["base"] + "/withdraw", {"reason": "A figure was wrong"},
                         token_from=council["base"])
    assert response.status_code == 302
    assert client.get(public_url).status_code == 404
    assert org.name not in page(client.get("/public")).get_text(" ", strip=True)
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "publication").order_by(AuditEvent.id)).all()
    assert actions == ["publication.prepared", "publication.approved", "publication.withdrawn"]


def test_no_count_below_ten_is_published(client_for, client, council, db_session):
    _prepare(client_for(council["lead"]), council)
    _approve(client_for(council["sponsor"]), council, db_session)
    content = db_session.scalar(select(Publication.content))
    for area in content["figures"].values():
        for series in area["indicators"].values():
            for value in (*series["gm"], *series["white"]):
                number = value.replace(",", "")
                assert not number.isdigit() or int(number) >= 10, (series["name"], value)


def test_only_the_sponsor_approves(factories, client_for, council, db_session):
    _prepare(client_for(council["lead"]), council)
    for role in (Role.EDI_LEAD, Role.ACTION_OWNER, Role.VIEWER):
        user = factories.member(role=role, organisation=council["org"])
        assert _approve(client_for(user), council, db_session).status_code == 403, role
    assert db_session.scalar(select(Publication.status)) == "prepared"


def test_only_the_edi_lead_prepares(factories, client_for, council):
    for role in (Role.SPONSOR, Role.ACTION_OWNER, Role.VIEWER):
        user = factories.member(role=role, organisation=council["org"])
        assert _prepare(client_for(user), council).status_code == 403, role
    advisor = factories.advisor(follows=council["org"])
    assert _prepare(client_for(advisor), council).status_code == 403


def test_an_embargo_keeps_it_private_until_its_date(client_for, client, council, db_session,
                                                    frozen_clock):
    embargo = date(2025, 6, 10)
    _prepare(client_for(council["lead"]), council,
             embargo_until=[str(embargo.day), str(embargo.month), str(embargo.year)])
    _approve(client_for(council["sponsor"]), council, db_session)
    url = f"/public/{council['org'].slug}/2024-25"
    assert client.get(url).status_code == 404
    frozen_clock.move_to(embargo + timedelta(hours=12))
    assert client.get(url).status_code == 200


def test_bad_choices_are_named_and_nothing_is_saved(client_for, council, db_session):
    lead = client_for(council["lead"])
    response = _prepare(lead, council, parts=[])
    assert response.status_code == 400
    assert "Choose what the public page shows" in error_summary(response)
    response = _prepare(lead, council, embargo_until=["1", "1", "2020"])
    assert "The embargo date must be today or later" in error_summary(response)
    response = _prepare(lead, council, private_ids=["999999"])
    assert response.status_code == 400
    assert "Select the actions kept private from the list" in error_summary(response)
    assert db_session.scalar(select(Publication.id)) is None


def test_the_page_changed_since_the_sponsor_read_it_is_not_approved(client_for, council,
                                                                   db_session):
    lead, sponsor = client_for(council["lead"]), client_for(council["sponsor"])
    _prepare(lead, council)
    version = db_session.scalar(select(Publication.version))
    _prepare(lead, council, parts=["plan"])
    response = post_form(sponsor, council["base"] + "/approve",
                         {"version": str(version), "confirm": "y"}, token_from=council["base"])
    assert response.status_code == 400
    assert "prepared again since you read it" in " ".join(error_summary(response))


@pytest.mark.parametrize("who, status", [
    ("edi_lead", 200), ("owner", 200), ("sponsor", 200), ("viewer", 200), ("advisor", 200),
    ("outsider", 404), ("administrator", 404), ("anonymous", 302)])
def test_who_may_see_the_publication_page(factories, client_for, client, council, who, status):
    org = council["org"]
    roles = {"edi_lead": Role.EDI_LEAD, "owner": Role.ACTION_OWNER, "sponsor": Role.SPONSOR,
             "viewer": Role.VIEWER}
    if who in roles:
        user = factories.member(role=roles[who], organisation=org)
    elif who == "advisor":
        user = factories.advisor(follows=org)
    elif who == "outsider":
        user = factories.member(role=Role.EDI_LEAD)
    elif who == "administrator":
        user = factories.administrator()
    browser = client if who == "anonymous" else client_for(user)
    assert browser.get(council["base"]).status_code == status
    assert browser.get("/public").status_code == 200


def test_the_real_commitments_are_published_with_their_targets_kept_safe(
        client_for, client, council, db_session):
    _prepare(client_for(council["lead"]), council)
    _approve(client_for(council["sponsor"]), council, db_session)
    content = db_session.scalar(select(Publication.content))
    [published] = content["commitments"]
    assert published["title"] == "Inclusive recruitment"
    [goal] = published["goals"]
    assert goal["text"] == "Anonymous shortlisting everywhere"
    scw2, scw4 = goal["targets"]
    shown = content["figures"]["all"]["indicators"]
    assert shown["SCW4"]["rl"] is None  # its counts are small: no RL is published
    assert scw4["baseline"] is None and scw4["latest"] is None
    assert scw4["status"] == "Not shown" and "too small to publish" in scw4["reason"]
    assert scw2["latest"] == shown["SCW2"]["rl"] and scw2["latest_label"] == "2024-25"
    assert scw2["status"] in {"Met", "On course", "Not on course"}
    text = page(client.get(f"/public/{council['org'].slug}/2024-25")).get_text(" ", strip=True)
    assert "Inclusive recruitment" in text and "Anonymous shortlisting everywhere" in text
    assert "SCW2 Appointed from shortlisting, all staff: 1.00 by 2027-28" in text
    assert "SCW4 Fitness to practise referral, all staff: 1.00 by 2027-28" in text


def test_commitments_must_exist_to_be_published(client_for, council, db_session):
    db_session.execute(Commitment.__table__.delete())
    response = _prepare(client_for(council["lead"]), council)
    assert response.status_code == 400
    assert any("There are no commitments to publish" in m for m in error_summary(response))
    assert db_session.scalar(select(Publication.id)) is None


def test_a_page_published_with_actions_as_commitments_still_reads(client, council,
                                                                  db_session):
    """Public pages prepared before commitments were their own kept actions chosen as them."""
    old = {"organisation": council["org"].name, "cycle": "2024-25",
           "prepared_on": "2025-06-01", "threshold": 10, "parts": ["commitments"],
           "commitments": [{"title": "Diverse panels", "status": "On track", "overdue": False,
                            "due": "2025-09-01", "goal": "Every panel has a global majority "
                            "member", "unit": "", "target": None, "current": None,
                            "progress": None}]}
    db_session.add(Publication(organisation_id=council["org"].id,
                               cycle_id=council["cycle"].id, status="approved",
                               choices={"parts": ["commitments"], "commitment_ids": [1],
                                        "private_ids": [], "embargo_until": None},
                               content=old, prepared_by_id=council["lead"].id,
                               prepared_at=datetime.now(UTC), approved_at=datetime.now(UTC)))
    response = client.get(f"/public/{council['org'].slug}/2024-25")
    assert response.status_code == 200
    text = page(response).get_text(" ", strip=True)
    assert "Diverse panels" in text and "Every panel has a global majority member" in text
    assert "1 September 2025" in text


def test_the_page_asks_the_same_statements_however_many_actions(app, factories, client_for,
                                                                council, db_session):
    from tests.helpers import statements
    from tracker.models import ActionPlan

    browser = client_for(council["lead"])
    plan = db_session.get(ActionPlan, council["commitment"].plan_id)

    def boxes() -> tuple[int, list[str]]:
        with statements(db_session) as seen:
            response = browser.get(council["base"])
        assert response.status_code == 200
        return len(seen), [box["value"] for box in page(response).select(
            "input[name=private_ids]")]

    before, values = boxes()
    assert sorted(values) == sorted([str(council["commitment"].id), str(council["secret"].id)])
    added = [factories.action(plan=plan, theme=plan.themes[0], title=f"Action {n}")
             for n in range(15)]
    factories.action(plan=plan, theme=plan.themes[0], title="Still a draft", is_draft=True)
    after, values = boxes()
    assert after == before
    assert len(values) == 17 and all(str(a.id) in values for a in added)  # no draft
    labels = [label.get_text(strip=True) for label in page(browser.get(council["base"])).select(
        "label.govuk-checkboxes__label")]
    assert f"Action 0 ({plan.themes[0].name})" in labels
