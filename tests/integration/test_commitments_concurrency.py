"""Commitments written at once (issue 12): the order never takes a position twice, the same
title twice gets the title's message, never a 500 (threads with their own connections)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.concurrency import signed_in_client, statuses, together
from tests.helpers import csrf_token
from tracker.domain.roles import Role
from tracker.models import Commitment, CommitmentGoal

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.fixture
def council(app, factories, db_session):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.plan(cycle=factories.cycle(organisation=org))
    db_session.commit()
    clients = [signed_in_client(app, lead.email) for _ in range(4)]
    new = f"/org/{org.slug}/commitments/new"
    return org, clients, [csrf_token(client, new) for client in clients]


def test_commitments_added_at_once_each_take_their_own_place(council, db_session):
    org, clients, tokens = council
    new = f"/org/{org.slug}/commitments/new"
    results = together([lambda c=c, t=t, i=i: c.post(new, data={
        "csrf_token": t, "title": f"Commitment {i}"})
        for i, (c, t) in enumerate(zip(clients, tokens, strict=True))])
    db_session.rollback()
    assert statuses(results) == {302: 4}
    positions = db_session.scalars(select(Commitment.position).where(
        Commitment.organisation_id == org.id)).all()
    assert sorted(positions) == [0, 1, 2, 3]

    commitment_id = db_session.scalar(select(Commitment.id).where(
        Commitment.organisation_id == org.id, Commitment.position == 0))
    url = f"/org/{org.slug}/commitments/{commitment_id}/goals/new"
    results = together([lambda c=c, t=t, i=i: c.post(url, data={
        "csrf_token": t, "text": f"Goal {i}", "themes": ["Leadership"]})
        for i, (c, t) in enumerate(zip(clients, tokens, strict=True))])
    db_session.rollback()
    assert statuses(results) == {302: 4}
    positions = db_session.scalars(select(CommitmentGoal.position).where(
        CommitmentGoal.commitment_id == commitment_id)).all()
    assert sorted(positions) == [0, 1, 2, 3]


def test_one_title_added_at_once_is_saved_once(council, db_session):
    org, clients, tokens = council
    new = f"/org/{org.slug}/commitments/new"
    results = together([lambda c=c, t=t: c.post(new, data={
        "csrf_token": t, "title": "Allyship"}) for c, t in zip(clients, tokens, strict=True)])
    db_session.rollback()
    assert statuses(results) == {302: 1, 400: 3}
    for response in results:
        if response.status_code == 400:
            assert "There is already a commitment called Allyship" in response.get_data(
                as_text=True)
    assert len(db_session.scalars(select(Commitment.id).where(
        Commitment.organisation_id == org.id)).all()) == 1
