"""The action plan end to end: library action, owner's update, sponsor's accountability and sign-off."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.helpers import demo_results

PLAN = "/org/northshire/cycles/2024-25/plan"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")


def test_plan_from_library_to_sign_off(page: Page):
    due = date.today() + timedelta(days=120)
    # The EDI lead starts an action from the library, assigns an owner, links an adverse result
    sign_in(page, "edi.lead@northshire.example.org")
    page.get_by_role("link", name="Northshire County Council").first.click()
    page.get_by_role("link", name="Action plan for 2024-25").click()
    expect(page.locator("h1")).to_have_text("Action plan 2024-25")
    assert_accessible(page)
    page.get_by_role("link", name="Start from the intervention library").click()
    assert_accessible(page)
    page.get_by_role("link", name="Start this action for Reverse mentoring and coaching").click()
    expect(page.get_by_label("Title")).to_have_value("Reverse mentoring and coaching")
    assert_accessible(page)
    page.get_by_label("Owner").select_option(label="Tom Okafor")
    due_date = page.get_by_role("group", name="Due date")
    due_date.get_by_label("Day").fill(str(due.day))
    due_date.get_by_label("Month").fill(str(due.month))
    due_date.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Save action").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Action added")
    page.get_by_label("Indicator", exact=True).select_option("SCW9")
    page.get_by_label("Service area").select_option("all")
    page.get_by_role("button", name="Link indicator").click()
    scw9 = demo_results().series("all", "SCW9")
    assert scw9.rating == "adverse"
    expect(page.locator("main")).to_contain_text(f"RL {scw9.rl:.2f}, adverse")
    assert_accessible(page)
    action_url = page.url
    page.goto(PLAN + "/by-indicator")
    assert_accessible(page)
    _sign_out(page)

    # The owner adds a progress update and sets "at risk"
    sign_in(page, "owner@northshire.example.org")
    page.goto(action_url)
    expect(page.get_by_role("button", name="Edit action")).to_have_count(0)
    page.get_by_label("What happened").fill("Only four senior leaders have volunteered so far")
    page.get_by_label("Status (optional)").select_option(label="At risk")
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress update added")
    expect(page.locator("main")).to_contain_text("Status set to at risk")
    assert_accessible(page)
    _sign_out(page)

    # The sponsor sees it in the accountability view and signs off the plan
    sign_in(page, "sponsor@northshire.example.org")
    page.goto(PLAN + "/accountability")
    owner_row = page.locator("table").first.locator("tr", has_text="Tom Okafor")
    expect(owner_row).to_be_visible()
    assert_accessible(page)
    page.goto(PLAN + "/actions?status=at_risk")
    expect(page.get_by_role("link", name="Reverse mentoring and coaching")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Sign off", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Your role").fill("Director of Adult Social Services")
    page.get_by_label("I have read the plan and sign it off as it stands").check()
    page.get_by_label("I have seen the warnings above and sign off the plan with them").check()
    page.get_by_role("button", name="Sign off the plan").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Helen Clarke")
    assert_accessible(page)
