"""An organisation's pages kept per data version (tracker/kept_pages.py): the overview, its
people, its sharing and the new cycle form are served again as written until something they
show changes; each change made through the app shows at once, and an invitation that expires
or is accepted leaves the People page at once (neither is an audited change of the council's).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.helpers import main_text, page, post_form
from tests.integration.test_invitations import PEOPLE, _invite, _link
from tests.integration.test_plans import count_queries
from tests.integration.test_reminders import smtp  # noqa: F401 - fixture
from tracker.extensions import db
from tracker.models import AdvisoryGroup, Invitation, User
from tracker.services import groups as group_service

ORG = "/org/northshire"
SHARING = f"{ORG}/sharing"


def _waiting(response) -> str:
    """The invitations waiting, as the People page lists them ("" when none)."""
    caption = page(response).find("caption", string="Invitations waiting")
    return caption.parent.get_text(" ", strip=True) if caption else ""


def _kept_again(app, client, url: str, table: str) -> list[str]:
    """View the page twice; the statements of the second view, which must not read `table`."""
    first = main_text(client.get(url))
    with count_queries(app) as statements:
        again = client.get(url)
    assert again.status_code == 200 and main_text(again) == first
    assert not any(f"FROM {table}" in s for s in statements), url
    return statements


def test_the_overview_and_new_cycle_form_are_kept_and_a_new_cycle_shows_at_once(app, client_as):
    lead = client_as("edi_lead")
    assert len(_kept_again(app, lead, ORG, "reporting_cycles")) <= 9
    assert len(_kept_again(app, lead, f"{ORG}/cycles/new", "reporting_cycles")) <= 9
    assert "2025-26" not in main_text(lead.get(ORG))
    assert post_form(lead, f"{ORG}/cycles/new", {
        "label": "2025-26", "period_start": ["1", "4", "2025"],
        "period_end": ["31", "3", "2026"], "snapshot_date": ["31", "3", "2026"]}).status_code \
        == 302
    assert "2025-26" in main_text(lead.get(ORG))
    # each person their own page: a viewer may not add a cycle
    assert page(lead.get(ORG)).find("a", href=f"{ORG}/cycles/new") is not None
    assert page(client_as("viewer").get(ORG)).find("a", href=f"{ORG}/cycles/new") is None


def test_people_are_kept_and_each_change_shows_at_once(app, client_as, smtp,  # noqa: F811
                                                       frozen_clock):
    lead = client_as("edi_lead")
    assert len(_kept_again(app, lead, PEOPLE, "memberships JOIN users")) <= 10
    _invite(lead, "pat.doe@example.org", name="Pat Doe")
    assert "pat.doe@example.org" in _waiting(lead.get(PEOPLE))
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id).where(
            Invitation.email == "pat.doe@example.org"))
    assert post_form(lead, f"{PEOPLE}/invitations/{invitation_id}/withdraw", {},
                     token_from=PEOPLE).status_code == 302
    assert "pat.doe@example.org" not in _waiting(lead.get(PEOPLE))

    # Accepted: the invitation goes and the person is listed
    _invite(lead, "new.person@example.org", name="Ade Bello")
    link = _link(smtp.to("new.person@example.org")[0])
    assert "new.person@example.org" in _waiting(lead.get(PEOPLE))
    newcomer = app.test_client()
    assert post_form(newcomer, link, {"name": "Ade Bello", "password": "a long enough passphrase",
                                      "confirm": "a long enough passphrase"}).status_code == 302
    shown = lead.get(PEOPLE)
    assert not _waiting(shown) and "new.person@example.org" in main_text(shown)

    # Removed: the membership goes
    row = next(r for r in page(lead.get(PEOPLE)).select("tr") if "Ade Bello" in r.get_text())
    assert post_form(lead, row.find("form")["action"], {}, token_from=PEOPLE).status_code == 302
    assert not any("Ade Bello" in r.get_text() for r in page(lead.get(PEOPLE)).select("tr"))

    # Expired: nothing is written, yet the page no longer lists it (signed in again, a week on)
    _invite(lead, "late@example.org", name="Lee Late")
    assert "late@example.org" in _waiting(lead.get(PEOPLE))
    frozen_clock.shift(timedelta(days=app.config["INVITATION_DAYS"], minutes=-2))
    lead = client_as("edi_lead")
    assert "late@example.org" in _waiting(lead.get(PEOPLE))
    with count_queries(app) as statements:
        assert "late@example.org" in _waiting(lead.get(PEOPLE))
    assert not any("FROM memberships JOIN users" in s for s in statements)  # kept
    frozen_clock.shift(timedelta(minutes=3))  # the same day, past its expiry
    shown = lead.get(PEOPLE)
    assert shown.status_code == 200 and "late@example.org" not in _waiting(shown)


def test_sharing_is_kept_and_each_change_shows_at_once(app, client_as):
    lead = client_as("edi_lead")
    _kept_again(app, lead, SHARING, "advisory_groups")
    with app.app_context():
        group = db.session.scalar(select(AdvisoryGroup).where(AdvisoryGroup.short_name == "RERG"))
        group_id, name = group.id, group.name
    row = next(r for r in page(lead.get(SHARING)).select("tr") if name in r.get_text())
    assert "Share" in row.get_text() and "Stop sharing" not in row.get_text()
    assert post_form(lead, f"{SHARING}/{group_id}/share", {}, token_from=SHARING).status_code \
        == 302
    row = next(r for r in page(lead.get(SHARING)).select("tr") if name in r.get_text())
    assert "Stop sharing" in row.get_text()
    before = row.get_text(" ", strip=True)
    with app.app_context():  # what organisations share changes: a new advisor in the group
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        viewer = db.session.scalar(select(User).where(
            User.email == "viewer@northshire.example.org"))
        group_service.add_group_member(actor=admin, group=db.session.get(AdvisoryGroup, group_id),
                                 user=viewer)
        db.session.commit()
    row = next(r for r in page(lead.get(SHARING)).select("tr") if name in r.get_text())
    assert row.get_text(" ", strip=True) != before
