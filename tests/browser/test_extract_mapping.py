"""A first upload from an HR system needs a mapping: the EDI lead chooses the columns and what
an unknown label means, once, and goes on to the preview."""

from __future__ import annotations

import pandas as pd
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.extract_files import small_extracts


def test_a_first_upload_needing_a_mapping(page: Page, tmp_path):
    files = small_extracts(tmp_path)
    frame = pd.read_csv(files["staff"], dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc"})
    frame["Ethnic Desc"] = frame["Ethnic Desc"].replace({"Roma": "WB*"})
    export = tmp_path / "itrent-staff.csv"
    frame.to_csv(export, index=False)

    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/indicators/upload")
    page.get_by_label("Staff extract").set_input_files(export)
    page.get_by_role("button", name="Upload and check", exact=True).click()

    expect(page.locator("h1")).to_have_text("Match your files to the 2024-25 data")
    expect(page.locator("#column-staff-staff_id-hint")).to_have_text(
        "Not found: choose the column that holds it")
    assert_accessible(page)

    page.get_by_role("button", name="Save the mapping and check the figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose the column of itrent-staff.csv that holds staff id")
    assert_accessible(page)
    page.locator(".govuk-error-summary a").first.click()  # the summary's link reaches the field
    expect(page.locator("#column-staff-staff_id")).to_be_focused()

    staff_id = page.get_by_label("Staff ID (a pseudonymous number, different for each person)")
    staff_id.select_option(label=next(o for o in staff_id.locator("option").all_inner_texts()
                                      if o.startswith("Emp Ref")))
    ethnicity = page.get_by_label("Ethnicity", exact=True)
    ethnicity.select_option(label=next(o for o in ethnicity.locator("option").all_inner_texts()
                                       if o.startswith("Ethnic Desc")))
    page.get_by_role("button", name="Save the mapping and check the figures").click()

    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what 'WB*' means")
    expect(page.get_by_role("heading", name="Labels that were not recognised")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("'WB*'").select_option("white")
    page.get_by_role("button", name="Save the mapping and check the figures").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your organisation's mapping has been saved")
    expect(page.locator("h1")).to_have_text("Check the 2024-25 figures: all staff")
    assert_accessible(page)

    page.goto("/org/northshire/extract-mapping")
    expect(page.locator("main table").first).to_contain_text("Emp Ref")
    expect(page.get_by_role("link", name="Download the mapping file (JSON)")).to_be_visible()
    assert_accessible(page)
