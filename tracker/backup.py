"""Back up the whole database to one file, and restore such a file into an empty database.

PostgreSQL: `pg_dump --format=custom` (consistent while the service runs) and `pg_restore` in
one transaction, both from the PostgreSQL client tools of the server's major version or newer.
SQLite: the SQLite backup API (consistent while the service runs), and the same back.
Either way the file holds everything: the schema at its migration, every row, the job queue.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url


class BackupError(RuntimeError):
    """Something the person must fix: said in words, never a traceback."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump and pg_restore take it, and the password in their environment."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          "(Debian: postgresql-client)")
    return found


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def backup(*, url: str, destination: Path) -> None:
    """Write the whole database at `url` to the file `destination` (replaced if it exists)."""
    if _is_postgresql(url):
        conninfo, environment = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={destination}", f"--dbname={conninfo}"], environment)
        return
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"There is no database at {source}")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
        live.backup(copy)
    copy.close()
    partial.replace(destination)


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def restore(*, url: str, source: Path) -> None:
    """Restore a backup into the database at `url`, which must be empty (no tables)."""
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}")
    if _tables(url):
        raise BackupError("The database to restore into is not empty: restore into a new, empty "
                          "database, then point DATABASE_URL at it")
    if _is_postgresql(url):
        conninfo, environment = _libpq(url)
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={conninfo}", str(source)], environment)
        return
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_file:
            tables = backup_file.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if not tables:
                raise BackupError(f"{source} is not a backup of the tracker: it holds no tables")
            with sqlite3.connect(_sqlite_path(url)) as target:
                backup_file.backup(target)
            target.close()
        backup_file.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not an SQLite backup: {error}") from error
