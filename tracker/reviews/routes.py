"""Year-on-year review: trends, the annual review and its sign-off, starting the next cycle."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.domain import paths
from tracker.domain.comments import SubjectType
from tracker.domain.definitions import (
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_LABELS,
    SERVICE_AREAS,
)
from tracker.domain.plans import new_due_date
from tracker.domain.roles import Capability
from tracker.domain.trends import MOVEMENT_WORDS, national_year_for, sparkline
from tracker.domain.values import ValueRejected, date_from_parts
from tracker.domain.wording import beside_rl
from tracker.forms import entered
from tracker.indicators.charts import TrendMarker, TrendPoint, TrendTarget, trend_chart
from tracker.kept_pages import kept_page
from tracker.reviews import bp
from tracker.reviews.forms import (
    AmendmentForm,
    NarrativeForm,
    NationalFigureForm,
    NextCycleForm,
    ReviewSignOffForm,
    SummaryForm,
)
from tracker.security import admin_only, org_page
from tracker.services import commitments as commitment_service
from tracker.services import organisations as org_service
from tracker.services import reviews as review_service
from tracker.services import threads as thread_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput, Locked
from tracker.services.follows import is_following
from tracker.services.versions import organisation_version, shared_version
from tracker.web import apply_errors, chart_response, today

TRENDS = "/org/<slug>/trends"
REVIEW = paths.REVIEW


def _area() -> str:
    area = request.args.get("area", "all")
    return area if area in SERVICE_AREAS else "all"


def _indicator(indicator: str) -> str:
    if indicator not in SERIES_IDS:
        abort(404)
    return indicator


@bp.get(TRENDS)
@org_page(Capability.READ)
def trends(access: OrgAccess):
    """Show every indicator across the cycles, with how each moved (kept per data version:
    its cycles, figures, national figures and targets are all audited changes)."""
    return kept_page(lambda: _trends_page(access), version=organisation_version(
        access.organisation.id))


def _trends_page(access: OrgAccess):
    area = _area()
    cycles = review_service.cycles_with_results(access=access)  # read once, for both
    overview = review_service.trend_overview(access=access, area=area, cycles=cycles)
    return render_template(
        "reviews/trends.html", access=access, area=area, overview=overview,
        indicators=INDICATORS_BY_ID, area_words=SERVICE_AREA_LABELS,
        movement_words=MOVEMENT_WORDS, beside=beside_rl,
        sparklines={sid: sparkline([r.point.rl for r in rows]) for sid, rows in overview.items()},
        bands=review_service.pay_band_trend(access=access, area=area, cycles=cycles),
        targets=commitment_service.trend_targets(access=access, area=area))


@bp.get(TRENDS + "/<indicator>")
@org_page(Capability.READ)
def trend(access: OrgAccess, indicator: str):
    """Show one indicator's trend: chart, figures, national comparison and linked actions
    (kept per data version: the actions' starts and completions are audited too)."""
    indicator = _indicator(indicator)
    return kept_page(lambda: _trend_page(access, indicator), version=organisation_version(
        access.organisation.id))


def _trend_page(access: OrgAccess, indicator: str):
    area = _area()
    rows = review_service.indicator_trend(access=access, indicator=indicator, area=area)
    markers = review_service.action_markers(access=access, indicator=indicator, area=area)
    targets = commitment_service.trend_targets(access=access, area=area, indicator=indicator)
    # Each marker's action is linked under its cycle's actions path, made once per cycle.
    actions_paths = {label: url_for("plans.list_actions", slug=access.organisation.slug,
                                    label=label) + "/"
                     for label in dict.fromkeys(m.cycle_label for m in markers)}
    return render_template("reviews/trend.html", access=access, indicator=INDICATORS_BY_ID[
        indicator], area=area, rows=rows, markers=markers, actions_paths=actions_paths,
        area_words=SERVICE_AREA_LABELS,
        national_year_for=national_year_for, targets=targets.get(indicator, []))


@bp.get(TRENDS + "/<indicator>/chart.svg")
@org_page(Capability.READ)
def trend_svg(access: OrgAccess, indicator: str):
    """Draw one indicator's trend as SVG (kept per data version, as the trend page; a browser
    holding the kept image's ETag is answered 304)."""
    indicator = _indicator(indicator)
    return kept_page(lambda: _trend_svg(access, indicator), version=organisation_version(
        access.organisation.id))


def _trend_svg(access: OrgAccess, indicator: str):
    area = _area()
    rows = review_service.indicator_trend(access=access, indicator=indicator, area=area)
    markers = review_service.marker_dates(access=access, indicator=indicator, area=area)
    targets = commitment_service.trend_targets(access=access, area=area, indicator=indicator)
    return chart_response(
        trend_chart,
        [TrendPoint(r.cycle.label, r.cycle.snapshot_date, r.point.rl, r.point.ci95,
                    r.point.rating) for r in rows],
        [TrendMarker(when, kind) for when, kind in markers],
        national=[(r.cycle.snapshot_date, r.national) for r in rows if r.national],
        targets=[TrendTarget(t.target.baseline_cycle.label, t.set_when, t.target.baseline_rl,
                             t.target.by_cycle, t.by_when, t.target.target_rl)
                 for t in targets.get(indicator, [])],
        title=f"{indicator} {INDICATORS_BY_ID[indicator].short_name}, "
              f"{SERVICE_AREA_LABELS[area].lower()}")


def _review(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    return cycle, review_service.get_review(access=access, cycle=cycle)


def _review_page(access: OrgAccess, cycle, review, status: int = 200, **forms):
    plan = review_service.cycle_plan(access=access, cycle=cycle)
    actions = review_service.cycle_actions(access=access, cycle=cycle, plan=plan)  # for both
    cycles = review_service.cycles_with_results(access=access)  # read once, for every area
    facts = review_service.review_facts(access=access, cycle=cycle, review=review, today=today(),
                                        actions=actions, cycles=cycles)
    thread = thread_service.thread_for(access=access, user=current_user, subject_type="review",
                                       subject_key=cycle.label, cycle_label=cycle.label,
                                       cycle=cycle)
    return render_template(
        "reviews/review.html", access=access, cycle=cycle, review=review, facts=facts,
        rights=review_service.review_rights(access=access, review=review), thread=thread,
        warnings=review_service.review_warnings(
            access=access, review=review, actions=actions, plan=plan,
            results=next((r for c, r in cycles if c.id == cycle.id), None))
        if not review.is_signed else [], beside=beside_rl,
        # each fact's narrative form: its indicator and area joined to this path, made once
        narrative_path=url_for(".review", slug=access.organisation.slug, label=cycle.label)
        + "/narrative/",
        bands={area: review_service.pay_band_trend(access=access, area=area, cycles=cycles)
               for area in dict.fromkeys(fact.area for fact in facts)},
        commitments=commitment_service.commitments_as_at(access=access, cycle=cycle,
                                                          cycles=cycles),
        area_words=SERVICE_AREA_LABELS, summary_form=forms.get("summary_form") or SummaryForm(
            summary=review.summary), sign_off_form=forms.get("sign_off_form") or
        ReviewSignOffForm(), amendment_form=forms.get("amendment_form") or AmendmentForm(),
        form=forms.get("form"), slug=access.organisation.slug), status


@bp.get(REVIEW)
@org_page(Capability.READ)
def review(access: OrgAccess, label: str):
    """Show the annual review: facts, narratives, summary, sign-off and amendments."""
    return kept_page(lambda: _review_page(access, *_review(access, label)),
                     version=organisation_version(access.organisation.id),
                     parts=is_following(access=access, user=current_user,
                                        subject_type=SubjectType.REVIEW, subject_key=label))


@bp.route(REVIEW + "/narrative/<indicator>/<area>", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def narrative(access: OrgAccess, label: str, indicator: str, area: str):
    """Write what we did, what changed and what we will do next for one indicator (the form
    is kept per data version: narratives and sign-off are audited)."""
    if request.method == "GET":
        return kept_page(lambda: _narrative(access, label, indicator, area),
                         version=organisation_version(access.organisation.id))
    return _narrative(access, label, indicator, area)


def _narrative(access: OrgAccess, label: str, indicator: str, area: str):
    cycle, review_ = _review(access, label)
    indicator = _indicator(indicator)
    if area not in SERVICE_AREAS:
        abort(404)
    current = next((n for n in review_.narratives
                    if n.indicator == indicator and n.service_area == area), None)
    form = NarrativeForm(obj=current)
    if form.validate_on_submit():
        review_service.save_narrative(actor=current_user, access=access, review=review_,
                                      indicator=indicator, area=area,
                                      what_we_did=form.what_we_did.data or "",
                                      what_changed=form.what_changed.data or "",
                                      next_steps=form.next_steps.data or "")
        flash(f"Narrative for {indicator} saved", "success")
        return redirect(url_for(".review", slug=access.organisation.slug, label=label,
                                _anchor=f"{indicator}-{area}"))
    if review_.is_signed:
        raise Locked("The review is signed off: add an amendment instead")
    return render_template("reviews/narrative.html", access=access, cycle=cycle, form=form,
                           indicator=INDICATORS_BY_ID[indicator], area=area,
                           area_words=SERVICE_AREA_LABELS), 400 if form.errors else 200


@bp.post(REVIEW + "/summary")
@org_page(Capability.EDIT_PLAN)
def summary(access: OrgAccess, label: str):
    """Save the overall summary."""
    cycle, review_ = _review(access, label)
    form = SummaryForm()
    if form.validate_on_submit():
        review_service.save_summary(actor=current_user, access=access, review=review_,
                                    summary=entered(form.summary.data))
        flash("Summary saved", "success")
        return redirect(url_for(".review", slug=access.organisation.slug, label=label))
    return _review_page(access, cycle, review_, 400, summary_form=form, form=form)


@bp.post(REVIEW + "/sign-off")
@org_page(Capability.SIGN_OFF)
def sign_off(access: OrgAccess, label: str):
    """Sign the review off (senior sponsors); it is locked from then on."""
    cycle, review_ = _review(access, label)
    form = ReviewSignOffForm()
    if form.validate_on_submit():
        try:
            review_service.sign_off_review(actor=current_user, access=access, review=review_,
                                           signer_role=entered(form.signer_role.data),
                                           warnings_seen=bool(form.warnings_seen.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"You signed off the {cycle.label} review", "success")
            return redirect(url_for(".review", slug=access.organisation.slug, label=label))
    return _review_page(access, cycle, review_, 400, sign_off_form=form, form=form)


@bp.post(REVIEW + "/amendments")
@org_page(Capability.READ)
def amend(access: OrgAccess, label: str):
    """Add a dated amendment to a signed-off review (EDI leads and sponsors)."""
    cycle, review_ = _review(access, label)
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            review_service.add_amendment(actor=current_user, access=access, review=review_,
                                         text=entered(form.text.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Amendment added", "success")
            return redirect(url_for(".review", slug=access.organisation.slug, label=label))
    return _review_page(access, cycle, review_, 400, amendment_form=form, form=form)


@bp.route("/org/<slug>/cycles/<label>/next-cycle", methods=["GET", "POST"])
@org_page(Capability.MANAGE_CYCLES)
def next_cycle(access: OrgAccess, label: str):
    """Start the next cycle, carrying over open actions (each can be left with a reason).

    The form is kept per data version (the open actions, their owners and due dates change
    only by audited changes) and day (which due dates have passed)."""
    if request.method == "GET":
        return kept_page(lambda: _next_cycle(access, label),
                         version=organisation_version(access.organisation.id))
    return _next_cycle(access, label)


def _next_cycle(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    candidates = review_service.carry_candidates(access=access, cycle=cycle)
    form = NextCycleForm(data=_next_defaults(cycle) if request.method == "GET" else None)
    carry = {a.id: request.form.get(f"carry-{a.id}") == "yes" for a in candidates} \
        if request.method == "POST" else {a.id: True for a in candidates}
    reasons = {a.id: request.form.get(f"reason-{a.id}", "") for a in candidates}
    passed = [a for a in candidates if a.due_date and a.due_date < today()]
    due_values, due_dates, errors = _due_dates(passed, carry)
    if form.validate_on_submit() and not errors:
        if form.bulk_due_date.data:
            due_dates = {a.id: form.bulk_due_date.data for a in passed}
        try:
            new = review_service.start_next_cycle(
                actor=current_user, access=access, cycle=cycle, label=entered(form.label.data),
                period_start=entered(form.period_start.data), period_end=entered(form.period_end.data),
                snapshot_date=entered(form.snapshot_date.data), carry=carry, reasons=reasons,
                today=today(), new_due_dates=due_dates)
        except InvalidInput as error:
            errors = {k: v for k, v in error.errors.items() if k.startswith(("reason-", "due-"))}
            others = {k: v for k, v in error.errors.items() if k not in errors}
            if others:
                apply_errors(form, InvalidInput(others))
        else:
            flash(f"Cycle {new.label} started with {sum(carry.values())} actions carried over",
                  "success")
            return redirect(url_for("plans.by_theme", slug=access.organisation.slug,
                                    label=new.label))
    return render_template("reviews/next_cycle.html", access=access, cycle=cycle, form=form,
                           candidates=candidates, carry=carry, reasons=reasons,
                           passed={a.id for a in passed}, due_values=due_values,
                           reason_errors=errors), 400 if (form.errors or errors) else 200


def _due_dates(passed, carry: dict[int, bool]) -> tuple[dict, dict, dict]:
    """Read the new due dates typed for carried actions whose dates have passed.

    Returns the boxes' values to show again (a year on, on first view), the dates read, and
    the errors by field. An action whose boxes were not sent keeps the suggested date.
    """
    values: dict[int, tuple[str, ...]] = {}
    dates: dict[int, date] = {}
    errors: dict[str, str] = {}
    for action in passed:
        key = f"due-{action.id}"
        if request.method == "GET" or f"{key}-day" not in request.form:
            suggested = new_due_date(action.due_date, today=today())
            values[action.id] = (str(suggested.day), str(suggested.month), str(suggested.year))
            continue
        parts = tuple(request.form.get(f"{key}-{box}", "") for box in ("day", "month", "year"))
        values[action.id] = parts
        if not carry.get(action.id):
            continue  # left behind: its date does not matter
        try:
            read = date_from_parts(*parts, noun=f"new due date for '{action.title}'")
        except ValueRejected as rejected:
            errors[key] = rejected.message
        else:
            if read is None:
                errors[key] = f"Enter the new due date for '{action.title}'"
            else:
                dates[action.id] = read
    return values, dates, errors


def _next_defaults(cycle) -> dict:
    start = cycle.period_end + timedelta(days=1)
    first = int(cycle.label[:4]) + 1
    return {"label": f"{first}-{(first + 1) % 100:02d}", "period_start": start,
            "period_end": start.replace(year=start.year + 1) - timedelta(days=1),
            "snapshot_date": start.replace(year=start.year + 1) - timedelta(days=1)}


@bp.route("/admin/national-figures", methods=["GET", "POST"])
@admin_only
def national_figures():
    """List and enter the national reference figures (the list kept per version of what
    organisations share: saving a figure is audited under none)."""
    if request.method == "GET":
        return kept_page(_national_figures, version=shared_version())
    return _national_figures()


def _national_figures():
    form = NationalFigureForm()
    if form.validate_on_submit():
        try:
            review_service.save_national_figure(
                actor=current_user, year=entered(form.year.data).strip(), indicator=form.indicator.data,
                band=form.band.data or "", value=float(form.value.data) if form.value.data
                is not None else None, authorities=form.authorities.data,
                note=form.note.data or "")
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("National figure saved", "success")
            return redirect(url_for(".national_figures"))
    return render_template("reviews/national_figures.html", form=form,
                           figures=review_service.list_national_figures()), \
        400 if form.errors else 200
