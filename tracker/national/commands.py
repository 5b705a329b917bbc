"""`flask tracker national ...`: the programme lead, councils' regions, the national report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from tracker.domain.definitions import ALL, SERVICE_AREA_WORDS, SERVICE_AREAS
from tracker.domain.extracts import SCHEMAS
from tracker.domain.mappings import parse_mapping
from tracker.domain.national import MIN_COUNCILS
from tracker.domain.problems import ExtractValidationError, format_problems
from tracker.extensions import db
from tracker.models import User
from tracker.services import api as api_service
from tracker.services import loading
from tracker.services import national as national_service
from tracker.services.errors import InvalidInput, NotFound

national_cli = AppGroup("national", help="The programme: its lead, councils' groups, the report.")


def _fail(error: InvalidInput) -> None:
    db.session.rollback()
    for message in error.errors.values():
        click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@national_cli.command("programme-lead")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--remove", is_flag=True, help="The account is no longer the programme lead.")
def programme_lead(email: str, remove: bool) -> None:
    """Make an account the programme lead: every council's status and the national report."""
    try:
        user = national_service.set_programme_lead(actor=None, email=email, on=not remove)
    except InvalidInput as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{user.email} is {'no longer' if remove else 'now'} the programme lead")


@national_cli.command("grouping")
@click.option("--org", "slug", required=True, help="The organisation's short name.")
@click.option("--region", default=None, help="Its region of England, e.g. 'North West'.")
@click.option("--kind", default=None,
              help="county, unitary, metropolitan_district or london_borough.")
def grouping(slug: str, region: str | None, kind: str | None) -> None:
    """Record an organisation's region and kind of council (the report's breakdowns)."""
    try:
        org = national_service.set_grouping(actor=None, slug=slug, region=region,
                                            council_kind=kind)
    except InvalidInput as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{org.name}: region {org.region or 'not recorded'}, "
               f"kind {org.council_kind.label if org.council_kind else 'not recorded'}")


def _problems(messages: list[str]) -> None:
    db.session.rollback()
    for message in messages:
        click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _cycle(slug: str, label: str):
    try:
        access = loading.command_line_lead(slug=slug)
    except NotFound:
        _problems([f"There is no organisation with the short name {slug!r}"])
    try:
        return access, loading.command_line_cycle(access=access, label=label)
    except NotFound:
        _problems([f"{access.organisation.name} has no cycle {label!r}"])
        raise  # not reached: _problems exits


@national_cli.command("report")
@click.option("--cycle", "label", required=True, help="The cycle's label, e.g. 2024-25.")
@click.option("--service-area", type=click.Choice(list(SERVICE_AREAS)), default=ALL,
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def report(label: str, service_area: str, as_json: bool) -> None:
    """Print the national report of a cycle, from the councils that submitted it."""
    threshold = current_app.config["DISCLOSURE_THRESHOLD"]
    submitted = national_service.submitted_data(label=label)
    figures = national_service.national_report(actor=None, label=label, threshold=threshold,
                                               areas=(service_area,))[service_area]
    if as_json:
        click.echo(json.dumps({"cycle": label, "service_area": service_area,
                               "submitted_councils": len(submitted), "threshold": threshold,
                               "min_councils": MIN_COUNCILS, "indicators": figures},
                              allow_nan=False))
        return
    click.echo(f"National report {label}, {SERVICE_AREA_WORDS[service_area]}: "
               f"{len(submitted)} councils submitted")
    for sid, entry in figures.items():
        if sid == "SCW1":
            share = entry["gm_share_workforce"]
            click.echo(f"  SCW1   GM share of the workforce "
                       f"{'withheld' if share is None else f'{share:.1%}'}")
            continue
        rl = entry["pooled"]["rl"]
        median = entry["median"]
        click.echo(f"  {sid:<6} pooled RL {'withheld' if rl is None else f'{rl:.2f}':>8}  "
                   f"median {'withheld' if median is None else f'{median:.2f}':>8}  "
                   f"councils {entry['councils']}")


@click.command("load")
@with_appcontext
@click.option("--org", "slug", required=True, help="The organisation's short name.")
@click.option("--cycle", "label", required=True, help="The cycle's label, e.g. 2024-25.")
@click.option("--staff", "staff_path", type=click.Path(exists=True, dir_okay=False),
              help="Staff extract (CSV or XLSX).")
@click.option("--recruitment", "recruitment_path", type=click.Path(exists=True, dir_okay=False),
              help="Recruitment extract.")
@click.option("--survey", "survey_path", type=click.Path(exists=True, dir_okay=False),
              help="Survey extract.")
@click.option("--counts", "counts_path", type=click.Path(exists=True, dir_okay=False),
              help="A counts template (or the programme's data return) instead of extracts.")
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False),
              help="A mapping file (JSON) as the web mapping page downloads it.")
@click.option("--sheet", "sheet_options", multiple=True, metavar="KIND=SHEET",
              help="Read a workbook's sheet, per file: --sheet staff=Data.")
@click.option("--confirm-warnings", is_flag=True,
              help="Save even though the files raise warnings (the web's 'the data is right').")
def load_command(slug, label, staff_path, recruitment_path, survey_path, counts_path,
                 mapping_path, sheet_options, confirm_warnings) -> None:
    """Check a cycle's files as the web upload does and save them as its data (audited)."""
    if bool(counts_path) == bool(staff_path):
        _problems(["Give either --staff (with --recruitment and --survey if you have them) "
                   "or --counts"])
    if counts_path and (recruitment_path or survey_path or mapping_path or sheet_options):
        _problems(["--recruitment, --survey, --mapping and --sheet go with --staff, not "
                   "--counts"])
    from tracker.cli import parse_sheets

    sheets = parse_sheets(sheet_options, {"staff": staff_path, "recruitment": recruitment_path,
                                          "survey": survey_path})
    _, cycle = _cycle(slug, label)
    try:
        if counts_path:
            path = Path(counts_path)
            loaded = loading.load_counts(cycle=cycle, data=path.read_bytes(), filename=path.name)
        else:
            uploads = {kind: (Path(p).read_bytes(), Path(p).name) for kind, p in
                       (("staff", staff_path), ("recruitment", recruitment_path),
                        ("survey", survey_path)) if p}
            mapping = parse_mapping(Path(mapping_path).read_bytes(), Path(mapping_path).name,
                                    SCHEMAS) if mapping_path else None
            loaded = loading.load_extracts(
                cycle=cycle, uploads=uploads, mapping=mapping, confirmed=confirm_warnings,
                sheets=sheets,
                extra_mapping=current_app.extensions.get("ethnicity_mapping"))
    except ExtractValidationError as error:
        db.session.rollback()
        click.echo(format_problems(error.problems), err=True)
        sys.exit(2)
    for warning in loaded.warnings:
        where = warning.get("file")
        click.echo(f"Warning: {where + ': ' if where else ''}{warning['message']}", err=True)
    if loaded.dataset is None:
        _problems(["Nothing saved: check the warnings, then run again with --confirm-warnings "
                   "if the data is right"])
    db.session.commit()
    click.echo(f"Saved the data of {cycle.organisation.name} {label}")


@click.command("submit")
@with_appcontext
@click.option("--org", "slug", required=True, help="The organisation's short name.")
@click.option("--cycle", "label", required=True, help="The cycle's label, e.g. 2024-25.")
def submit_command(slug: str, label: str) -> None:
    """Submit a cycle's saved data to the programme, as its EDI lead would (audited)."""
    access, cycle = _cycle(slug, label)
    try:
        national_service.submit_cycle(actor=None, access=access, cycle=cycle)
    except InvalidInput as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Submitted {access.organisation.name} {label} to the programme")


@national_cli.command("api-token")
@click.option("--email", required=True, help="The programme lead's e-mail address.")
@click.option("--name", required=True, help="What the token is for.")
def programme_api_token(email: str, name: str) -> None:
    """Make the programme lead a read-only API token for the published national reports."""
    user = db.session.scalar(db.select(User).where(User.email_key == email.strip().lower()))
    if user is None or not user.is_programme_lead:
        _problems([f"{email} is not the programme lead"])
    try:
        made = api_service.create_programme_token(actor=user, name=name)
    except InvalidInput as error:
        _fail(error)
    db.session.commit()
    click.echo(made.plain)
