"""The sponsor reads a trend and signs the review off; the EDI lead starts the next cycle."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.helpers import demo_changes


def test_trend_review_sign_off_and_next_cycle(page: Page):
    sign_in(page, "sponsor@northshire.example.org")
    page.get_by_role("link", name="Northshire County Council").first.click()
    page.get_by_role("link", name="See every indicator year on year").click()
    expect(page.locator("h1")).to_have_text("Year on year: all staff")
    assert_accessible(page)
    page.get_by_role("link", name="Adult social care").click()
    page.get_by_role("link", name="SCW8 Leaving the organisation").click()
    expect(page.locator("h1")).to_have_text("SCW8 Leaving the organisation")
    rows = page.locator("main table").first.locator("tbody tr")
    for i, (label, _, change) in enumerate(demo_changes("SCW8", "adults")):
        expect(rows.nth(i).locator("th")).to_have_text(label)
        expect(rows.nth(i)).to_contain_text(change.words)
        if change.for_gm:
            expect(rows.nth(i)).to_contain_text(f"{change.for_gm.capitalize()} for global "
                                                "majority staff")
    page.wait_for_function(
        "() => { const i = document.querySelector('img.app-chart__image');"
        " return i && i.complete && i.naturalWidth > 0 }")
    assert_accessible(page)

    page.goto("/org/northshire")
    page.get_by_role("link", name="Annual review for 2024-25").click()
    expect(page.locator("h1")).to_have_text("Annual review 2024-25")
    assert_accessible(page)
    page.get_by_label("Your role").fill("Director of Adult Social Services")
    page.get_by_label("I have read the review and sign it off").check()
    page.get_by_label("I have seen the warnings above and sign off the review with them").check()
    page.get_by_role("button", name="Sign off the review").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Helen Clarke")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire")
    page.get_by_role("link", name="Start the cycle after 2024-25, carrying over its open actions").click()
    expect(page.locator("h1")).to_have_text("Start the cycle after 2024-25")
    expect(page.get_by_label("Label of the new cycle")).to_have_value("2025-26")
    boxes = page.locator("input[name^=carry-]")
    assert boxes.count() > 10
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert_accessible(page)
    # leave one behind without a reason: told exactly what is missing
    boxes.first.uncheck()
    page.get_by_role("button", name="Start the new cycle").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a reason for leaving")
    assert_accessible(page)
    page.locator("input[name^=reason-]").first.fill("Finished in all but name")
    page.get_by_role("button", name="Start the new cycle").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Cycle 2025-26 started")
    expect(page.locator("h1")).to_have_text("Action plan 2025-26")
    assert_accessible(page)


def test_by_indicator_shows_the_bands_and_an_action_says_whether_it_worked(page: Page):
    sign_in(page, "viewer@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/plan/by-indicator")
    expect(page.locator(".app-band-trend").first).to_contain_text("Whole workforce")
    assert_accessible(page)
    page.locator("main table").first.locator("a.govuk-link").first.click()
    expect(page.locator("#did-it-work")).to_have_text("Did it work?")
    expect(page.locator(".app-did-it-work li").first).to_contain_text("baseline")
    assert_accessible(page)
