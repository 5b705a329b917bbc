"""The `flask tracker` commands."""

from __future__ import annotations

from tests.helpers import sign_in
from tracker.demo.load import DEMO_PASSWORD
from tracker.extensions import db
from tracker.models import AdvisoryGroupShare, Membership, Organisation, ReportingCycle, User


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
                for model in (User, Organisation, Membership, AdvisoryGroupShare, ReportingCycle)}


def test_create_admin_reads_the_password_from_standard_input(app, runner):
    result = runner.invoke(args=["tracker", "create-admin", "--email", "Boss@Example.org"],
                           input="a long admin passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Administrator Boss@Example.org created" in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email_key="boss@example.org"))
        assert user.is_admin
    assert sign_in(app.test_client(), "boss@example.org", "a long admin passphrase").status_code == 302


def test_create_admin_refuses_a_short_password_and_saves_nothing(app, runner):
    result = runner.invoke(args=["tracker", "create-admin", "--email", "boss@example.org"],
                           input="short\n")
    assert result.exit_code == 2
    assert "Password must be 12 characters or more" in result.output
    assert _counts(app)["User"] == 0


def test_demo_is_idempotent_and_prints_the_logins(app, runner):
    first = runner.invoke(args=["tracker", "demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    # 3 councils with their people, and 9 more that submitted 2024-25 (tracker/demo/national.py)
    assert counts == {"User": 21, "Organisation": 12, "Membership": 17, "AdvisoryGroupShare": 3,
                      "ReportingCycle": 14}
    second = runner.invoke(args=["tracker", "demo"])
    assert second.exit_code == 0
    assert _counts(app) == counts
    assert DEMO_PASSWORD in second.output
    for email in ("admin@example.org", "edi.lead@northshire.example.org",
                  "owner@northshire.example.org", "sponsor@northshire.example.org",
                  "viewer@northshire.example.org", "advisor@iag.example.org"):
        assert email in second.output


def test_demo_if_empty_leaves_existing_data_alone(app, runner):
    runner.invoke(args=["tracker", "create-admin", "--email", "boss@example.org"],
                  input="a long admin passphrase\n")
    result = runner.invoke(args=["tracker", "demo", "--if-empty"])
    assert "already has data" in result.output
    assert _counts(app)["Organisation"] == 0


def test_iag_follows_two_organisations_in_the_demo(app, client_as):
    advisor = client_as("advisor")
    html = advisor.get("/").get_data(as_text=True)
    assert "Northshire County Council" in html and "Eastbrook Borough Council" in html
    assert "Riverside City Council" not in html
