"""Each role's home in Chromium, with axe-core on every page: the sponsor's ten-second view at a
desktop's and at a phone's width, the owner's one click to an update, the EDI lead's list of what
needs doing and the advisor's sortable table of councils."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in


def _fits(page: Page) -> bool:
    """Nothing on the page is wider than the window (no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_sponsor_sees_overdue_actions_and_owners_at_a_desktop_and_on_a_phone(page: Page):
    for width, height in ((1280, 800), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        sign_in(page, "sponsor@northshire.example.org")
        glance = page.locator(".app-sponsor-glance")
        overdue = glance.locator(".app-overdue-table tbody tr")
        expect(overdue.first).to_contain_text("Nadia Hussain")  # the owner, without a click
        expect(overdue.first.locator(".app-days-overdue")).to_contain_text("days")
        expect(glance.locator(".app-theme-status")).to_contain_text("Leadership")
        expect(glance.get_by_text("Waiting for your sign-off")).to_be_visible()
        expect(glance.locator(".app-board-pack-download")).to_be_visible()
        # The overdue list starts within the first screen at a desktop's width.
        if width == 1280:
            assert overdue.first.bounding_box()["y"] < height
        assert _fits(page), f"the sponsor's home scrolls sideways at {width} px"
        assert_accessible(page)
        page.context.clear_cookies()  # signed out (at a phone's width the menu hides the button)


def test_the_owner_reaches_an_update_form_in_one_click(page: Page):
    sign_in(page, "owner@northshire.example.org")
    overdue = page.locator("#my-actions-overdue")
    expect(overdue).to_contain_text("days overdue")
    assert_accessible(page)
    overdue.get_by_role("link", name="Mandatory EDI training for all managers").click()
    expect(page.locator("#add-progress")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Mandatory EDI training for all managers")
    assert_accessible(page)
    page.get_by_label("What happened").fill("Two more sessions booked for March.")
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress update added")
    assert_accessible(page)


def test_the_edi_lead_sees_what_needs_doing(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    to_do = page.locator(".app-lead-glance .app-to-do")
    expect(to_do).to_contain_text("overdue")
    expect(to_do).to_contain_text("advisors' feedback")
    assert_accessible(page)
    to_do.get_by_role("link", name="Respond to 1 piece of advisors' feedback").click()
    expect(page.locator("#feedback-awaiting")).to_be_visible()
    assert_accessible(page)


def test_the_advisor_sorts_the_councils_they_follow(page: Page):
    sign_in(page, "advisor@iag.example.org")
    table = page.locator(".app-shared-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Eastbrook Borough Council")
    assert_accessible(page)
    table.get_by_role("link", name="Overdue actions").click()
    expect(rows.first).to_contain_text("Northshire County Council")
    expect(table.locator("th[aria-sort=descending]")).to_contain_text("Overdue actions")
    assert_accessible(page)
    rows.first.get_by_role("link", name="Northshire County Council", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire County Council")
    assert_accessible(page)


def test_a_viewer_follows_an_action_and_hears_of_its_progress(page: Page):
    sign_in(page, "viewer@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/plan/actions")
    page.locator("main table a.govuk-link").first.click()
    title = page.locator("h1").inner_text()
    page.locator(".app-follow-form").get_by_role("button", name="Follow").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You now follow")
    expect(page.locator(".app-follow-form button")).to_contain_text("Stop following")
    assert_accessible(page)
    page.context.clear_cookies()
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/plan/actions")
    page.locator("main table").get_by_role("link", name=title, exact=True).first.click()
    page.get_by_label("What happened").fill("Panels booked for March.")
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress update added")
    page.context.clear_cookies()
    sign_in(page, "viewer@northshire.example.org")
    page.goto("/notifications")
    expect(page.locator("main")).to_contain_text(f"added a progress update to \u201c{title}\u201d")
    assert_accessible(page)


def test_the_edi_lead_finds_an_action_by_its_words(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire")
    page.get_by_role("link", name="Search actions in every cycle").click()
    assert_accessible(page)
    page.get_by_label("Words in the action's title, description or measure").fill("mentoring")
    page.get_by_role("button", name="Search").click()
    results = page.locator(".app-search-results tbody tr")
    expect(results.first).to_contain_text("mentoring")
    assert_accessible(page)


def test_the_edi_lead_links_an_action_everywhere_from_a_suggestion(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/plan/by-indicator")
    suggestion = page.locator(".app-suggestions a").first
    expect(suggestion).to_be_visible()
    assert_accessible(page)
    page.goto("/org/northshire/cycles/2024-25/plan/actions")
    page.locator("main table a.govuk-link").first.click()
    page.get_by_label("Indicator").select_option("SCW3")
    page.get_by_label("Service area").select_option("every")
    page.get_by_role("button", name="Link indicator").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Linked to SCW3")
    assert_accessible(page)


def test_every_home_fits_a_phone(page: Page):
    page.set_viewport_size({"width": 375, "height": 740})
    for email in ("owner@northshire.example.org", "edi.lead@northshire.example.org",
                  "advisor@iag.example.org", "viewer@northshire.example.org"):
        sign_in(page, email)
        expect(page.locator("h1")).to_have_text("Home")
        assert _fits(page), f"{email}'s home scrolls sideways at 375 px"
        assert_accessible(page)
        page.context.clear_cookies()


def test_an_administrator_edits_the_intervention_library(page: Page):
    sign_in(page, "admin@example.org")
    page.goto("/admin")
    page.get_by_role("link", name="Intervention library").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add an intervention").click()
    page.get_by_label("Title").fill("Stay interviews")
    page.get_by_label("Theme").fill("Workforce diversity and recruitment")
    page.get_by_label("SCW8 Leaving the organisation").check()
    page.get_by_label("Summary").fill("Ask staff why they stay, before they leave.")
    page.get_by_role("button", name="Save intervention").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Stay interviews saved")
    expect(page.locator(".app-library-table")).to_contain_text("Stay interviews")
    assert_accessible(page)
