"""The pages about one comment ask a fixed number of statements (issue 15): the respond page
reads the comment and its subject once (it read them twice: 18 statements here, then 14, and
one more for the data version it is kept under), and the actions it may link to as ids and
titles."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers import page, statements
from tracker.domain.roles import Role


def test_the_respond_page_asks_the_same_statements_however_many_actions(
        factories, client_for, frozen_clock, db_session):
    counts = {}
    for many in (2, 25):
        lead = factories.member(role=Role.EDI_LEAD)
        org = lead.memberships[0].organisation
        plan = factories.plan(cycle=factories.cycle(organisation=org))
        actions = [factories.action(plan=plan, title=f"Action {n}") for n in range(many)]
        comment = factories.comment(action=actions[0], author=factories.advisor(follows=org),
                                    needs_response=True,
                                    response_requested_at=datetime(2025, 5, 28, tzinfo=UTC))
        client = client_for(lead)
        with statements(db_session) as seen:
            html = page(client.get(f"/org/{org.slug}/comments/{comment.id}/respond"))
        assert len(html.select("select[name=action_id] option")) == many + 1  # and "No action"
        counts[many] = len(seen)
    assert counts[2] == counts[25] <= 15  # and the data version it is kept under
