"""Choosing a person by searching for them: the administration's pages never list every account."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.helpers import page, post_form
from tracker.extensions import db
from tracker.models import AdvisoryGroupMember, Membership


@pytest.fixture
def administrator(factories):
    return factories.administrator(email="boss@example.org", name="Alex Admin")


@pytest.fixture
def admin(client_for, administrator):
    return client_for(administrator)


@contextmanager
def _counting(db_session):
    db_session.flush()
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db_session.connection(), "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db_session.connection(), "before_cursor_execute", listener)


def _queries(client, db_session, url: str) -> int:
    with _counting(db_session) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def _people_offered(response, field: str) -> list[str]:
    return [radio.find_next("label").get_text(strip=True)
            for radio in page(response).select(f"input[type=radio][name='{field}']")]


def test_the_organisation_page_offers_a_search_not_a_list_of_every_account(
        admin, factories, db_session):
    org = factories.organisation(name="Riverside City Council")
    for n in range(30):
        factories.user(name=f"Sam Example {n:02}", email=f"sam.{n:02}@example.org")
    factories.user(name="Priya Shah", email="priya.shah@riverside.example.org")
    db_session.flush()

    response = admin.get(f"/admin/organisations/{org.id}")
    soup = page(response)
    assert soup.select("select") == []
    assert "Sam Example" not in response.get_data(as_text=True)
    search = soup.select_one("form[data-module=app-person-search]")
    assert search["method"] == "get"
    assert search.select_one("input[name=person]")
    assert search.select_one("label[for=person]").get_text(strip=True) == "Find a person"

    response = admin.get(f"/admin/organisations/{org.id}?person=shah")
    assert _people_offered(response, "membership-user_id") == ["Priya Shah"]
    radio = page(response).select_one("input[name='membership-user_id']")
    assert radio.has_attr("checked")  # the only one found is already chosen

    response = admin.get(f"/admin/organisations/{org.id}?person=sam")
    offered = _people_offered(response, "membership-user_id")
    assert offered == [f"Sam Example {n:02}" for n in range(20)]
    assert "type more of their name or address" in response.get_data(as_text=True)

    response = admin.get(f"/admin/organisations/{org.id}?person=nobody-like-this")
    assert "Nobody with an active account was found for “nobody-like-this”" in \
        page(response).select_one("#nobody-found").get_text()


def test_the_administrator_gives_a_found_person_a_role(app, admin, factories, db_session):
    org = factories.organisation(name="Riverside City Council")
    person = factories.user(name="Priya Shah", email="priya.shah@riverside.example.org")
    db_session.flush()
    url = f"/admin/organisations/{org.id}?person=priya"
    response = post_form(admin, f"/admin/organisations/{org.id}/memberships",
                         {"membership-user_id": person.id, "membership-role": "viewer",
                          "person": "priya"}, token_from=url)
    assert response.status_code == 302
    assert db_session.scalar(db.select(db.func.count()).select_from(Membership).filter_by(
        user_id=person.id, organisation_id=org.id)) == 1

    # No role chosen: back to the same search, to choose again; nothing saved.
    response = post_form(admin, f"/admin/organisations/{org.id}/memberships",
                         {"membership-user_id": person.id, "person": "priya"}, token_from=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/admin/organisations/{org.id}?person=priya#choose-person")
    assert db_session.scalar(db.select(db.func.count()).select_from(Membership).filter_by(
        user_id=person.id)) == 1


def test_the_group_page_finds_people_who_are_not_members_yet(admin, factories, db_session):
    group = factories.group(short_name="RN")
    member = factories.group_member(group=group, user=factories.user(
        name="Priya Shah", email="priya@example.org")).user
    other = factories.user(name="Priya Patel", email="patel@example.org")
    factories.user(name="Priya Gone", email="gone@example.org", is_active_account=False)
    db_session.flush()

    response = admin.get(f"/admin/groups/{group.id}")
    assert page(response).select("select[name='member-user_id']") == []
    response = admin.get(f"/admin/groups/{group.id}?person=priya")
    assert _people_offered(response, "member-user_id") == ["Priya Patel"]

    post_form(admin, f"/admin/groups/{group.id}/members", {"member-user_id": other.id},
              token_from=f"/admin/groups/{group.id}?person=priya")
    # Adding someone twice (a stale page) says so and adds nothing.
    response = post_form(admin, f"/admin/groups/{group.id}/members",
                         {"member-user_id": member.id}, token_from=f"/admin/groups/{group.id}")
    assert response.status_code == 302
    assert db_session.scalar(db.select(db.func.count()).select_from(
        AdvisoryGroupMember).filter_by(group_id=group.id)) == 2
    followed = admin.get(response.headers["Location"])
    assert "Priya Shah is already a member of RN" in followed.get_data(as_text=True)


def test_the_suggestions_are_the_active_accounts_matching_every_word(admin, factories,
                                                                     db_session):
    group = factories.group()
    factories.group_member(group=group, user=factories.user(
        name="Priya Shah", email="priya.shah@example.org"))
    factories.user(name="Priya Patel", email="p.patel@northshire.example.org")
    factories.user(name="Patel Deactivated", email="old.patel@example.org",
                   is_active_account=False)
    factories.user(name="Percent 100%", email="percent@example.org")
    db_session.flush()

    found = admin.get("/admin/people?q=patel").get_json()
    assert [p["label"] for p in found["people"]] == [
        "Priya Patel (p.patel@northshire.example.org)"]
    assert found["more"] is False
    assert [p["name"] for p in admin.get("/admin/people?q=PRIYA").get_json()["people"]] == [
        "Priya Patel", "Priya Shah"]
    assert [p["name"] for p in admin.get("/admin/people?q=priya northshire").get_json()[
        "people"]] == ["Priya Patel"]
    # A chosen suggestion, "Name (address)", is that address.
    assert [p["name"] for p in admin.get(
        "/admin/people?q=Priya Shah (priya.shah@example.org)").get_json()["people"]] == [
        "Priya Shah"]
    # Members of the group are not offered for it.
    assert [p["name"] for p in admin.get(f"/admin/people?q=priya&group={group.id}").get_json()[
        "people"]] == ["Priya Patel"]
    # SQL wildcards are letters like any other.
    assert [p["name"] for p in admin.get("/admin/people?q=%25").get_json()["people"]] == [
        "Percent 100%"]
    assert admin.get("/admin/people?q=_").get_json()["people"] == []
    assert admin.get("/admin/people?q=").get_json() == {"people": [], "more": False}


@pytest.mark.parametrize("role", ["edi_lead", "action_owner", "sponsor", "viewer", "advisor",
                                  "other_org"])
def test_only_an_administrator_may_search_the_installations_accounts(client_as, role):
    response = client_as(role).get("/admin/people?q=a")
    assert response.status_code == 403
    assert b"example.org" not in response.data


def test_signed_out_the_search_sends_to_sign_in(client_as):
    response = client_as("anonymous").get("/admin/people?q=a")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_the_pages_ask_the_same_queries_however_many_accounts(admin, factories, db_session):
    org = factories.organisation()
    group = factories.group()
    for n in range(3):
        factories.user(name=f"Sam Example {n}")
    db_session.flush()
    urls = [f"/admin/organisations/{org.id}?person=sam", f"/admin/groups/{group.id}?person=sam",
            "/admin/people?q=sam", "/admin/users?q=sam"]
    before = [_queries(admin, db_session, url) for url in urls]
    for n in range(3, 60):
        factories.user(name=f"Sam Example {n}")
    assert [_queries(admin, db_session, url) for url in urls] == before


def test_the_accounts_list_searches_by_name_or_address(admin, factories, db_session):
    factories.user(name="Priya Shah", email="priya@riverside.example.org")
    factories.user(name="Sam Example", email="sam@example.org")
    db_session.flush()
    response = admin.get("/admin/users?q=riverside")
    names = [a.get_text(strip=True) for a in page(response).select("tbody a")]
    assert names == ["Priya Shah"]
    assert "1 account found for “riverside”" in response.get_data(as_text=True)
    assert page(response).select_one("input[name=q]")["value"] == "riverside"
