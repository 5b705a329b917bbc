"""The administrator finds a person by typing, with the keyboard only, and axe-core finds nothing.

With JavaScript the search box suggests people (GOV.UK's accessible-autocomplete); without it the
same search is a form whose results are radios. Both end with the person given a role.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, sign_in

ADMIN = "admin@example.org"


def _open(page: Page, listing: str, link: str) -> None:
    page.goto(listing)
    with page.expect_navigation():
        page.get_by_role("link", name=link, exact=True).click()


def test_typing_suggests_people_and_the_keyboard_chooses_one(page: Page):
    sign_in(page, ADMIN)
    _open(page, "/admin/organisations", "Riverside City Council")
    assert page.locator("select").count() == 0
    box = page.get_by_role("combobox", name="Find a person")
    box.focus()
    with page.expect_response(lambda response: "q=nadia" in response.url):
        page.keyboard.type("nadia")
    suggestion = page.get_by_role("option", name="Nadia Hussain (hr.lead@northshire.example.org)")
    expect(suggestion).to_be_visible()
    assert_accessible(page)  # with the suggestions open

    with page.expect_navigation():
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    assert "person=" in page.url
    chosen = page.get_by_role("radio", name="Nadia Hussain")
    expect(chosen).to_be_checked()
    assert_accessible(page)

    page.get_by_role("radio", name="Viewer").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Add role").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Nadia Hussain is now viewer in Riverside City Council")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Nadia Hussain (hr.lead@northshire.example.org)")
    assert_accessible(page)


def test_a_group_suggests_only_people_who_are_not_members(page: Page):
    sign_in(page, ADMIN)
    _open(page, "/admin/groups", "Independent Advisory Group (IAG)")
    box = page.get_by_role("combobox", name="Find a person")
    box.focus()
    page.keyboard.type("mensah")  # Grace Mensah, already a member
    expect(page.locator(".autocomplete__option--no-results")).to_have_text("Nobody found")
    box.fill("")
    with page.expect_response(lambda response: "q=qureshi" in response.url):
        page.keyboard.type("qureshi")
    expect(page.get_by_role("option", name="Imran Qureshi (advisor@rerg.example.org)")).to_be_visible()
    with page.expect_navigation():
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    page.get_by_role("button", name="Add member").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Imran Qureshi added to IAG")).to_be_visible()
    assert_accessible(page)


def test_without_javascript_the_search_is_a_form_and_its_results_radios(
        browser: Browser, live_server: str):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, ADMIN)
        _open(page, "/admin/organisations", "Eastbrook Borough Council")
        page.get_by_label("Find a person").fill("okafor")
        with page.expect_navigation():
            page.get_by_label("Find a person").press("Enter")
        # (axe-core cannot run where scripts are off: the same results page, with scripts,
        # is checked in the test above.)
        expect(page.get_by_role("radio", name="Tom Okafor")).to_be_checked()
        page.get_by_label("Senior sponsor").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Add role").click()
        expect(page.get_by_text("Tom Okafor is now senior sponsor in Eastbrook Borough Council"))\
            .to_be_visible()
    finally:
        context.close()
