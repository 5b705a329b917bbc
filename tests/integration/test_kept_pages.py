"""Kept pages (tracker/kept_pages.py): a page seen again is served as it was written, until
anything it shows changes; what changes between requests (the navigation, the last action's
message, the session's CSRF token) is always written afresh.

The annual review is the page these tests use: the heaviest, and kept. Each page that is kept
has its own test that what it shows changes with the writes behind it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.helpers import main_text, page, post_form, without_csrf_tokens
from tests.integration.test_plans import count_queries
from tracker.domain.formatting import LONDON
from tracker.domain.notifications import NotificationKind
from tracker.extensions import db
from tracker.kept_pages import KEPT, _Entry, _Kept
from tracker.models import DataVersion, Organisation, User
from tracker.services import notifications
from tracker.services.audit import record_event
from tracker.services.versions import organisation_version

ORG = "/org/northshire"
REVIEW = f"{ORG}/cycles/2024-25/review"


def test_a_page_seen_again_is_served_as_kept_with_a_fraction_of_the_statements(app, client_as):
    lead = client_as("edi_lead")
    with count_queries(app) as written:
        first = lead.get(REVIEW)
    with count_queries(app) as kept:
        again = lead.get(REVIEW)
    assert first.status_code == again.status_code == 200
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
    # the person, their access, the version, whether they follow the review, their unread
    # count: not the plan, the results, the thread
    assert len(kept) <= 9 < len(written)  # with the test's SAVEPOINT
    assert not any("indicator_datasets" in s or "FROM actions" in s for s in kept)


def test_a_change_through_the_app_is_shown_at_once_with_its_message(app, client_as):
    lead = client_as("edi_lead")
    assert "A year of progress" not in main_text(lead.get(REVIEW))
    assert post_form(lead, f"{REVIEW}/summary", {"summary": "A year of progress"},
                     token_from=REVIEW).status_code == 302
    shown = page(lead.get(REVIEW))
    assert "A year of progress" in shown.find("textarea", attrs={"name": "summary"}).get_text()
    assert "Summary saved" in shown.find(class_="govuk-notification-banner").get_text()
    # the message is the last action's, not part of the page: seen again, it is gone
    assert page(lead.get(REVIEW)).find(class_="govuk-notification-banner") is None


def test_the_navigation_is_written_afresh_on_a_kept_page(app, client_as):
    lead = client_as("edi_lead")
    lead.get(REVIEW)
    with app.app_context():  # not audited (nothing of the council's changed): the same version
        user = db.session.scalar(select(User).where(
            User.email == "edi.lead@northshire.example.org"))
        before = organisation_version(db.session.scalar(select(Organisation.id).where(
            Organisation.slug == "northshire")))
        notifications.mark_all_read(user=user)
        notifications.notify(user=user, kind=NotificationKind.MENTION, organisation=None,
                             actor=None, text="Someone mentioned you", link="/")
        db.session.commit()
    with count_queries(app) as statements:
        response = lead.get(REVIEW)
    assert not any("FROM actions" in s for s in statements)  # the kept page
    nav = page(response).find(class_="govuk-service-navigation")
    assert "Notifications (1)" in nav.get_text()
    with app.app_context():
        assert organisation_version(db.session.scalar(select(Organisation.id).where(
            Organisation.slug == "northshire"))) == before


def test_each_session_gets_its_own_csrf_token_on_a_kept_page(app, client_as):
    first, second = client_as("edi_lead"), client_as("edi_lead")  # two sign-ins, two sessions
    tokens = []
    for client in (first, second):
        with count_queries(app) as statements:
            form = page(client.get(REVIEW)).find("input", id="summary-csrf")
        tokens.append(form["value"])
    assert not any("FROM actions" in s for s in statements)  # the second is the first's, kept
    assert tokens[0] != tokens[1]
    # the second session's kept page carries a token its own session accepts
    response = second.post(f"{REVIEW}/summary", data={"csrf_token": tokens[1],
                                                      "summary": "From the second"})
    assert response.status_code == 302
    assert "From the second" in main_text(second.get(REVIEW))


def test_nobody_is_served_another_persons_kept_page(app, client_as):
    lead, viewer = client_as("edi_lead"), client_as("viewer")
    lead.get(REVIEW)
    with count_queries(app) as statements:
        seen = page(viewer.get(REVIEW))
    assert any("FROM actions" in s for s in statements)  # written for the viewer
    assert seen.find("form", action=f"{REVIEW}/summary") is None  # a viewer cannot write it
    assert page(lead.get(REVIEW)).find("form", action=f"{REVIEW}/summary") is not None


def test_a_new_day_writes_the_page_again(app, client_as, time_machine):
    time_machine.move_to(datetime(2026, 12, 4, 23, 58, tzinfo=LONDON))  # two minutes to midnight
    lead = client_as("edi_lead")
    lead.get(REVIEW)
    time_machine.move_to(datetime(2026, 12, 5, 0, 1, tzinfo=LONDON))
    with count_queries(app) as statements:
        assert lead.get(REVIEW).status_code == 200
    assert any("FROM actions" in s for s in statements)


def test_with_no_room_nothing_is_kept(app, client_as):
    lead = client_as("edi_lead")
    limit = app.config["KEPT_PAGES_MAX_BYTES"]
    app.config["KEPT_PAGES_MAX_BYTES"] = 0
    try:
        lead.get(REVIEW)
        with count_queries(app) as statements:
            lead.get(REVIEW)
    finally:
        app.config["KEPT_PAGES_MAX_BYTES"] = limit
    assert any("FROM actions" in s for s in statements)
    assert not KEPT.pages


def test_the_least_recently_seen_page_goes_first():
    kept = _Kept()
    kept.put("a", _Entry(pieces=("x" * 40,)), limit=100)
    kept.put("b", _Entry(body=b"y" * 40), limit=100)
    assert kept.get("a") is not None  # a is now the more recently seen
    kept.put("c", _Entry(pieces=("z" * 20, "z" * 20)), limit=100)
    assert set(kept.pages) == {"a", "c"} and kept.size == 80
    kept.put("d", _Entry(body=b"w" * 101), limit=100)  # larger than the room: not kept at all
    assert "d" not in kept.pages


def test_each_audited_commit_counts_one_change_for_its_organisation(app):
    with app.app_context():
        organisation = Organisation(name="Versioned", slug="versioned", kind="local_authority")
        db.session.add(organisation)
        db.session.commit()
        start = organisation_version(organisation.id)
        record_event(actor=None, action="renamed", entity_type="organisation",
                     entity_id=organisation.id, organisation=organisation)
        record_event(actor=None, action="renamed", entity_type="organisation",
                     entity_id=organisation.id, organisation=organisation)
        db.session.commit()  # two events, one transaction: one change
        shared_at, own_at = start  # (what is shared: 0, the organisation)
        after = organisation_version(organisation.id)
        assert after == (shared_at, own_at + 1)
        record_event(actor=None, action="noticed", entity_type="user", entity_id=None)
        db.session.commit()  # under no organisation: what organisations share
        assert organisation_version(organisation.id) == (shared_at + 1, own_at + 1)
        record_event(actor=None, action="renamed", entity_type="organisation",
                     entity_id=organisation.id, organisation=organisation)
        db.session.rollback()  # nothing happened: nothing counted
        db.session.commit()
        assert organisation_version(organisation.id) == (shared_at + 1, own_at + 1)
        assert db.session.get(DataVersion, organisation.id).version == own_at + 1
