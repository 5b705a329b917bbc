"""Comments and replies, edits and their history, "you said, we did", notifications."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.conversation import bp
from tracker.conversation.forms import (
    CommentForm,
    ConfirmForm,
    EditForm,
    ReplyForm,
    ResponseForm,
    preferences_form,
)
from tracker.domain import paths
from tracker.domain.comments import OUTCOME_HINTS, parse_subject
from tracker.domain.notifications import NotificationKind
from tracker.domain.pages import page_number
from tracker.domain.roles import Capability
from tracker.forms import entered
from tracker.kept_pages import kept_page
from tracker.security import org_page, signed_in
from tracker.services import comments as comment_service
from tracker.services import feedback as feedback_service
from tracker.services import follows as follow_service
from tracker.services import notifications as notification_service
from tracker.services import subjects as subject_service
from tracker.services import threads as thread_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput
from tracker.services.mentions import MentionReport
from tracker.services.subjects import Subject
from tracker.services.versions import organisation_version
from tracker.web import apply_errors

THREAD = paths.THREAD
COMMENT = "/org/<slug>/comments/<int:comment_id>"


def _back(access: OrgAccess, next_path: str | None, subject: Subject, comment_id: int):
    """Go back to the page the form was on (if it is this organisation's), at the comment."""
    prefix = f"/org/{access.organisation.slug}/"
    path = (next_path or "").split("#")[0]
    if not path.startswith(prefix) or "//" in path or "\\" in path:
        path = subject.path
    return redirect(f"{path}#comment-{comment_id}")


def _kept(access: OrgAccess, render):
    """Serve a page of the organisation's conversation kept per version of its data: comments,
    replies, edits, deletions and responses are audited under it, and so is everything else
    these pages show (the action's title, who may read, the plan's actions, people's names)."""
    return kept_page(render, version=organisation_version(access.organisation.id))


def _gone(access: OrgAccess, comment):
    """Back to a deleted comment's form: show the thread and say so, never an error page."""
    flash("That comment has been deleted: this is the conversation it was in.", "info")
    return _back(access, None, subject_service.comment_subject(access=access, comment=comment),
                 comment.id)


def _your_comment(access: OrgAccess, comment_id: int):
    """The signed-in person's own comment, and the page to show instead once it is deleted.

    Only its author may change or delete a comment: anyone else gets 403.
    """
    comment = thread_service.get_comment(access=access, comment_id=comment_id)
    if comment.is_deleted:
        return comment, _gone(access, comment)
    if comment.author_id != current_user.id:
        abort(403)
    return comment, None


def _told(message: str, report: MentionReport) -> None:
    flash(message, "success")
    for problem in report.messages():
        flash(problem, "info")


def _thread_page(access: OrgAccess, subject: Subject, form: CommentForm | None, status: int):
    thread = thread_service.load_thread(access=access, user=current_user, subject=subject)
    return render_template("conversation/thread.html", access=access, subject=subject,
                           cycle=subject.cycle, thread=thread, comment_form=form,
                           form=form), status


@bp.get(THREAD)
@org_page(Capability.READ)
def thread(access: OrgAccess, label: str, subject_type: str, subject_key: str):
    """Show a subject's comments on a page of their own."""
    def render():
        subject = subject_service.resolve_subject(access=access, subject_type=subject_type,
                                                  subject_key=subject_key, cycle_label=label)
        return _thread_page(access, subject, None, 200)
    # whether the person follows the subject is theirs and not audited: part of the key
    return kept_page(render, version=organisation_version(access.organisation.id),
                     parts=_following(access, subject_type, subject_key))


def _following(access: OrgAccess, subject_type: str, subject_key: str) -> bool:
    try:
        kind, key = parse_subject(subject_type, subject_key)
    except ValueError:
        return False  # the page is not found
    return follow_service.is_following(user=current_user, access=access, subject_type=kind,
                                       subject_key=key)


@bp.post(THREAD)
@org_page(Capability.COMMENT)
def add_comment(access: OrgAccess, label: str, subject_type: str, subject_key: str):
    """Post a comment on an action, an indicator result or an annual review."""
    subject = subject_service.resolve_subject(access=access, subject_type=subject_type,
                                              subject_key=subject_key, cycle_label=label)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment, report = comment_service.post_comment(
                actor=current_user, access=access, subject=subject, body=entered(form.body.data),
                visibility=form.visibility.data, ask_for_response=form.ask_for_response.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            _told("Your comment has been posted", report)
            return _back(access, form.next.data, subject, comment.id)
    return _thread_page(access, subject, form, 400)


@bp.post(THREAD + "/follow")
@org_page(Capability.READ)
def follow(access: OrgAccess, label: str, subject_type: str, subject_key: str):
    """Follow an action, an indicator result or a review, or stop following it."""
    subject = subject_service.resolve_subject(access=access, subject_type=subject_type,
                                              subject_key=subject_key, cycle_label=label)
    if ConfirmForm().validate_on_submit():
        start = request.form.get("follow") == "yes"
        follow_service.set_following(user=current_user, access=access, subject_type=subject.type,
                                     subject_key=subject.key, follow=start)
        flash(f"You {'now follow' if start else 'no longer follow'} {subject.title}: "
              f"{'you will be told of its updates and comments' if start else 'you will not be told of it'}",
              "success")
    return redirect(f"{subject.path}#comments")


def _comment_page(template: str, access: OrgAccess, comment_id: int, form, status: int = 200,
                  *, loaded: tuple | None = None, **context):
    """Render a page about one comment; `loaded` is (comment, subject) when the view has them."""
    if loaded is None:
        comment = thread_service.get_comment(access=access, comment_id=comment_id)
        subject = subject_service.comment_subject(access=access, comment=comment)
    else:
        comment, subject = loaded
    return render_template(template, access=access, comment=comment, subject=subject,
                           cycle=subject.cycle, form=form, **context), status


@bp.route(COMMENT + "/reply", methods=["GET", "POST"])
@org_page(Capability.COMMENT)
def reply(access: OrgAccess, comment_id: int):
    """Reply to a comment; the reply is read by whoever reads the comment."""
    if request.method == "GET":
        return _kept(access, lambda: _comment_page("conversation/reply.html", access, comment_id,
                                                   ReplyForm()))
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            answer, report = comment_service.post_reply(
                actor=current_user, access=access, comment_id=comment_id, body=entered(form.body.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            _told("Your reply has been posted", report)
            subject = subject_service.comment_subject(access=access, comment=answer)
            return _back(access, form.next.data, subject, answer.id)
    return _comment_page("conversation/reply.html", access, comment_id, form,
                         400 if form.errors else 200)


@bp.route(COMMENT + "/edit", methods=["GET", "POST"])
@org_page(Capability.COMMENT)
def edit(access: OrgAccess, comment_id: int):
    """Change your comment; its earlier versions are kept and readable."""
    if request.method == "GET":
        return _kept(access, lambda: _your_comment_page(
            "conversation/edit.html", access, comment_id,
            lambda comment: EditForm(data={"body": comment.body})))
    comment, instead = _your_comment(access, comment_id)
    if instead is not None:
        return instead
    form = EditForm()
    if form.validate_on_submit():
        try:
            comment, report = comment_service.edit_comment(
                actor=current_user, access=access, comment_id=comment_id, body=entered(form.body.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            _told("Your comment has been changed", report)
            subject = subject_service.comment_subject(access=access, comment=comment)
            return _back(access, None, subject, comment.id)
    return _comment_page("conversation/edit.html", access, comment_id, form,
                         400 if form.errors else 200)


@bp.route(COMMENT + "/delete", methods=["GET", "POST"])
@org_page(Capability.COMMENT)
def delete(access: OrgAccess, comment_id: int):
    """Delete your comment, after confirming; a tombstone stays in the thread."""
    if request.method == "GET":
        return _kept(access, lambda: _your_comment_page(
            "conversation/delete.html", access, comment_id, lambda comment: ConfirmForm()))
    comment, instead = _your_comment(access, comment_id)
    if instead is not None:
        return instead
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            comment_service.delete_comment(actor=current_user, access=access,
                                           comment_id=comment_id)
        except InvalidInput as error:
            flash(next(iter(error.errors.values())), "info")
        else:
            flash("Your comment has been deleted", "success")
        subject = subject_service.comment_subject(access=access, comment=comment)
        return _back(access, None, subject, comment.id)
    return _comment_page("conversation/delete.html", access, comment_id, form)


def _your_comment_page(template: str, access: OrgAccess, comment_id: int, form_for):
    """The form (`form_for(comment)`) to change or delete your comment, or the thread once it
    is deleted."""
    comment, instead = _your_comment(access, comment_id)
    if instead is not None:
        return instead
    return _comment_page(template, access, comment_id, form_for(comment), loaded=(
        comment, subject_service.comment_subject(access=access, comment=comment)))


@bp.get(COMMENT + "/history")
@org_page(Capability.READ)
def history(access: OrgAccess, comment_id: int):
    """Show every version of an edited comment."""
    return _kept(access, lambda: _comment_page("conversation/history.html", access, comment_id,
                                               None))


@bp.post(COMMENT + "/ask-for-response")
@org_page(Capability.COMMENT)
def ask_for_response(access: OrgAccess, comment_id: int):
    """Ask the organisation to respond to your feedback (advisors)."""
    if ConfirmForm().validate_on_submit():
        try:
            comment = comment_service.ask_for_response(actor=current_user, access=access,
                                                       comment_id=comment_id)
        except InvalidInput as error:
            flash(next(iter(error.errors.values())), "info")
        else:
            flash(f"You asked {access.organisation.name} for a response", "success")
            subject = subject_service.comment_subject(access=access, comment=comment)
            return _back(access, request.form.get("next"), subject, comment.id)
    return redirect(url_for(".history", slug=access.organisation.slug, comment_id=comment_id))


@bp.route(COMMENT + "/respond", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def respond(access: OrgAccess, comment_id: int):
    """Say what was done about an advisor's feedback and why, perhaps linking an action."""
    if request.method == "GET":
        return _kept(access, lambda: _respond_page(access, comment_id))
    comment = thread_service.get_comment(access=access, comment_id=comment_id)
    subject = subject_service.comment_subject(access=access, comment=comment)
    form = _response_form(access, subject)
    if form.validate_on_submit():
        try:
            feedback_service.respond(actor=current_user, access=access, comment_id=comment_id,
                                     outcome=form.outcome.data, reason=entered(form.reason.data),
                                     action_id=form.action_id.data or None)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Your response has been sent", "success")
            return _back(access, None, subject, comment.id)
    return _respond_page(access, comment_id, form, loaded=(comment, subject))


def _response_form(access: OrgAccess, subject: Subject) -> ResponseForm:
    form = ResponseForm()
    form.action_id.choices = [(0, "No action")] + feedback_service.linkable_actions(
        access=access, cycle=subject.cycle)
    return form


def _respond_page(access: OrgAccess, comment_id: int, form: ResponseForm | None = None, *,
                  loaded: tuple | None = None):
    if loaded is None:
        comment = thread_service.get_comment(access=access, comment_id=comment_id)
        loaded = (comment, subject_service.comment_subject(access=access, comment=comment))
    return _comment_page("conversation/respond.html", access, comment_id,
                         form or _response_form(access, loaded[1]),
                         400 if form is not None and form.errors else 200, loaded=loaded,
                         outcome_hints=OUTCOME_HINTS)


# Notifications -------------------------------------------------------------------------------------


@bp.get("/notifications")
@signed_in
def list_notifications():
    """List your notifications, newest first, the unread ones marked, a page at a time."""
    pagination = notification_service.notifications_page(
        user=current_user, page=page_number(request.args.get("page")))
    return render_template("conversation/notifications.html", notifications=pagination.items,
                           pagination=pagination, form=None, confirm_form=ConfirmForm())


@bp.get("/notifications/<int:notification_id>")
@signed_in
def open_notification(notification_id: int):
    """Mark a notification read and go to what it is about."""
    link = notification_service.open_notification(user=current_user,
                                                  notification_id=notification_id)
    return redirect(link if link.startswith("/") and not link.startswith("//") else "/")


@bp.post("/notifications/read")
@signed_in
def mark_all_read():
    """Mark all your notifications read."""
    if ConfirmForm().validate_on_submit():
        count = notification_service.mark_all_read(user=current_user)
        flash(f"{count} {'notification' if count == 1 else 'notifications'} marked as read",
              "success")
    return redirect(url_for(".list_notifications"))


@bp.route(paths.NOTIFICATION_SETTINGS, methods=["GET", "POST"])
@signed_in
def notification_settings():
    """Choose, for each kind of notification, to be e-mailed immediately, daily, or not."""
    form = preferences_form(notification_service.preferences(user=current_user))
    if form.validate_on_submit():
        try:
            notification_service.set_preferences(
                user=current_user, choices={k.value: form[k.value].data for k in NotificationKind})
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Your e-mail settings have been saved", "success")
            return redirect(url_for(".notification_settings"))
    return render_template("conversation/settings.html", form=form, kinds=list(NotificationKind)), \
        400 if form.errors else 200
