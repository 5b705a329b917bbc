"""`flask tracker results export` and `flask tracker report ...`: the downloads, from the shell."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.reports import documents
from tracker.services import organisations as org_service
from tracker.services import reports as report_service
from tracker.services.errors import NotFound
from tracker.web import today

results_cli = AppGroup("results", help="Export a cycle's figures.")
report_cli = AppGroup("report", help="Produce a cycle's board pack or the council's report.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _access_and_cycle(slug: str, label: str | None):
    try:
        access = report_service.command_line_access(slug=slug)
    except NotFound:
        _fail(f"There is no organisation with the short name {slug!r}")
    cycle = None
    if label:
        try:
            cycle = org_service.get_cycle(access=access, label=label)
        except NotFound:
            _fail(f"{access.organisation.name} has no cycle {label!r}")
    return access, cycle


@results_cli.command("export")
@click.option("--org", "slug", required=True, help="The organisation's short name.")
@click.option("--cycle", "label", default=None, help="A cycle, like 2024-25 (default: every cycle).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The file to write.")
@click.option("--orientation", type=click.Choice(["gm-white", "nhs"]), default="gm-white",
              show_default=True, help="nhs writes SCW2 and SCW5 white / global majority.")
@click.option("--for-publication", is_flag=True,
              help="Keep small numbers safe: no count below DISCLOSURE_THRESHOLD, shown or derivable.")
def export_results(slug, label, fmt, out, orientation, for_publication) -> None:
    """Write every figure of a cycle (or of every cycle) as CSV or XLSX."""
    access, cycle = _access_and_cycle(slug, label)
    figures = report_service.figures_for_export(
        access=access, cycle=cycle, orientation=orientation, for_publication=for_publication,
        threshold=current_app.config["DISCLOSURE_THRESHOLD"])
    if not figures:
        _fail(f"{access.organisation.name} has no figures loaded"
              + (f" for {cycle.label}" if cycle else ""))
    Path(out).write_bytes(report_service.results_file(access=access, cycles=figures, fmt=fmt))
    click.echo(f"Wrote {len(figures)} cycle(s) of figures to {out}")


@report_cli.command("board-pack")
@click.option("--org", "slug", required=True, help="The organisation's short name.")
@click.option("--cycle", "label", required=True, help="The cycle, like 2024-25.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The PDF file to write.")
def board_pack(slug, label, out) -> None:
    """Write a cycle's board pack as a tagged PDF."""
    access, cycle = _access_and_cycle(slug, label)
    body = documents.generate_board_pack(organisation_id=access.organisation.id,
                                         cycle_id=cycle.id, today=today())
    Path(out).write_bytes(body)
    click.echo(f"Wrote the board pack of {access.organisation.name} {cycle.label} to {out}")


@report_cli.command("annual")
@click.option("--org", "slug", required=True, help="The organisation's short name.")
@click.option("--cycle", "label", required=True, help="The cycle, like 2024-25.")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The file to write.")
def annual(slug, label, fmt, out) -> None:
    """Write the council's SC-WRES report of a cycle (from its annual review) as DOCX or PDF."""
    access, cycle = _access_and_cycle(slug, label)
    body = documents.generate_annual_report(organisation_id=access.organisation.id,
                                            cycle_id=cycle.id, today=today(), fmt=fmt)
    Path(out).write_bytes(body)
    click.echo(f"Wrote the SC-WRES report of {access.organisation.name} {cycle.label} to {out}")
