"""Action plans: who may do what, views, stale edits, spreadsheets, sign-off, query counts."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from tests.helpers import (
    ROLES,
    csrf_token,
    demo_results,
    error_summary,
    expected_status,
    page,
    post_form,
)
from tracker.domain.definitions import (
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_LABELS,
    SERVICE_AREAS,
)
from tracker.domain.plans import ActionStatus
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AuditEvent,
    PlanSignOff,
    PlanTheme,
    ProgressUpdate,
    User,
)

PLAN = "/org/northshire/cycles/2024-25/plan"
TODAY = date.today()


def _user_id(app, email):
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(email=email))


def _plan_id(app) -> int:
    """Return the id of Northshire's 2024-25 plan (the demo also has earlier cycles)."""
    from tracker.models import ReportingCycle

    with app.app_context():
        return db.session.scalar(db.select(ActionPlan.id).join(ReportingCycle).where(
            ReportingCycle.label == "2024-25", ReportingCycle.organisation.has(slug="northshire")))


def _action(app, **filters) -> Action:
    plan_id = _plan_id(app) if "id" not in filters else None
    with app.app_context():
        query = db.select(Action).filter_by(**filters).order_by(Action.id)
        if plan_id:
            query = query.filter_by(plan_id=plan_id)
        action = db.session.scalar(query)
        db.session.expunge(action)
        return action


def _theme_id(app, name="Leadership"):
    plan_id = _plan_id(app)
    with app.app_context():
        return db.session.scalar(db.select(PlanTheme.id).filter_by(name=name, plan_id=plan_id))


def _new_action_form(app, **overrides):
    due = TODAY + timedelta(days=90)
    data = {"title": "Coaching for global majority staff", "description": "Monthly coaching",
            "theme_id": _theme_id(app), "owner_id": _user_id(app, "owner@northshire.example.org"),
            "lead_role": "Workforce lead", "partners": "HR", "start_date": ["", "", ""],
            "due_date": [str(due.day), str(due.month), str(due.year)], "status": "not_started",
            "success_measure": "20 staff coached", "measure_unit": "staff coached",
            "measure_baseline": "0", "measure_target": "20", "measure_current": ""}
    data.update(overrides)
    return data


def test_demo_plan_is_realistic(app, client_as):
    plan_id = _plan_id(app)
    with app.app_context():
        actions = db.session.scalars(db.select(Action).filter_by(plan_id=plan_id)).all()
        statuses = {a.status for a in actions}
        overdue = [a for a in actions if a.due_date < TODAY and a.status.is_open]
        themes = {a.theme_id for a in actions}
        links = db.session.scalar(db.select(db.func.count(ActionIndicatorLink.id)).join(Action)
                                  .where(Action.plan_id == plan_id))
        baselines = db.session.scalars(db.select(ActionIndicatorLink.baseline_rl)).all()
    assert len(actions) >= 24 and len(themes) == 7
    assert {ActionStatus.COMPLETE, ActionStatus.AT_RISK, ActionStatus.ON_TRACK} <= statuses
    assert len(overdue) >= 3
    assert links >= 20 and any(b is not None for b in baselines)
    html = client_as("viewer").get(PLAN).get_data(as_text=True)
    assert "Overdue" in html and "Anonymous shortlisting for all social work posts" in html


# Who may do what ----------------------------------------------------------------------------------

READERS = ["edi_lead", "action_owner", "sponsor", "viewer", "advisor"]


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_plan(app, client_as, role):
    client = client_as(role)
    action_id = _action(app, title="Anonymous shortlisting for all social work posts").id
    for path in ("", "/by-indicator", "/actions", "/accountability", f"/actions/{action_id}",
                 "/export.csv", "/export.xlsx"):
        assert client.get(PLAN + path).status_code == expected_status(role, READERS), path
    for path in ("/actions/new", f"/actions/{action_id}/edit", "/themes", "/library",
                 "/import", "/reflections/new"):
        assert client.get(PLAN + path).status_code == expected_status(role, ["edi_lead"]), path
    assert client.get(PLAN + "/sign-off").status_code == expected_status(role, ["sponsor"])


@pytest.mark.parametrize("role", ROLES)
def test_creating_an_action(app, client_as, role):
    client = client_as(role)
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
    response = client.post(PLAN + "/actions/new", data={"csrf_token": token,
                                                        **_new_action_form(app)})
    assert response.status_code == expected_status(role, ["edi_lead"], ok=302)
    with app.app_context():
        created = db.session.scalar(db.select(db.func.count(Action.id)).filter_by(
            title="Coaching for global majority staff"))
    assert created == (1 if role == "edi_lead" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_progress_is_for_the_owner_and_the_edi_lead(app, client_as, role):
    owned = _action(app, title="Anti-bias training for recruiting managers")  # Tom Okafor's
    not_owned = _action(app, title="Improve ethnicity declaration in the HR system")
    client = client_as(role)
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
    form = {"csrf_token": token, "occurred_on": [str(TODAY.day), str(TODAY.month),
                                                  str(TODAY.year)],
            "note": "Second cohort booked", "new_status": "at_risk", "measure_value": "70"}
    got = {title.id: client.post(f"{PLAN}/actions/{title.id}/progress", data=form).status_code
           for title in (owned, not_owned)}
    can_owned = ["edi_lead", "action_owner"]
    assert got == {owned.id: expected_status(role, can_owned, ok=302),
                   not_owned.id: expected_status(role, ["edi_lead"], ok=302)}


def test_owner_updates_progress_status_and_measure_only(app, client_as):
    owner = client_as("action_owner")
    action = _action(app, title="Anti-bias training for recruiting managers")
    url = f"{PLAN}/actions/{action.id}"
    response = post_form(owner, url + "/progress", {
        "occurred_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        "note": "Training booked for the second cohort", "new_status": "at_risk",
        "measure_value": "70", "evidence_links": "https://intranet.example/training"},
        token_from=url)
    assert response.status_code == 302
    after = _action(app, id=action.id)
    assert after.status == ActionStatus.AT_RISK and after.measure_current == 70
    html = owner.get(url).get_data(as_text=True)
    assert "Training booked for the second cohort" in html
    assert "Status set to at risk" in html
    assert owner.get(url + "/edit").status_code == 403
    # the owner cannot rename the action through the edit route
    token = csrf_token(owner, url)
    assert owner.post(url + "/edit", data={"csrf_token": token, **_new_action_form(
        app, title="Renamed", version=after.version)}).status_code == 403
    assert _action(app, id=action.id).title == "Anti-bias training for recruiting managers"


def test_progress_dates_and_links_are_checked(app, client_as):
    lead = client_as("edi_lead")
    action = _action(app, title="Anti-bias training for recruiting managers")
    url = f"{PLAN}/actions/{action.id}"
    future = TODAY + timedelta(days=3)
    response = post_form(lead, url + "/progress", {
        "occurred_on": [str(future.day), str(future.month), str(future.year)],
        "note": "", "evidence_links": "javascript:alert(1)"}, token_from=url)
    assert response.status_code == 400
    assert "Enter what happened" in error_summary(response)
    response = post_form(lead, url + "/progress", {
        "occurred_on": [str(future.day), str(future.month), str(future.year)],
        "note": "Done", "evidence_links": "javascript:alert(1)"}, token_from=url)
    assert set(error_summary(response)) == {
        "The date of the update must be today or in the past",
        "Evidence links must start with https://: javascript:alert(1)"}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ProgressUpdate.id)).filter_by(
            action_id=action.id)) == 1  # only the demo's


def test_new_action_validation_names_each_field(app, client_as):
    lead = client_as("edi_lead")
    yesterday = TODAY - timedelta(days=1)
    response = post_form(lead, PLAN + "/actions/new", _new_action_form(
        app, title="", owner_id=_user_id(app, "edi.lead@riverside.example.org"),
        due_date=[str(yesterday.day), str(yesterday.month), str(yesterday.year)],
        measure_target="lots"))
    assert response.status_code == 400
    assert set(error_summary(response)) == {"Enter a title",
                                            "Target must be a number, like 12.5 or 1,200"}
    response = post_form(lead, PLAN + "/actions/new", _new_action_form(
        app, owner_id=_user_id(app, "edi.lead@riverside.example.org"),
        due_date=[str(yesterday.day), str(yesterday.month), str(yesterday.year)]))
    assert set(error_summary(response)) == {"The owner must be a member of the organisation",
                                            "The due date must be today or in the future"}


def test_action_from_the_library_linked_to_an_adverse_indicator(app, client_as):
    lead = client_as("edi_lead")
    form = page(lead.get(PLAN + "/actions/new?from=anonymous-shortlisting"))
    assert form.find(id="title")["value"] == "Anonymous shortlisting and anti-bias interview panels"
    selected = form.select_one("#theme_id option[selected]")
    assert selected.get_text() == "Workforce diversity and recruitment"
    response = post_form(lead, PLAN + "/actions/new", _new_action_form(
        app, title="Anonymous shortlisting and anti-bias interview panels",
        theme_id=selected["value"]))
    action_url = response.headers["Location"]
    response = post_form(lead, action_url + "/links", {"indicator": "SCW2",
                                                        "service_area": "adults"},
                         token_from=action_url)
    assert response.status_code == 302
    action_id = int(action_url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        link = db.session.scalar(db.select(ActionIndicatorLink).filter_by(action_id=action_id))
        assert (link.indicator, link.service_area, link.baseline_rating) == ("SCW2", "adults",
                                                                            "adverse")
        assert link.baseline_rl == pytest.approx(demo_results().series("adults", "SCW2").rl)
        assert link.data_as_at == date(2025, 3, 31)
    html = lead.get(action_url).get_data(as_text=True)
    assert f"RL {link.baseline_rl:.2f}, adverse" in html and "data as at 31 March 2025" in html


def test_overdue_shows_whatever_the_status_says(app, client_as):
    with app.app_context():
        action = db.session.scalar(db.select(Action).filter_by(
            title="Record ethnicity on every recruitment application"))
        action.status = ActionStatus.ON_TRACK
        db.session.commit()
        action_id = action.id
    html = page(client_as("viewer").get(f"{PLAN}/actions/{action_id}"))
    tags = [t.get_text(strip=True) for t in html.select("main .govuk-tag")]
    assert "On track" in tags and "Overdue" in tags


def test_action_list_filters_and_sorts(app, client_as):
    viewer = client_as("viewer")
    owner_id = _user_id(app, "hr.lead@northshire.example.org")
    rows = page(viewer.get(f"{PLAN}/actions?owner={owner_id}&sort=title")).select(
        "main tbody tr")
    titles = [r.select_one("a").get_text() for r in rows]
    assert titles == sorted(titles, key=str.lower) and len(titles) >= 5
    assert all("Nadia Hussain" in r.get_text() for r in rows)
    overdue = page(viewer.get(f"{PLAN}/actions?overdue=y")).select("main tbody tr")
    assert overdue and all("Overdue" in r.get_text() for r in overdue)
    scw3 = page(viewer.get(f"{PLAN}/actions?indicator=SCW3&area=children")).select(
        "main tbody tr")
    assert {r.select_one("a").get_text() for r in scw3} == {
        "Check every case before the formal disciplinary process",
        "Anti-racism practice framework for social work"}
    soon = page(viewer.get(f"{PLAN}/actions?due_within=45")).select("main tbody tr")
    assert soon and all("Overdue" not in r.get_text() for r in soon)
    bad = viewer.get(f"{PLAN}/actions?due_within=soon")
    assert "Due within (days) must be a whole number, like 12" in bad.get_data(as_text=True)


# Stale edits ----------------------------------------------------------------------------------------


def _edit_form(client, url):
    soup = page(client.get(url))
    data = {}
    for field in soup.select("form input[name], form textarea[name], form select[name]"):
        name = field["name"]
        if field.name == "select":
            option = field.select_one("option[selected]") or field.select_one("option")
            value = option["value"]
        elif field.name == "textarea":
            value = field.get_text()
        else:
            value = field.get("value", "")
        if name in data:
            data[name] = [*([data[name]] if isinstance(data[name], str) else data[name]), value]
        else:
            data[name] = value
    return data


def test_a_stale_edit_is_refused_and_nothing_is_lost(app, client_as):
    action = _action(app, title="Listening circles for global majority staff")
    url = f"{PLAN}/actions/{action.id}/edit"
    first, second = client_as("edi_lead"), client_as("edi_lead")
    form_one, form_two = _edit_form(first, url), _edit_form(second, url)
    form_one["title"] = "Monthly listening circles"
    assert first.post(url, data=form_one).status_code == 302
    form_two["partners"] = "Black workers' network"
    response = second.post(url, data=form_two)
    assert response.status_code == 409
    soup = page(response)
    assert "Someone else changed this action" in soup.get_text()
    changed = [li.get_text(strip=True) for li in soup.select(".app-conflict-list li")]
    assert changed == ["Title: now Monthly listening circles"]
    assert soup.find(id="partners")["value"] == "Black workers' network"  # their input kept
    saved = _action(app, id=action.id)
    assert saved.title == "Monthly listening circles" and saved.partners == ""
    # Saving again from the refreshed form (it now carries the new version) works
    form_three = {**form_two, "version": soup.find(id="version")["value"],
                  "title": "Monthly listening circles"}
    assert second.post(url, data=form_three).status_code == 302
    saved = _action(app, id=action.id)
    assert (saved.title, saved.partners) == ("Monthly listening circles", "Black workers' network")


def test_history_shows_who_changed_what(app, client_as):
    action = _action(app, title="Listening circles for global majority staff")
    lead = client_as("edi_lead")
    url = f"{PLAN}/actions/{action.id}/edit"
    form = _edit_form(lead, url)
    form["status"] = "at_risk"
    lead.post(url, data=form)
    history = page(lead.get(f"{PLAN}/actions/{action.id}")).select("main table")[-1].get_text()
    assert "Priya Shah" in history and "Status: On track to At risk" in history


# Themes, reflections, sign-off ---------------------------------------------------------------------


def test_themes_renamed_added_reordered_and_retired_without_losing_actions(app, client_as):
    lead = client_as("edi_lead")
    theme_id = _theme_id(app, "Anti-racism")
    url = PLAN + "/themes"
    post_form(lead, f"{url}/{theme_id}/rename", {"name": "Anti-racist practice"}, token_from=url)
    post_form(lead, f"{url}/{theme_id}/up", {}, token_from=url)
    post_form(lead, f"{url}/{theme_id}/retire", {}, token_from=url)
    post_form(lead, url, {"name": "Staff voice"})
    plan_id = _plan_id(app)
    with app.app_context():
        names = [t.name for t in db.session.scalars(db.select(PlanTheme).filter_by(
            plan_id=plan_id).order_by(PlanTheme.position))]
        theme = db.session.get(PlanTheme, theme_id)
        kept = db.session.scalar(db.select(db.func.count(Action.id)).filter_by(theme_id=theme_id))
    assert names.index("Anti-racist practice") == 3 and names[-1] == "Staff voice"
    assert theme.retired and kept == 4
    html = lead.get(PLAN).get_data(as_text=True)
    assert "Anti-racist practice (retired theme)" in html
    options = page(lead.get(PLAN + "/actions/new")).select("#theme_id option")
    assert "Anti-racist practice" not in [o.get_text() for o in options]
    response = post_form(lead, url, {"name": "staff voice"})
    assert error_summary(response) == ["There is already a theme called staff voice"]


def test_three_as_discussion_becomes_draft_actions(app, client_as):
    lead = client_as("edi_lead")
    response = post_form(lead, PLAN + "/reflections/new", {
        "team": "Children's east team", "held_on": [str(TODAY.day), str(TODAY.month),
                                                     str(TODAY.year)],
        "awareness": "Few global majority staff in senior roles",
        "appreciation": "Progression feels closed",
        "actions_text": "- Shadowing for senior meetings\n\n2. Open the acting-up list\n",
        "theme_id": _theme_id(app)})
    assert response.status_code == 302
    with app.app_context():
        drafts = db.session.scalars(db.select(Action).filter_by(is_draft=True)
                                    .order_by(Action.id)).all()
        assert [d.title for d in drafts] == ["Shadowing for senior meetings",
                                             "Open the acting-up list"]
        assert all(d.owner_id is None and d.reflection_id for d in drafts)
    assert "Draft" in lead.get(PLAN).get_data(as_text=True)


def test_sponsor_signs_off_and_later_changes_are_marked(app, client_as):
    sponsor = client_as("sponsor")
    response = post_form(sponsor, PLAN + "/sign-off", {"signer_role": "Director of Adult "
                                                       "Social Services", "statement": "Agreed",
                                                       "confirm": "y", "warnings_seen": "y"})
    assert response.status_code == 302
    signed_url = response.headers["Location"]
    plan_id = _plan_id(app)
    with app.app_context():
        record = db.session.scalar(db.select(PlanSignOff).filter_by(plan_id=plan_id))
        assert record.signer_name == "Helen Clarke" and len(record.snapshot["actions"]) >= 24
    signed = sponsor.get(signed_url).get_data(as_text=True)
    assert "Helen Clarke, Director of Adult Social Services" in signed
    assert "Changed after sign-off" not in client_as("viewer").get(PLAN).get_data(as_text=True)
    lead = client_as("edi_lead")
    action = _action(app, title="Set up a staff allyship network")
    url = f"{PLAN}/actions/{action.id}/edit"
    form = _edit_form(lead, url)
    form["partners"] = "Staff networks"
    lead.post(url, data=form)
    html = client_as("viewer").get(PLAN).get_data(as_text=True)
    assert html.count("Changed after sign-off") == 1
    assert "Signed off by Helen Clarke" in html
    # the signed version is kept as it stood
    assert "Staff networks" not in sponsor.get(signed_url).get_data(as_text=True)
    response = post_form(sponsor, PLAN + "/sign-off", {"signer_role": ""})
    assert set(error_summary(response)) == {"Enter your role",
                                            "Confirm that you sign off the plan"}


def test_accountability_counts_and_uncovered_adverse_results(app, client_as):
    sponsor = client_as("sponsor")
    html = page(sponsor.get(PLAN + "/accountability"))
    plan_id = _plan_id(app)
    with app.app_context():
        actions = db.session.scalars(db.select(Action).filter_by(plan_id=plan_id)).all()
        overdue = sum(1 for a in actions if a.due_date < TODAY and a.status.is_open)
    assert html.find(id="overdue-total").get_text() == str(overdue)
    owners = [row.th.get_text() for row in html.select("table")[0].select("tbody tr")]
    assert "Nadia Hussain" in owners and "Tom Okafor" in owners
    uncovered = [li.get_text() for li in html.select(".app-uncovered-list li")]
    # every adverse result of the demo's figures that no open action is linked to, and no other
    with app.app_context():
        covered = {(link.indicator, link.service_area) for action in db.session.scalars(
            db.select(Action).filter_by(plan_id=plan_id)) if action.status.is_open
            and not action.is_draft for link in action.links}
    figures = demo_results()
    expected = [f"{sid} {INDICATORS_BY_ID[sid].short_name}, {SERVICE_AREA_LABELS[area].lower()}: "
                f"RL {figures.series(area, sid).rl:.2f}" for area in SERVICE_AREAS
                for sid in SERIES_IDS if figures.series(area, sid).rating == "adverse"
                and (sid, area) not in covered]
    assert expected  # the demo has some
    assert [text.split(", no open")[0] for text in uncovered] == expected


# Spreadsheets --------------------------------------------------------------------------------------


def _snapshot(app):
    with app.app_context():
        actions = {a.id: (a.version, a.title, a.status, a.due_date, a.owner_id)
                   for a in db.session.scalars(db.select(Action))}
        events = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
        links = db.session.scalar(db.select(db.func.count(ActionIndicatorLink.id)))
    return actions, events, links


def _import(client, content: bytes, name: str):
    """Upload a plan sheet and, once it is previewed, confirm it."""
    token = csrf_token(client, PLAN + "/import")
    checked = client.post(PLAN + "/import", data={"csrf_token": token,
                                                  "plan_file": (io.BytesIO(content), name)},
                          content_type="multipart/form-data")
    if checked.status_code != 302:
        return checked
    return post_form(client, checked.headers["Location"], {})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(app, client_as, fmt):
    lead = client_as("edi_lead")
    exported = lead.get(f"{PLAN}/export.{fmt}")
    assert exported.status_code == 200
    before = _snapshot(app)
    response = _import(lead, exported.data, f"plan.{fmt}")
    assert response.status_code == 302, page(response).get_text()[:3000]
    message = page(lead.get(PLAN)).select_one(".govuk-notification-banner").get_text()
    assert re.search(r"0 actions added, 0 updated", message)
    assert _snapshot(app) == before


def _lead_access(app):
    from tracker.services.access import organisation_access

    lead = db.session.scalar(db.select(User).filter_by(email="edi.lead@northshire.example.org"))
    plan = db.session.get(ActionPlan, _plan_id(app))
    return organisation_access(user=lead, slug="northshire"), plan


def test_the_pages_rows_say_what_the_actions_say(app, demo):
    """The plan's pages read columns, not Action objects: the same values, in the same order."""
    from tracker.services import actions as action_service

    with app.app_context():
        access, plan = _lead_access(app)
        first = db.session.scalar(db.select(Action).filter_by(plan_id=plan.id)
                                  .order_by(Action.id))
        first.owner_id = None  # an action with no owner yet
        db.session.flush()
        first.updated_at = first.updated_at + timedelta(days=1)  # changed after the one below
        db.session.flush()
        actions = action_service.plan_actions(access=access, plan=plan)
        rows = action_service.plan_action_rows(access=access, plan=plan)
        assert len(rows) == len(actions) > 3
        assert not any(row.changed_after_sign_off for row in rows)  # none to compare with
        signed_at = max(a.updated_at for a in actions if a.id != first.id)
        against = action_service.plan_action_rows(access=access, plan=plan, signed_at=signed_at)
        assert {row.id for row in against if row.changed_after_sign_off} == {
            a.id for a in actions if a.updated_at > signed_at} == {first.id}
        assert any(row.owner is None for row in rows) and any(row.links for row in rows)
        for row, action in zip(rows, actions, strict=True):
            for name in ("id", "title", "status", "due_date", "is_draft", "owner_id", "theme_id",
                         "last_activity_on"):
                assert getattr(row, name) == getattr(action, name), name
            assert (row.owner and (row.owner.id, row.owner.name, row.owner.email)) == (
                action.owner and (action.owner.id, action.owner.name, action.owner.email))
            assert (row.theme.id, row.theme.name, row.theme.position) == (
                action.theme.id, action.theme.name, action.theme.position)
            assert [(link.indicator, link.service_area) for link in row.links] == [
                (link.indicator, link.service_area) for link in action.links]
        db.session.rollback()


@pytest.mark.parametrize("view", ["", "/actions"])
def test_the_action_tables_link_each_action_where_url_for_does(app, client_as, view):
    from flask import url_for

    links = [a["href"] for a in page(client_as("viewer").get(PLAN + view)).select(
        ".app-action-table td a")]
    with app.app_context():
        ids = db.session.scalars(db.select(Action.id).filter_by(plan_id=_plan_id(app))).all()
    with app.test_request_context():
        expected = {url_for("plans.view_action", slug="northshire", label="2024-25",
                            action_id=action_id) for action_id in ids}
    assert links and set(links) <= expected
    if view == "":
        assert set(links) == expected


def test_the_export_rows_are_each_actions_row(app, demo):
    from tracker.services import actions as action_service
    from tracker.services import plan_sheets

    with app.app_context():
        access, plan = _lead_access(app)
        actions = sorted(action_service.plan_actions(access=access, plan=plan),
                         key=lambda a: (a.theme.position, a.id))
        rows = plan_sheets.export_rows(access=access, plan=plan)
        expected = [plan_sheets.row_of(a) for a in actions]
        assert rows == expected and len(rows) > 3
        assert [r.version for r in rows] == [r.version for r in expected]
        assert any(r.indicators for r in rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_kept_from_before_is_never_stale(app, client_as, fmt):
    """The written file is kept under the hash of what it holds: the same plan gives the same
    bytes; a change the actions' versions do not show (a theme renamed) gives a new file."""
    from tracker.domain.plan_sheet import read_plan_sheet

    lead = client_as("edi_lead")
    first = lead.get(f"{PLAN}/export.{fmt}").data
    assert lead.get(f"{PLAN}/export.{fmt}").data == first
    with app.app_context():
        theme = db.session.scalar(db.select(PlanTheme).filter_by(plan_id=_plan_id(app),
                                                                 name="Leadership"))
        theme.name = "Leadership and culture"
        owner = db.session.scalar(db.select(User).filter_by(
            email="owner@northshire.example.org"))
        owner.email = "action.owner@northshire.example.org"
        db.session.commit()
    # written past the services (unaudited), so no data version moves: the kept page is
    # forgotten here to ask for the file again (what is tested is the kept file's key)
    forget_kept_pages()
    rows = read_plan_sheet(lead.get(f"{PLAN}/export.{fmt}").data, f"plan.{fmt}")
    assert {"Leadership and culture"} <= {row.theme for row in rows}
    assert "Leadership" not in {row.theme for row in rows}
    assert "action.owner@northshire.example.org" in {row.owner_email for row in rows}
    assert "owner@northshire.example.org" not in {row.owner_email for row in rows}


def test_import_adds_and_updates(app, client_as):
    lead = client_as("edi_lead")
    exported = lead.get(f"{PLAN}/export.csv").get_data(as_text=True)
    lines = exported.splitlines()
    lines[1] = lines[1].replace(",not_started,", ",on_track,").replace(",on_track,", ",at_risk,")
    due = (TODAY + timedelta(days=60)).isoformat()
    lines.append(f",Leadership,Mentoring circles,,SCW9 adults,psw@northshire.example.org,,,,"
                 f"{due},not_started,,,,,")
    response = _import(lead, "\n".join(lines).encode(), "plan.csv")
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalar(db.select(Action).filter_by(title="Mentoring circles"))
        assert new.owner.email == "psw@northshire.example.org"
        assert [(link.indicator, link.service_area) for link in new.links] == [("SCW9", "adults")]


def test_a_bad_import_names_row_and_column_and_saves_nothing(app, client_as):
    lead = client_as("edi_lead")
    exported = lead.get(f"{PLAN}/export.csv").get_data(as_text=True).splitlines()
    before = _snapshot(app)
    due = (TODAY + timedelta(days=60)).isoformat()
    # Problems in the file itself: every cell that cannot be read
    bad = [exported[0], exported[1],
           f",Leadership,,,,owner@northshire.example.org,,,,{due},finished,,,,,",
           ",Leadership,Another,,SCW12,owner@northshire.example.org,,,,31/02/2027,on_track,,,,,"]
    response = _import(lead, "\n".join(bad).encode(), "plan.csv")
    assert response.status_code == 400
    problems = [li.get_text(" ", strip=True) for li in
                page(response).select(".app-problem-list li")]
    assert len(problems) == 4, problems
    assert any("title" in p and "row 3" in p for p in problems)
    assert any("'finished' in row 3" in p for p in problems)
    assert any("SCW12" in p and "row 4" in p for p in problems)
    assert any("due_date" in p and "row 4" in p for p in problems)
    assert _snapshot(app) == before
    # Problems against the plan: unknown people, themes and actions, past due dates
    bad = [exported[0], exported[1],
           f",Leadership,New action,,,stranger@example.org,,,,{due},not_started,,,,,",
           f",Made-up theme,Another,,,owner@northshire.example.org,,,,{due},on_track,,,,,",
           "99999,Leadership,Ghost,,,owner@northshire.example.org,,,,2020-01-01,on_track,,,,,",
           ",Leadership,Late,,,owner@northshire.example.org,,,,2020-01-01,on_track,,,,,"]
    response = _import(lead, "\n".join(bad).encode(), "plan.csv")
    assert response.status_code == 400
    problems = "\n".join(li.get_text(" ", strip=True)
                         for li in page(response).select(".app-problem-list li"))
    assert "stranger@example.org in row 3" in problems
    assert "Made-up theme" in problems and "row 4" in problems
    assert "Action ID 99999 in row 5" in problems
    assert "Row 6: The due date must be today or in the future" in problems
    assert _snapshot(app) == before


# Query counts -------------------------------------------------------------------------------------


@contextmanager
def count_queries(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _grow_plan_to(app, total: int) -> None:
    plan_id = _plan_id(app)  # Northshire's 2024-25 plan, looked up: not whichever plan is first
    with app.app_context():
        plan = db.session.get(ActionPlan, plan_id)
        themes = db.session.scalars(db.select(PlanTheme).filter_by(plan_id=plan.id)).all()
        owners = db.session.scalars(db.select(User).where(User.email.like("%northshire%"))).all()
        have = db.session.scalar(db.select(db.func.count(Action.id)).filter_by(plan_id=plan.id))
        for i in range(total - have):
            action = Action(plan_id=plan.id, theme_id=themes[i % 7].id, title=f"Extra {i}",
                            owner_id=owners[i % len(owners)].id, last_activity_on=TODAY,
                            due_date=TODAY + timedelta(days=i % 90 - 30),
                            status=list(ActionStatus)[i % 7])
            action.links = [ActionIndicatorLink(indicator="SCW3", service_area="all",
                                                baseline_status="ok")]
            db.session.add(action)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Action.id)).filter_by(
            plan_id=plan.id)) == total


def _delete_all_but(app, keep: int) -> None:
    plan_id = _plan_id(app)
    with app.app_context():
        ids = db.session.scalars(db.select(Action.id).filter_by(plan_id=plan_id)
                                 .order_by(Action.id)).all()
        for action in db.session.scalars(db.select(Action).where(Action.id.in_(ids[keep:]))):
            db.session.delete(action)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Action.id)).filter_by(
            plan_id=plan_id)) == keep


@pytest.mark.parametrize("view", ["", "/by-indicator", "/accountability", "/actions",
                                  "/sign-off", "/export.csv", "/export.xlsx"])
def test_plan_views_issue_the_same_queries_for_3_or_300_actions(app, client_as, view):
    sponsor = client_as("sponsor")
    _delete_all_but(app, 3)
    sponsor.get(PLAN + view)  # warm up: the plan and its themes exist already
    forget_kept_pages()  # the written page's statements, not a kept one's
    with count_queries(app) as small:
        assert sponsor.get(PLAN + view).status_code == 200
    _grow_plan_to(app, 300)
    forget_kept_pages()  # the actions were written past the services: no version moved
    sponsor.get(PLAN + view)  # an export is written (and kept) once for the new actions
    forget_kept_pages()
    with count_queries(app) as large:
        response = sponsor.get(PLAN + view)
    assert response.status_code == 200
    assert len(large) == len(small), "\n".join(large)
    assert any("FROM actions" in statement for statement in large)  # the page was written


@pytest.mark.parametrize("role", ROLES)
def test_every_changing_plan_route_refuses_other_roles(app, client_as, role):
    """Posts that change the plan: only the EDI lead (or the sponsor, for sign-off) gets through."""
    action = _action(app, title="Listening circles for global majority staff")
    theme_id = _theme_id(app, "Leadership")
    with app.app_context():
        link_id = db.session.scalar(db.select(ActionIndicatorLink.id).filter_by(
            action_id=action.id))
    client = client_as(role)
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
    due = TODAY + timedelta(days=30)
    posts = {  # in an order where each succeeds for the EDI lead
        f"/actions/{action.id}/edit": ({**_new_action_form(app), "version": action.version,
                                        "due_date": [str(due.day), str(due.month),
                                                     str(due.year)]}, 302),
        "/reflections/new": ({"team": "East", "held_on": [str(TODAY.day), str(TODAY.month),
                                                          str(TODAY.year)],
                              "awareness": "a", "appreciation": "b", "actions_text": "c",
                              "theme_id": theme_id}, 302),
        f"/actions/{action.id}/links": ({"indicator": "SCW5", "service_area": "all"}, 302),
        f"/actions/{action.id}/links/{link_id}/remove": ({}, 302),
        f"/themes/{theme_id}/rename": ({"name": "Leading change"}, 302),
        f"/themes/{theme_id}/down": ({}, 302),
        f"/themes/{theme_id}/retire": ({}, 302),
        "/themes": ({"name": "Staff voice"}, 302),
    }
    before = _snapshot(app)
    got = {path: client.post(PLAN + path, data={"csrf_token": token, **data}).status_code
           for path, (data, _) in posts.items()}
    assert got == {path: expected_status(role, ["edi_lead"], ok=ok) for path, (_, ok) in posts.items()}
    sign_off = client.post(PLAN + "/sign-off", data={"csrf_token": token, "signer_role": "D",
                                                     "confirm": "y", "warnings_seen": "y"}).status_code
    assert sign_off == expected_status(role, ["sponsor"], ok=302)
    imported = client.post(PLAN + "/import", data={
        "csrf_token": token, "plan_file": (io.BytesIO(b"action_id\n"), "plan.csv")},
        content_type="multipart/form-data").status_code
    assert imported == expected_status(role, ["edi_lead"], ok=400)  # the file is bad: nothing saved
    if role not in ("edi_lead", "sponsor"):
        assert _snapshot(app) == before


def test_a_stale_edit_names_only_what_changed_after_loading(app, client_as):
    # The demo linked this action to indicators before anyone loaded it: not "changed meanwhile"
    action = _action(app, title="Listening circles for global majority staff")
    url = f"{PLAN}/actions/{action.id}"
    editor, other = client_as("edi_lead"), client_as("edi_lead")
    form = _edit_form(editor, url + "/edit")
    assert form["seen_change"] != "0"
    post_form(other, url + "/links", {"indicator": "SCW5", "service_area": "children"},
              token_from=url)
    form["lead_role"] = "Principal Social Worker"
    response = editor.post(url + "/edit", data=form)
    assert response.status_code == 409
    changed = [li.get_text(strip=True) for li in page(response).select(".app-conflict-list li")]
    assert changed == ["Indicators: now SCW6 all, SCW7a all, SCW7b all, SCW5 children"]
    tampered = {**form, "version": "not-a-number"}  # treated as stale, never a crash
    assert editor.post(url + "/edit", data=tampered).status_code == 409


def test_the_plan_by_indicator_links_where_url_for_does(app, client_as):
    """The suggestions' "start from" links and the linked actions' links, made once a page."""
    from flask import url_for

    from tracker.domain.plans import suggested_interventions
    from tracker.services import library as library_service

    html = page(client_as("edi_lead").get(PLAN + "/by-indicator"))
    suggested = [(a["href"], a.find_parent("tr").select_one("th").text.split()[0])
                 for a in html.select(".app-suggestions a")]
    linked = [a["href"] for a in html.select("td:last-child a")]
    with app.app_context():
        ids = db.session.scalars(db.select(Action.id).filter_by(plan_id=_plan_id(app))).all()
        entries = library_service.interventions()
    with app.test_request_context():
        for href, indicator in suggested:
            assert href in {url_for("plans.new_action", slug="northshire", label="2024-25",
                                    **{"from": entry.key})
                            for entry in suggested_interventions(indicator, entries)}
        actions = {url_for("plans.view_action", slug="northshire", label="2024-25",
                           action_id=action_id) for action_id in ids}
    assert suggested and linked and set(linked) <= actions
    assert not page(client_as("viewer").get(PLAN + "/by-indicator")).select(".app-suggestions a")
