"""`flask tracker ...` commands: thin wrappers around the services."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from tracker.demo import load as demo_service
from tracker.extensions import db
from tracker.services import users as user_service
from tracker.services.auth import find_user_by_email
from tracker.services.errors import InvalidInput

tracker_cli = AppGroup("tracker", help="SC-WRES tracker administration commands.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@tracker_cli.command("create-admin")
@click.option("--email", required=True, help="The administrator's email address.")
@click.option("--name", default="Administrator", show_default=True, help="Their full name.")
def create_admin(email: str, name: str) -> None:
    """Create an administrator, or make an existing account one.

    The password is read from a prompt, or from the first line of standard input when it is
    not a terminal (so `echo "$PW" | flask tracker create-admin --email E` works in scripts).
    """
    password = _read_password()
    try:
        user = find_user_by_email(email)
        if user is None:
            user = user_service.create_user(actor=None, email=email, name=name, is_admin=True,
                                            password=password)
            message = f"Administrator {user.email} created"
        else:
            user_service.set_password(actor=None, user=user, password=password)
            user_service.make_administrator(actor=None, user=user)
            message = f"{user.email} is now an administrator, with the new password"
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        for problem in error.errors.values():
            click.echo(f"Error: {problem}", err=True)
        sys.exit(2)
    click.echo(message)


@tracker_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load the demo when the database is empty.")
def demo(if_empty: bool) -> None:
    """Load the demo organisations, people, groups and cycles (safe to run again)."""
    if if_empty and not demo_service.database_is_empty():
        click.echo("The database already has data: the demo was not loaded again.")
    else:
        demo_service.load_demo()
        db.session.commit()
        click.echo("Demo data loaded.")
    print_demo_logins()


def print_demo_logins() -> None:
    """Print the demo accounts and their shared password."""
    click.echo(f"\nDemo sign-ins (the password for all of them is {demo_service.DEMO_PASSWORD}):")
    for login in demo_service.demo_logins():
        click.echo(f"  {login.email:<34} {login.role}")


@tracker_cli.group("indicators")
def indicators_cli() -> None:
    """Compute SC-WRES indicators from extract files."""


@indicators_cli.command("compute")
@click.option("--staff", "staff_path", required=True,
              type=click.Path(exists=True, dir_okay=False), help="Staff extract (CSV or XLSX).")
@click.option("--recruitment", "recruitment_path",
              type=click.Path(exists=True, dir_okay=False), help="Recruitment extract.")
@click.option("--survey", "survey_path", type=click.Path(exists=True, dir_okay=False),
              help="Survey extract.")
@click.option("--service-area", type=click.Choice(["all", "adults", "children"]), default="all",
              show_default=True)
@click.option("--orientation", type=click.Choice(["gm-white", "nhs"]), default="gm-white",
              show_default=True,
              help="nhs writes SCW2 and SCW5 white / GM, as the NHS WRES does.")
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False),
              help="A mapping file (JSON) as the web mapping page downloads it.")
@click.option("--sheet", "sheet_options", multiple=True, metavar="KIND=SHEET",
              help="Read a workbook's sheet, per file: --sheet staff=Data --sheet "
                   "survey='Responses 2024'. With one file, --sheet Data is enough.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the contract).")
def compute_indicators(staff_path, recruitment_path, survey_path, service_area, orientation,
                       mapping_path, sheet_options, as_json) -> None:
    """Validate the extracts and print every indicator; exit 2 listing every problem.

    Warnings (a blank column, a low declaration rate...) go to standard error, and with --json
    into the output's "warnings" list too.
    """
    from flask import current_app

    from tracker.domain.checks import extract_warnings, not_collected
    from tracker.domain.counts import counts_from_extracts
    from tracker.domain.definitions import SERIES_IDS
    from tracker.domain.extracts import SCHEMAS, read_extracts
    from tracker.domain.mappings import parse_mapping
    from tracker.domain.problems import ExtractValidationError, format_problems, headers_found
    from tracker.domain.stored_results import StoredResults
    from tracker.services.indicators import results_from_counts

    def load(path):
        return None if path is None else (Path(path).read_bytes(), Path(path).name)

    sheets = parse_sheets(sheet_options, {"staff": staff_path, "recruitment": recruitment_path,
                                          "survey": survey_path})
    try:
        mapping = parse_mapping(Path(mapping_path).read_bytes(), Path(mapping_path).name,
                                SCHEMAS) if mapping_path else None
        extracts = read_extracts(staff=load(staff_path), recruitment=load(recruitment_path),
                                 survey=load(survey_path), mapping=mapping, sheets=sheets,
                                 extra_mapping=current_app.extensions.get("ethnicity_mapping"))
    except ExtractValidationError as error:
        click.echo(format_problems(error.problems), err=True)
        for filename, _, sentence in headers_found(error.problems):
            click.echo(f"{filename}: {sentence}", err=True)
        sys.exit(2)
    counts = counts_from_extracts(**extracts)[service_area]
    result = results_from_counts({service_area: counts.to_dict()}, orientation,
                                 not_collected(extracts))[service_area]
    warnings = [w.to_dict() for w in extract_warnings(extracts)]
    for warning in warnings:
        where = warning.get("file")
        click.echo(f"Warning: {where + ': ' if where else ''}{warning['message']}", err=True)
    if as_json:
        click.echo(json.dumps({**result, "warnings": warnings}, allow_nan=False))
        return
    click.echo(f"Service area: {service_area} (orientation {orientation})")
    saved = StoredResults({service_area: result})
    for sid in SERIES_IDS:
        entry = saved.series(service_area, sid)
        rl = "-" if entry.rl is None else f"{entry.rl:.2f}"
        click.echo(f"  {sid:<6} {entry.status:<15} RL {rl:>6}  {entry.rating or ''}")


def parse_sheets(options: tuple[str, ...], paths: dict[str, str | None]) -> dict[str, str]:
    """Read ``--sheet KIND=SHEET`` options (a bare ``--sheet SHEET`` when one file is given);
    exit 2 naming the option that cannot be used."""
    given = [kind for kind, path in paths.items() if path]
    sheets: dict[str, str] = {}
    for option in options:
        kind, equals, sheet = option.partition("=")
        if not equals or kind.strip() not in paths:
            if len(given) != 1:
                raise click.BadParameter(
                    f"{option!r}: say which file's sheet it is, as KIND=SHEET, where KIND is "
                    f"{', '.join(paths)} (for example --sheet staff=Data)", param_hint="--sheet")
            kind, sheet = given[0], option
        kind = kind.strip()
        if not paths[kind]:
            raise click.BadParameter(f"{option!r}: there is no --{kind} file to read it from",
                                     param_hint="--sheet")
        if not sheet.strip():
            raise click.BadParameter(f"{option!r}: give the sheet's name after {kind}=",
                                     param_hint="--sheet")
        if kind in sheets:
            raise click.BadParameter(f"the {kind} file's sheet is given twice",
                                     param_hint="--sheet")
        sheets[kind] = sheet
    return sheets


@tracker_cli.command("send-reminders")
@click.option("--date", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD); for testing.")
def send_reminders(on_date) -> None:
    """E-mail today's reminders and digests, and retry failed e-mails (run it daily from cron).

    Owners hear of their actions due in the next 14 days and overdue, people who chose a daily
    digest get it, senior sponsors get a weekly summary on the first run of each week. Running
    it again the same day sends nothing twice; nothing is sent when there is nothing to say.
    """
    from tracker.services import mail
    from tracker.services import notifications as notification_service
    from tracker.web import today

    settings = mail.settings()
    if not settings.configured or not settings.base_url:
        click.echo("E-mail is not set up: set MAIL_SERVER and PUBLIC_BASE_URL (see README). "
                   "Nothing was sent.", err=True)
        sys.exit(2)
    day = on_date.date() if on_date else today()
    run = notification_service.queue_daily_emails(today=day, base_url=settings.base_url)
    db.session.commit()
    report = notification_service.deliver_pending(commit=db.session.commit)
    db.session.commit()
    click.echo(f"{day.isoformat()}: queued {run.digests} digests, {run.reminders} reminders and "
               f"{run.weekly} weekly summaries; sent {report.sent} e-mails, {report.failed} "
               "failed (they are tried again on the next run).")
    if report.failed:
        sys.exit(1)


@tracker_cli.command("worker")
@click.option("--until-idle", is_flag=True,
              help="Run the jobs waiting now, then stop (instead of running until stopped).")
def worker(until_idle: bool) -> None:
    """Run the job queue's worker (PostgreSQL): e-mail, daily reminders, retries.

    Run one or more under systemd (see README); each stops cleanly on SIGTERM or Ctrl+C,
    finishing the job it is running. On SQLite jobs run in the web process: nothing to do.
    """
    from flask import current_app

    queue = current_app.extensions["jobs"]
    if queue.runner != "procrastinate":
        click.echo(f"Jobs run in the web process here (JOBS_RUNNER={queue.runner}); the worker "
                   "is for PostgreSQL (JOBS_RUNNER=procrastinate).", err=True)
        sys.exit(2)
    from tracker.observability import log_job_queue

    _load_every_task()
    log_job_queue(current_app)
    queue.work(wait=not until_idle)


@tracker_cli.command("backup")
@click.option("--out", "destination", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The backup file to write (replaced if it exists).")
def backup_command(destination: Path) -> None:
    """Back up the whole database to one file, while the service runs (see README, Backups)."""
    from flask import current_app

    from tracker.backup import BackupError, backup

    try:
        backup(url=current_app.config["SQLALCHEMY_DATABASE_URI"], destination=destination)
    except BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo(f"Backed up to {destination} ({destination.stat().st_size:,} bytes).")


@tracker_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Restore a backup file into the (new, empty) database that DATABASE_URL names."""
    from flask import current_app

    from tracker.backup import BackupError, restore

    db.engine.dispose()  # the restore writes through a connection of its own
    try:
        restore(url=current_app.config["SQLALCHEMY_DATABASE_URI"], source=source)
    except BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo(f"Restored {source}. Run flask db upgrade if this release is newer than the "
               "backup, then start the service.")


def _load_every_task() -> None:
    """Import the services that declare tasks (the web app imports them through its views)."""
    from tracker.services import mail, notifications  # noqa: F401


def _register_report_commands() -> None:
    from tracker.reports.commands import report_cli, results_cli

    tracker_cli.add_command(results_cli)
    tracker_cli.add_command(report_cli)


def _register_national_commands() -> None:
    from tracker.national.commands import load_command, national_cli, submit_command

    tracker_cli.add_command(national_cli)
    indicators_cli.add_command(load_command)
    indicators_cli.add_command(submit_command)


_register_report_commands()
_register_national_commands()
