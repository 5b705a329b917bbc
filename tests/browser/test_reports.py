"""Reports in a real browser: the board pack one click from the accountability view, the
Reports page (axe-core on every page visited)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import assert_accessible, sign_in


def test_the_sponsor_gets_the_board_pack_from_the_accountability_view(page: Page):
    sign_in(page, "sponsor@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/plan/accountability")
    assert_accessible(page)
    page.get_by_role("button", name="Get the board pack for 2024-25 (PDF)").click()
    # Prepared by a job: in the tests it runs as the request commits, so the answer waits for
    # the layout (seconds on a loaded machine), which in production happens in the worker
    expect(page.locator("h1")).to_have_text("Reports for 2024-25", timeout=90_000)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The board pack (PDF) is being prepared")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download the board pack \(PDF, \d+ KB\)")) \
            .click()
    assert download.value.suggested_filename == "northshire-2024-25-board-pack.pdf"
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Northshire County Council" in first and "SC-WRES board pack 2024-25" in first
    assert "rated results are adverse" in first and "Overdue actions" in first

    expect(page.get_by_role("link", name="Excel workbook for publication (XLSX)")).to_be_visible()
    # Asked for again while still current, the button downloads the kept file at once
    page.goto("/org/northshire/cycles/2024-25/plan/accountability")
    with page.expect_download() as again:
        page.get_by_role("button", name="Get the board pack for 2024-25 (PDF)").click()
    assert again.value.suggested_filename == "northshire-2024-25-board-pack.pdf"
    page.get_by_role("link", name="every report for 2024-25").click()
    expect(page.locator("h1")).to_have_text("Reports for 2024-25")


PRINTED = ["/org/northshire/cycles/2024-25/plan", "/org/northshire/cycles/2024-25/indicators",
           "/org/northshire/trends", "/org/northshire/cycles/2024-25/review",
           "/org/northshire/cycles/2024-25/plan/accountability"]


def test_pages_print_without_link_addresses_navigation_or_forms(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    for path in PRINTED:
        page.goto(path)
        page.emulate_media(media="screen")
        assert page.locator(".govuk-service-navigation").is_visible()
        page.emulate_media(media="print")
        assert page.evaluate(
            "() => [...document.querySelectorAll('main a.govuk-link')].every("
            "a => ['none', 'normal'].includes(getComputedStyle(a, '::after').content))"), path
        assert not page.locator(".govuk-service-navigation").is_visible(), path
        assert page.locator("main form:visible").count() == 0, path
        assert page.locator("main table").first.is_visible(), path
        assert page.evaluate("() => [...document.querySelectorAll('.app-table-scroll')].every("
                             "d => getComputedStyle(d).overflow === 'visible')"), path
        assert_accessible(page)
    # The review's summary, in a form box for its editor on screen, prints as text.
    page.goto(PRINTED[3])
    page.emulate_media(media="print")
    expect(page.locator(".app-print-only")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(".app-print-only")).to_be_hidden()


def test_prepare_approve_and_read_a_public_page(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/reports")
    page.get_by_role("link", name="The public page for 2024-25").click()
    expect(page.locator("h1")).to_have_text("Public page for 2024-25")
    assert_accessible(page)
    page.get_by_role("button", name="Prepare the public page").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what the public page shows")
    assert_accessible(page)
    page.get_by_label("The indicator summary (small numbers kept safe)").check()
    page.get_by_label("Our commitments, their goals and whether each target is on course").check()
    page.get_by_label("The plan by theme, with each action's status and progress").check()
    page.locator("input[name=private_ids]").last.check()
    private_title = page.locator("input[name=private_ids]").last.evaluate(
        "i => document.querySelector(`label[for='${i.id}']`).textContent.trim()")
    # Preparing runs the publish check on this cycle's and the targets' cycles' figures in the
    # request: about 2.5 s here, far longer on a loaded machine
    page.get_by_role("button", name="Prepare the public page").click(timeout=90_000)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Public page prepared")
    expect(page.locator("#publication-status")).to_contain_text("waiting for the sponsor")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "sponsor@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/publication")
    page.get_by_label("I have read the public page below and approve it").check()
    page.get_by_role("button", name="Approve the public page").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("it is live now")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    page.goto("/public")
    expect(page.locator("h1")).to_have_text("Published SC-WRES pages")
    assert_accessible(page)
    page.get_by_role("link", name="Northshire County Council, 2024-25").click()
    expect(page.locator("h1")).to_contain_text("Race equality in our social care workforce")
    expect(page.locator("main")).to_contain_text("fewer than 10")
    expect(page.locator("main")).not_to_contain_text(private_title.rsplit(" (", 1)[0])
    assert_accessible(page)
