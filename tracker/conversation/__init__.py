"""Comments, "you said, we did", notifications and their settings."""

from flask import Blueprint
from flask_login import current_user
from markupsafe import Markup

from tracker.domain.comments import render_markdown
from tracker.extensions import db
from tracker.services import mail
from tracker.services import threads as thread_service

bp = Blueprint("conversation", __name__)


@bp.app_template_filter("comment_html")
def comment_html(text: str) -> Markup:
    """Render a comment's Markdown, sanitised (tracker.domain.comments.render_markdown)."""
    return Markup(render_markdown(text))  # safe: an allow-list sanitiser has cleaned it


@bp.app_context_processor
def thread_loader() -> dict:
    def conversation_thread(access, cycle, subject_type: str, subject_key: str):
        """Load the thread that templates/conversation/_thread.html shows."""
        return thread_service.thread_for(access=access, user=current_user,
                                         subject_type=subject_type,
                                         subject_key=str(subject_key),
                                         cycle_label=cycle.label)

    return {"conversation_thread": conversation_thread}


@bp.teardown_app_request
def _send_queued_mail(error) -> None:
    """Send the e-mails this request queued, once it has committed (failures wait for cron)."""
    if error is None:
        mail.deliver_queued_by_request(commit=db.session.commit)


from tracker.conversation import routes  # noqa: E402,F401
