"""Signing in and out, and setting a password from a link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tracker.auth import bp
from tracker.auth.forms import SetPasswordForm, SignInForm
from tracker.domain.formatting import london_time
from tracker.forms import entered
from tracker.security import public
from tracker.services import auth as auth_service
from tracker.services.errors import InvalidInput


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("main.home")


def _failure_message(result: auth_service.SignInResult, max_failures: int) -> str:
    if result.locked_until:
        return (f"This account is locked after {max_failures} wrong passwords. Try again after "
                f"{london_time(result.locked_until)}, or ask an administrator for a link to set "
                "a new password.")
    if result.retry_at:
        return (f"Too many wrong passwords. Wait until {london_time(result.retry_at)} before "
                f"you try again. After {max_failures} wrong passwords the account is locked "
                f"for {current_app.config['LOGIN_LOCK_MINUTES']} minutes.")
    message = "Enter a correct email address and password"
    if result.failures >= 2:
        message += (f". After {max_failures} wrong passwords the account is locked for "
                    f"{current_app.config['LOGIN_LOCK_MINUTES']} minutes")
    return message


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
        max_failures = current_app.config["LOGIN_MAX_FAILURES"]
        result = auth_service.sign_in(
            email=entered(form.email.data), password=entered(form.password.data), now=auth_service.now_utc(),
            max_failures=max_failures, lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        if result.ok:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(result.user)
            return redirect(next_url)
        # 200, not 400: the failure count must be committed with this response.
        form.password.errors = [*form.password.errors, _failure_message(result, max_failures)]
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@public
def sign_out():
    """Sign out and forget the session."""
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
        else:
            logout_user()
            session.clear()
            flash("Your password has been set. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, user=link.user), \
        400 if form.errors else 200
