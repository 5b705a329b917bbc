"""Account discovery (issue 9 item 9): an EDI lead adds people by e-mailed invitation only.

The lead learns nothing about accounts outside the organisation: inviting an address with an
account (the administrator's included) answers exactly as inviting one without, and never shows
the account's name. The invitation goes by e-mail through the job queue, to a real SMTP server
on loopback (aiosmtpd); the person it reaches accepts by signing in or by making the account.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.helpers import csrf_token, error_summary, page, post_form, sign_in
from tests.integration.test_reminders import BASE, _body, _html, smtp  # noqa: F401 - fixture
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import AuditEvent, Invitation, Membership, Organisation, User

PEOPLE = "/org/northshire/people"


def _invite(lead, email: str, name: str = "Pat Doe", role: str = "viewer"):
    return post_form(lead, PEOPLE, {"email": email, "name": name, "role": role})


def _memberships(app, email: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m.organisation.slug, m.role.value) for m in db.session.scalars(
            db.select(Membership).join(User).where(User.email_key == email.lower()))]


def _link(message) -> str:
    [url] = re.findall(re.escape(BASE) + r"/invitations/[\w-]+", _body(message))
    assert url in _html(message)
    return url[len(BASE):]


@pytest.mark.parametrize("email", ["admin@example.org", "edi.lead@riverside.example.org"])
def test_inviting_an_address_answers_the_same_whether_or_not_it_has_an_account(
        app, client_as, smtp, email):  # noqa: F811 - the fixture
    lead = client_as("edi_lead")
    answers = {}
    for address in (email, "nobody.yet@example.org"):
        response = _invite(lead, address, name="Pat Doe")
        shown = page(lead.get(response.headers["Location"]))
        banner = shown.select_one(".govuk-notification-banner").get_text(" ", strip=True)
        [row] = [r for r in shown.select("tr") if address in r.get_text()]
        answers[address] = (response.status_code,
                            banner.replace(address, "ADDRESS"),
                            [cell.get_text(strip=True).replace(address, "ADDRESS")
                             for cell in row.select("td")])
    assert answers[email] == answers["nobody.yet@example.org"]
    assert answers[email][0] == 302
    assert "has been e-mailed to ADDRESS" in answers[email][1]
    assert answers[email][2][:3] == ["Pat Doe", "ADDRESS", "Viewer"]
    text = page(lead.get(PEOPLE)).get_text(" ")
    for name in ("Alex Admin", "Chris Wong"):
        assert name not in text
    # Nobody was added: the accounts keep only what they had.
    assert ("northshire", "viewer") not in _memberships(app, email)
    assert _memberships(app, "nobody.yet@example.org") == []
    # Each address got its invitation, through the job queue, with the typed name.
    for address in (email, "nobody.yet@example.org"):
        [message] = smtp.to(address)
        assert message["Subject"] == "You are invited to the Northshire County Council SC-WRES tracker"
        assert _body(message).startswith("Dear Pat Doe,")
        assert "as viewer" in _body(message)


def test_someone_new_accepts_by_making_their_account(app, client_as, smtp):  # noqa: F811
    lead = client_as("edi_lead")
    _invite(lead, "Ade.Bello@Northshire.example.org", name="Ade Bello", role="action_owner")
    link = _link(smtp.to("Ade.Bello@Northshire.example.org")[0])
    listed = page(lead.get(PEOPLE)).find("caption", string="Invitations waiting").parent
    assert "Ade Bello" in listed.get_text() and "Action owner" in listed.get_text()
    invitee = app.test_client()
    form = page(invitee.get(link))
    assert form.find("input", attrs={"name": "name"})["value"] == "Ade Bello"
    response = post_form(invitee, link, {"name": "Adeola Bello", "password": "short",
                                         "confirm": "short"})
    assert response.status_code == 400
    assert "Password must be 12 characters or more" in error_summary(response)
    response = post_form(invitee, link, {"name": "Adeola Bello",
                                         "password": "a long enough passphrase",
                                         "confirm": "a long enough passphrase"})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert _memberships(app, "ade.bello@northshire.example.org") == [("northshire",
                                                                       "action_owner")]
    assert sign_in(invitee, "ade.bello@northshire.example.org",
                   "a long enough passphrase").status_code == 302
    assert "Adeola Bello" in lead.get(PEOPLE).get_data(as_text=True)
    # The link worked once.
    response = app.test_client().get(link)
    assert response.status_code == 410
    assert "This invitation has already been accepted" in response.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action).where(
            AuditEvent.entity_type.in_(["invitation", "membership"]))
            .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["invited", "added"]


def test_an_existing_account_accepts_by_signing_in_with_that_address(
        app, client_as, smtp):  # noqa: F811
    lead = client_as("edi_lead")
    _invite(lead, "EDI.Lead@Riverside.example.org", role="sponsor")
    link = _link(smtp.to("EDI.Lead@Riverside.example.org")[0])
    anonymous = app.test_client()
    shown = page(anonymous.get(link))
    sign_in_link = shown.find("a", string="Sign in to accept")["href"]
    assert sign_in_link == "/sign-in?next=" + link
    # Someone else signed in cannot accept it for the address.
    viewer = client_as("viewer")
    response = post_form(viewer, link, {}, follow_redirects=True)
    assert "This invitation was sent to EDI.Lead@Riverside.example.org" in \
        response.get_data(as_text=True)
    assert ("northshire", "sponsor") not in _memberships(app, "viewer@northshire.example.org")
    # The address's owner signs in (back to the invitation) and accepts.
    owner = app.test_client()
    response = post_form(owner, "/sign-in?next=" + link,
                         {"email": "edi.lead@riverside.example.org",
                          "password": "demo-password-2026"}, token_from="/sign-in")
    assert response.headers["Location"] == link
    response = post_form(owner, link, {})
    assert response.headers["Location"] == "/org/northshire"
    assert ("northshire", "sponsor") in _memberships(app, "edi.lead@riverside.example.org")


def test_a_withdrawn_replaced_or_expired_invitation_stops_working(
        app, client_as, smtp, frozen_clock):  # noqa: F811
    lead = client_as("edi_lead")
    _invite(lead, "first@example.org")
    _invite(lead, "first@example.org")  # again: the earlier link is replaced
    first, second = (_link(m) for m in smtp.to("first@example.org"))
    assert "has been withdrawn" in app.test_client().get(first).get_data(as_text=True)
    with app.app_context():
        invitation_id = db.session.scalar(db.select(Invitation.id).where(
            Invitation.email == "first@example.org", Invitation.revoked_at.is_(None)))
    post_form(lead, f"{PEOPLE}/invitations/{invitation_id}/withdraw", {}, token_from=PEOPLE)
    response = app.test_client().get(second)
    assert response.status_code == 410
    assert "Invitations waiting" not in lead.get(PEOPLE).get_data(as_text=True)
    _invite(lead, "late@example.org")
    [late] = [_link(m) for m in smtp.to("late@example.org")]
    frozen_clock.shift(timedelta(days=7, seconds=1))
    assert "This invitation has expired" in app.test_client().get(late).get_data(as_text=True)
    assert app.test_client().get("/invitations/not-a-token").status_code == 410


def test_inviting_someone_already_in_that_role_says_so_and_a_name_is_needed(app, client_as):
    lead = client_as("edi_lead")
    response = _invite(lead, "Viewer@northshire.example.org", name="Sam")
    assert error_summary(response) == [
        "Viewer@northshire.example.org is already viewer in Northshire County Council"]
    response = _invite(lead, "someone@example.org", name="")
    assert error_summary(response) == ["Enter their full name"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 0


@pytest.mark.parametrize("role", ["action_owner", "sponsor", "viewer", "advisor", "other_org"])
def test_only_the_edi_lead_invites_or_withdraws(app, client_as, role):
    lead = client_as("edi_lead")
    _invite(lead, "someone@example.org")
    with app.app_context():
        invitation_id = db.session.scalar(db.select(Invitation.id))
        org_id = db.session.scalar(db.select(Organisation.id).filter_by(slug="northshire"))
    other = client_as(role)
    token = csrf_token(other, "/")
    expected = 404 if role == "other_org" else 403
    assert other.post(PEOPLE, data={"csrf_token": token, "email": "x@example.org",
                                    "name": "X", "role": "edi_lead"}).status_code == expected
    assert other.post(f"{PEOPLE}/invitations/{invitation_id}/withdraw",
                      data={"csrf_token": token}).status_code == expected
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invitation.id)).where(
            Invitation.organisation_id == org_id, Invitation.revoked_at.is_(None))) == 1
    assert Role.EDI_LEAD  # the one role that may
