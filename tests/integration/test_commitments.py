"""Commitments, goals and indicator targets (issue 12): the EDI lead keeps them, everyone who
may read the organisation reads them, bad input names its field and saves nothing, and the page
asks the same number of queries however many there are."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from tests.helpers import (
    ROLES,
    csrf_token,
    database_rows,
    error_summary,
    expected_status,
    page,
    post_form,
    prepared_document,
)
from tracker.domain.roles import Role
from tracker.domain.stored_results import StoredResults
from tracker.kept_pages import forget_kept_pages
from tracker.models import (
    ActionPlan,
    AuditEvent,
    Commitment,
    CommitmentGoal,
    IndicatorDataset,
    IndicatorTarget,
    PlanTheme,
)
from tracker.services.commitments import target_words


def _council(factories, *, role: Role = Role.EDI_LEAD):
    person = factories.member(role=role)
    org = person.memberships[0].organisation
    earlier = factories.cycle(organisation=org, start_year=2023)
    factories.dataset(cycle=earlier)
    cycle = factories.cycle(organisation=org, start_year=2024)
    factories.dataset(cycle=cycle)
    factories.plan(cycle=earlier)
    factories.plan(cycle=cycle)
    factories.cycle(organisation=org, start_year=2022)  # no figures loaded
    return person, org


def _index(client, org):
    return page(client.get(f"/org/{org.slug}/commitments"))


def _add_commitment(client, org, title="Inclusive recruitment", description=""):
    return post_form(client, f"/org/{org.slug}/commitments/new",
                     {"title": title, "description": description})


def _commitment(db_session, title) -> Commitment:
    return db_session.scalar(select(Commitment).filter_by(title=title))


def _target_form(**changes) -> dict:
    return {"indicator": "SCW2", "service_area": "all", "target": "0.8", "by_cycle": "2026-27",
            "baseline_cycle": "2023-24"} | changes


def test_the_lead_keeps_commitments_goals_and_targets(factories, client_for, db_session):
    lead, org = _council(factories)
    client = client_for(lead)
    assert "has no commitments recorded yet" in _index(client, org).get_text()
    assert _add_commitment(client, org, "Inclusive recruitment",
                           "Appointed as fairly as anyone.").status_code == 302
    assert _add_commitment(client, org, "Zero tolerance of racism").status_code == 302
    recruitment = _commitment(db_session, "Inclusive recruitment")
    base = f"/org/{org.slug}/commitments/{recruitment.id}"

    response = post_form(client, base + "/goals/new", {
        "text": "Anonymous shortlisting everywhere",
        "themes": ["Workforce diversity and recruitment", "Leadership"]})
    assert response.status_code == 302
    goal = db_session.scalar(select(CommitmentGoal).filter_by(commitment_id=recruitment.id))
    assert goal.themes == ["Workforce diversity and recruitment", "Leadership"]
    response = post_form(client, f"{base}/goals/{goal.id}/targets/new", _target_form())
    assert response.status_code == 302, error_summary(response)
    target = db_session.scalar(select(IndicatorTarget).filter_by(goal_id=goal.id))
    assert target.baseline_cycle.label == "2023-24" and target.target_rl == 0.8
    figures = db_session.scalar(select(IndicatorDataset.results).filter_by(
        cycle_id=target.baseline_cycle_id))
    assert target.baseline_rl == StoredResults(figures).series("all", "SCW2").rl

    shown = _index(client, org)
    titles = [h.get_text(strip=True) for h in shown.select(".app-commitment h2")]
    assert titles == ["1. Inclusive recruitment", "2. Zero tolerance of racism"]
    row = shown.select_one(".app-targets tbody tr").get_text(" ", strip=True)
    assert "SCW2 Appointed from shortlisting" in row and "0.80 by 2026-27" in row
    assert f"{target.baseline_rl:.2f} in 2023-24" in row
    assert any(words in row for words in ("On course", "Not on course", "Met"))
    assert "Workforce diversity and recruitment" in shown.select_one(f"#goal-{goal.id}").get_text()

    # Change, reorder and remove.
    post_form(client, base + "/edit", {"title": "Inclusive recruitment and promotion",
                                       "description": ""})
    post_form(client, f"{base}/goals/{goal.id}/targets/{target.id}/edit",
              _target_form(target="0.9", by_cycle="2027-28"), token_from=f"/org/{org.slug}/commitments")
    assert target_words(target).startswith("SCW2, all staff: 0.90 by 2027-28")
    post_form(client, base + "/down", {}, token_from=f"/org/{org.slug}/commitments")
    titles = [h.get_text(strip=True) for h in _index(client, org).select(".app-commitment h2")]
    assert titles == ["1. Zero tolerance of racism", "2. Inclusive recruitment and promotion"]
    assert post_form(client, f"{base}/goals/{goal.id}/targets/{target.id}/remove",
                     {}).status_code == 302
    assert db_session.scalar(select(func.count(IndicatorTarget.id))) == 0
    assert post_form(client, base + "/remove", {}).status_code == 302
    assert _commitment(db_session, "Inclusive recruitment and promotion") is None
    assert db_session.scalar(select(func.count(CommitmentGoal.id))) == 0

    actions = list(db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "commitment", AuditEvent.organisation_id == org.id)
        .order_by(AuditEvent.id)))
    assert actions == ["commitment_added", "commitment_added", "goal_added", "target_added",
                       "commitment_changed", "target_changed", "commitment_moved",
                       "target_removed", "commitment_removed"]
    changed = db_session.scalar(select(AuditEvent).filter_by(action="target_changed"))
    assert "0.80 by 2026-27" in changed.before["target"]
    assert "0.90 by 2027-28" in changed.after["target"]


BAD_TARGETS = [
    ({"target": "abc"}, "target", "Target relative likelihood must be a number"),
    ({"target": ""}, "target", "Enter the target relative likelihood"),
    ({"target": "0"}, "target", "must be more than 0 and at most 10"),
    ({"target": "12"}, "target", "must be more than 0 and at most 10"),
    ({"by_cycle": "2023-24"}, "by_cycle", "must be after 2023-24, the cycle the target is set in"),
    ({"by_cycle": "2021-22"}, "by_cycle", "must be after 2023-24"),
    ({"by_cycle": "2026"}, "by_cycle", "must be a financial year like 2026-27"),
    ({"indicator": "SCW1"}, "indicator", "Select an indicator from SCW2 to SCW9"),
    ({"indicator": "SCW99"}, "indicator", "Select an indicator from SCW2 to SCW9"),
    ({"service_area": "everyone"}, "service_area", "Select all staff, adult or children's"),
    ({"baseline_cycle": "2022-23"}, "baseline_cycle",
     "2022-23 has no SCW2 figure for all staff to start from"),
    ({"baseline_cycle": "2019-20"}, "baseline_cycle", "Select the cycle the target is set in"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_TARGETS)
def test_a_bad_target_names_its_field_and_saves_nothing(factories, client_for, db_session,
                                                       changes, field, message):
    lead, org = _council(factories)
    client = client_for(lead)
    _add_commitment(client, org)
    commitment = _commitment(db_session, "Inclusive recruitment")
    url = f"/org/{org.slug}/commitments/{commitment.id}/goals/new"
    post_form(client, url, {"text": "Fair panels", "themes": ["Leadership"]})
    goal = commitment.goals[0]
    url = f"/org/{org.slug}/commitments/{commitment.id}/goals/{goal.id}/targets/new"
    token = csrf_token(client, url)
    db_session.flush()
    before = database_rows(db_session)
    response = client.post(url, data={"csrf_token": token, **_target_form(**changes)})
    assert response.status_code == 400
    assert any(message in text for text in error_summary(response)), error_summary(response)
    assert page(response).select_one(f"#{field}-error") is not None
    assert page(response).title.get_text(strip=True).startswith("Error: ")
    after = database_rows(db_session)
    assert {k: v for k, v in after.items() if k != "user_sessions"} == {
        k: v for k, v in before.items() if k != "user_sessions"}


def test_a_target_equal_to_its_baseline_or_given_twice_is_refused(factories, client_for,
                                                                  db_session):
    lead, org = _council(factories)
    client = client_for(lead)
    _add_commitment(client, org)
    commitment = _commitment(db_session, "Inclusive recruitment")
    post_form(client, f"/org/{org.slug}/commitments/{commitment.id}/goals/new",
              {"text": "Fair panels", "themes": ["Leadership"]})
    goal = commitment.goals[0]
    url = f"/org/{org.slug}/commitments/{commitment.id}/goals/{goal.id}/targets/new"
    assert post_form(client, url, _target_form()).status_code == 302
    response = post_form(client, url, _target_form())
    assert "This goal already has a target for SCW2, all staff" in error_summary(response)
    figures = db_session.scalar(select(IndicatorDataset.results).filter_by(
        cycle_id=goal.targets[0].baseline_cycle_id))
    baseline = StoredResults(figures).series("all", "SCW3").rl
    response = post_form(client, url, _target_form(indicator="SCW3", target=f"{baseline:.4f}"))
    assert any("The target must differ from 2023-24's figure" in m
               for m in error_summary(response))


def test_goal_and_commitment_messages_name_the_field(factories, client_for, db_session):
    lead, org = _council(factories)
    client = client_for(lead)
    response = _add_commitment(client, org, "")
    assert error_summary(response) == ["Enter the commitment's title"]
    _add_commitment(client, org)
    response = _add_commitment(client, org, "INCLUSIVE recruitment")
    assert error_summary(response) == ["There is already a commitment called INCLUSIVE recruitment"]
    commitment = _commitment(db_session, "Inclusive recruitment")
    url = f"/org/{org.slug}/commitments/{commitment.id}/goals/new"
    response = post_form(client, url, {"text": "", "themes": []})
    assert error_summary(response) == ["Enter the goal", "Select the themes this goal is part of"]
    response = post_form(client, url, {"text": "Panels", "themes": ["Not a theme"]})
    assert error_summary(response) == ["Not a theme is not one of the plan's themes"]
    assert db_session.scalar(select(func.count(CommitmentGoal.id))) == 0


def test_another_organisations_commitments_are_not_found(factories, client_for, db_session):
    lead, org = _council(factories)
    other_lead, other = _council(factories)
    _add_commitment(client_for(other_lead), other, "Allyship")
    theirs = _commitment(db_session, "Allyship")
    client = client_for(lead)
    for path in ("/edit", "/remove", "/goals/new"):
        assert client.get(f"/org/{org.slug}/commitments/{theirs.id}{path}").status_code == 404
        assert client.get(f"/org/{other.slug}/commitments/{theirs.id}{path}").status_code == 404
    response = client.post(f"/org/{org.slug}/commitments/{theirs.id}/remove",
                           data={"csrf_token": csrf_token(client, f"/org/{org.slug}")})
    assert response.status_code == 404
    assert _commitment(db_session, "Allyship") is not None


READERS = ["edi_lead", "action_owner", "sponsor", "viewer", "advisor"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_or_keeps_the_commitments(app, client_as, role, db_session):
    client = client_as(role)
    base = "/org/northshire/commitments"
    listed = client.get(base)
    assert listed.status_code == expected_status(role, READERS)
    commitment = db_session.scalar(select(Commitment).filter_by(title="Inclusive recruitment"))
    goal = commitment.goals[0]
    target = goal.targets[0]
    target_id = target.id
    if listed.status_code == 200:
        text = page(listed).get_text(" ")
        assert "Zero tolerance of racism" in text and "Allyship" in text
        assert "SCW2 Appointed from shortlisting" in text
        assert ("Add a commitment" in text) == (role == "edi_lead")
    for path in ("/new", f"/{commitment.id}/edit", f"/{commitment.id}/remove",
                 f"/{commitment.id}/goals/new", f"/{commitment.id}/goals/{goal.id}/edit",
                 f"/{commitment.id}/goals/{goal.id}/targets/new",
                 f"/{commitment.id}/goals/{goal.id}/targets/{target.id}/edit",
                 f"/{commitment.id}/goals/{goal.id}/targets/{target.id}/remove"):
        assert client.get(base + path).status_code == expected_status(role, ["edi_lead"]), path
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
    response = client.post(base + "/new", data={"csrf_token": token, "title": "Listening"})
    assert response.status_code == expected_status(role, ["edi_lead"], ok=302)
    response = client.post(f"{base}/{commitment.id}/goals/{goal.id}/targets/{target.id}/remove",
                           data={"csrf_token": token})
    assert response.status_code == expected_status(role, ["edi_lead"], ok=302)
    assert (db_session.get(IndicatorTarget, target_id) is None) == (role == "edi_lead")
    assert (_commitment(db_session, "Listening") is not None) == (role == "edi_lead")


def _count_queries(db_session, client, url) -> int:
    db_session.flush()
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def test_the_page_asks_the_same_queries_however_many_commitments(factories, client_for,
                                                                 db_session):
    lead, org = _council(factories)
    client = client_for(lead)
    cycle = org.cycles[1]

    def add(n):
        commitment = Commitment(organisation_id=org.id, title=f"Commitment {n}", position=n)
        db_session.add(commitment)
        db_session.flush()
        for g in range(2):
            goal = CommitmentGoal(commitment_id=commitment.id, text=f"Goal {g}",
                                  themes=["Leadership"], position=g)
            db_session.add(goal)
            db_session.flush()
            for indicator in ("SCW2", "SCW3"):
                db_session.add(IndicatorTarget(goal_id=goal.id, indicator=indicator,
                                               service_area="all", target_rl=1.0,
                                               by_cycle="2027-28", baseline_cycle_id=cycle.id,
                                               baseline_rl=0.5))
        db_session.flush()

    add(0)
    url = f"/org/{org.slug}/commitments"
    client.get(url)
    forget_kept_pages()  # the page as written, not as kept (tests/integration/test_kept_pages.py)
    one = _count_queries(db_session, client, url)
    for n in range(1, 6):
        add(n)
    assert _count_queries(db_session, client, url) == one


def _with_target(factories, client_for, db_session, **changes):
    lead, org = _council(factories)
    client = client_for(lead)
    _add_commitment(client, org)
    commitment = _commitment(db_session, "Inclusive recruitment")
    post_form(client, f"/org/{org.slug}/commitments/{commitment.id}/goals/new",
              {"text": "Fair panels", "themes": ["Leadership"]})
    goal = commitment.goals[0]
    response = post_form(
        client, f"/org/{org.slug}/commitments/{commitment.id}/goals/{goal.id}/targets/new",
        _target_form(**changes))
    assert response.status_code == 302, error_summary(response)
    return client, org, goal.targets[0]


def test_the_trend_chart_draws_the_target_and_the_path_to_it(factories, client_for,
                                                             db_session):
    client, org, target = _with_target(factories, client_for, db_session)
    base = f"/org/{org.slug}/trends/SCW2"
    svg = client.get(base + "/chart.svg").get_data(as_text=True)
    assert "Target 0.80 by 2026-27" in svg and "Target, and the path to it" in svg
    # The path's cycles to come are on the axis, though they do not exist yet.
    assert "2025-26" in svg and "2026-27" in svg
    other = client.get(f"/org/{org.slug}/trends/SCW3/chart.svg").get_data(as_text=True)
    assert "Target" not in other
    adults = client.get(base + "/chart.svg?area=adults").get_data(as_text=True)
    assert "Target" not in adults

    shown = page(client.get(base))
    assert "the target with the path to it" in shown.select_one("img.app-chart__image")["alt"]
    text = shown.select_one(".app-trend-target").get_text(" ", strip=True)
    assert f"0.80 by 2026-27 , from {target.baseline_rl:.2f} in 2023-24" in text
    assert "Inclusive recruitment" in text and "Fair panels" in text
    path = [[c.get_text(strip=True) for c in row.select("th, td")]
            for row in shown.select(".app-target-path tbody tr")]
    assert [label for label, _ in path] == ["2023-24", "2024-25", "2025-26", "2026-27"]
    assert path[0][1] == f"{target.baseline_rl:.2f}" and path[-1][1] == "0.80"

    listed = page(client.get(f"/org/{org.slug}/trends"))
    beside = listed.select_one("#trend-SCW2 .app-trend-target").get_text(" ", strip=True)
    assert beside.startswith("Target 0.80 by 2026-27:")
    assert listed.select_one("#trend-SCW3 .app-trend-target") is None


def test_trend_pages_ask_the_same_queries_however_many_targets(factories, client_for,
                                                               db_session):
    client, org, target = _with_target(factories, client_for, db_session)
    urls = [f"/org/{org.slug}/trends", f"/org/{org.slug}/trends/SCW2"]
    for url in urls:
        client.get(url)
    forget_kept_pages()  # the pages as written, not as kept (tests/integration/test_kept_pages.py)
    before = [_count_queries(db_session, client, url) for url in urls]
    goal = target.goal
    for indicator in ("SCW3", "SCW5", "SCW6", "SCW8"):
        db_session.add(IndicatorTarget(goal_id=goal.id, indicator=indicator, service_area="all",
                                       target_rl=1.0, by_cycle="2027-28",
                                       baseline_cycle_id=target.baseline_cycle_id,
                                       baseline_rl=0.7))
    db_session.add(IndicatorTarget(goal_id=goal.id, indicator="SCW2", service_area="adults",
                                   target_rl=1.0, by_cycle="2027-28",
                                   baseline_cycle_id=target.baseline_cycle_id, baseline_rl=0.7))
    assert [_count_queries(db_session, client, url) for url in urls] == before


def test_the_review_says_whether_each_target_is_on_course(factories, client_for, db_session):
    client, org, target = _with_target(factories, client_for, db_session)
    shown = page(client.get(f"/org/{org.slug}/cycles/2024-25/review"))
    section = shown.select_one(".app-commitment-status")
    assert section.select_one("h3").get_text(strip=True) == "Inclusive recruitment"
    line = section.select_one(".app-target-status tbody tr").get_text(" ", strip=True)
    assert line.startswith("SCW2 Appointed from shortlisting, all staff: 0.80 by 2026-27, from "
                           f"{target.baseline_rl:.2f} in 2023-24")
    assert any(words in line for words in ("On course", "Not on course", "Met"))
    assert "2024-25's figure" in line
    # As at the cycle it was set in there is no later figure; before it, no target at all.
    earlier = page(client.get(f"/org/{org.slug}/cycles/2023-24/review"))
    assert "No figure yet" in earlier.select_one(".app-target-status").get_text()
    first = page(client.get(f"/org/{org.slug}/cycles/2022-23/review"))
    assert "Fair panels" in first.select_one(".app-commitment-status").get_text()
    assert first.select_one(".app-target-status") is None


def test_the_council_report_and_board_pack_show_the_targets(factories, client_for, db_session,
                                                            frozen_clock):
    import io

    from docx import Document
    from pypdf import PdfReader

    client, org, target = _with_target(factories, client_for, db_session)
    cycle_url = f"/org/{org.slug}/cycles/2024-25"
    document = Document(io.BytesIO(prepared_document(
        client, f"{cycle_url}/sc-wres-report.docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Commitments and targets" in headings and "Inclusive recruitment" in headings
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert any(c.startswith("SCW2 Appointed from shortlisting, all staff: 0.80 by 2026-27")
               for c in cells)
    assert any(c.split(":")[0] in ("On course", "Not on course", "Met") for c in cells)
    pdf = PdfReader(io.BytesIO(prepared_document(client, f"{cycle_url}/board-pack.pdf").data))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Commitments and targets" in text and "Goal: Fair panels" in text
    assert "0.80 by 2026-27" in text
    assert any(f"1 indicator target of the commitments: 1 {words}" in text
               for words in ("met", "on course", "not on course"))


def test_a_theme_renamed_in_the_latest_plan_is_renamed_in_the_goals(factories, client_for,
                                                                    db_session):
    lead, org = _council(factories)
    client = client_for(lead)
    _add_commitment(client, org)
    commitment = _commitment(db_session, "Inclusive recruitment")
    post_form(client, f"/org/{org.slug}/commitments/{commitment.id}/goals/new",
              {"text": "Fair panels", "themes": ["Leadership", "Anti-racism"]})
    goal = commitment.goals[0]
    plans = {c.label: c for c in org.cycles}
    for label, name in (("2023-24", "Leading well"), ("2024-25", "Leadership and culture")):
        theme = db_session.scalar(select(PlanTheme).join(ActionPlan, ActionPlan.id == PlanTheme.plan_id)
                                  .where(ActionPlan.cycle_id == plans[label].id,
                                         PlanTheme.name == "Leadership"))
        response = post_form(client, f"/org/{org.slug}/cycles/{label}/plan/themes/{theme.id}"
                             "/rename", {"name": name},
                             token_from=f"/org/{org.slug}/cycles/{label}/plan/themes")
        assert response.status_code == 302
    db_session.refresh(goal)
    assert goal.themes == ["Leadership and culture", "Anti-racism"]  # the latest plan's only


def test_the_review_asks_the_same_queries_however_many_targets(factories, client_for,
                                                               db_session):
    client, org, target = _with_target(factories, client_for, db_session)
    url = f"/org/{org.slug}/cycles/2024-25/review"
    client.get(url)
    forget_kept_pages()  # the page as written, not as kept (tests/integration/test_kept_pages.py)
    before = _count_queries(db_session, client, url)
    for n in range(3):
        commitment = Commitment(organisation_id=org.id, title=f"More {n}", position=n + 1)
        db_session.add(commitment)
        db_session.flush()
        goal = CommitmentGoal(commitment_id=commitment.id, text="More", themes=["Leadership"])
        db_session.add(goal)
        db_session.flush()
        for indicator in ("SCW3", "SCW8"):
            db_session.add(IndicatorTarget(goal_id=goal.id, indicator=indicator,
                                           service_area="all", target_rl=1.0,
                                           by_cycle="2027-28",
                                           baseline_cycle_id=target.baseline_cycle_id,
                                           baseline_rl=1.5))
    assert _count_queries(db_session, client, url) == before


def test_goals_are_changed_reordered_and_removed(factories, client_for, db_session):
    lead, org = _council(factories)
    client = client_for(lead)
    _add_commitment(client, org)
    commitment = _commitment(db_session, "Inclusive recruitment")
    base = f"/org/{org.slug}/commitments/{commitment.id}"
    for text in ("Fair panels", "Anonymous shortlisting"):
        post_form(client, base + "/goals/new", {"text": text, "themes": ["Leadership"]})
    first, second = commitment.goals
    index = f"/org/{org.slug}/commitments"
    post_form(client, f"{base}/goals/{second.id}/up", {}, token_from=index)
    db_session.refresh(commitment)
    assert [g.text for g in commitment.goals] == ["Anonymous shortlisting", "Fair panels"]
    response = post_form(client, f"{base}/goals/{first.id}/edit",
                         {"text": "Diverse panels", "themes": ["Anti-racism", "Leadership"]})
    assert response.status_code == 302
    db_session.refresh(first)
    assert first.text == "Diverse panels" and first.themes == ["Anti-racism", "Leadership"]
    post_form(client, f"{first.id}".join([base + "/goals/", "/targets/new"]), _target_form())
    removing = page(client.get(f"{base}/goals/{first.id}/remove")).get_text(" ", strip=True)
    assert "Diverse panels" in removing and "Its targets are removed with it." in removing
    assert post_form(client, f"{base}/goals/{first.id}/remove", {}).status_code == 302
    assert [g.text for g in db_session.scalars(select(CommitmentGoal))] == [
        "Anonymous shortlisting"]
    assert db_session.scalar(select(func.count(IndicatorTarget.id))) == 0
    removed = db_session.scalar(select(AuditEvent).filter_by(action="goal_removed"))
    assert removed.before["goal"] == "Diverse panels" and len(removed.before["targets"]) == 1
