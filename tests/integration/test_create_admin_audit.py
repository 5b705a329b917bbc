"""`flask tracker create-admin` goes through a service that audits the rights it grants."""

from __future__ import annotations

from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services import users as user_service


def test_making_an_existing_account_an_administrator_is_audited(app, runner):
    with app.app_context():
        user = user_service.create_user(actor=None, email="someone@example.org", name="Someone")
        db.session.commit()
        user_id = user.id
    result = runner.invoke(args=["tracker", "create-admin", "--email", "someone@example.org"],
                           input="a long admin passphrase\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, user_id).is_admin
        events = db.session.scalars(db.select(AuditEvent).filter_by(
            entity_type="user", entity_id=user_id, action="updated")).all()
        assert [(e.before, e.after) for e in events] == [({"is_admin": False}, {"is_admin": True})]
