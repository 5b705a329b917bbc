"""`flask tracker send-reminders` at national scale: its time and SQL statements, twice.

    .venv/bin/python bench/reminders.py --database-url URL [--date 2026-12-03] [--app-root DIR]

URL is a PostgreSQL database filled by bench/national_data.py (149 councils: each owner with
actions due or overdue gets a reminder, each sponsor a weekly summary). Every outgoing e-mail
row is removed first (this is a bench copy), then the command runs in this process with an
SMTP server on loopback as e-mail (aiosmtpd's Sink, in a process of its own as a real server
would be): once, sending everything, and once more the same day, with nothing to send. Prints,
for each run, the seconds, the SQL statements and the command's own line (what it sent). --app-root runs
another checkout's code (main before a change, unpacked with `git archive`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--date", default="2026-12-03", help="the day to run as (2026-12-03)")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c",
                             "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    os.environ.update({"TRACKER_CONFIG": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                       "DATABASE_URL": args.database_url, "MAIL_SERVER": "127.0.0.1",
                       "MAIL_PORT": str(port), "LOG_LEVEL": "WARNING",
                       "PUBLIC_BASE_URL": "https://tracker.example.org"})
    sys.path.insert(0, str(args.app_root))
    from sqlalchemy import event, text

    from tracker import create_app
    from tracker.extensions import db

    app = create_app("production")
    statements = 0

    def seen(*_args) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        db.session.execute(text("UPDATE notifications SET email_id = NULL"))
        db.session.execute(text("DELETE FROM outgoing_emails"))
        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", seen)
    runner = app.test_cli_runner()
    try:
        for run in ("first run", "second run, the same day"):
            statements = 0
            started = time.perf_counter()
            result = runner.invoke(args=["tracker", "send-reminders", "--date", args.date])
            took = time.perf_counter() - started
            print(f"{run}: {took:.2f} s, {statements} SQL statements (exit {result.exit_code})")
            print(f"  {result.output.strip()}")
    finally:
        sink.terminate()
        sink.wait(timeout=10)


if __name__ == "__main__":
    main()
