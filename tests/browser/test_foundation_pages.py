"""Each demo role signs in, visits the pages built so far, and axe-core finds nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

ORG_PAGES = ["/org/northshire"]
LEAD_PAGES = ["/org/northshire/people", "/org/northshire/cycles/new"]
# A page reached by a link is (the list, the link's text): never an id that row order gave
ADMIN_PAGES = ["/admin", "/admin/organisations", "/admin/organisations/new",
               ("/admin/organisations", "Northshire County Council"), "/admin/users",
               "/admin/users/new", ("/admin/users", "Priya Shah"), "/admin/groups",
               "/admin/groups/new", ("/admin/groups", "Independent Advisory Group (IAG)"),
               "/admin/audit"]
COMMON = ["/", "/accessibility"]

ROLES = {
    "edi.lead@northshire.example.org": COMMON + ORG_PAGES + LEAD_PAGES,
    "owner@northshire.example.org": COMMON + ORG_PAGES,
    "sponsor@northshire.example.org": COMMON + ORG_PAGES,
    "viewer@northshire.example.org": COMMON + ORG_PAGES,
    "advisor@iag.example.org": COMMON + ORG_PAGES + ["/org/eastbrook"],
    "admin@example.org": COMMON + ADMIN_PAGES,
}


def test_signed_out_pages_are_accessible(page: Page):
    for path in ["/sign-in", "/accessibility", "/set-password/not-a-real-token"]:
        page.goto(path)
        assert_accessible(page)


@pytest.mark.parametrize("email", list(ROLES))
def test_each_role_visits_its_pages_without_accessibility_violations(page: Page, email: str):
    sign_in(page, email)
    for path in ROLES[email]:
        if isinstance(path, tuple):
            listing, link = path
            page.goto(listing)
            with page.expect_navigation() as navigation:
                page.get_by_role("link", name=link, exact=True).click()
            response = navigation.value
        else:
            response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)


def test_error_pages_are_accessible(page: Page):
    sign_in(page, "viewer@northshire.example.org")
    for path, status in [("/org/northshire/people", 403), ("/org/riverside", 404)]:
        response = page.goto(path)
        assert response.status == status
        assert_accessible(page)


def test_form_errors_show_the_summary_and_stay_accessible(page: Page):
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    expect(page).to_have_title(re.compile(r"^Error: Sign in - "))
    assert_accessible(page)


def test_sign_in_with_the_keyboard_alone(page: Page):
    page.goto("/sign-in")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type("sponsor@northshire.example.org")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("demo-password-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    expect(page.locator("h1")).to_have_text("Home")
    # Onward by keyboard: tab to the organisation link and follow it.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Northshire County Council":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/org/northshire")
    expect(page.locator("h1")).to_have_text("Northshire County Council")
