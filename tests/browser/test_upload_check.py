"""The progress page of a large upload: accessible, a "Check again" link without JavaScript,
and with it the page goes on to the preview by itself once the check is done.

The live server runs jobs as the request commits, so the check is put in the state to show
(waiting, then done) in its database, as the job would leave it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.extract_files import small_extracts

CYCLE = "/org/northshire/cycles/2024-25/indicators"


def _set_check(database, *, status: str, draft_id: int | None = None) -> None:
    with sqlite3.connect(database) as connection:
        user_id, cycle_id = connection.execute(
            "SELECT users.id, reporting_cycles.id FROM users, reporting_cycles"
            " JOIN organisations ON organisations.id = reporting_cycles.organisation_id"
            " WHERE users.email = 'edi.lead@northshire.example.org'"
            " AND organisations.slug = 'northshire' AND reporting_cycles.label = '2024-25'"
        ).fetchone()
        connection.execute("DELETE FROM upload_checks")
        connection.execute(
            "INSERT INTO upload_checks (cycle_id, created_by_id, status, request_number, files,"
            " problems, draft_id, error, created_at, started_at) VALUES (?, ?, ?, 1, ?, '[]', ?,"
            " '', ?, ?)",
            (cycle_id, user_id, status,
             '[{"kind": "staff", "filename": "hr-staff.csv", "bytes": 59000000}]', draft_id,
             datetime.now(UTC).isoformat(), datetime.now(UTC).isoformat()))


def test_the_progress_page_turns_into_the_preview(page: Page, live_database, tmp_path):
    files = small_extracts(tmp_path)
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto(CYCLE + "/upload")
    page.get_by_label("Staff extract").set_input_files(files["staff"])
    page.get_by_role("button", name="Upload and check", exact=True).click()
    expect(page.locator("h1")).to_have_text("Check the 2024-25 figures: all staff")
    draft_id = int(page.url.rsplit("/", 1)[1])

    _set_check(live_database, status="reading")
    page.goto(CYCLE + "/checking")
    expect(page.locator("h1")).to_have_text("Checking your files")
    expect(page.get_by_role("status")).to_contain_text("Reading and checking the files, since ")
    expect(page.locator("main")).to_contain_text("hr-staff.csv (59.0 MB)")
    assert_accessible(page)
    page.get_by_role("link", name="Check again").click()  # what works without JavaScript
    expect(page.locator("h1")).to_have_text("Checking your files")

    _set_check(live_database, status="done", draft_id=draft_id)  # the job finished
    # the page asks again by itself, and goes on to the figures
    expect(page.locator("h1")).to_have_text("Check the 2024-25 figures: all staff",
                                            timeout=15_000)
    assert page.url.endswith(f"{CYCLE}/preview/{draft_id}")
    assert_accessible(page)
