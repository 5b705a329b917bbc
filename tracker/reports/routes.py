"""Downloads for the board, the council and the public, and the cycle's Reports page."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.domain.documents import FORMAT_WORDS, DocumentKind
from tracker.domain.documents import parse as parse_document
from tracker.domain.formatting import uk_date
from tracker.domain.roles import Capability
from tracker.kept_pages import kept_page
from tracker.reports import bp, documents
from tracker.reports.forms import ApproveForm, PrepareForm, WithdrawForm
from tracker.security import org_page, public
from tracker.services import documents as document_service
from tracker.services import organisations as org_service
from tracker.services import publication as publication_service
from tracker.services import reports as report_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.versions import organisation_version, organisation_version_by_slug
from tracker.web import apply_errors, today

CYCLE = "/org/<slug>/cycles/<label>"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _for_publication() -> bool:
    return request.args.get("for") == "publication"


def _orientation() -> str:
    return "nhs" if request.args.get("orientation") == "nhs" else "gm-white"


def _results(access: OrgAccess, label: str | None, fmt: str) -> Response:
    """The figures file, kept per version of the organisation's data: it shows its cycles'
    labels and saved figures (each save audited) and its name (audited when renamed)."""
    return kept_page(lambda: _results_file(access, label, fmt),
                     version=organisation_version(access.organisation.id))


def _results_file(access: OrgAccess, label: str | None, fmt: str) -> Response:
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
    """List what can be produced for the cycle: the board pack, the report, the figures."""
    # the figures, the review and the organisation's latest change are audited; the documents'
    # progress is the jobs': part of the key
    return kept_page(lambda: _reports_page(access, label),
                     version=organisation_version(access.organisation.id),
                     parts=document_service.progress(access=access, label=label))


def _reports_page(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    status = report_service.reports_status(access=access, cycle=cycle)
    return render_template("reports/index.html", access=access, cycle=cycle,
                           slug=access.organisation.slug, has_figures=status.has_figures,
                           review_signed=status.review_signed,
                           documents=document_service.states(access=access, cycle=cycle,
                                                             today=today()))


def _document(kind: str, fmt: str) -> tuple[DocumentKind, str]:
    chosen = parse_document(kind, fmt)
    if chosen is None:
        abort(404)
    return chosen


@bp.post(CYCLE + "/reports/<kind>.<fmt>")
@org_page(Capability.READ)
def prepare_document(access: OrgAccess, label: str, kind: str, fmt: str):
    """Ask for a board pack or the council's report: a job makes it; the Reports page says when."""
    chosen, fmt = _document(kind, fmt)
    cycle = org_service.get_cycle(access=access, label=label)
    state = document_service.request(access=access, cycle=cycle, kind=chosen, fmt=fmt,
                                     user=current_user, today=today())
    if state.freshness is not None and state.freshness.current:
        return redirect(url_for(f"reports.{_DOWNLOADS[chosen]}", slug=access.organisation.slug,
                                label=cycle.label, fmt=fmt))
    flash(f"The {chosen.label} ({FORMAT_WORDS[fmt]}) is being prepared. It takes a few "
          "seconds: this page says when it is ready.", "success")
    return redirect(url_for("reports.reports", slug=access.organisation.slug, label=cycle.label,
                            _anchor=f"{chosen.value}-{fmt}"))


def _prepared(access: OrgAccess, label: str, kind: DocumentKind, fmt: str):
    cycle = org_service.get_cycle(access=access, label=label)
    try:
        body, _ = document_service.download(access=access, cycle=cycle, kind=kind, fmt=fmt)
    except NotFound:
        flash(f"The {kind.label} ({FORMAT_WORDS[fmt]}) has not been prepared yet: prepare it "
              "below.", "info")
        return redirect(url_for("reports.reports", slug=access.organisation.slug,
                                label=cycle.label, _anchor=f"{kind.value}-{fmt}"))
    return _download(body, documents.mimetype(fmt),
                     documents.filename(access.organisation.slug, cycle.label, kind, fmt))


@bp.get(CYCLE + "/board-pack.<fmt>")
@org_page(Capability.READ)
def board_pack(access: OrgAccess, label: str, fmt: str):
    """Download the cycle's board pack (tagged PDF) as last prepared."""
    return _prepared(access, label, *_document(DocumentKind.BOARD_PACK.value, fmt))


@bp.get(CYCLE + "/sc-wres-report.<fmt>")
@org_page(Capability.READ)
def annual_report(access: OrgAccess, label: str, fmt: str):
    """Download the council's SC-WRES report (Word or PDF) as last prepared."""
    return _prepared(access, label, *_document(DocumentKind.ANNUAL_REPORT.value, fmt))


_DOWNLOADS = {DocumentKind.BOARD_PACK: "board_pack", DocumentKind.ANNUAL_REPORT: "annual_report"}


# Publication ---------------------------------------------------------------------------------------

PUBLICATION = CYCLE + "/publication"


def _prepare_form(access: OrgAccess, cycle, current, **kwargs) -> PrepareForm:
    form = PrepareForm(**kwargs)
    form.private_ids.choices = publication_service.publishable_choices(access=access,
                                                                      cycle=cycle)
    if current is not None and request.method == "GET":
        form.parts.data = current.choices["parts"]
        form.private_ids.data = current.choices["private_ids"]
        form.embargo_until.data = current.embargo_until
    return form


def _publication_page(access: OrgAccess, cycle, current, status: int = 200, **forms):
    return render_template(
        "reports/publication.html", access=access, cycle=cycle, slug=access.organisation.slug,
        publication=current, content=current.content if current else None,
        prepare_form=forms.get("prepare_form") or _prepare_form(access, cycle, current),
        approve_form=forms.get("approve_form") or ApproveForm(
            version=current.version if current else ""),
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(), today=today(),
        form=next(iter(forms.values()), None),
        live=current is not None and current.status == "approved" and (
            current.embargo_until is None or current.embargo_until <= today())), status


@bp.get(PUBLICATION)
@org_page(Capability.READ)
def publication(access: OrgAccess, label: str):
    """Show the cycle's public page: what is prepared, approved or live, and what to do next."""
    def render():
        cycle = org_service.get_cycle(access=access, label=label)
        return _publication_page(access, cycle, publication_service.get_publication(
            access=access, cycle=cycle))
    # What it shows (the page prepared, approved or withdrawn; the plan's actions to keep
    # private) changes only with audited changes of the organisation; "live" with the day.
    return kept_page(render, version=organisation_version(access.organisation.id))


@bp.post(PUBLICATION + "/prepare")
@org_page(Capability.EDIT_PLAN)
def prepare_publication(access: OrgAccess, label: str):
    """Prepare the public page (EDI lead): it then waits for the sponsor's approval."""
    cycle = org_service.get_cycle(access=access, label=label)
    current = publication_service.get_publication(access=access, cycle=cycle)
    form = _prepare_form(access, cycle, current)
    if form.validate_on_submit():
        try:
            publication_service.prepare(
                actor=current_user, access=access, cycle=cycle,
                choices=publication_service.Choices(
                    parts=list(form.parts.data or []),
                    private_ids=list(form.private_ids.data or []),
                    embargo_until=form.embargo_until.data),
                threshold=current_app.config["DISCLOSURE_THRESHOLD"], today=today())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Public page prepared: it goes live when the senior sponsor approves it",
                  "success")
            return redirect(url_for(".publication", slug=access.organisation.slug, label=label))
    return _publication_page(access, cycle, current, 400, prepare_form=form)


@bp.post(PUBLICATION + "/approve")
@org_page(Capability.SIGN_OFF)
def approve_publication(access: OrgAccess, label: str):
    """Approve the prepared public page (senior sponsor)."""
    cycle = org_service.get_cycle(access=access, label=label)
    current = publication_service.get_publication(access=access, cycle=cycle)
    if current is None:
        abort(404)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            publication_service.approve(
                actor=current_user, access=access, publication=current,
                version=int(str(form.version.data)) if str(form.version.data).isdigit() else -1,
                threshold=current_app.config["DISCLOSURE_THRESHOLD"])
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(_approved_words(current.embargo_until), "success")
            return redirect(url_for(".publication", slug=access.organisation.slug, label=label))
    return _publication_page(access, cycle, current, 400, approve_form=form)


def _approved_words(embargo: date | None) -> str:
    if embargo and embargo > today():
        return f"Public page approved: it goes live on {uk_date(embargo)}"
    return "Public page approved: it is live now"


@bp.post(PUBLICATION + "/withdraw")
@org_page(Capability.READ)
def withdraw_publication(access: OrgAccess, label: str):
    """Withdraw the public page at once (EDI lead or senior sponsor; the service checks)."""
    cycle = org_service.get_cycle(access=access, label=label)
    current = publication_service.get_publication(access=access, cycle=cycle)
    if current is None:
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            publication_service.withdraw(actor=current_user, access=access, publication=current,
                                         reason=form.reason.data or "")
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Public page withdrawn: nobody outside can see it now", "success")
            return redirect(url_for(".publication", slug=access.organisation.slug, label=label))
    return _publication_page(access, cycle, current, 400, withdraw_form=form)


@bp.get("/public")
@public
def public_index():
    """List every live public page; no sign-in needed."""
    return render_template("reports/public_index.html",
                           pages=publication_service.live_publications(today=today()))


@bp.get("/public/<slug>/<label>")
@public
def public_page(slug: str, label: str):
    """Show a live public page; no sign-in needed (404 if not live).

    Kept under the organisation's version: preparing, approving and withdrawing it are audited
    under it, and its going live after an embargo comes with the day."""
    def render():
        page = publication_service.public_page(slug=slug, label=label, today=today())
        return render_template("reports/public_page.html", page=page, content=page.content)
    return kept_page(render, version=organisation_version_by_slug(slug))
