"""Pressing Back (or reloading) after saving shows the saved thing or says what happened.

Back after a form asks for the form's address again with GET: a form-only address, a preview
that was saved, a comment that was deleted. None of them may answer "Page not found".
"""

from __future__ import annotations

import io

from tests.helpers import csrf_token, page, post_form
from tracker.domain.roles import Role


def _banner(response) -> str:
    return " ".join(banner.get_text(" ", strip=True)
                    for banner in page(response).select(".govuk-notification-banner"))


def test_back_to_a_form_that_was_sent_shows_its_page(factories, client_for, frozen_clock):
    owner = factories.member(role=Role.ACTION_OWNER)
    org = owner.memberships[0].organisation
    action = factories.action(plan__cycle__organisation=org, owner=owner, title="Mentoring")
    base = f"/org/{org.slug}/cycles/2024-25/plan/actions/{action.id}"
    client = client_for(owner)
    # A first try with a mistake is shown at the form's own address...
    refused = post_form(client, base + "/progress", {"occurred_on": ["2", "6", "2025"],
                                                     "note": ""}, token_from=base)
    assert refused.status_code == 400
    saved = post_form(client, base + "/progress", {"occurred_on": ["2", "6", "2025"],
                                                   "note": "Pairs matched"}, token_from=base)
    assert saved.status_code == 302
    # ...so Back from the action's page asks for that address again.
    back = client.get(base + "/progress")
    assert back.status_code == 303 and back.headers["Location"] == base
    shown = client.get(back.headers["Location"])
    assert "already been sent" in _banner(shown)
    assert "Pairs matched" in shown.get_data(as_text=True)
    assert "Page not found" not in shown.get_data(as_text=True)


def test_every_form_only_address_leads_back_to_a_page(app, factories, client_for):
    lead = factories.member(role=Role.EDI_LEAD)
    lead_client = client_for(lead)
    programme_client = client_for(factories.user(is_programme_lead=True))
    org = lead.memberships[0].organisation
    action = factories.action(plan__cycle__organisation=org, owner=lead)
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods or rule.arguments - {"slug", "label", "action_id"}:
            continue
        guard = getattr(app.view_functions[rule.endpoint], "_guard", None)
        client = programme_client if guard == "programme_lead" else lead_client
        path = (rule.rule.replace("<slug>", org.slug).replace("<label>", "2024-25")
                .replace("<int:action_id>", str(action.id)))
        response = client.get(path)
        assert response.status_code == 303, path
        shown = client.get(response.headers["Location"])
        assert shown.status_code == 200, path
        assert "Page not found" not in shown.get_data(as_text=True), path


def test_back_to_a_saved_preview_shows_the_saved_figures(factories, client_for):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org)
    client = client_for(lead)
    upload = f"/org/{org.slug}/cycles/2024-25/indicators/upload"
    content = (b"service_area,indicator,band,group,numerator,denominator\n"
               b"adults,SCW3,,gm,14,451\nadults,SCW3,,white,25,1731\n")
    response = client.post(upload, data={
        "csrf_token": csrf_token(client, upload), "counts-submit": "Upload and check counts",
        "counts-counts_file": (io.BytesIO(content), "counts.csv")},
        content_type="multipart/form-data")
    preview = response.headers["Location"]
    assert post_form(client, preview, {}).status_code == 302
    back = client.get(preview)
    assert back.status_code == 302
    assert back.headers["Location"] == f"/org/{org.slug}/cycles/2024-25/indicators"
    shown = client.get(back.headers["Location"])
    assert "its figures were saved" in _banner(shown)
    again = post_form(client, preview, {}, token_from=upload)  # the Save button pressed again
    assert again.status_code == 302 and "indicators" in again.headers["Location"]


def test_back_to_a_deleted_comment_shows_the_conversation(factories, client_for):
    author = factories.member(role=Role.EDI_LEAD)
    org = author.memberships[0].organisation
    action = factories.action(plan__cycle__organisation=org, owner=author)
    comment = factories.comment(action=action, author=author, body="First thoughts")
    client = client_for(author)
    delete = f"/org/{org.slug}/comments/{comment.id}/delete"
    assert post_form(client, delete, {}).status_code == 302
    for form in (delete, f"/org/{org.slug}/comments/{comment.id}/edit"):
        back = client.get(form)
        assert back.status_code == 302, form
        shown = client.get(back.headers["Location"])
        assert shown.status_code == 200
        assert "That comment has been deleted" in _banner(shown)
