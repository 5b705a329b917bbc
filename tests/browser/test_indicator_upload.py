"""An EDI lead uploads the three extracts, checks the preview, saves, and reads the results."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.extract_files import small_extracts


def _chart_drawn(page: Page) -> None:
    """Wait until the server-drawn chart image has loaded and has a size."""
    page.wait_for_function(
        "() => { const i = document.querySelector('img.app-chart__image');"
        " return i && i.complete && i.naturalWidth > 0 }")


def test_edi_lead_uploads_previews_saves_and_sees_results(page: Page, tmp_path):
    # Eastbrook has no figures yet (Northshire's demo figures stay for the other browser tests)
    files = small_extracts(tmp_path)
    sign_in(page, "edi.lead@eastbrook.example.org")
    page.get_by_role("link", name="Eastbrook Borough Council").first.click()
    page.get_by_role("link", name="Indicators for 2024-25").click()
    expect(page.locator("h1")).to_have_text("Indicators 2024-25")
    expect(page.locator("main")).to_contain_text("No figures have been loaded for 2024-25 yet")
    assert_accessible(page)

    page.get_by_role("link", name="Load the 2024-25 data").click()
    expect(page.locator("h1")).to_have_text("Load the 2024-25 data")
    assert_accessible(page)
    page.get_by_label("Staff extract").set_input_files(files["staff"])
    page.get_by_label("Recruitment extract (optional)").set_input_files(files["recruitment"])
    page.get_by_label("Survey extract (optional)").set_input_files(files["survey"])
    page.get_by_role("button", name="Upload and check", exact=True).click()

    expect(page.locator("h1")).to_have_text("Check the 2024-25 figures: all staff")
    expect(page.locator(".govuk-warning-text")).to_contain_text("not saved yet")
    expect(page.locator("img.app-chart__image")).to_be_visible()
    _chart_drawn(page)
    assert_accessible(page)
    page.get_by_role("link", name="Adult social care").click()
    expect(page.locator("h1")).to_have_text("Check the 2024-25 figures: adult social care")
    assert_accessible(page)

    page.get_by_role("button", name="Save these figures").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The 2024-25 figures have been saved")
    expect(page.locator("h1")).to_have_text("Indicators 2024-25: all staff")
    expect(page.locator("#row-SCW2 .govuk-tag").first).to_be_visible()
    expect(page.get_by_text(files["staff"].name)).to_be_visible()
    _chart_drawn(page)
    assert_accessible(page)


def test_a_bad_upload_lists_its_problems_accessibly(page: Page, tmp_path):
    bad = tmp_path / "staff.csv"
    # (a missing column or an unknown label goes to the mapping page instead)
    header = ("staff_id,ethnicity,service_area,pay_band,senior_manager,regulated_professional,"
              "formal_disciplinary,ftp_referral,funded_cpd,left_in_period")
    bad.write_text(f"{header}\nS1,Indian,adults,A,no,no,no,no,no,no\n"
                   "S1,Irish,adults,,no,no,no,no,no,no\n")
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/indicators/upload")
    page.get_by_label("Staff extract").set_input_files(bad)
    page.get_by_role("button", name="Upload and check", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("nothing has been saved")
    expect(page.locator(".app-problem-list")).to_contain_text("Staff ID 'S1' appears more than once")
    assert_accessible(page)


def test_counts_form_is_accessible_with_errors(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/indicators/counts")
    assert_accessible(page)
    page.get_by_label("All staff").check()
    page.locator("#SCW3_gm_numerator").fill("-1")
    page.get_by_role("button", name="Check counts").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be 0 or more")
    assert_accessible(page)


def test_adults_and_childrens_counts_on_one_page_with_errors_on_their_boxes(page: Page):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/cycles/2024-25/indicators/counts")
    page.get_by_role("link", name="Type adults' and children's figures on one page").click()
    assert_accessible(page)
    page.locator("#children_SCW3_gm_numerator").fill("40")
    page.locator("#children_SCW3_gm_denominator").fill("20")
    page.get_by_role("button", name="Check counts").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("SCW3, global majority, children: the box for 'entered the "
                                    "formal disciplinary process' (40) must not be larger")
    expect(page.locator("#children_SCW3_gm_numerator")).to_have_class(
        "govuk-input govuk-input--width-5 govuk-input--error")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#children_SCW3_gm_numerator")).to_be_focused()
