"""Submitting a cycle to the programme; the programme lead's years, statuses and deadlines."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.domain.roles import Capability
from tracker.national import bp
from tracker.national.forms import (
    CloseYearForm,
    DeadlinesForm,
    SubmitCycleForm,
    WithdrawSubmissionForm,
)
from tracker.security import org_page, programme_lead_only
from tracker.services import national as national_service
from tracker.services import organisations as org_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput
from tracker.web import apply_errors, today

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
    return _submission_page(access, label)


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
    return _year_page(label)


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
