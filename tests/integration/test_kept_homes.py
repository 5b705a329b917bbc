"""Each role's home is kept (tracker/kept_pages.py) under the versions of every organisation
the person belongs to or follows and of what organisations share: seen again, it is served
without reading the plans, results or comments; any change it can show, made through the app,
shows at once; nobody is served another's home, and the organisation worked in is marked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.helpers import main_text, page, post_form, sign_in, without_csrf_tokens
from tests.integration.test_plans import count_queries
from tracker.domain.plans import OPEN_STATUSES
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import Action, ActionPlan, AdvisoryGroup, Membership, Organisation, ReportingCycle, User
from tracker.services import groups as group_service
from tracker.services import organisations as organisation_service
from tracker.services import users as user_service
from tracker.services.versions import everything_version, people_organisations_version

HEAVY = ("FROM actions", "indicator_datasets", "FROM comments", "audit_events")


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _org(slug: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


@pytest.mark.parametrize("role", ["edi_lead", "sponsor", "action_owner", "advisor", "viewer"])
def test_each_home_seen_again_is_kept(app, client_as, role):
    client = client_as(role)
    with count_queries(app) as written:
        first = client.get("/")
    with count_queries(app) as kept:
        again = client.get("/")
    assert first.status_code == again.status_code == 200
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
    # the person, their session, the version of their organisations, the navigation's current
    # organisation and unread count (with the test's SAVEPOINT): nothing of the councils' data
    assert len(kept) <= 7 and len(kept) < len(written)
    assert not any(heavy in s for s in kept for heavy in HEAVY), role


def test_a_progress_update_shows_at_once_on_every_home_that_counts_it(app, client_as):
    owner, sponsor, advisor = (client_as("action_owner"), client_as("sponsor"),
                               client_as("advisor"))
    with app.app_context():
        action_id, title, label = db.session.execute(
            select(Action.id, Action.title, ReportingCycle.label)
            .join(ActionPlan, ActionPlan.id == Action.plan_id)
            .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
            .join(User, User.id == Action.owner_id)
            .where(User.email == "owner@northshire.example.org",
                   Action.status.in_(sorted(OPEN_STATUSES)), Action.is_draft.is_(False))
            .order_by(ReportingCycle.period_start.desc(), Action.id)).first()
    slug = "northshire"
    path = f"/org/{slug}/cycles/{label}/plan/actions/{action_id}"
    mine, glance, councils = (main_text(client.get("/")) for client in (owner, sponsor, advisor))
    assert title in mine
    saved = post_form(owner, path + "/progress", {
        "occurred_on": ["2", "6", "2025"], "note": "All done", "new_status": "complete"},
        token_from=path)
    assert saved.status_code == 302
    # the owner's open actions no longer list it; the sponsor's and the advisor's counts move
    assert title not in main_text(owner.get("/"))
    assert main_text(sponsor.get("/")) != glance
    assert main_text(advisor.get("/")) != councils


def test_feedback_asked_for_shows_on_the_leads_and_the_advisors_home_at_once(app, client_as):
    lead, advisor = client_as("edi_lead"), client_as("advisor")
    before, councils = main_text(lead.get("/")), main_text(advisor.get("/"))
    with app.app_context():
        action_id = db.session.scalars(select(Action.id).where(Action.is_draft.is_(False))
                                       .order_by(Action.id)).first()
    cycle = "/org/northshire/cycles/2024-25"
    asked = post_form(advisor, f"{cycle}/comments/action/{action_id}",
                      {"body": "What did the staff survey say?", "ask_for_response": "y"},
                      token_from=f"{cycle}/plan/actions/{action_id}")
    assert asked.status_code == 302
    assert main_text(lead.get("/")) != before
    assert main_text(advisor.get("/")) != councils


def test_joining_leaving_and_a_new_role_show_at_once(app, client_as):
    viewer = client_as("viewer")
    assert "Riverside" not in main_text(viewer.get("/"))
    with app.app_context():
        admin, riverside = _user("admin@example.org"), _org("riverside")
        membership, _, _ = user_service.add_membership(
            actor=admin, organisation=riverside, email="viewer@northshire.example.org",
            role=Role.EDI_LEAD)
        db.session.commit()
        membership_id = membership.id
    joined = page(viewer.get("/"))
    assert "Riverside" in joined.find("main").get_text()
    assert joined.select(".app-lead-glance")  # an EDI lead there: the glance shows
    with app.app_context():
        user_service.remove_membership(actor=_user("admin@example.org"),
                                       membership=db.session.get(Membership, membership_id))
        db.session.commit()
    left = page(viewer.get("/"))
    assert "Riverside" not in left.find("main").get_text()
    assert not left.select(".app-lead-glance")


def test_a_council_shared_or_no_longer_shown_on_the_advisors_home_at_once(app, client_as):
    advisor = client_as("advisor")
    assert "Riverside" not in main_text(advisor.get("/"))
    with app.app_context():
        admin = _user("admin@example.org")
        group = db.session.scalar(select(AdvisoryGroup).where(AdvisoryGroup.short_name == "IAG"))
        share = group_service.share_with_group(actor=admin, group=group,
                                               organisation=_org("riverside"))
        db.session.commit()
        share_id, group_id = share.id, group.id
    assert "Riverside" in main_text(advisor.get("/"))
    with app.app_context():
        group_service.stop_sharing(actor=_user("admin@example.org"),
                                   group=db.session.get(AdvisoryGroup, group_id),
                                   share_id=share_id)
        db.session.commit()
    assert "Riverside" not in main_text(advisor.get("/"))


def test_renamed_organisations_and_people_show_at_once(app, client_as):
    sponsor, advisor = client_as("sponsor"), client_as("advisor")
    sponsor.get("/"), advisor.get("/")
    with app.app_context():
        admin, northshire = _user("admin@example.org"), _org("northshire")
        organisation_service.update_organisation(
            actor=admin, organisation=northshire, name="North Shire Council",
            slug=northshire.slug, kind=northshire.kind.value, ons_code=northshire.ons_code)
        db.session.commit()
    assert "North Shire Council" in main_text(sponsor.get("/"))
    assert "North Shire Council" in main_text(advisor.get("/"))
    with app.app_context():  # the sponsor's own name, which their home shows
        sponsor_user = _user("sponsor@northshire.example.org")
        user_service.update_user(actor=_user("admin@example.org"), user=sponsor_user,
                                 email=sponsor_user.email, name="Helen Clarke-Ward",
                                 is_admin=False, is_active=True)
        db.session.commit()
    assert "Helen Clarke-Ward" in main_text(sponsor.get("/"))


def test_nobody_is_served_another_persons_home(app, client_as, factories, db_session):
    group = db_session.scalar(select(AdvisoryGroup).where(AdvisoryGroup.short_name == "IAG"))
    other = factories.group_member(group=group, user__name="Ada Other").user
    client_as("advisor").get("/")
    theirs = app.test_client()
    assert sign_in(theirs, other.email, PASSWORD).status_code == 302
    with count_queries(app) as statements:
        seen = main_text(theirs.get("/"))
    assert any("FROM actions" in s for s in statements)  # written for them
    assert "Ada Other" in seen and "Grace Mensah" not in seen
    assert "Grace Mensah" in main_text(client_as("advisor").get("/"))


def test_the_organisation_worked_in_is_marked_on_the_kept_home(app, client_as):
    owner = client_as("action_owner")
    with app.app_context():
        admin = _user("admin@example.org")
        user_service.add_membership(actor=admin, organisation=_org("riverside"),
                                    email="owner@northshire.example.org", role=Role.VIEWER)
        db.session.commit()

    def current() -> list[str]:
        soup = page(owner.get("/"))
        return [row.a.get_text(strip=True) for row in soup.select(".app-organisations-table tr")
                if row.select(".govuk-tag--blue")]

    assert owner.get("/org/northshire").status_code == 200
    assert current() == ["Northshire County Council"]
    assert owner.get("/org/riverside").status_code == 200
    assert current() == ["Riverside City Council"]
    assert owner.get("/org/northshire").status_code == 200
    assert current() == ["Northshire County Council"]


def test_the_versions_of_a_persons_organisations_and_of_everything(app, client_as):
    with app.app_context():
        owner, admin = _user("owner@northshire.example.org"), _user("admin@example.org")
        before, everything = people_organisations_version(owner.id), everything_version()
        northshire, riverside = _org("northshire"), _org("riverside")
        assert [organisation for organisation, _ in before] == [0, northshire.id]
        organisation_service.update_organisation(
            actor=admin, organisation=riverside, name="Riverside Council", slug="riverside",
            kind=riverside.kind.value, ons_code=riverside.ons_code)
        db.session.commit()
        # another council's change: not the owner's, but part of everything
        assert people_organisations_version(owner.id) == before
        assert everything_version() == everything + 1
        user_service.add_membership(actor=admin, organisation=riverside,
                                    email=owner.email, role=Role.VIEWER)
        db.session.commit()
        after = people_organisations_version(owner.id)
        assert [organisation for organisation, _ in after] == sorted(
            [0, northshire.id, riverside.id])
        assert dict(after)[0] == dict(before)[0] and dict(after)[northshire.id] == dict(
            before)[northshire.id]
        assert everything_version() == everything + 2
