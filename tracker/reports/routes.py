"""Downloads for the board, the council and the public, and the cycle's Reports page."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request

from tracker.domain.roles import Capability
from tracker.reports import bp, documents
from tracker.security import org_page
from tracker.services import organisations as org_service
from tracker.services import reports as report_service
from tracker.services.access import OrgAccess
from tracker.web import today

CYCLE = "/org/<slug>/cycles/<label>"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _for_publication() -> bool:
    return request.args.get("for") == "publication"


def _orientation() -> str:
    return "nhs" if request.args.get("orientation") == "nhs" else "gm-white"


def _results(access: OrgAccess, label: str | None, fmt: str) -> Response:
    if fmt not in report_service.FORMATS:
        abort(404)
    cycle = org_service.get_cycle(access=access, label=label) if label else None
    figures = report_service.figures_for_export(
        access=access, cycle=cycle, orientation=_orientation(),
        for_publication=_for_publication(),
        threshold=current_app.config["DISCLOSURE_THRESHOLD"])
    if not figures:
        abort(404)
    body = report_service.results_file(access=access, cycles=figures, fmt=fmt)
    return _download(body, report_service.FORMATS[fmt], report_service.results_filename(
        access=access, cycle=cycle, fmt=fmt, for_publication=_for_publication()))


@bp.get(CYCLE + "/results.<fmt>")
@org_page(Capability.READ)
def cycle_results(access: OrgAccess, label: str, fmt: str):
    """Download every figure of the cycle as CSV or XLSX (for publication: small numbers safe)."""
    return _results(access, label, fmt)


@bp.get("/org/<slug>/results.<fmt>")
@org_page(Capability.READ)
def all_results(access: OrgAccess, fmt: str):
    """Download every figure of every cycle as CSV or XLSX."""
    return _results(access, None, fmt)


@bp.get(CYCLE + "/reports")
@org_page(Capability.READ)
def reports(access: OrgAccess, label: str):
    """List what can be produced for the cycle: the board pack, the figures, publication."""
    cycle = org_service.get_cycle(access=access, label=label)
    status = report_service.reports_status(access=access, cycle=cycle)
    return render_template("reports/index.html", access=access, cycle=cycle,
                           slug=access.organisation.slug, has_figures=status.has_figures,
                           review_signed=status.review_signed)


@bp.get(CYCLE + "/board-pack.pdf")
@org_page(Capability.READ)
def board_pack(access: OrgAccess, label: str):
    """Download the cycle's board pack as a tagged PDF."""
    cycle = org_service.get_cycle(access=access, label=label)
    body = documents.generate_board_pack(organisation_id=access.organisation.id,
                                         cycle_id=cycle.id, today=today())
    return _download(body, documents.PDF_MIMETYPE,
                     documents.board_pack_filename(access.organisation.slug, cycle.label))


@bp.get(CYCLE + "/sc-wres-report.<fmt>")
@org_page(Capability.READ)
def annual_report(access: OrgAccess, label: str, fmt: str):
    """Download the council's SC-WRES report of the cycle as Word (DOCX) or PDF."""
    if fmt not in documents.REPORT_FORMATS:
        abort(404)
    cycle = org_service.get_cycle(access=access, label=label)
    body = documents.generate_annual_report(organisation_id=access.organisation.id,
                                            cycle_id=cycle.id, today=today(), fmt=fmt)
    return _download(body, documents.REPORT_FORMATS[fmt],
                     documents.annual_report_filename(access.organisation.slug, cycle.label, fmt))
