"""The plan's pages are kept (tracker/kept_pages.py, tracker/plans/routes.py `kept`): seen again,
each is served as it was written, without reading the plan; every kind of change a page shows,
made through the app, shows on the next view; and what is the person's own (following an
action) is theirs.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.helpers import main_text, page, post_form
from tests.integration.test_plans import (
    PLAN,
    _action,
    _edit_form,
    _plan_id,
    _theme_id,
    _user_id,
    count_queries,
)
from tracker.domain.plans import INTERVENTIONS
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import AuditEvent, PlanTheme

TODAY = date.today()
#: The tables behind the plan's pages: a kept page reads none of them.
HEAVY = re.compile(r"\b(?:FROM|JOIN) (?:actions|plan_themes|action_indicator_links|"
                   r"progress_updates|audit_events|comments|indicator_datasets|plan_sign_offs|"
                   r"reflections|library_entries|kept_files)\b")
ACTION = "Review fitness-to-practise referrals for fairness"


def _pages(app) -> list[tuple[str, str]]:
    action_id = _action(app, title=ACTION).id
    lead = [f"{PLAN}{path}" for path in (
        "", "/by-indicator", "/actions", "/actions?sort=title&status=on_track", "/accountability",
        f"/actions/{action_id}", f"/actions/{action_id}/edit", "/actions/new",
        "/actions/new?from=reverse-mentoring", "/themes", "/library?indicator=SCW2", "/import",
        "/reflections/new", "/export.csv", "/export.xlsx")] + ["/org/northshire/actions?q=review"]
    return [("edi_lead", url) for url in lead] + [("sponsor", f"{PLAN}/sign-off")]


@pytest.mark.parametrize("index", range(17))
def test_a_plan_page_seen_again_is_kept_and_reads_nothing_of_the_plan(app, client_as, index):
    role, url = _pages(app)[index]
    client = client_as(role)
    with count_queries(app) as written:
        first = client.get(url)
    with count_queries(app) as kept:
        again = client.get(url)
    assert first.status_code == again.status_code == 200, url
    assert again.data == first.data if first.mimetype != "text/html" else (
        main_text(again) == main_text(first))
    if not url.endswith("/import"):  # the import's form shows nothing of the plan
        assert [s for s in written if HEAVY.search(s)], url  # the written page reads the plan
    assert not [s for s in kept if HEAVY.search(s)], url
    # the person, their access, the version, (for an action) whether they follow it, the
    # unread count: with the test's SAVEPOINT
    assert len(kept) <= 9 < len(written), url


def _seen(client, *urls) -> None:
    """Ask for each page twice, so that each is kept."""
    for url in urls:
        for _ in range(2):
            assert client.get(url).status_code == 200, url


def test_an_action_changed_through_the_app_shows_on_every_page_at_once(app, client_as):
    lead = client_as("edi_lead")
    action = _action(app, title=ACTION)
    url = f"{PLAN}/actions/{action.id}"
    pages = [PLAN, f"{PLAN}/actions", f"{PLAN}/by-indicator", url,
             "/org/northshire/actions?q=fairness"]
    _seen(lead, *pages, f"{PLAN}/export.csv")
    form = _edit_form(lead, f"{url}/edit")
    form["title"] = "Review every referral for fairness"
    assert lead.post(f"{url}/edit", data=form).status_code == 302
    for shown in pages:
        assert "Review every referral for fairness" in main_text(lead.get(shown)), shown
    assert "Review every referral for fairness" in lead.get(
        f"{PLAN}/export.csv").get_data(as_text=True)
    # the edit form now starts from the new version and the change just made
    edit = page(lead.get(f"{url}/edit"))
    assert edit.select_one("#title")["value"] == "Review every referral for fairness"
    assert edit.select_one("input[name=version]")["value"] == str(action.version + 1)


def test_a_new_action_progress_and_links_show_at_once(app, client_as):
    lead = client_as("edi_lead")
    action = _action(app, title=ACTION)
    url = f"{PLAN}/actions/{action.id}"
    _seen(lead, PLAN, url, f"{PLAN}/accountability", f"{PLAN}/by-indicator")
    due = TODAY + timedelta(days=30)
    from tests.integration.test_plans import _new_action_form
    assert post_form(lead, f"{PLAN}/actions/new", _new_action_form(
        app, title="Exit interviews for every leaver", due_date=[
            str(due.day), str(due.month), str(due.year)])).status_code == 302
    assert "Exit interviews for every leaver" in main_text(lead.get(PLAN))
    assert post_form(lead, f"{url}/progress", {
        "occurred_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        "note": "Forty referrals read again", "new_status": "at_risk"},
        token_from=url).status_code == 302
    shown = page(lead.get(url))
    assert "Forty referrals read again" in shown.find("main").get_text()
    assert "Progress update added" in shown.find(class_="govuk-notification-banner").get_text()
    linked = f"{PLAN}/by-indicator"
    assert "SCW9" not in page(lead.get(url)).select_one("main table").get_text()
    assert post_form(lead, f"{url}/links", {"indicator": "SCW9", "service_area": "adults"},
                     token_from=url).status_code == 302
    table = page(lead.get(url)).select_one("main table").get_text(" ", strip=True)
    assert "SCW9" in table
    cell = [row for row in page(lead.get(linked)).select("main tr")
            if "SCW9" in row.get_text() and ACTION in row.get_text()]
    assert cell, "the by-indicator page lists the new link"


def test_theme_changes_show_at_once_and_a_move_is_audited(app, client_as):
    lead = client_as("edi_lead")
    themes = f"{PLAN}/themes"
    _seen(lead, PLAN, themes, f"{PLAN}/actions/new")
    theme_id = _theme_id(app, "Anti-racism")

    def order() -> list[str]:
        return [h.get_text(strip=True) for h in page(lead.get(PLAN)).select("main caption, main h2")]

    before = order()
    post_form(lead, f"{themes}/{theme_id}/up", {}, token_from=themes)
    moved = order()
    assert moved != before
    assert moved.index("Anti-racism") == before.index("Anti-racism") - 1
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="theme_moved"))
        assert event.after["name"] == "Anti-racism"
        assert event.after["position"] == event.before["position"] - 1
    post_form(lead, f"{themes}/{theme_id}/rename", {"name": "Anti-racist practice"},
              token_from=themes)
    assert "Anti-racist practice" in main_text(lead.get(themes))
    post_form(lead, f"{themes}/{theme_id}/retire", {}, token_from=themes)
    assert "Anti-racist practice (retired theme)" in main_text(lead.get(PLAN))
    options = page(lead.get(f"{PLAN}/actions/new")).select("#theme_id option")
    assert "Anti-racist practice" not in [o.get_text() for o in options]
    post_form(lead, themes, {"name": "Staff voice"})
    assert "Staff voice" in main_text(lead.get(themes))


def test_a_move_that_goes_nowhere_records_nothing(app, client_as):
    lead = client_as("edi_lead")
    themes = f"{PLAN}/themes"
    with app.app_context():
        first = db.session.scalar(db.select(PlanTheme).filter_by(plan_id=_plan_id(app))
                                  .order_by(PlanTheme.position))
    post_form(lead, f"{themes}/{first.id}/up", {}, token_from=themes)
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="theme_moved")) is None


def test_a_sign_off_and_a_reflection_show_at_once(app, client_as):
    sponsor, lead = client_as("sponsor"), client_as("edi_lead")
    _seen(sponsor, f"{PLAN}/sign-off", PLAN)
    _seen(lead, f"{PLAN}/reflections/new", PLAN)
    assert post_form(sponsor, f"{PLAN}/sign-off", {
        "signer_role": "Director of Adult Social Services", "statement": "Agreed",
        "confirm": "y", "warnings_seen": "y"}).status_code == 302
    assert "Director of Adult Social Services" in main_text(sponsor.get(f"{PLAN}/sign-off"))
    assert "Signed off by Helen Clarke" in main_text(lead.get(PLAN))
    assert post_form(lead, f"{PLAN}/reflections/new", {
        "team": "Children's east team", "held_on": [str(TODAY.day), str(TODAY.month),
                                                     str(TODAY.year)],
        "awareness": "a", "appreciation": "b", "actions_text": "Shadowing for senior meetings",
        "theme_id": _theme_id(app)}).status_code == 302
    assert "Children's east team" in main_text(lead.get(f"{PLAN}/reflections/new"))
    assert "Shadowing for senior meetings" in main_text(lead.get(PLAN))


def test_shared_changes_show_at_once_an_owners_name_and_the_library(app, client_as):
    lead, admin = client_as("edi_lead"), client_as("administrator")
    owner_id = _user_id(app, "owner@northshire.example.org")
    library = f"{PLAN}/library"
    _seen(lead, f"{PLAN}/actions", library)
    assert post_form(admin, f"/admin/users/{owner_id}", {
        "name": "Sam Renamed", "email": "owner@northshire.example.org",
        "is_active": "y"}).status_code == 302
    assert "Sam Renamed" in main_text(lead.get(f"{PLAN}/actions"))
    url = "/admin/library/reverse-mentoring/edit"
    assert post_form(admin, url, {
        "title": "Reverse mentoring for every director",
        "theme": next(i.theme for i in INTERVENTIONS if i.key == "reverse-mentoring"),
        "indicators": ["SCW2"], "description": "Directors mentored.", "success_measure": "",
        "guidance_url": ""}).status_code == 302
    assert "Reverse mentoring for every director" in main_text(lead.get(library))


def test_a_comment_shows_at_once_and_following_is_the_persons_own(app, client_as):
    lead, viewer = client_as("edi_lead"), client_as("viewer")
    action = _action(app, title=ACTION)
    url = f"{PLAN}/actions/{action.id}"
    _seen(lead, url)
    _seen(viewer, url)
    cycle = PLAN.removesuffix("/plan")
    assert post_form(lead, f"{cycle}/comments/action/{action.id}", {
        "body": "Please read the **March** referrals", "visibility": "internal",
        "next": url}, token_from=url).status_code == 302
    assert "Please read the March referrals" in main_text(lead.get(url))
    assert "Please read the March referrals" in main_text(viewer.get(url))
    follow = f"{cycle}/comments/action/{action.id}/follow"
    assert post_form(lead, follow, {"follow": "yes"}, token_from=url).status_code == 302
    assert page(lead.get(url)).select_one(".app-follow-form button").get_text(
        strip=True).startswith("Stop following")
    # the viewer's page is their own: they do not follow it
    with count_queries(app) as statements:
        seen = page(viewer.get(url))
    assert not [s for s in statements if HEAVY.search(s)]  # still kept for them
    assert seen.select_one(".app-follow-form button").get_text(strip=True).startswith("Follow")
    assert post_form(lead, follow, {"follow": "no"}, token_from=url).status_code == 302
    assert page(lead.get(url)).select_one(".app-follow-form button").get_text(
        strip=True).startswith("Follow")


def test_nobody_is_served_another_persons_plan_page(app, client_as):
    lead, viewer = client_as("edi_lead"), client_as("viewer")
    action = _action(app, title=ACTION)
    url = f"{PLAN}/actions/{action.id}"
    _seen(lead, url, PLAN)
    for shown in (url, PLAN):
        with count_queries(app) as statements:
            html = page(viewer.get(shown))
        assert [s for s in statements if HEAVY.search(s)], shown  # written for the viewer
        assert html.find("a", string=re.compile("Edit action")) is None
        assert html.find("a", href=f"{PLAN}/themes") is None
    assert page(lead.get(url)).find("a", string=re.compile("Edit action")) is not None


def _fresh(client, url) -> str:
    """The page as it is written now, from nothing kept."""
    forget_kept_pages()
    return main_text(client.get(url))


def test_feedback_asked_for_shows_on_the_accountability_view_at_once(app, client_as):
    lead, advisor = client_as("edi_lead"), client_as("advisor")
    view = f"{PLAN}/accountability"
    action = _action(app, title=ACTION)
    _seen(lead, view)
    before = page(lead.get(view)).select_one(".app-awaiting-summary").get_text(" ", strip=True)
    url = f"{PLAN}/actions/{action.id}"
    assert post_form(advisor, f"{PLAN.removesuffix('/plan')}/comments/action/{action.id}", {
        "body": "How were the referrals chosen?", "ask_for_response": "y", "next": url},
        token_from=url).status_code == 302
    shown = page(lead.get(view))
    assert shown.select_one(".app-awaiting-summary").get_text(" ", strip=True) != before
    newest = shown.select(".app-awaiting-table tbody tr")[-1].get_text(" ", strip=True)
    assert ACTION in newest and "Since today" in newest
    assert main_text(lead.get(view)) == _fresh(lead, view)


def test_an_import_and_new_figures_show_at_once(app, client_as):
    from tests.integration.test_plans import _import
    from tracker.models import IndicatorDataset, Organisation, ReportingCycle, User
    from tracker.services import indicators

    lead = client_as("edi_lead")
    by_indicator = f"{PLAN}/by-indicator"
    _seen(lead, PLAN, by_indicator)
    lines = lead.get(f"{PLAN}/export.csv").get_data(as_text=True).splitlines()
    due = (TODAY + timedelta(days=60)).isoformat()
    lines.append(f",Leadership,Mentoring circles,,SCW9 adults,psw@northshire.example.org,,,,"
                 f"{due},not_started,,,,,")
    assert _import(lead, "\n".join(lines).encode(), "plan.csv").status_code == 302
    assert "Mentoring circles" in main_text(lead.get(PLAN))
    before = main_text(lead.get(by_indicator))
    with app.app_context():  # the children's figures taken out, through the service
        cycle = db.session.scalar(db.select(ReportingCycle).where(
            ReportingCycle.label == "2024-25",
            ReportingCycle.organisation.has(Organisation.slug == "northshire")))
        dataset = db.session.scalar(db.select(IndicatorDataset).filter_by(cycle_id=cycle.id))
        actor = db.session.scalar(db.select(User).filter_by(email="edi.lead@northshire.example.org"))
        indicators.store_dataset(actor=actor, cycle=cycle, source=dataset.source,
                                 counts={area: counts for area, counts in dataset.counts.items()
                                         if area != "children"},
                                 provenance=dataset.provenance)
        db.session.commit()
    after = main_text(lead.get(by_indicator))
    assert after != before
    assert after == _fresh(lead, by_indicator)
