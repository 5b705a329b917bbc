"""The EDI lead keeps the council's commitments, goals and targets; the sponsor reads them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in


def test_the_lead_adds_a_commitment_a_goal_and_a_target(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire")
    page.get_by_role("link", name="Commitments and targets").click()
    expect(page.locator("h1")).to_have_text("Commitments and targets")
    expect(page.locator(".app-commitment h2")).to_have_count(4)
    expect(page.locator(".app-commitment h2").first).to_have_text("1. Zero tolerance of racism")
    assert_accessible(page)

    page.get_by_role("link", name="Add a commitment").click()
    page.get_by_role("button", name="Save commitment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the commitment's title")
    assert_accessible(page)
    page.get_by_label("Title").fill("Listening to staff")
    page.get_by_label("Description (optional)").fill("We hear and answer staff networks.")
    page.get_by_role("button", name="Save commitment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Commitment added: Listening to staff")

    page.get_by_role("link", name="Add a goal to Listening to staff").click()
    expect(page.locator("h1")).to_have_text("Add a goal")
    page.get_by_label("Goal", exact=True).fill("A staff network in every directorate")
    page.get_by_label("Leadership").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save goal").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Goal added")

    section = page.locator(".app-commitment", has_text="Listening to staff")
    section.get_by_role("link", name="Add a target").click()
    page.get_by_label("Indicator").select_option("SCW8")
    page.get_by_label("Target relative likelihood").fill("0")
    page.get_by_label("Cycle to reach it by").fill("2023-24")
    page.get_by_label("Cycle it is set in").select_option("2024-25")
    page.get_by_role("button", name="Save target").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("must be more than 0 and at most 10")
    expect(summary).to_contain_text("must be after 2024-25, the cycle the target is set in")
    assert_accessible(page)
    page.get_by_label("Target relative likelihood").fill("1.1")
    page.get_by_label("Cycle to reach it by").fill("2027-28")
    page.get_by_role("button", name="Save target").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Target added")
    row = page.locator(".app-commitment", has_text="Listening to staff").locator(
        ".app-targets tbody tr")
    expect(row).to_contain_text("SCW8 Leaving the organisation")
    expect(row).to_contain_text("1.10 by 2027-28")
    expect(row).to_contain_text("No figure yet")
    assert_accessible(page)

    page.get_by_role("button", name="Move up Listening to staff").click()
    expect(page.locator(".app-commitment h2").nth(3)).to_have_text("4. Listening to staff")
    page.get_by_role("link", name="Remove Listening to staff").click()
    expect(page.locator("h1")).to_have_text("Remove the commitment?")
    assert_accessible(page)
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".app-commitment h2")).to_have_count(4)


def test_the_sponsor_reads_the_commitments(page: Page):
    sign_in(page, "sponsor@northshire.example.org")
    page.goto("/org/northshire/commitments")
    expect(page.locator(".app-targets").first).to_be_visible()
    expect(page.get_by_role("link", name="Add a commitment")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="SCW2 Appointed from shortlisting").first.click()
    expect(page.locator("h1")).to_have_text("SCW2 Appointed from shortlisting")
    expect(page.locator(".app-trend-target")).to_contain_text("0.80 by 2026-27")
    expect(page.locator(".app-target-path tbody tr").last).to_contain_text("2026-27")
    page.wait_for_function(
        "() => { const i = document.querySelector('img.app-chart__image');"
        " return i && i.complete && i.naturalWidth > 0 }")
    alt = page.locator("img.app-chart__image").get_attribute("alt") or ""
    assert "the target with the path to it" in alt
    assert_accessible(page)
    page.goto("/org/northshire/trends")
    expect(page.locator("#trend-SCW2 .app-trend-target")).to_contain_text("Target 0.80 by 2026-27")
    assert_accessible(page)
    page.goto("/org/northshire/cycles/2024-25/review")
    section = page.locator(".app-commitment-status", has_text="Inclusive recruitment")
    expect(section.locator(".app-target-status")).to_contain_text("0.80 by 2026-27")
    expect(section.locator(".app-target-status .govuk-tag")).to_have_count(1)
    assert_accessible(page)


def test_the_commitments_fit_a_phone(page: Page):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/commitments")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_role("button", name="Move up Zero tolerance of racism")).to_have_count(0)
    assert_accessible(page)
