"""Backup and restore: back up, restore into an empty database, the same rows and the same pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url
from sqlalchemy.orm import Session

from tests.factories import PASSWORD
from tests.helpers import database_rows, page, sign_in
from tests.integration.conftest import _postgres_database
from tracker import create_app
from tracker.domain.roles import Role


def _empty_database(app, tmp_path: Path) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if make_url(url).get_backend_name() == "postgresql":
        return _postgres_database(url, f"{make_url(url).database}_restored")
    return f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def _rows(url: str) -> dict:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return database_rows(session)
    finally:
        engine.dispose()


def _plan_page(app, email: str, path: str) -> str:
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return page(client.get(path)).select_one("main").get_text(" ", strip=True)


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_and_pages(
        app, committed_db, factories, db_session, runner, tmp_path):
    lead = factories.member(role=Role.EDI_LEAD, name="Priya Shah")
    organisation = lead.memberships[0].organisation
    action = factories.action(plan__cycle__organisation=organisation, owner=lead,
                              title="Reverse mentoring for directors")
    factories.progress(action=action, note="Six pairs matched")
    db_session.commit()
    email, path = lead.email, f"/org/{organisation.slug}/cycles/2024-25/plan/actions/{action.id}"
    db_session.commit()
    shown = _plan_page(app, email, path)
    assert "Reverse mentoring for directors" in shown and "Six pairs matched" in shown
    before = _rows(app.config["SQLALCHEMY_DATABASE_URI"])

    backup_file = tmp_path / "tracker.backup"
    result = runner.invoke(args=["tracker", "backup", "--out", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output and backup_file.stat().st_size > 0

    target = _empty_database(app, tmp_path)
    restored = create_app("test", SQLALCHEMY_DATABASE_URI=target)
    result = restored.test_cli_runner().invoke(args=["tracker", "restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    try:
        assert _rows(target) == before
        assert _plan_page(restored, email, path) == shown
        # Restoring again, over what is now there, is refused and changes nothing
        now = _rows(target)
        again = restored.test_cli_runner().invoke(args=["tracker", "restore", str(backup_file)])
        assert again.exit_code == 2
        assert "The database to restore into is not empty" in again.output
        assert _rows(target) == now
    finally:
        with restored.app_context():
            from tracker.extensions import db

            db.engine.dispose()


@pytest.mark.parametrize("content", [b"", b"not a backup at all\x00\xff"])
def test_a_file_that_is_not_a_backup_is_refused(app, runner, tmp_path, content):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(content)
    target = _empty_database(app, tmp_path)
    restored = create_app("test", SQLALCHEMY_DATABASE_URI=target)
    result = restored.test_cli_runner().invoke(args=["tracker", "restore", str(bogus)])
    assert result.exit_code == 2
    assert result.output.strip(), "the refusal says why"
    missing = restored.test_cli_runner().invoke(args=["tracker", "restore",
                                                      str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "There is no backup file" in missing.output
