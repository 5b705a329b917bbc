"""An EDI lead invites someone by e-mail; they accept by making their account (axe-core on each page)."""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in


def _invitation_link(database, address: str) -> str:
    with sqlite3.connect(database) as connection:
        [(body,)] = connection.execute(
            "SELECT body FROM outgoing_emails WHERE recipient = ? AND kind = 'invitation'",
            (address,)).fetchall()
    return re.search(r"/invitations/[\w-]+", body).group(0)


def test_a_lead_invites_and_the_new_person_accepts(page: Page, live_database):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/people")
    page.get_by_label("Email address").fill("new.person@northshire.example.org")
    page.get_by_label("Full name").fill("Noor Person")
    page.get_by_label("Viewer").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("has been e-mailed to new.person@northshire.example.org")).to_be_visible()
    expect(page.get_by_role("table", name="Invitations waiting")).to_contain_text("Noor Person")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    link = _invitation_link(live_database, "new.person@northshire.example.org")
    page.goto(link)
    expect(page.get_by_label("Full name")).to_have_value("Noor Person")
    assert_accessible(page)
    page.get_by_role("button", name="Create account and join").click()  # nothing typed
    expect(page.get_by_role("alert")).to_contain_text("Enter a new password")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Confirm new password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_url("**/sign-in")
    sign_in(page, "new.person@northshire.example.org", "a long enough passphrase")
    page.goto("/org/northshire")
    expect(page.locator("h1")).to_be_visible()
    page.goto(link)  # used once
    expect(page.locator("h1")).to_have_text("This invitation has already been accepted")
    assert_accessible(page)


def test_an_invitation_for_an_existing_account_asks_to_sign_in(page: Page, live_database):
    sign_in(page, "edi.lead@northshire.example.org")
    page.goto("/org/northshire/people")
    page.get_by_label("Email address").fill("edi.lead@riverside.example.org")
    page.get_by_label("Full name").fill("Someone")
    page.get_by_label("Senior sponsor").check()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(_invitation_link(live_database, "edi.lead@riverside.example.org"))
    assert_accessible(page)
    page.get_by_role("link", name="Sign in to accept").click()
    page.get_by_label("Email address").fill("edi.lead@riverside.example.org")
    page.get_by_label("Password", exact=True).fill("demo-password-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Accept and join")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_text("You have joined Northshire County Council as senior sponsor")) \
        .to_be_visible()
