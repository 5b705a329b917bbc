"""The conversation's pages kept per data version (tracker/kept_pages.py): a thread and the
pages about one comment are served again as written until something they show changes, and
every change to them made through the app (a comment, a reply, an edit, a deletion, a request
for a response, the response) shows at once. Whether someone follows a subject is theirs alone.
"""

from __future__ import annotations

from tests.helpers import main_text, page, post_form, without_csrf_tokens
from tests.integration.test_conversation import _action_id, _action_page, _comments, _post, _thread
from tests.integration.test_plans import count_queries
from tracker.domain.comments import Outcome

COMMENTS = "/org/northshire/comments"


def _read(statements: list[str]) -> bool:
    """Whether the comments were read (the page was written, not served as kept)."""
    return any("FROM comments" in s for s in statements)


def test_a_thread_seen_again_is_served_as_kept(app, client_as):
    lead, url = client_as("edi_lead"), _thread(_action_id(app))
    with count_queries(app) as written:
        first = lead.get(url)
    with count_queries(app) as kept:
        again = lead.get(url)
    assert first.status_code == again.status_code == 200
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
    # the person, their access, the version, whether they follow it, their unread count
    assert len(kept) <= 9 < len(written)  # with the test's SAVEPOINT
    assert _read(written) and not _read(kept)
    assert not any("FROM actions" in s for s in kept)  # nor the action's title


def test_the_pages_about_a_comment_seen_again_are_served_as_kept(app, client_as):
    lead, action_id = client_as("edi_lead"), _action_id(app)
    _post(client_as("advisor"), action_id, "Do the panels include advisors?",
          visibility="shared", ask_for_response="y")
    assert _post(lead, action_id, "Our own note", visibility="internal").status_code == 302
    asked = _comments(app, body="Do the panels include advisors?")[0]
    own = _comments(app, body="Our own note")[0]
    lead.get(_thread(action_id))  # the last action's message, shown once
    for url in (f"{COMMENTS}/{asked.id}/reply", f"{COMMENTS}/{asked.id}/history",
                f"{COMMENTS}/{asked.id}/respond", f"{COMMENTS}/{own.id}/edit",
                f"{COMMENTS}/{own.id}/delete"):
        first = lead.get(url)
        with count_queries(app) as kept:
            again = lead.get(url)
        assert first.status_code == again.status_code == 200, url
        assert without_csrf_tokens(again) == without_csrf_tokens(first), url
        assert len(kept) <= 9 and not _read(kept), url
    # the form to change it holds its words as they are now
    edit = f"{COMMENTS}/{own.id}/edit"
    assert post_form(lead, edit, {"body": "Our own note, corrected"}).status_code == 302
    assert page(lead.get(edit)).find("textarea", attrs={"name": "body"}).get_text().strip() \
        == "Our own note, corrected"


def test_each_change_to_a_thread_through_the_app_shows_at_once(app, client_as):
    lead, advisor, action_id = client_as("edi_lead"), client_as("advisor"), _action_id(app)
    url = _thread(action_id)
    lead.get(url), advisor.get(url)  # both kept

    assert _post(advisor, action_id, "Who sits on the panels?", visibility="shared",
                 ask_for_response="y").status_code == 302
    shown = main_text(lead.get(url))
    assert "Who sits on the panels?" in shown and "Response requested" in shown
    asked = _comments(app, body="Who sits on the panels?")[0]

    assert post_form(lead, f"{COMMENTS}/{asked.id}/reply", {"body": "Managers, for now"},
                     token_from=_action_page(action_id)).status_code == 302
    assert "Managers, for now" in main_text(advisor.get(url))

    history = f"{COMMENTS}/{asked.id}/history"
    advisor.get(history)
    assert post_form(advisor, f"{COMMENTS}/{asked.id}/edit",
                     {"body": "Who sits on the interview panels?"}).status_code == 302
    assert "Who sits on the interview panels?" in main_text(lead.get(url))
    assert "Who sits on the panels?" in main_text(advisor.get(history))  # the earlier version

    respond = f"{COMMENTS}/{asked.id}/respond"
    assert "already has a response" not in main_text(lead.get(respond))
    assert post_form(lead, respond, {"outcome": Outcome.ACCEPTED.value, "reason": "We added one",
                                     "action_id": "0"}).status_code == 302
    assert "We added one" in main_text(advisor.get(url))
    assert "already has a response" in main_text(lead.get(respond))

    assert _post(lead, action_id, "Internal: check the rota", visibility="internal").status_code == 302
    internal = _comments(app, body="Internal: check the rota")[0]
    assert "Internal: check the rota" in main_text(lead.get(url))
    assert "Internal: check the rota" not in main_text(advisor.get(url))  # never the lead's page
    assert post_form(lead, f"{COMMENTS}/{internal.id}/delete", {}).status_code == 302
    assert "Internal: check the rota" not in main_text(lead.get(url))
    assert lead.get(f"{COMMENTS}/{internal.id}/edit").status_code == 302  # deleted: the thread


def test_an_advisor_asking_for_a_response_shows_at_once(app, client_as):
    lead, advisor, action_id = client_as("edi_lead"), client_as("advisor"), _action_id(app)
    url = _thread(action_id)
    assert _post(advisor, action_id, "Are the panels mixed?", visibility="shared").status_code \
        == 302
    assert "Response requested" not in main_text(lead.get(url))
    comment = _comments(app, body="Are the panels mixed?")[0]
    assert post_form(advisor, f"{COMMENTS}/{comment.id}/ask-for-response",
                     {"next": _action_page(action_id)},
                     token_from=_action_page(action_id)).status_code == 302
    assert "Response requested" in main_text(lead.get(url))


def test_following_is_each_persons_own(app, client_as):
    lead, viewer, action_id = client_as("edi_lead"), client_as("viewer"), _action_id(app)
    url = _thread(action_id)
    lead.get(url)
    with count_queries(app) as statements:
        seen = viewer.get(url)
    assert _read(statements)  # written for the viewer, never the lead's
    assert page(seen).find("input", attrs={"name": "follow"})["value"] == "yes"
    assert post_form(viewer, f"{url}/follow", {"follow": "yes"}, token_from=url).status_code \
        == 302
    follows = page(viewer.get(url)).find("input", attrs={"name": "follow"})
    assert follows["value"] == "no"  # not audited, yet shown at once
    assert page(lead.get(url)).find("input", attrs={"name": "follow"})["value"] == "yes"
    assert post_form(viewer, f"{url}/follow", {"follow": "no"}, token_from=url).status_code \
        == 302
    assert page(viewer.get(url)).find("input", attrs={"name": "follow"})["value"] == "yes"
