"""Administration and an EDI lead's management of their own organisation's people."""

from __future__ import annotations

import pytest

from tests.helpers import error_summary, page, post_form
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import (
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    AuditEvent,
    Membership,
    Organisation,
    ReportingCycle,
    User,
)


def _count(app, model, **filters) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**filters))


def _audit_actions(app, entity_type):
    with app.app_context():
        return [e.action for e in db.session.scalars(
            db.select(AuditEvent).filter_by(entity_type=entity_type).order_by(AuditEvent.id))]


@pytest.fixture
def administrator(factories):
    return factories.administrator(email="boss@example.org", name="Alex Admin")


@pytest.fixture
def admin(client_for, administrator):
    """A client signed in as a (factory-made) administrator."""
    return client_for(administrator)


def test_administrator_creates_and_edits_an_organisation_with_audit(app, admin, administrator):
    response = post_form(admin, "/admin/organisations/new",
                         {"name": "Westmoor Council", "slug": "westmoor",
                          "kind": "local_authority", "ons_code": "e06000001"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(db.select(Organisation).filter_by(slug="westmoor"))
        assert org.ons_code == "E06000001"
        org_id = org.id
    response = post_form(admin, f"/admin/organisations/{org_id}",
                         {"name": "Westmoor City Council", "slug": "westmoor",
                          "kind": "local_authority", "ons_code": ""})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(
            entity_type="organisation", entity_id=org_id, action="updated"))
        assert event.before == {"name": "Westmoor Council", "ons_code": "E06000001"}
        assert event.after == {"name": "Westmoor City Council", "ons_code": None}
        assert event.actor.email == administrator.email


def test_bad_organisation_input_names_each_field_and_saves_nothing(app, admin, factories):
    factories.organisation(name="Northshire County Council")
    before = _count(app, Organisation)
    response = post_form(admin, "/admin/organisations/new",
                         {"name": "Northshire County Council", "slug": "Not A Slug",
                          "kind": "local_authority", "ons_code": "123"})
    assert response.status_code == 400
    assert set(error_summary(response)) == {
        "Short name must use lower-case letters, numbers and hyphens only",
        "ONS code must be E followed by 8 digits, like E09000033",
        "Name is already used by another organisation",
    }
    assert _count(app, Organisation) == before
    response = post_form(admin, "/admin/organisations/new", {"name": "", "slug": "", "kind": ""})
    assert error_summary(response) == ["Enter the organisation's name", "Enter a short name",
                                       "Select the kind of organisation"]


def test_administrator_creates_an_account_and_gets_a_set_password_link(app, admin):
    response = post_form(admin, "/admin/users/new",
                         {"name": "Ngozi Eze", "email": "Ngozi.Eze@Example.org"})
    assert response.status_code == 200
    assert "/set-password/" in response.get_data(as_text=True)
    assert _audit_actions(app, "user")[-2:] == ["created", "password_link_issued"]
    response = post_form(admin, "/admin/users/new",
                         {"name": "Someone Else", "email": "ngozi.eze@example.org"})
    assert error_summary(response) == ["An account with this email address already exists"]
    assert _count(app, User, name="Someone Else") == 0


def test_administrator_cannot_remove_their_own_admin_access(app, admin, administrator):
    response = post_form(admin, f"/admin/users/{administrator.id}",
                         {"name": "Alex Admin", "email": "boss@example.org", "is_active": "y"})
    assert response.status_code == 400
    assert _count(app, User, email="boss@example.org", is_admin=True) == 1


def test_administrator_manages_memberships_and_groups(app, admin, factories):
    org_id = factories.organisation(name="Riverside City Council").id
    user_id = factories.member(role=Role.VIEWER).id
    response = post_form(admin, f"/admin/organisations/{org_id}/memberships",
                         {"membership-user_id": user_id, "membership-role": "viewer"},
                         token_from=f"/admin/organisations/{org_id}")
    assert response.status_code == 302
    assert _count(app, Membership, user_id=user_id, organisation_id=org_id) == 1

    response = post_form(admin, "/admin/groups/new", {"name": "Regional Network",
                                                      "short_name": "RN"})
    with app.app_context():
        group_id = db.session.scalar(db.select(AdvisoryGroup.id).filter_by(short_name="RN"))
    post_form(admin, f"/admin/groups/{group_id}/members", {"member-user_id": user_id},
              token_from=f"/admin/groups/{group_id}")
    post_form(admin, f"/admin/groups/{group_id}/shares", {"share-organisation_id": org_id},
              token_from=f"/admin/groups/{group_id}")
    assert _count(app, AdvisoryGroupMember, group_id=group_id) == 1
    assert _count(app, AdvisoryGroupShare, group_id=group_id) == 1
    assert _audit_actions(app, "advisory_group") == ["created", "member_added", "shared"]
    assert "Riverside City Council" in admin.get("/admin/groups").get_data(as_text=True)


def test_edi_lead_removes_people_in_their_organisation(app, client_as):
    lead = client_as("edi_lead")
    with app.app_context():
        membership_id = db.session.scalar(db.select(Membership.id).join(User).filter(
            User.email == "viewer@northshire.example.org"))
    response = post_form(lead, f"/org/northshire/people/{membership_id}/remove", {},
                         token_from="/org/northshire/people")
    assert response.status_code == 302
    assert _count(app, Membership, id=membership_id) == 0
    assert _audit_actions(app, "membership") == ["removed"]


def test_edi_lead_cannot_touch_another_organisations_memberships(app, client_as):
    lead = client_as("edi_lead")
    with app.app_context():
        other = db.session.scalar(db.select(Membership).join(Organisation).filter(
            Organisation.slug == "riverside"))
        other_id = other.id
    # Through their own organisation's URL: not found there.
    response = post_form(lead, f"/org/northshire/people/{other_id}/remove", {},
                         token_from="/org/northshire/people")
    assert response.status_code == 404
    # Through the other organisation's URL: the organisation is not theirs.
    response = post_form(lead, f"/org/riverside/people/{other_id}/remove", {},
                         token_from="/org/northshire/people")
    assert response.status_code == 404
    assert _count(app, Membership, id=other_id) == 1


def test_last_edi_lead_cannot_be_removed(app, client_as):
    lead = client_as("edi_lead")
    with app.app_context():
        own = db.session.scalar(db.select(Membership).join(User).filter(
            User.email == "edi.lead@northshire.example.org"))
        own_id = own.id
    response = post_form(lead, f"/org/northshire/people/{own_id}/remove", {},
                         token_from="/org/northshire/people", follow_redirects=True)
    assert "must keep at least one EDI lead" in response.get_data(as_text=True)
    assert _count(app, Membership, id=own_id) == 1


def test_edi_lead_adds_a_cycle_and_bad_dates_are_named(app, client_as):
    lead = client_as("edi_lead")
    response = post_form(lead, "/org/northshire/cycles/new", {
        "label": "2025-26",
        "period_start": ["1", "4", "2025"], "period_end": ["31", "3", "2026"],
        "snapshot_date": ["31", "3", "2026"]})
    assert response.status_code == 302
    assert "1 April 2025 to 31 March 2026" in lead.get("/org/northshire").get_data(as_text=True)
    response = post_form(lead, "/org/northshire/cycles/new", {
        "label": "2026-28",
        "period_start": ["31", "2", "2026"], "period_end": ["", "3", "2027"],
        "snapshot_date": ["", "", ""]})
    assert response.status_code == 400
    assert error_summary(response) == [
        "Period start must be a real date", "Period end must include a day",
        "Enter the snapshot date"]
    response = post_form(lead, "/org/northshire/cycles/new", {
        "label": "2025-26",
        "period_start": ["1", "4", "2025"], "period_end": ["1", "4", "2024"],
        "snapshot_date": ["31", "3", "2026"]})
    assert error_summary(response) == [
        "There is already a 2025-26 cycle", "Period end must be after the period start",
        "Snapshot date must be within the period or the 12 months after it"]
    assert _count(app, ReportingCycle) == 15  # the demo's 14 (tracker/demo/national.py) and this one


def test_a_person_in_two_organisations_switches_between_them(app, client_as):
    admin = client_as("administrator")
    with app.app_context():
        org_id = db.session.scalar(db.select(Organisation.id).filter_by(slug="eastbrook"))
        user_id = db.session.scalar(db.select(User.id).filter_by(
            email="edi.lead@northshire.example.org"))
    post_form(admin, f"/admin/organisations/{org_id}/memberships",
              {"membership-user_id": user_id, "membership-role": "viewer"},
              token_from=f"/admin/organisations/{org_id}")
    lead = client_as("edi_lead")
    home = lead.get("/")
    links = [a.get_text(strip=True) for a in page(home).select(".app-organisations-table a")]
    assert links == ["Eastbrook Borough Council", "Northshire County Council"]
    lead.get("/org/eastbrook")
    current = page(lead.get("/")).select_one(".app-organisations-table .govuk-tag").find_parent("td")
    assert "Eastbrook Borough Council" in current.get_text()
    nav = [a.get_text(strip=True) for a in page(lead.get("/")).select(".govuk-service-navigation__link")]
    assert "Eastbrook Borough Council" in nav and "People" not in nav  # a viewer there
    lead.get("/org/northshire")
    nav = [a.get_text(strip=True) for a in page(lead.get("/")).select(".govuk-service-navigation__link")]
    assert "Northshire County Council" in nav and "People" in nav
