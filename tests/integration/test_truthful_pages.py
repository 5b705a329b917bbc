"""Pages that said wrong things: each test here failed before its fix (issue 12, first part)."""

from __future__ import annotations

import re
from datetime import date

from tests.factories import demo_counts_rows
from tests.helpers import error_summary, page, post_form
from tracker.domain.roles import Role
from tracker.models import Action


def _lead_with_cycle(factories, *, rows=None):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    cycle = factories.cycle(organisation=org)
    factories.dataset(cycle=cycle, **({"rows": rows} if rows is not None else {}))
    return lead, org, cycle


def _text(response) -> str:
    return page(response).select_one("main").get_text(" ", strip=True)


def _start_next_cycle(client, org, label="2024-25", carry=()):
    url = f"/org/{org.slug}/cycles/{label}/next-cycle"
    data = {"label": "2025-26", "period_start": ["1", "4", "2025"],
            "period_end": ["31", "3", "2026"], "snapshot_date": ["31", "3", "2026"]}
    data.update({f"carry-{action.id}": "yes" for action in carry})
    return post_form(client, url, data)


def test_the_new_cycles_pages_work_after_starting_it(factories, client_for, frozen_clock):
    lead, org, cycle = _lead_with_cycle(factories)
    plan = factories.plan(cycle=cycle)
    action = factories.action(plan=plan, owner=lead, title="Anonymous shortlisting")
    factories.link(action=action, indicator="SCW2", service_area="adults")
    client = client_for(lead)
    assert _start_next_cycle(client, org, carry=[action]).status_code == 302

    response = client.get(f"/org/{org.slug}/cycles/2025-26/plan/by-indicator")
    assert response.status_code == 200
    text = _text(response)
    assert "No indicator figures are loaded for 2025-26 yet" in text
    assert "Anonymous shortlisting" in text and "No figures loaded" in text
    for url in (f"/org/{org.slug}/trends", f"/org/{org.slug}/trends/SCW2?area=adults",
                f"/org/{org.slug}/trends/SCW2/chart.svg?area=adults",
                f"/org/{org.slug}/cycles/2025-26/review"):
        response = client.get(url)
        assert response.status_code == 200, url
    trend = _text(client.get(f"/org/{org.slug}/trends/SCW2?area=adults"))
    assert "No figures loaded for 2025-26" in trend
    assert "No interval: no figures loaded for 2025-26" in trend


def _with(rows, changes: dict) -> list[dict]:
    """The demo's counts with some (area, indicator, group) -> (numerator, denominator) changed."""
    out = []
    for row in rows:
        key = (row["service_area"], row["indicator"], row["group"])
        if row["indicator"] == "SCW1" and (row["service_area"], "SCW1", row["group"]) in changes:
            row = {**row, "numerator": changes[key]}
        elif key in changes:
            row = {**row, "numerator": changes[key][0], "denominator": changes[key][1]}
        out.append(row)
    return out


def test_the_nhs_way_up_says_what_the_figure_says(factories, client_for):
    rows = _with(demo_counts_rows(), {
        ("adults", "SCW2", "gm"): (31, 100), ("adults", "SCW2", "white"): (50, 100)})
    lead, org, cycle = _lead_with_cycle(factories, rows=rows)
    client = client_for(lead)
    url = f"/org/{org.slug}/cycles/{cycle.label}/indicators?area=adults"

    usual = page(client.get(url)).select_one("#row-SCW2").get_text(" ", strip=True)
    assert "0.62" in usual
    assert "Global majority applicants are 38% less likely to be appointed" in usual
    assert "better: higher" in usual

    nhs = page(client.get(url + "&orientation=nhs")).select_one("#row-SCW2").get_text(" ",
                                                                                    strip=True)
    assert "1.61" in nhs
    assert ("White applicants are 61% more likely to be appointed: global majority "
            "applicants are 38% less likely") in nhs
    assert "White / global majority; better: lower" in nhs
    assert "Global majority applicants are 61% more likely" not in nhs
    chart = client.get(f"/org/{org.slug}/cycles/{cycle.label}/indicators/chart.svg"
                       "?area=adults&orientation=nhs").get_data(as_text=True)
    assert "SCW2 and SCW5 white / global majority" in chart
    assert "SCW2 Appointed from shortlisting (white / GM)" in chart
    assert "SCW3 Formal disciplinary (white / GM)" not in chart


def test_a_council_without_global_majority_staff_is_told_so(factories, client_for):
    rows = [{**row, "numerator": 0, "denominator": 0 if row["denominator"] is not None else None}
            if row["group"] == "gm" else row for row in demo_counts_rows()]
    lead, org, cycle = _lead_with_cycle(factories, rows=rows)
    text = _text(client_for(lead).get(f"/org/{org.slug}/cycles/{cycle.label}/indicators"))
    assert "No data" not in text
    assert "0.0 pp" not in text and "+0.0 pp" not in text
    assert "No global majority staff in post" in text
    assert "no global majority staff in post, so there is no gap" in text
    assert "No global majority shortlisted applicants" in text
    assert "No global majority staff" in text


def test_an_interval_that_cannot_exist_says_why(factories, client_for):
    rows = _with(demo_counts_rows(), {("adults", "SCW3", "gm"): (0, 451)})
    lead, org, cycle = _lead_with_cycle(factories, rows=rows)
    row = page(client_for(lead).get(
        f"/org/{org.slug}/cycles/{cycle.label}/indicators?area=adults")).select_one("#row-SCW3")
    text = row.get_text(" ", strip=True)
    assert "No interval: no global majority staff entered the formal disciplinary process" in text
    assert "None" not in text


def test_history_says_names_and_words(factories, client_for, db_session, frozen_clock):
    lead, org, cycle = _lead_with_cycle(factories)
    other = factories.member(role=Role.ACTION_OWNER, organisation=org, name="Tom Okafor")
    plan = factories.plan(cycle=cycle)
    action = factories.action(plan=plan, owner=lead, title="Reverse mentoring",
                              due_date=date(2025, 9, 5))
    client = client_for(lead)
    url = f"/org/{org.slug}/cycles/{cycle.label}/plan/actions/{action.id}/edit"
    form = page(client.get(url))
    data = {field["name"]: field.get("value", "") for field in form.select("main form input")
            if field.get("name") and field.get("type") not in ("submit", "checkbox")}
    data.update({"title": "Reverse mentoring", "owner_id": str(other.id),
                 "theme_id": str(plan.themes[3].id), "status": "at_risk",
                 "due_date": ["5", "3", "2026"], "start_date": ["", "", ""]})
    response = client.post(url, data=data)
    assert response.status_code == 302, error_summary(response)
    history = page(client.get(response.headers["Location"])).select("main table")[-1]
    text = history.get_text(" ", strip=True)
    assert f"Owner: {lead.name} to Tom Okafor" in text
    assert "Theme: Governance and accountability to Leadership" in text
    assert "Status: On track to At risk" in text
    assert "Due date: 5 September 2025 to 5 March 2026" in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b|on_track|at_risk|\b05 ", text)


def test_a_signed_plan_shows_uk_dates(factories, client_for, frozen_clock):
    lead, org, cycle = _lead_with_cycle(factories)
    sponsor = factories.member(role=Role.SPONSOR, organisation=org)
    plan = factories.plan(cycle=cycle)
    factories.action(plan=plan, owner=lead, due_date=date(2026, 3, 5))
    client = client_for(sponsor)
    url = f"/org/{org.slug}/cycles/{cycle.label}/plan/sign-off"
    response = post_form(client, url, {"signer_role": "Director", "confirm": "y",
                                       "warnings_seen": "y"})
    assert response.status_code == 302
    text = _text(client.get(response.headers["Location"]))
    assert "5 March 2026" in text and "2026-03-05" not in text


def test_the_audit_trail_says_dates_and_names(factories, client_for, frozen_clock):
    admin = factories.administrator()
    lead, org, cycle = _lead_with_cycle(factories)
    client = client_for(lead)
    response = post_form(client, f"/org/{org.slug}/cycles/new", {
        "label": "2025-26", "period_start": ["1", "4", "2025"], "period_end": ["31", "3", "2026"],
        "snapshot_date": ["31", "3", "2026"]})
    assert response.status_code == 302
    text = _text(client_for(admin).get("/admin/audit"))
    assert "Period start: 1 April 2025" in text and "2025-04-01" not in text


def test_a_carried_action_keeps_the_none_free_plan_table(factories, client_for, db_session):
    lead, org, cycle = _lead_with_cycle(factories)
    plan = factories.plan(cycle=cycle)
    factories.action(plan=plan, owner=lead, title="Unlinked action")
    text = _text(client_for(lead).get(f"/org/{org.slug}/cycles/{cycle.label}/plan"))
    assert "Unlinked action" in text and "Not linked" in text and "None" not in text
    assert db_session.query(Action).count() == 1
