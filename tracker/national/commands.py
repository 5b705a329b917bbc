"""`flask tracker national ...`: the programme lead, councils' regions, the national report."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.services import national as national_service
from tracker.services.errors import InvalidInput

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
