"""The administration's lists are kept (tracker/kept_pages.py) under the version of everything:
the latest changes and the audit trail (every event moves a version), organisations, advisory
groups and a group's page, and accounts (whose locks end with time: the soonest end of one in
force is a part of the key). Seen again, each is served without reading its rows; each change
it can show, made through the app, shows at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.helpers import main_text, page, post_form, sign_in, without_csrf_tokens
from tests.integration.test_national_report import (  # noqa: F401 (fixtures)
    programme,
    submitted,
)
from tests.integration.test_plans import count_queries
from tracker.models import AdvisoryGroup, User
from tracker.services.versions import everything_version, organisation_version, shared_version

PAGES = {  # page: a statement only its written page runs
    "/admin": "FROM audit_events",
    "/admin/audit": "FROM audit_events",
    "/admin/organisations": "FROM organisations",
    "/admin/users": "lower(users.name)",
    "/admin/groups": "FROM advisory_group_members",
    "/admin/groups/{group}": "FROM advisory_groups",
}


@pytest.fixture
def setting(factories):
    admin = factories.administrator(name="Ada Admin")
    group = factories.group(name="Independent Advisory Group", short_name="IAG")
    member = factories.member(name="Priya Shah")
    return {"admin": admin, "group": group, "member": member,
            "organisation": member.memberships[0].organisation}


@pytest.fixture
def admin(client_for, setting):
    return client_for(setting["admin"])


@pytest.mark.parametrize("url", list(PAGES))
def test_each_administration_page_seen_again_is_kept(app, admin, setting, url):
    url_ = url.format(group=setting["group"].id)
    with count_queries(app) as written:
        first = without_csrf_tokens(admin.get(url_))
    with count_queries(app) as kept:
        again = without_csrf_tokens(admin.get(url_))
    assert again == first
    assert any(PAGES[url] in statement for statement in written)
    assert not any(PAGES[url] in statement for statement in kept)
    assert len(kept) < len(written)


def test_a_change_anywhere_shows_at_once_in_the_latest_changes_and_the_audit_trail(
        admin, setting):
    before = {url: main_text(admin.get(url)) for url in ("/admin", "/admin/audit")}
    assert post_form(admin, "/admin/organisations/new", {
        "name": "Westmoor Council", "slug": "westmoor", "kind": "local_authority", "ons_code": ""}
        ).status_code == 302
    for url, text in before.items():
        shown = main_text(admin.get(url))
        assert shown != text and "Westmoor Council" in shown, url
    assert "Westmoor Council" in main_text(admin.get("/admin/organisations"))


def test_accounts_show_a_new_name_a_new_role_and_deactivation_at_once(admin, setting):
    member = setting["member"]
    assert "Priya Shah" in main_text(admin.get("/admin/users"))
    assert post_form(admin, f"/admin/users/{member.id}", {
        "email": member.email, "name": "Priya Shah-Khan", "is_active": "y"}
        ).status_code == 302
    assert "Priya Shah-Khan" in main_text(admin.get("/admin/users"))
    organisation = setting["organisation"]
    edit = f"/admin/organisations/{organisation.id}"
    assert post_form(admin, f"{edit}/memberships", {
        "membership-user_id": str(setting["admin"].id), "membership-role": "sponsor"},
        token_from=edit).status_code == 302
    assert f"Senior sponsor, {organisation.name}" in main_text(admin.get("/admin/users"))
    assert post_form(admin, f"/admin/users/{member.id}", {
        "email": member.email, "name": "Priya Shah-Khan"}).status_code == 302
    row = next(tr for tr in page(admin.get("/admin/users")).select("tbody tr")
               if "Priya Shah-Khan" in tr.get_text())
    assert "Deactivated" in row.get_text()


def test_a_lock_shows_at_once_and_is_gone_when_it_ends(app, frozen_clock, setting, admin):
    member = setting["member"]

    def status() -> str:
        row = next(tr for tr in page(admin.get("/admin/users")).select("tbody tr")
                   if member.email in tr.get_text())
        return row.select("td")[-1].get_text(" ", strip=True)

    assert status() == "Active"
    with app.app_context():
        shared = shared_version()
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(3):
        sign_in(stranger, member.email, "wrong-password")
    for _ in range(2):  # after each wait, two more wrong: that address is locked out
        frozen_clock.shift(timedelta(minutes=5))
        sign_in(stranger, member.email, "wrong-password")
    assert status() == "Locked from one connection"
    assert status() == "Locked from one connection"  # kept, until the lock ends
    with app.app_context():  # only the trail and the accounts show a lock (TRAIL_ONLY)
        assert shared_version() == shared
    frozen_clock.shift(timedelta(minutes=16))  # nothing changed: the lock ran out
    assert status() == "Active"
    assert sign_in(stranger, member.email, PASSWORD).status_code == 302


def test_a_groups_members_and_shares_show_at_once(app, admin, setting, db_session):
    group, member = setting["group"], setting["member"]
    edit = f"/admin/groups/{group.id}"
    assert "Priya Shah" not in main_text(admin.get("/admin/groups"))
    found = main_text(admin.get(f"{edit}?person=Priya"))
    assert "Priya Shah" in found
    assert post_form(admin, f"{edit}/members", {"member-user_id": str(member.id)},
                     token_from=edit).status_code == 302
    assert "Priya Shah" in main_text(admin.get("/admin/groups"))
    assert main_text(admin.get(f"{edit}?person=Priya")) != found  # a member now: not offered
    organisation = setting["organisation"]
    assert post_form(admin, f"{edit}/shares", {"share-organisation_id": str(organisation.id)},
                     token_from=edit).status_code == 302
    assert organisation.name in main_text(admin.get("/admin/groups"))
    assert post_form(admin, edit, {"name": "Independent Advisers", "short_name": "IAG",
                                   "description": ""}).status_code == 302
    assert "Independent Advisers" in main_text(admin.get(edit))
    assert db_session.scalar(select(AdvisoryGroup.name).where(
        AdvisoryGroup.id == group.id)) == "Independent Advisers"


def test_another_administrator_is_served_their_own_page(app, admin, setting, factories,
                                                        client_for):
    admin.get("/admin/users")
    other = client_for(factories.administrator(name="Bo Other"))
    admin.get("/admin/users")  # kept again after the factory's writes
    with count_queries(app) as statements:
        assert other.get("/admin/users").status_code == 200
    assert any(PAGES["/admin/users"] in statement for statement in statements)


def test_a_programme_token_read_is_in_the_trail_at_once_and_rewrites_no_councils_page(
        app, admin, setting, client_for, programme, submitted, runner,  # noqa: F811
        db_session):
    """The programme token's reads, like locks, are counted apart from what organisations
    share (services/audit.py TRAIL_ONLY): only the trail and the accounts show them."""
    report = "/programme/2024-25/report"
    assert post_form(programme, report + "/publish", {}, token_from=report).status_code == 302
    lead = db_session.scalar(select(User).where(User.is_programme_lead.is_(True)))
    result = runner.invoke(args=["tracker", "national", "api-token", "--email", lead.email,
                                 "--name", "National dashboard"])
    assert result.exit_code == 0, result.output
    member = client_for(setting["member"])
    trail = main_text(admin.get("/admin/audit"))
    assert member.get("/").status_code == 200  # kept from here
    with app.app_context():
        shared, everything = shared_version(), everything_version()
        council = organisation_version(setting["organisation"].id)
    read = client_for(setting["admin"]).get("/api/v1/national/2024-25", headers={
        "Authorization": f"Bearer {result.output.strip()}"})
    assert read.status_code == 200
    with app.app_context():
        assert shared_version() == shared and organisation_version(
            setting["organisation"].id) == council
        assert everything_version() == everything + 1
    assert main_text(admin.get("/admin/audit")) != trail  # the read, at once
    with count_queries(app) as statements:
        assert member.get("/").status_code == 200
    assert not any("FROM memberships" in s and "JOIN organisations" in s for s in statements)
