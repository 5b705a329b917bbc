"""Signing in and out, and setting a password from a link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tracker.auth import bp, devices
from tracker.auth.forms import AcceptInvitationForm, NewAccountForm, SetPasswordForm, SignInForm
from tracker.forms import entered
from tracker.security import public
from tracker.services import auth as auth_service
from tracker.services import invitations as invitation_service
from tracker.services.errors import InvalidInput
from tracker.web import apply_errors


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("main.home")


#: The one answer to every refused sign-in: a wrong password, an unknown or deactivated
#: account, an account slowed down or a client locked out (the policy is on the page).
FAILURE_MESSAGE = "Enter a correct email address and password"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    status = 200
    if form.is_submitted() and not form.validate():
        status = 400
    elif form.is_submitted():
        result = auth_service.sign_in(
            email=entered(form.email.data), password=entered(form.password.data),
            client=request.remote_addr or "", known_devices=devices.known_accounts(),
            now=auth_service.now_utc(), max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        if result.user is not None:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(result.user)
            response = redirect(_safe_next(request.args.get("next")))
            devices.remember_account(response, result.user.id)
            return response
        # 200, not 400: the failure count must be committed with this response.
        form.password.errors = [*form.password.errors, FAILURE_MESSAGE]
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@public
def sign_out():
    """Sign out: the session ends on the server too, so a copy of its cookie stops working."""
    if current_user.is_authenticated:
        auth_service.end_session(user=current_user, now=auth_service.now_utc())
    logout_user()
    session.clear()
    flash("You have been signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """Set a password with a single-use link issued by an administrator."""
    try:
        link = auth_service.valid_password_link(token=token, now=auth_service.now_utc())
    except auth_service.LinkProblem as problem:
        return render_template("auth/link_problem.html", reason=problem.reason), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            auth_service.set_password_with_link(token=token, password=entered(form.password.data),
                                                now=auth_service.now_utc())
        except InvalidInput as error:
            form.password.errors = [*form.password.errors, error.errors["password"]]
        except auth_service.LinkProblem as problem:  # used or revoked meanwhile
            return render_template("auth/link_problem.html", reason=problem.reason), 410
        else:
            logout_user()
            session.clear()
            flash("Your password has been set. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, user=link.user), \
        400 if form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def invitation(token: str):
    """Accept an invitation e-mailed by an EDI lead: signed in as its address, or with a new account."""
    try:
        found = invitation_service.invitation_for(token=token, now=auth_service.now_utc())
    except invitation_service.InvitationProblem as problem:
        return render_template("auth/invitation_problem.html", reason=problem.reason), 410
    if not found.has_account:
        return _accept_with_new_account(token, found.invitation)
    if not current_user.is_authenticated:
        return render_template("auth/invitation.html", invitation=found.invitation, form=None,
                               sign_in_url=url_for("auth.sign_in", next=request.path))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            membership = invitation_service.accept(token=token, user=current_user,
                                                   now=auth_service.now_utc())
        except InvalidInput as error:
            flash(error.errors["invitation"], "info")
        else:
            flash(f"You have joined {membership.organisation.name} as "
                  f"{membership.role.label.lower()}", "success")
            return redirect(url_for("orgs.overview", slug=membership.organisation.slug))
    return render_template("auth/invitation.html", invitation=found.invitation, form=form,
                           sign_in_url=None)


def _accept_with_new_account(token: str, invitation):
    form = NewAccountForm(data={"name": invitation.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            invitation_service.accept_with_new_account(
                token=token, name=entered(form.name.data), password=entered(form.password.data),
                now=auth_service.now_utc())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Your account has been made and you have joined {invitation.organisation.name}. "
                  "Sign in with your e-mail address and new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/invitation_new_account.html", invitation=invitation,
                           form=form), 400 if form.errors else 200
