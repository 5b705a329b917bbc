"""The main pages are usable on a phone (issue 12): at 375 px, as each role, nothing makes the
page scroll sideways (a wide table scrolls inside its own focusable, labelled region), and
axe-core finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import assert_accessible, sign_in

CYCLE = "/org/northshire/cycles/2024-25"
PAGES = [
    ("results", CYCLE + "/indicators"),
    ("results of adults", CYCLE + "/indicators?area=adults"),
    ("plan by theme", CYCLE + "/plan"),
    ("plan by indicator", CYCLE + "/plan/by-indicator"),
    ("action list", CYCLE + "/plan/actions"),
    ("trends", "/org/northshire/trends"),
    ("one trend", "/org/northshire/trends/SCW2?area=adults"),
    ("review", CYCLE + "/review"),
    ("notifications", "/notifications"),
]
ROLES = {
    "EDI lead": "edi.lead@northshire.example.org",
    "action owner": "owner@northshire.example.org",
    "sponsor": "sponsor@northshire.example.org",
    "viewer": "viewer@northshire.example.org",
    "advisor": "advisor@iag.example.org",
}
ADMIN_PAGES = ["/admin", "/admin/audit", "/admin/users", "/admin/organisations",
               "/admin/groups", "/admin/library"]


def _overflow(page: Page) -> list[str]:
    """What sticks out beyond the window's width, outside any region that scrolls by itself."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        const inScroller = (el) => {
            // the page's own scrolling (html, body) is what must not happen sideways
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                const style = getComputedStyle(p);
                if (['auto', 'scroll'].includes(style.overflowX)) return true;
            }
            return false;
        };
        return [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > width + 1 && !inScroller(el))
            .slice(0, 8)
            .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                 `${el.className && typeof el.className === 'string' ?
                    '.' + el.className.trim().split(/\\s+/).join('.') : ''}` +
                 ` (${Math.round(el.getBoundingClientRect().right)} px)`);
    }""")


def _scrollers_are_labelled_and_focusable(page: Page) -> list[str]:
    """Every region that scrolls sideways can be reached by keyboard and says what it holds."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
                && el.scrollWidth > el.clientWidth + 1)
        .filter((el) => el.tabIndex < 0 || !(el.getAttribute('aria-label') ||
                el.getAttribute('aria-labelledby')))
        .map((el) => el.outerHTML.slice(0, 120))""")


def _visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    page.wait_for_load_state("load")
    wide = _overflow(page)
    assert wide == [], f"{path} scrolls sideways at 375 px: {wide}"
    assert _scrollers_are_labelled_and_focusable(page) == [], path
    assert_accessible(page)


@pytest.mark.parametrize("role", list(ROLES))
def test_the_main_pages_fit_a_phone_for_each_role(page: Page, role: str):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, ROLES[role])
    first_action = None
    for _, path in PAGES:
        _visit(page, path)
        if path.endswith("/plan") and first_action is None:
            first_action = page.evaluate(
                "[...document.querySelectorAll('main a')].map((a) => a.getAttribute('href'))"
                ".find((href) => /\\/plan\\/actions\\/\\d+$/.test(href))")
    assert first_action
    _visit(page, first_action)


def test_the_administration_pages_fit_a_phone(page: Page):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "admin@example.org")
    for path in ADMIN_PAGES:
        _visit(page, path)
