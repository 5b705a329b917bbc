"""A workbook read from the wrong sheet: the EDI lead chooses another on the preview, is told
plainly when the sheet holds no header, and sees the figures of the sheet chosen."""

from __future__ import annotations

import openpyxl
import pandas as pd
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.extract_files import small_extracts


def test_choosing_another_sheet_on_the_preview(page: Page, tmp_path):
    files = small_extracts(tmp_path)
    frame = pd.read_csv(files["staff"], dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in {"Last year": frame.head(40), "This year": frame.head(70)}.items():
        sheet = book.create_sheet(name)
        sheet.append(list(rows.columns))
        for row in rows.values.tolist():
            sheet.append(row)
    book.create_sheet("Notes").append(["Read me first"])
    export = tmp_path / "hr-staff.xlsx"
    book.save(export)

    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/indicators/upload")
    page.get_by_label("Staff extract").set_input_files(export)
    page.get_by_role("button", name="Upload and check", exact=True).click()
    expect(page.locator("h1")).to_have_text("Check the 2024-25 figures: all staff")
    expect(page.locator("main")).to_contain_text("hr-staff.xlsx (40 rows)")
    sheet = page.get_by_label("Staff extract: the sheet of hr-staff.xlsx to read")
    expect(sheet).to_have_value("Last year")
    assert_accessible(page)

    sheet.select_option("Notes")
    page.get_by_role("button", name="Read this sheet of hr-staff.xlsx").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Sheet 'Notes' of hr-staff.xlsx has no header row naming the columns of a staff extract")
    expect(page).to_have_title("Error: Check the 2024-25 figures - SC-WRES tracker")
    assert_accessible(page)
    page.locator(".govuk-error-summary a").first.click()  # the summary's link reaches the field
    expect(page.locator("#sheet-staff")).to_be_focused()
    expect(page.locator("main")).to_contain_text("hr-staff.xlsx (40 rows)")  # nothing changed

    page.locator("#sheet-staff").select_option("This year")
    page.locator("#sheet-staff").press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("hr-staff.xlsx (70 rows)")
    expect(page.locator("main")).to_contain_text("Read sheet 'This year' of the XLSX workbook")
    expect(page.get_by_label("Staff extract: the sheet of hr-staff.xlsx to read")).to_have_value(
        "This year")
    assert_accessible(page)

    confirm = page.get_by_label("I have checked these and the data is right")
    if confirm.count():  # the demo's earlier cycle has another headcount
        confirm.check()
    page.get_by_role("button", name="Save these figures").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The 2024-25 figures have been saved")
    page.goto("/org/northshire/extract-mapping")
    expect(page.locator("main table").first).to_contain_text("This year")
    assert_accessible(page)
