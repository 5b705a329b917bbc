"""Comments, "you said, we did", notifications and their settings."""

from flask import Blueprint
from markupsafe import Markup

from tracker.domain.comments import render_markdown
from tracker.extensions import db
from tracker.services import mail

bp = Blueprint("conversation", __name__)


@bp.app_template_filter("comment_html")
def comment_html(text: str) -> Markup:
    """Render a comment's Markdown, sanitised (tracker.domain.comments.render_markdown)."""
    return Markup(render_markdown(text))  # safe: an allow-list sanitiser has cleaned it


@bp.teardown_app_request
def _send_queued_mail(error) -> None:
    """Send the e-mails this request queued, once it has committed (failures wait for cron)."""
    if error is None:
        mail.deliver_queued_by_request(commit=db.session.commit)


from tracker.conversation import routes  # noqa: E402,F401
