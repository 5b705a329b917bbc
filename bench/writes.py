"""The plan's writes at scale: a 300-row import, the same file changed, and the next cycle.

    .venv/bin/python bench/writes.py --database-url URL [--rows 300] [--app-root DIR]

URL is any database of a PostgreSQL server (the test cluster's will do: `bash
scripts/pg-test-cluster.sh url .pgtest`); the bench makes a database of its own beside it,
migrates it, loads the demo and drops it at the end. Then, as Northshire's EDI lead, through
the services the pages call:

1. imports a file of ROWS new actions (each with an owner, two in three linked to indicator
   results, some with a start date or a measure): checking it (the preview) and confirming it;
2. imports the plan's export again with every one of those rows changed (title, status,
   owner, links): 300 updates;
3. starts the next cycle carrying the ROWS actions over, leaving the demo's own open actions
   behind with a reason.

Prints, for each step, the seconds (the commit included) and the SQL statements. --app-root
runs another checkout's code (main before a change, unpacked with `git archive`).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _new_file(columns: tuple[str, ...], owners: list[str], rows: int, due: date) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for n in range(rows):
        writer.writerow(dict.fromkeys(columns, "") | {
            "theme": "Leadership", "title": f"Bench action {n}", "owner_email": owners[n % len(owners)],
            "due_date": due.isoformat(), "status": "not_started",
            "indicators": ["SCW3 all; SCW9 adults", "", "SCW6 children"][n % 3],
            "start_date": "2024-09-01" if n % 2 else "",
            "measure_baseline": "12.5" if n % 4 == 1 else ""})
    return out.getvalue().encode()


def _changed(exported: bytes, owners: list[str]) -> bytes:
    lines = []
    for line in exported.decode("utf-8-sig").splitlines():
        if ",Bench action " in line:
            line = line.replace(",Bench action ", ",Renamed bench action ")
            line = line.replace(",Not started,", ",At risk,")
            line = line.replace(owners[0], "\0").replace(owners[1], owners[0])
            line = line.replace("\0", owners[1]).replace("SCW3; SCW9 adults", "SCW3; SCW5")
        lines.append(line)
    return "\n".join(lines).encode()


def main() -> None:  # noqa: C901 (one script, read top to bottom)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.engine import make_url

    server = make_url(args.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"bench_writes_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    os.environ.update({"TRACKER_CONFIG": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                       "DATABASE_URL": server.set(database=name).render_as_string(
                           hide_password=False), "LOG_LEVEL": "WARNING"})
    sys.path.insert(0, str(args.app_root))
    try:
        from flask_migrate import upgrade

        from tracker import create_app
        from tracker.demo.load import load_demo
        from tracker.domain.plan_sheet import PLAN_COLUMNS
        from tracker.extensions import db
        from tracker.models import Action, ActionPlan, Membership, ReportingCycle, User
        from tracker.services import plan_sheets, reviews
        from tracker.services import plans as plan_service
        from tracker.services.access import organisation_access

        app = create_app("production")
        statements = 0

        def seen(*_args) -> None:
            nonlocal statements
            statements += 1

        with app.app_context():
            upgrade(directory=str(args.app_root / "migrations"))
            load_demo()
            db.session.commit()
            event.listen(db.engine, "before_cursor_execute", seen)
            today = date.today()
            lead = db.session.scalar(db.select(User).where(
                User.email == "edi.lead@northshire.example.org"))
            access = organisation_access(user=lead, slug="northshire")
            cycle = db.session.scalar(db.select(ReportingCycle).filter_by(
                organisation_id=access.organisation.id).order_by(
                ReportingCycle.period_start.desc()))
            plan = plan_service.get_plan(access=access, cycle=cycle)
            owners = list(db.session.scalars(
                db.select(User.email).join(Membership, Membership.user_id == User.id)
                .where(Membership.organisation_id == access.organisation.id,
                       Membership.role == "action_owner").order_by(User.id).limit(2)))
            db.session.commit()

            def timed(what: str, work) -> None:
                nonlocal statements
                statements = 0
                started = time.perf_counter()
                result = work()
                db.session.commit()
                took = time.perf_counter() - started
                print(f"{what}: {took:.2f} s, {statements} SQL statements"
                      + (f" ({result})" if result else ""))

            def import_file(what: str, data: bytes) -> None:
                draft_id = 0

                def check():
                    nonlocal draft_id
                    preview, draft = plan_sheets.preview_import(
                        actor=lead, access=access, plan=plan, data=data,
                        filename="plan.csv", today=today)
                    draft_id = draft.id
                    return preview.summary

                def confirm():
                    draft = plan_sheets.get_import(actor=lead, access=access, plan=plan,
                                                   draft_id=draft_id)
                    applied, preview = plan_sheets.confirm_import(
                        actor=lead, access=access, plan=plan, draft=draft, today=today,
                        overwrite=plan_sheets.OVERWRITE_ALL)
                    assert applied
                    return preview.summary

                timed(f"{what}, checked (the preview)", check)
                timed(f"{what}, confirmed", confirm)

            print(f"PostgreSQL, {args.rows} rows; code from {args.app_root}")
            import_file(f"import of {args.rows} new actions",
                        _new_file(PLAN_COLUMNS, owners, args.rows, today + timedelta(days=90)))
            exported, _ = plan_sheets.export_file(access=access, plan=plan, fmt="csv")
            db.session.commit()
            import_file(f"import of the export with those {args.rows} rows changed",
                        _changed(exported, owners))

            def next_cycle():
                open_actions = reviews.open_actions(access=access, cycle=cycle)
                carry = {a.id: a.title.startswith("Renamed bench action") for a in open_actions}
                year = cycle.period_start.year + 1
                new = reviews.start_next_cycle(
                    actor=lead, access=access, cycle=cycle, label=f"{year}-{(year + 1) % 100:02d}",
                    period_start=date(year, 4, 1), period_end=date(year + 1, 3, 31),
                    snapshot_date=date(year + 1, 3, 31), carry=carry,
                    reasons={i: "Finished another way" for i, c in carry.items() if not c},
                    today=today)
                return (f"{sum(carry.values())} carried, "
                        f"{len(carry) - sum(carry.values())} left behind, into {new.label}")

            timed("starting the next cycle", next_cycle)
            carried = db.session.scalar(db.select(db.func.count(Action.id)).join(
                ActionPlan, ActionPlan.id == Action.plan_id).where(
                ActionPlan.cycle_id != cycle.id, Action.carried_from_id.is_not(None),
                Action.title.like("Renamed bench action%")))
            assert carried == args.rows, carried
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
