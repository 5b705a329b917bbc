"""Two EDI leads removing each other at the same moment: the organisation keeps one of them.

Real connections, one thread each, 8 rounds. On PostgreSQL both start together (a barrier) and
their transactions truly overlap: the row lock must order them. SQLite cannot run two writing
transactions at once at all (the suite's SQLite connections hold their read locks, so a second
writer is refused as "database is locked"): there the two run one after the other, and the rule
itself is what is checked.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import Membership, User
from tracker.services import users as user_service
from tracker.services.errors import InvalidInput


def _remove(app, actor_id: int, membership_id: int, barrier: threading.Barrier,
            outcomes: list[str]) -> None:
    with app.app_context():
        try:
            actor = db.session.get(User, actor_id)
            membership = db.session.get(Membership, membership_id)
            barrier.wait(timeout=30)
            user_service.remove_membership(actor=actor, membership=membership)
            db.session.commit()
            outcomes.append("removed")
        except InvalidInput:
            db.session.rollback()
            outcomes.append("refused")
        except Exception as error:  # anything else is the bug this test is for
            db.session.rollback()
            outcomes.append(f"{type(error).__name__}: {error}")
        finally:
            db.session.remove()


def test_two_leads_removing_each_other_at_once_leave_one(app, committed_db, factories, db_session):
    for _ in range(8):
        first = factories.member(role=Role.EDI_LEAD)
        organisation = first.memberships[0].organisation
        second = factories.member(role=Role.EDI_LEAD, organisation=organisation)
        db_session.commit()
        ids = [(first.id, second.memberships[0].id), (second.id, first.memberships[0].id)]
        org_id = organisation.id
        db_session.commit()
        together = db_session.bind.dialect.name == "postgresql"
        barrier, outcomes = threading.Barrier(2 if together else 1), []
        threads = [threading.Thread(target=_remove, args=(app, actor, membership, barrier,
                                                          outcomes)) for actor, membership in ids]
        for thread in threads:
            thread.start()
            if not together:
                thread.join(timeout=60)
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["refused", "removed"]
        leads = db_session.scalar(select(func.count(Membership.id)).where(
            Membership.organisation_id == org_id, Membership.role == Role.EDI_LEAD))
        db_session.commit()
        assert leads == 1
