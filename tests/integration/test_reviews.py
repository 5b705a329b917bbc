"""Year on year: trends with their classification, the annual review, carry-over, national figures."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import (
    ROLES,
    change_words,
    csrf_token,
    demo_changes,
    error_summary,
    expected_status,
    page,
    post_form,
)
from tracker.domain.definitions import SERIES_IDS
from tracker.domain.plans import ActionStatus
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import (
    Action,
    AnnualReview,
    AuditEvent,
    NationalFigure,
    Organisation,
    ReportingCycle,
)

ORG = "/org/northshire"
READERS = ["edi_lead", "action_owner", "sponsor", "viewer", "advisor"]


def _changes(client, indicator, area):
    rows = page(client.get(f"{ORG}/trends/{indicator}?area={area}")).select("main table")[0]
    return [(r.th.get_text(strip=True), r.select("td")[4].get_text(" ", strip=True))
            for r in rows.select("tbody tr")]


def test_three_demo_cycles_show_the_expected_movement(client_as):
    viewer = client_as("viewer")
    for indicator in SERIES_IDS:
        expected = [(label, change_words(change)) for label, _, change in
                    demo_changes(indicator, "adults")]
        shown = _changes(viewer, indicator, "adults")
        assert [label for label, _ in shown] == [label for label, _ in expected], indicator
        for (label, words), (_, text) in zip(expected, shown, strict=True):
            assert text.startswith(words), (indicator, label, text)
    # the demo's story: leaving moved towards parity in 2023-24, appointment from shortlisting
    # in 2024-25, and harassment from managers away from it
    assert demo_changes("SCW8", "adults")[1][2].movement == "towards"
    assert demo_changes("SCW2", "adults")[2][2].movement == "towards"
    assert demo_changes("SCW7b", "adults")[2][2].movement == "away"
    overview = page(viewer.get(f"{ORG}/trends?area=adults"))
    assert "Towards parity" in overview.find(id="trend-SCW2").get_text()
    assert "Away from parity" in overview.find(id="trend-SCW7b").get_text()


def test_trend_shows_national_figures_and_action_markers(client_as):
    viewer = client_as("viewer")
    html = page(viewer.get(f"{ORG}/trends/SCW2?area=all"))
    national = [r.select("td")[5].get_text(" ", strip=True) for r in
                html.select("main table")[0].select("tbody tr")]
    assert national[0].startswith("0.50") and national[1].startswith("0.52")  # 2023, 2024
    markers = [(r.select("td")[1].get_text(strip=True), r.select("td")[2].get_text(" ", strip=True))
               for r in html.select(".app-marker")]
    assert ("Completed", "Train recruiting panel chairs (2023-24)") in markers
    started = [m for m in markers if m[0] == "Started"]
    assert any("Anonymous shortlisting for all social work posts" in m[1] for m in started)
    # a carried action is marked once, where it first started
    assert sum("Diverse interview panels" in m[1] for m in started) == 1
    svg = viewer.get(f"{ORG}/trends/SCW2/chart.svg?area=all")
    assert svg.mimetype == "image/svg+xml" and "<script" not in svg.get_data(as_text=True)
    assert "2022-23" in svg.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_trends_and_reviews(client_as, role):
    client = client_as(role)
    for path in ("/trends", "/trends/SCW3?area=adults", "/trends/SCW3/chart.svg",
                 "/cycles/2023-24/review", "/cycles/2024-25/review"):
        assert client.get(ORG + path).status_code == expected_status(role, READERS), path
    assert client.get(ORG + "/cycles/2024-25/next-cycle").status_code == expected_status(
        role, ["edi_lead"])
    assert client.get(ORG + "/trends/SCW99").status_code in (302, 404)


def test_review_facts_are_filled_in(client_as):
    html = page(client_as("viewer").get(f"{ORG}/cycles/2024-25/review"))
    fact = html.find(id="SCW2-adults").get_text(" ", strip=True)
    _, rl, change = demo_changes("SCW2", "adults")[-1]
    assert f"RL {rl:.2f}" in fact and change.words in fact and "since 2023-24" in fact
    fact = html.find(id="SCW2-all").get_text(" ", strip=True)
    assert "1 carried over" not in fact  # carried actions live in the earlier cycles
    older = page(client_as("viewer").get(f"{ORG}/cycles/2023-24/review"))
    assert "2 carried over" in older.find(id="SCW2-all").get_text(" ", strip=True) or \
        "1 carried over" in older.find(id="SCW2-all").get_text(" ", strip=True)


def test_edi_lead_writes_and_sponsor_signs_off_then_it_is_locked(app, client_as):
    lead, sponsor = client_as("edi_lead"), client_as("sponsor")
    review = f"{ORG}/cycles/2024-25/review"
    narrative = f"{review}/narrative/SCW3/adults"
    assert post_form(lead, narrative, {"what_we_did": "Checkpoint panel",
                                       "what_changed": "RL fell", "next_steps": "Audit"}
                     ).status_code == 302
    assert post_form(lead, f"{review}/summary", {"summary": "A year of progress"},
                     token_from=review).status_code == 302
    response = post_form(sponsor, f"{review}/sign-off", {"signer_role": "", "confirm": ""},
                         token_from=review)
    assert set(error_summary(response)) == {"Enter your role",
                                            "Confirm that you sign off the review"}
    assert post_form(sponsor, f"{review}/sign-off", {"signer_role": "Director", "confirm": "y",
                                                      "warnings_seen": "y"},
                     token_from=review).status_code == 302
    html = page(lead.get(review))
    assert "Signed off" in html.get_text() and "Helen Clarke, Director" in html.get_text()
    assert "A year of progress" in html.find(id="review-summary").get_text()
    # every route refuses an edit now, for every role
    for role in ROLES:
        client = client_as(role)
        token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
        got = {
            "narrative": client.post(narrative, data={"csrf_token": token,
                                                      "what_we_did": "Changed"}).status_code,
            "summary": client.post(f"{review}/summary", data={"csrf_token": token,
                                                              "summary": "Changed"}).status_code,
            "sign-off": client.post(f"{review}/sign-off", data={
                "csrf_token": token, "signer_role": "X", "confirm": "y",
                "warnings_seen": "y"}).status_code,
        }
        locked = {"narrative": 409, "summary": 409, "sign-off": 403}
        if role == "sponsor":
            locked = {"narrative": 403, "summary": 403, "sign-off": 409}
        expected = locked if role in ("edi_lead", "sponsor") else {
            k: expected_status(role, []) for k in got}
        assert got == expected, role
    with app.app_context():
        signed = db.session.scalar(db.select(AnnualReview).join(ReportingCycle).where(
            ReportingCycle.label == "2024-25", ReportingCycle.organisation.has(slug="northshire")))
        assert signed.summary == "A year of progress" and signed.signer_role == "Director"
        assert [n.what_we_did for n in signed.narratives] == ["Checkpoint panel"]
    # ... but it can be amended, and both stay visible
    assert post_form(lead, f"{review}/amendments", {"text": "SCW3 corrected after audit"},
                     token_from=review).status_code == 302
    assert post_form(sponsor, f"{review}/amendments", {"text": "Noted by the sponsor"},
                     token_from=review).status_code == 302
    viewer = client_as("viewer")
    token = csrf_token(viewer, review)
    assert viewer.post(f"{review}/amendments", data={"csrf_token": token, "text": "x"}
                       ).status_code == 403
    text = page(viewer.get(review)).get_text()
    assert "SCW3 corrected after audit" in text and "Noted by the sponsor" in text
    assert "A year of progress" in text


def test_amendments_are_only_for_signed_reviews(client_as):
    lead = client_as("edi_lead")
    review = f"{ORG}/cycles/2024-25/review"
    response = post_form(lead, f"{review}/amendments", {"text": "Too early"}, token_from=review)
    assert response.status_code == 400
    assert error_summary(response) == ["The review is not signed off yet: edit it directly"]


def _next_cycle(client, label, carry_all=True, reasons=None, leave=()):
    url = f"{ORG}/cycles/{label}/next-cycle"
    soup = page(client.get(url))
    data = {"csrf_token": soup.find("input", attrs={"name": "csrf_token"})["value"],
            "label": soup.find(id="label")["value"]}
    for field in ("period_start", "period_end", "snapshot_date"):
        data[field] = [soup.find(id=f"{field}-{part}")["value"] for part in ("day", "month", "year")]
    for box in soup.select("input[name^=carry-]"):
        action_id = box["name"].removeprefix("carry-")
        if carry_all and int(action_id) not in leave:
            data[box["name"]] = "yes"
        data[f"reason-{action_id}"] = (reasons or {}).get(int(action_id), "")
    return client.post(url, data=data), data["label"]


def _chain_titles(app, title):
    with app.app_context():
        return db.session.scalars(db.select(Action).filter_by(title=title).order_by(Action.id)).all()


def test_carrying_over_twice_keeps_one_unbroken_history(app, client_as):
    lead = client_as("edi_lead")
    title = "Diverse interview panels for posts at team manager and above"
    response, label = _next_cycle(lead, "2024-25")
    assert response.status_code == 302 and label == "2025-26"
    response, label = _next_cycle(lead, "2025-26")
    assert response.status_code == 302 and label == "2026-27"
    with app.app_context():
        from tracker.models import ActionPlan
        chain = db.session.scalars(
            db.select(Action).join(ActionPlan).join(ReportingCycle).where(Action.title == title)
            .order_by(ReportingCycle.period_start)).all()
        assert len(chain) == 5
        assert [a.status for a in chain[:-1]] == [ActionStatus.CARRIED_OVER] * 4
        assert all(chain[i + 1].carried_from_id == chain[i].id for i in range(4))
        latest = chain[-1]
        new_cycle = db.session.scalar(db.select(ReportingCycle).filter_by(label="2026-27"))
        started = [e.after for e in db.session.scalars(db.select(AuditEvent).filter_by(
            entity_type="reporting_cycle", action="next_cycle_started").order_by(AuditEvent.id))]
        assert [(e["from"], e["to"]) for e in started] == [("2024-25", "2025-26"),
                                                          ("2025-26", "2026-27")]
    html = page(lead.get(f"{ORG}/cycles/2026-27/plan/actions/{latest.id}"))
    chain_items = [li.get_text(" ", strip=True) for li in html.select(".app-carry-chain li")]
    assert [item.split(":")[0] for item in chain_items] == [
        "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    history = html.select("main table")[-1].get_text(" ", strip=True)
    assert history.count("Carried over") == 4 and history.count("Carried in") == 4
    # the original's link comes first
    assert history.index("Linked; Indicator: SCW2, all staff") < history.index("Carried over")
    assert new_cycle is not None
    original = page(lead.get(f"{ORG}/cycles/2022-23/plan/actions/{chain[0].id}")).get_text()
    assert "Carried over" in original and "2026-27" in original
    plan = lead.get(f"{ORG}/cycles/2026-27/plan").get_data(as_text=True)
    assert "Governance and accountability" in plan  # themes came along


def test_leaving_an_action_behind_needs_a_reason_and_keeps_it(app, client_as):
    lead = client_as("edi_lead")
    with app.app_context():
        left = db.session.scalar(db.select(Action).filter_by(
            title="Annual audit of disciplinary outcomes by ethnicity"))
        left_id = left.id
    response, _ = _next_cycle(lead, "2024-25", leave=(left_id,))
    assert response.status_code == 400
    assert "Give a reason for leaving 'Annual audit of disciplinary outcomes by ethnicity' " \
           "behind" in page(response).select_one(".govuk-error-summary").get_text()
    with app.app_context():
        assert db.session.scalar(db.select(ReportingCycle).filter_by(label="2025-26")) is None
    response, _ = _next_cycle(lead, "2024-25", leave=(left_id,),
                              reasons={left_id: "Folded into the HR audit plan"})
    assert response.status_code == 302
    with app.app_context():
        action = db.session.get(Action, left_id)
        assert action.left_behind_reason == "Folded into the HR audit plan"
        assert action.status == ActionStatus.NOT_STARTED
        copies = db.session.scalar(db.select(db.func.count(Action.id)).filter_by(
            carried_from_id=left_id))
        assert copies == 0
    html = lead.get(f"{ORG}/cycles/2024-25/plan/actions/{left_id}").get_data(as_text=True)
    assert "Folded into the HR audit plan" in html


@pytest.mark.parametrize("role", ROLES)
def test_national_figures_are_entered_by_administrators(app, client_as, role):
    client = client_as(role)
    expected = {"administrator": 200, "anonymous": 302}.get(role, 403)
    assert client.get("/admin/national-figures").status_code == expected
    if role != "administrator":
        return
    response = post_form(client, "/admin/national-figures", {"year": "25", "indicator": "SCW1",
                                                             "band": "", "value": "1.5"})
    assert set(error_summary(response)) == {
        "Enter the year of the national report, like 2025",
        "Enter the pay band for an SCW1 figure",
        "Enter the global majority share as a fraction between 0 and 1, like 0.18"}
    response = post_form(client, "/admin/national-figures", {"year": "2025", "indicator": "SCW2",
                                                             "value": "0.6", "authorities": "80"})
    assert response.status_code == 302
    with app.app_context():
        figure = db.session.scalar(db.select(NationalFigure).filter_by(year="2025",
                                                                       indicator="SCW2"))
        assert figure.value == 0.6 and figure.authorities == 80
    html = page(client_as("viewer").get(f"{ORG}/trends/SCW2?area=all"))
    assert html.select("main table")[0].select("tbody tr")[2].select("td")[5].get_text(
        strip=True).startswith("0.60")


def test_trends_page_queries_do_not_grow_with_cycles(app, client_as, db_session):
    from tests.integration.test_plans import count_queries

    viewer = client_as("viewer")
    viewer.get(f"{ORG}/trends")
    forget_kept_pages()  # the page as written, not as kept (tests/integration/test_kept_pages.py)
    with count_queries(app) as before:
        viewer.get(f"{ORG}/trends")
    northshire = db_session.scalar(db.select(Organisation).filter_by(slug="northshire"))
    for year in range(2010, 2020):
        db_session.add(ReportingCycle(organisation=northshire, label=f"{year}-{year % 100 + 1:02d}",
                                      period_start=date(year, 4, 1),
                                      period_end=date(year + 1, 3, 31),
                                      snapshot_date=date(year + 1, 3, 31)))
    db_session.flush()  # the test's own inserts are not the page's queries
    with count_queries(app) as after:
        response = viewer.get(f"{ORG}/trends")
    assert response.status_code == 200
    assert len(after) == len(before)
    # the page really has the ten new cycles to show (else the equal counts would prove nothing)
    html = response.get_data(as_text=True)
    assert "2010-11" in html and "2019-20" in html


def test_review_opens_with_a_table_at_a_glance(client_as):
    html = page(client_as("viewer").get(f"{ORG}/cycles/2023-24/review"))
    rows = html.select(".app-review-glance tbody tr")
    assert len(rows) == 27  # nine series for all staff, adults and children
    scw2 = [r for r in rows if r.th.get_text(strip=True).startswith("SCW2")
            and "Adult social care" in r.get_text()][0]
    assert scw2.select("td")[3].get_text(strip=True) == "Written"
    assert scw2.th.a["href"] == "#SCW2-adults"


def test_trend_page_queries_do_not_grow_with_linked_actions(app, client_as, db_session,
                                                            factories):
    from tests.integration.test_plans import count_queries
    from tracker.models import ActionPlan

    viewer = client_as("viewer")
    url = f"{ORG}/trends/SCW2"
    viewer.get(url)
    forget_kept_pages()  # the page as written, not as kept (tests/integration/test_kept_pages.py)
    with count_queries(app) as before:
        viewer.get(url)
    plan = db_session.scalar(db.select(ActionPlan).join(ReportingCycle).join(Organisation)
                             .where(Organisation.slug == "northshire",
                                    ReportingCycle.label == "2024-25"))
    for number in range(12):
        action = factories.action(plan=plan, title=f"Marked action {number}",
                                  status=ActionStatus.COMPLETE, start_date=date(2024, 5, 1))
        factories.link(action=action, indicator="SCW2", service_area="all")
        for day in (1, 2):
            factories.progress(action=action, occurred_on=date(2024, 9, day),
                               new_status=ActionStatus.COMPLETE)
    db_session.flush()
    with count_queries(app) as after:
        response = viewer.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)
    rows = page(response).select(".app-marker--completed")
    marked = [r for r in rows if "Marked action" in r.get_text()]
    assert len(marked) == 12  # the latest completing update's date, each action once
    assert all(r.td.get_text(strip=True) == "2 September 2024" for r in marked)
    hrefs = {r.a["href"] for r in marked}  # each links to its action in its cycle's plan
    assert hrefs == {f"{ORG}/cycles/2024-25/plan/actions/{a}" for a in db_session.scalars(
        db.select(Action.id).where(Action.title.startswith("Marked action")))}
    assert viewer.get(sorted(hrefs)[0]).status_code == 200


def test_next_cycle_page_queries_do_not_grow_with_open_actions(app, client_as, db_session,
                                                               factories):
    from tests.integration.test_plans import count_queries
    from tracker.models import ActionPlan

    lead = client_as("edi_lead")
    url = f"{ORG}/cycles/2024-25/next-cycle"
    lead.get(url)
    forget_kept_pages()  # the page as written, not as kept (tests/integration/test_kept_pages.py)
    with count_queries(app) as before:
        lead.get(url)
    plan = db_session.scalar(db.select(ActionPlan).join(ReportingCycle).join(Organisation)
                             .where(Organisation.slug == "northshire",
                                    ReportingCycle.label == "2024-25"))
    added = [factories.action(plan=plan, title=f"Open action {n}", status=ActionStatus.ON_TRACK,
                              due_date=date(2020, 1, n + 1)) for n in range(12)]
    factories.action(plan=plan, title="Done already", status=ActionStatus.COMPLETE)
    db_session.flush()
    with count_queries(app) as after:
        response = lead.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)
    html = page(response)
    for action in added:  # each offered, ticked, with a new due date (its own has passed)
        assert html.select_one(f"#carry-{action.id}").has_attr("checked")
        assert html.select_one(f"#due-{action.id}-year") is not None
    assert "Done already" not in html.get_text()


@pytest.mark.parametrize("role", ["edi_lead", "sponsor"])
def test_review_page_queries_do_not_grow_with_the_plan(app, client_as, db_session, factories,
                                                       role):
    import re

    from tests.integration.test_plans import count_queries
    from tracker.models import ActionPlan

    browser = client_as(role)
    url = f"{ORG}/cycles/2024-25/review"

    def linked(response) -> list[int]:  # completed, overdue, carried over, open
        text = " ".join(page(response).select_one("#SCW2-adults").get_text(" ").split())
        return [int(n) for n in re.search(r"Linked actions (\d+) completed, (\d+) overdue, "
                                          r"(\d+) carried over, (\d+) open", text).groups()]

    browser.get(url)
    forget_kept_pages()  # the page as written, not as kept (tests/integration/test_kept_pages.py)
    with count_queries(app) as before:
        first = linked(browser.get(url))
    plan = db_session.scalar(db.select(ActionPlan).join(ReportingCycle).join(Organisation)
                             .where(Organisation.slug == "northshire",
                                    ReportingCycle.label == "2024-25"))
    for number in range(6):  # linked, done, overdue, without an owner, a draft
        done = factories.action(plan=plan, title=f"Done {number}", status=ActionStatus.COMPLETE)
        late = factories.action(plan=plan, title=f"Late {number}", status=ActionStatus.ON_TRACK,
                                due_date=date(2020, 1, 1), owner=None)
        factories.action(plan=plan, title=f"Draft {number}", is_draft=True)
        for action in (done, late):
            factories.link(action=action, indicator="SCW2", service_area="adults")
    db_session.flush()
    with count_queries(app) as after:
        response = browser.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)
    # The cycles' results are read once, for the facts, the commitments and the warnings alike,
    # and the thread's advisory groups with their advisors in the same statement.
    assert sum("indicator_datasets.results" in s for s in after) == 1
    assert sum(" advisory_groups" in s for s in after) == 1
    assert linked(response) == [first[0] + 6, first[1] + 6, first[2], first[3]]
    if role == "sponsor":  # the warnings before signing off name them
        warnings = page(response).get_text(" ", strip=True)
        assert "Draft 5" in warnings and "Late 5" in warnings
    else:  # each fact links to its narrative's form
        link = page(response).select_one("#SCW2-adults a[href*='/narrative/']")["href"]
        assert link == f"{ORG}/cycles/2024-25/review/narrative/SCW2/adults"
        assert browser.get(link).status_code == 200


def test_each_review_fact_is_its_cycle_on_the_trend(app, demo, app_context, db_session):
    """The review reads back only to the last earlier cycle with a figure: its rows are the
    trend's, for every cycle, area and indicator (gaps included: a cycle without figures)."""
    from tracker.domain.roles import Role
    from tracker.services import reviews as review_service
    from tracker.services.access import OrgAccess

    northshire = db_session.scalar(db.select(Organisation).filter_by(slug="northshire"))
    db_session.add(ReportingCycle(organisation=northshire, label="2019-20",
                                  period_start=date(2019, 4, 1), period_end=date(2020, 3, 31),
                                  snapshot_date=date(2020, 3, 31)))  # a gap: no figures
    db_session.flush()
    access = OrgAccess(organisation=northshire, roles=frozenset({Role.VIEWER.value}))
    cycles = review_service.cycles_with_results(access=access)
    national = review_service.national_values()
    compared = 0
    for cycle, _ in cycles:
        review = review_service.get_review(access=access, cycle=cycle)
        for fact in review_service.review_facts(access=access, cycle=cycle, review=review,
                                                today=date(2025, 6, 2), actions=[]):
            trend = review_service.indicator_trend(access=access, indicator=fact.indicator,
                                                   area=fact.area, cycles=cycles,
                                                   national=national)
            assert fact.row == next(r for r in trend if r.cycle.id == cycle.id), (
                cycle.label, fact.indicator, fact.area)
            compared += 1
    assert compared > 27 * 3
