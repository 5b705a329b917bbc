"""The conversation end to end: an advisor asks, the EDI lead responds and links an action."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

CYCLE = "/org/northshire/cycles/2024-25"
ACTION = "Listening circles for global majority staff"
LINKED = "Freedom to speak up guardian with a diversity focus"
FEEDBACK = "Could the circles report their themes to the IAG each quarter?"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")


def test_advisor_asks_edi_lead_responds_and_both_are_notified(page: Page):
    # The advisor finds Northshire in the one list of organisations sharing with the IAG
    sign_in(page, "advisor@iag.example.org")
    shared = page.locator(".app-shared-table")
    expect(shared).to_contain_text("Northshire County Council")
    expect(shared).to_contain_text("Eastbrook Borough Council")
    assert_accessible(page)
    shared.get_by_role("link", name="action plan of Northshire County Council").click()
    page.get_by_role("link", name=ACTION).click()
    expect(page.get_by_role("button", name="Edit action")).to_have_count(0)
    comments = page.locator("#comments")
    expect(comments).to_contain_text("Your comment will be shared")
    expect(comments.get_by_role("radio")).to_have_count(0)  # advisors cannot post internally
    assert_accessible(page)
    page.get_by_label("Comment", exact=True).fill(f"{FEEDBACK} *Thank you* for running them.")
    page.get_by_label("Ask Northshire County Council for a response").check()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your comment has been posted")
    article = page.locator("article", has_text=FEEDBACK)
    expect(article.locator("em")).to_have_text("Thank you")
    expect(article).to_contain_text("Response requested")
    assert re.search(r"#comment-\d+$", page.url)
    assert_accessible(page)
    _sign_out(page)

    # The EDI lead hears of it, responds and links an action
    sign_in(page, "edi.lead@northshire.example.org")
    page.get_by_role("link", name=re.compile(r"^Notifications \(\d+\)$")).click()
    expect(page.locator("h1")).to_have_text("Notifications")
    assert_accessible(page)
    page.get_by_role("link", name=f"Grace Mensah asked for a response to their feedback on {ACTION}"
                     ).click()
    expect(page.locator("h1")).to_have_text(ACTION)
    page.locator("article", has_text=FEEDBACK).get_by_role(
        "link", name=re.compile("Respond to this feedback")).click()
    expect(page.locator("h1")).to_have_text("Respond to Grace Mensah's feedback")
    assert_accessible(page)
    page.get_by_role("button", name="Send response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select what you did about this feedback")
    assert_accessible(page)
    page.get_by_label("Actioned").check()
    page.get_by_label("Why").fill("The guardian now reports the circles' themes every quarter.")
    page.get_by_label("Link it to an action (optional)").select_option(label=LINKED)
    page.get_by_role("button", name="Send response").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your response has been sent")
    response = page.locator("article", has_text=FEEDBACK).locator(".app-response")
    expect(response).to_contain_text("You said, we did: Actioned")
    expect(response.get_by_role("link", name=LINKED)).to_be_visible()
    assert_accessible(page)
    page.goto(CYCLE + "/plan/accountability")
    expect(page.locator(".app-awaiting-table")).not_to_contain_text(ACTION)
    assert_accessible(page)
    page.goto("/org/northshire/sharing")
    expect(page.get_by_role("button", name="Stop sharing with Independent Advisory Group")
           ).to_be_visible()
    assert_accessible(page)
    _sign_out(page)

    # The advisor sees the response, told by a notification
    sign_in(page, "advisor@iag.example.org")
    page.get_by_role("link", name=re.compile(r"^Notifications \(\d+\)$")).click()
    assert_accessible(page)
    page.get_by_role("link", name=f"Northshire County Council responded to your feedback on "
                     f"{ACTION}: actioned").click()
    response = page.locator("article", has_text=FEEDBACK).locator(".app-response")
    expect(response).to_contain_text("The guardian now reports the circles' themes")
    assert_accessible(page)
    page.goto("/notifications/settings")
    page.get_by_role("group", name="When someone replies to your comment").get_by_label(
        "In a daily digest").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your e-mail settings have been saved")
    assert_accessible(page)


def test_indicator_comments_and_an_edit_history_are_accessible(page: Page):
    sign_in(page, "sponsor@northshire.example.org")
    page.goto(CYCLE + "/indicators?area=adults")
    page.get_by_role("link", name="SCW3 Formal disciplinary").click()
    expect(page.locator("#comments-heading")).to_contain_text("Comments on SCW3")
    assert_accessible(page)
    page.get_by_label("Comment", exact=True).fill("Worth a look at the next board, @priya.shah")
    page.get_by_label("Internal").check()
    page.get_by_role("button", name="Post comment").click()
    article = page.locator("article", has_text="Worth a look at the next board")
    expect(article).to_contain_text("Internal")
    article.get_by_role("link", name=re.compile("^Edit")).click()
    page.wait_for_url("**/comments/*/edit")
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Comment").fill("Worth a look at the December board, @priya.shah")
    page.get_by_role("button", name="Save changes").click()
    article = page.locator("article", has_text="Worth a look at the December board")
    article.get_by_role("link", name=re.compile("^Edited")).click()
    expect(page.locator("main")).to_contain_text("Worth a look at the next board")
    assert_accessible(page)
