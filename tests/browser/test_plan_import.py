"""An import whose action changed since the export: the conflict, the choice, axe-core on each page."""

from __future__ import annotations

import sqlite3

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

PLAN = "/org/northshire/cycles/2024-25/plan"


def test_a_conflicting_row_is_shown_and_needs_a_choice(page: Page, live_database):
    sign_in(page, "edi.lead@northshire.example.org")
    export = page.request.get(PLAN + "/export.csv").text()
    header, first, *rest = export.lstrip("\ufeff").splitlines()
    action_id = int(first.split(",", 1)[0])
    with sqlite3.connect(live_database) as connection:  # someone changes it after the export
        connection.execute("UPDATE actions SET title = title || ' (renamed)', "
                           "version = version + 1 WHERE id = ?", (action_id,))
    page.goto(PLAN + "/import")
    assert_accessible(page)
    page.get_by_label("Plan spreadsheet").set_input_files(files=[{
        "name": "plan.csv", "mimeType": "text/csv",
        "buffer": "\n".join([header, first, *rest]).encode()}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Changed in the tracker since your export (1)")) \
        .to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import these changes").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Choose what to do with the actions changed in the tracker since the file was exported")
    assert_accessible(page)
    page.get_by_label("Keep the tracker's version of each of them").check()
    page.get_by_role("button", name="Import these changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Plan imported")
    with sqlite3.connect(live_database) as connection:
        [(title,)] = connection.execute("SELECT title FROM actions WHERE id = ?", (action_id,))
    assert title.endswith(" (renamed)")
