"""Submitting a cycle to the programme; the programme lead's years, statuses and deadlines."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.domain.data_return import return_bytes, return_frame
from tracker.domain.definitions import ALL, INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREA_LABELS, SERVICE_AREAS
from tracker.domain.national import BREAKDOWNS
from tracker.domain.national_sheet import national_xlsx_bytes
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Capability
from tracker.forms import entered
from tracker.kept_pages import kept_page
from tracker.national import bp, documents, presenting
from tracker.national.charts import FUNNEL_VERSION, funnel_svg
from tracker.national.forms import (
    CloseYearForm,
    DeadlinesForm,
    PublishReportForm,
    RevokeTokenForm,
    SubmitCycleForm,
    TokenForm,
    WithdrawReportForm,
    WithdrawSubmissionForm,
)
from tracker.security import org_page, programme_lead_only, public, signed_in
from tracker.services import api as api_service
from tracker.services import national as national_service
from tracker.services import organisations as org_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput
from tracker.services.versions import (
    everything_version,
    organisation_version,
    organisation_version_by_slug,
    shared_version,
)
from tracker.web import apply_errors, chart_response, svg_response, today

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SUBMISSION = "/org/<slug>/cycles/<label>/submission"


def _submission_page(access: OrgAccess, label: str, status: int = 200, **forms):
    cycle = org_service.get_cycle(access=access, label=label)
    state = national_service.submission_state(access=access, cycle=cycle)
    return render_template(
        "national/submission.html", access=access, cycle=cycle, state=state,
        submit_form=forms.get("submit_form") or SubmitCycleForm(),
        withdraw_form=forms.get("withdraw_form") or WithdrawSubmissionForm(),
        form=next(iter(forms.values()), None)), status


@bp.get(SUBMISSION)
@org_page(Capability.READ)
def submission(access: OrgAccess, label: str):
    """Show whether the cycle is submitted to the programme, and submit or withdraw it."""
    return kept_page(lambda: _submission_page(access, label),
                     version=organisation_version(access.organisation.id))


@bp.post(SUBMISSION + "/submit")
@org_page(Capability.MANAGE_DATA)
def submit_cycle(access: OrgAccess, label: str):
    """Submit the cycle's saved data to the programme (EDI lead)."""
    form = SubmitCycleForm()
    if form.validate_on_submit():
        cycle = org_service.get_cycle(access=access, label=label)
        try:
            national_service.submit_cycle(actor=current_user, access=access, cycle=cycle)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{label} submitted: its figures count in the national report", "success")
            return redirect(url_for(".submission", slug=access.organisation.slug, label=label))
    return _submission_page(access, label, 400, submit_form=form)


@bp.post(SUBMISSION + "/withdraw")
@org_page(Capability.MANAGE_DATA)
def withdraw_submission(access: OrgAccess, label: str):
    """Withdraw the cycle's submission until the programme closes the year (EDI lead)."""
    form = WithdrawSubmissionForm()
    if form.validate_on_submit():
        cycle = org_service.get_cycle(access=access, label=label)
        try:
            national_service.withdraw_submission(actor=current_user, access=access, cycle=cycle)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{label} withdrawn: its figures no longer count in the national report",
                  "success")
            return redirect(url_for(".submission", slug=access.organisation.slug, label=label))
    return _submission_page(access, label, 400, withdraw_form=form)


# -- the programme lead ---------------------------------------------------------------------------


@bp.get("/programme")
@programme_lead_only
def programme():
    """List the programme's years with their deadlines."""
    return render_template("national/programme.html",
                           years=national_service.programme_years(actor=current_user))


def _year_page(label: str, status: int = 200, **forms):
    year = national_service.programme_year(actor=current_user, label=label)
    deadlines_form = forms.get("deadlines_form") or DeadlinesForm(
        data_deadline=year.data_deadline, plan_deadline=year.plan_deadline)
    return render_template(
        "national/year.html", year=year, deadlines_form=deadlines_form,
        close_form=CloseYearForm(), form=next(iter(forms.values()), None),
        councils=national_service.council_statuses(actor=current_user, label=label,
                                                   today=today())), status


@bp.get("/programme/<label>")
@programme_lead_only
def programme_year(label: str):
    """Show every council's status in the year, and the year's deadlines."""
    return kept_page(lambda: _year_page(label), version=everything_version())


@bp.post("/programme/<label>/deadlines")
@programme_lead_only
def set_deadlines(label: str):
    """Set the year's data and plan deadlines."""
    form = DeadlinesForm()
    if form.validate_on_submit():
        try:
            national_service.set_deadlines(actor=current_user, label=label,
                                           data_deadline=form.data_deadline.data,
                                           plan_deadline=form.plan_deadline.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Deadlines for {label} saved", "success")
            return redirect(url_for(".programme_year", label=label))
    return _year_page(label, 400, deadlines_form=form)


@bp.post("/programme/<label>/close")
@programme_lead_only
def close_year(label: str):
    """Close the year: submissions can no longer be made or withdrawn."""
    if CloseYearForm().validate_on_submit():
        national_service.close_year(actor=current_user, label=label)
        flash(f"{label} closed: submissions can no longer be made or withdrawn", "success")
    return redirect(url_for(".programme_year", label=label))


@bp.post("/programme/<label>/reopen")
@programme_lead_only
def reopen_year(label: str):
    """Open the year again for submissions and withdrawals."""
    if CloseYearForm().validate_on_submit():
        national_service.close_year(actor=current_user, label=label, closed=False)
        flash(f"{label} open again for submissions", "success")
    return redirect(url_for(".programme_year", label=label))


# -- the national report --------------------------------------------------------------------------

REPORT = "/programme/<label>/report"


def _area() -> str:
    area = request.args.get("area", ALL)
    return area if area in SERVICE_AREAS else ALL


def _threshold() -> int:
    return current_app.config["DISCLOSURE_THRESHOLD"]


def _group_names(content: dict) -> dict[str, str]:
    return {f"{dimension}:{name}": presenting.group_name(dimension, name)
            for dimension, groups in content["breakdowns"].items() for name in groups}


def _report_context(content: dict, area: str) -> dict:
    return {"content": content, "area": area, "area_labels": SERVICE_AREA_LABELS,
            "rows": presenting.series_rows(content["report"][area]),
            "scw1": content["report"][area]["SCW1"],
            "breakdown_rows": {dimension: {presenting.group_name(dimension, name):
                                           presenting.series_rows(figures)
                                           for name, figures in groups.items()}
                               for dimension, groups in content["breakdowns"].items()},
            "breakdown_titles": BREAKDOWNS, "series_ids": SERIES_IDS,
            "indicators": INDICATORS_BY_ID,
            "year_rows": {year: {row.indicator: row for row in presenting.series_rows(figures)}
                          for year, figures in content["years"].items()}}


def _report_page(label: str, status: int = 200, **forms):
    area = _area()
    content = national_service.report_content(actor=current_user, label=label,
                                              threshold=_threshold())
    return render_template(
        "national/report.html", label=label, publication=national_service.report_publication(
            actor=current_user, label=label),
        publish_form=forms.get("publish_form") or PublishReportForm(),
        withdraw_form=WithdrawReportForm(), form=next(iter(forms.values()), None),
        chart_src=url_for(".report_chart", label=label, area=area),
        **_report_context(content, area)), status


@bp.get(REPORT)
@programme_lead_only
def report(label: str):
    """Show the year's national report, from submitted data only, with its charts."""
    return kept_page(lambda: _report_page(label), version=everything_version())


@bp.get(REPORT + "/chart.svg")
@programme_lead_only
def report_chart(label: str):
    """Draw the year's pooled relative likelihoods for one service area as SVG."""
    area = _area()

    def draw():
        figures = national_service.report_content(actor=current_user, label=label,
                                                  threshold=_threshold())["report"][area]
        return chart_response(presenting.chart_svg, figures,
                              title=presenting.area_title(label, area))

    return kept_page(draw, version=everything_version())


@bp.get(REPORT + ".<fmt>")
@programme_lead_only
def report_file(label: str, fmt: str):
    """Download the year's national report as PDF or XLSX."""
    if fmt not in ("pdf", "xlsx"):
        abort(404)

    def workbook(content: dict) -> bytes:
        return national_xlsx_bytes(content, group_names=_group_names(content))

    def pdf(content: dict) -> bytes:
        context = {area: presenting.series_rows(content["report"][area])
                   for area in content["report"]}
        return documents.report_pdf(content, {"content": content, "area_rows": context,
                                              **_report_context(content, ALL)})

    def download() -> Response:
        body = national_service.report_file(
            actor=current_user, label=label, threshold=_threshold(), kind=fmt,
            version=documents.XLSX_VERSION if fmt == "xlsx" else documents.PDF_VERSION,
            make=workbook if fmt == "xlsx" else pdf)
        mimetype = XLSX_MIMETYPE if fmt == "xlsx" else "application/pdf"
        return Response(body, mimetype=mimetype, headers={
            "Content-Disposition":
                f'attachment; filename="sc-wres-national-report-{label}.{fmt}"'})

    return kept_page(download, version=everything_version())


@bp.post(REPORT + "/publish")
@programme_lead_only
def publish_report(label: str):
    """Publish the year's national report as it stands now, at /public/national/<year>."""
    form = PublishReportForm()
    if form.validate_on_submit():
        try:
            national_service.publish_report(actor=current_user, label=label,
                                            threshold=_threshold())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"The {label} national report is published", "success")
            return redirect(url_for(".report", label=label))
    return _report_page(label, 400, publish_form=form)


@bp.post(REPORT + "/withdraw")
@programme_lead_only
def withdraw_report(label: str):
    """Take the published national report down at once."""
    if WithdrawReportForm().validate_on_submit():
        try:
            national_service.withdraw_report(actor=current_user, label=label)
        except InvalidInput:
            abort(404)
        flash(f"The {label} national report is withdrawn", "success")
    return redirect(url_for(".report", label=label))


@bp.get("/public/national/<label>")
@public
def public_report(label: str):
    """Show a published national report to anyone, no sign-in needed (404 if not published).

    Kept under the version of what organisations share: publishing and withdrawing are."""
    area = _area()

    def render():
        content = national_service.live_report(label=label)
        return render_template("national/public_report.html", label=label,
                               chart_src=url_for(".public_chart", label=label, area=area),
                               **_report_context(content, area))

    return kept_page(render, version=shared_version())


@bp.get("/public/national/<label>/chart.svg")
@public
def public_chart(label: str):
    """Draw a published national report's pooled relative likelihoods as SVG."""
    area = _area()

    def draw():
        content = national_service.live_report(label=label)
        return chart_response(presenting.chart_svg, content["report"][area],
                              title=presenting.area_title(label, area))

    return kept_page(draw, version=shared_version())


# -- a council's position -------------------------------------------------------------------------


@bp.get("/org/<slug>/cycles/<label>/national/<indicator>/funnel.svg")
@org_page(Capability.READ)
def funnel_chart(access: OrgAccess, label: str, indicator: str):
    """Draw the funnel plot of one series: the council's own point marked, no other named."""
    area = _area()
    meta = INDICATORS_BY_ID.get(indicator)
    title = f"{indicator} {meta.short_name}: councils' RL by size, {label}" if meta else ""
    size_words = f"Size: {meta.denominator_label} (log scale)" if meta else ""

    def draw() -> Response:
        cycle = org_service.get_cycle(access=access, label=label)
        svg = national_service.council_funnel_svg(
            access=access, cycle=cycle, area=area, sid=indicator,
            drawing=(FUNNEL_VERSION, title, size_words),
            draw=lambda shape: funnel_svg(shape, title=title, size_words=size_words))
        if svg is None:
            abort(404)
        return svg_response(svg)

    # every submitting council's figures: kept under the version of all of them
    return kept_page(draw, version=everything_version())


# -- the data return ------------------------------------------------------------------------------

RETURN_TYPES = {"csv": "text/csv", "xlsx": XLSX_MIMETYPE}


def _download(body: bytes, fmt: str, filename: str) -> Response:
    return Response(body, mimetype=RETURN_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})


@bp.get(SUBMISSION.replace("/submission", "/data-return.<fmt>"))
@org_page(Capability.READ)
def council_return(access: OrgAccess, label: str, fmt: str):
    """Download the cycle's counts in the data return's layout (the counts template's)."""
    if fmt not in RETURN_TYPES:
        abort(404)
    cycle = org_service.get_cycle(access=access, label=label)
    body = national_service.council_return_file(
        access=access, cycle=cycle, kind=fmt, version=documents.RETURN_VERSION,
        make=lambda returns: return_bytes(return_frame(returns), fmt))
    return _download(body, fmt, f"{access.organisation.slug}-{label}-data-return")


@bp.get("/programme/<label>/data-return.<fmt>")
@programme_lead_only
def programme_return(label: str, fmt: str):
    """Download every submitting council's counts, as submitted, in one data return (made once
    per version of the submissions, and kept)."""
    if fmt not in RETURN_TYPES:
        abort(404)
    return kept_page(lambda: _download(national_service.programme_return_file(
        actor=current_user, label=label, kind=fmt, version=documents.RETURN_VERSION,
        make=lambda returns: return_bytes(return_frame(returns), fmt)),
        fmt, f"sc-wres-{label}-data-return"), version=everything_version())


# -- API tokens -----------------------------------------------------------------------------------

TOKENS = "/org/<slug>/api-tokens"


def _tokens_page(access: OrgAccess, status: int = 200, form: TokenForm | None = None,
                 new_token: str | None = None):
    return render_template("national/api_tokens.html", access=access,
                           tokens=api_service.list_tokens(access=access),
                           form=form or TokenForm(), revoke_form=RevokeTokenForm(),
                           new_token=new_token), status


@bp.get(TOKENS)
@org_page(Capability.MANAGE_MEMBERS)
def api_tokens(access: OrgAccess):
    """List the organisation's API tokens, and make or revoke one (EDI lead)."""
    return _tokens_page(access)


@bp.post(TOKENS + "/new")
@org_page(Capability.MANAGE_MEMBERS)
def create_api_token(access: OrgAccess):
    """Make a read-only token: shown once, on this answer only."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            made = api_service.create_token(actor=current_user, access=access,
                                            name=entered(form.name.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            return _tokens_page(access, new_token=made.plain)
    return _tokens_page(access, 400, form=form)


@bp.post(TOKENS + "/<int:token_id>/revoke")
@org_page(Capability.MANAGE_MEMBERS)
def revoke_api_token(access: OrgAccess, token_id: int):
    """Revoke a token at once: it reads nothing from now on."""
    if RevokeTokenForm().validate_on_submit():
        try:
            api_service.revoke_token(actor=current_user, access=access, token_id=token_id)
        except InvalidInput:
            pass  # already revoked: the list says so
        else:
            flash("Token revoked: it can no longer read anything", "success")
    return redirect(url_for(".api_tokens", slug=access.organisation.slug))


# -- the advisory groups' view across councils ------------------------------------------------------


@bp.get("/advisory/across-councils")
@signed_in
def across_councils():
    """Show an advisor the councils their groups follow: results against the national figures,
    and the themes, interventions, adverse results and feedback across them."""
    return render_template("national/across_councils.html",
                           view=national_service.across_councils(user=current_user,
                                                                 today=today()),
                           series_ids=SERIES_IDS, indicators=INDICATORS_BY_ID,
                           statuses=list(ActionStatus))


@bp.get("/programme/<label>/councils/<slug>/plan")
@programme_lead_only
def council_plan(label: str, slug: str):
    """Read a submitted council's plan (no comments, no drafts): the programme lead reads only."""
    return kept_page(lambda: render_template(
        "national/council_plan.html", plan=national_service.council_plan(
            actor=current_user, label=label, slug=slug)),
        version=organisation_version_by_slug(slug))
