"""The national picture in a real browser: the programme lead's pages and a council's funnel plot
(axe-core on every page visited)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in


def test_the_programme_lead_reads_statuses_and_the_report(page: Page):
    sign_in(page, "programme.lead@example.org")
    page.goto("/programme")
    assert_accessible(page)
    page.get_by_role("link", name="2024-25").click()
    expect(page.locator("h1")).to_have_text("Programme year 2024-25")
    statuses = page.locator("#council-statuses")
    expect(statuses).to_contain_text("Westmere Metropolitan Borough Council")
    expect(statuses.locator("tr", has_text="Northshire County Council")).to_contain_text(
        "Submitted")
    expect(statuses.locator("tr", has_text="Riverside City Council")).to_contain_text(
        "Not started")
    assert_accessible(page)
    page.get_by_label("Day").first.fill("30")
    page.get_by_label("Month").first.fill("9")
    page.get_by_label("Year").first.fill("2025")
    page.get_by_role("button", name="Save the deadlines").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Deadlines for 2024-25")
    page.goto("/programme/2024-25/report")
    expect(page.locator("#report-summary")).to_contain_text("10 councils submitted 2024-25")
    expect(page.locator("#by-region")).to_be_visible()
    expect(page.locator("table", has_text="London").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Adult social care").click()
    expect(page.locator("#national-figures caption")).to_contain_text("adult social care")
    assert_accessible(page)
    page.get_by_role("button", name="Publish the national report").click()
    expect(page.locator("#publication-state")).to_contain_text("Published on")
    page.get_by_role("link", name="/public/national/2024-25").click()
    expect(page.locator("h1")).to_have_text("SC-WRES national report 2024-25")
    assert_accessible(page)


def test_a_council_sees_its_own_point_on_the_funnel_plot(page: Page, live_server: str):
    sign_in(page, "programme.lead@example.org")
    page.goto("/programme/2024-25/report")
    page.get_by_role("button", name=re.compile(r"^Publish")).click()  # or again, if it was
    # The report is computed and frozen in that request: seconds on a loaded machine
    expect(page.locator("#publication-state")).to_contain_text("Published on", timeout=90_000)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/indicators")
    expect(page.locator("#national-position")).to_contain_text("Your position nationally")
    page.get_by_role("link", name="Show the funnel plot of SCW3").click()
    funnel = page.locator("#funnel img")
    expect(funnel).to_be_visible()
    expect(funnel).to_have_js_property("complete", True, timeout=30_000)  # loaded, not only laid out
    assert page.evaluate("img => img.naturalWidth > 0", funnel.element_handle())
    assert_accessible(page)
    svg = page.request.get(live_server + funnel.get_attribute("src")).text()
    assert "Your council" in svg
    assert "Westmere" not in svg and "Thameside" not in svg


def test_the_edi_lead_makes_and_revokes_an_api_token(page: Page, live_server: str):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/api-tokens")
    assert_accessible(page)
    page.get_by_label("Name of the token").fill("Power BI dashboard")
    page.get_by_role("button", name="Make a token").click()
    token = page.locator("#new-token code").inner_text()
    assert token.startswith("scwres_")
    assert_accessible(page)
    answer = page.request.get(live_server + "/api/v1/cycles",
                              headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200 and answer.json()[0]["label"]
    page.get_by_role("button", name="Revoke Power BI dashboard").click()
    expect(page.locator("#tokens")).to_contain_text("Revoked on")
    assert page.request.get(live_server + "/api/v1/cycles",
                            headers={"Authorization": f"Bearer {token}"}).status == 401


def test_an_advisor_reads_across_their_councils(page: Page):
    sign_in(page, "advisor@iag.example.org")
    page.goto("/")
    page.get_by_role("link", name="Across your councils").click()
    expect(page.locator("h1")).to_have_text("Across your councils")
    expect(page.locator("#results-table")).to_contain_text("Northshire County Council")
    assert_accessible(page)
