"""Comments, "you said, we did", notifications and their settings."""

from flask import Blueprint
from markupsafe import Markup

from tracker.domain.comments import render_markdown

bp = Blueprint("conversation", __name__)


@bp.app_template_filter("comment_html")
def comment_html(text: str) -> Markup:
    """Render a comment's Markdown, sanitised (tracker.domain.comments.render_markdown)."""
    return Markup(render_markdown(text))  # safe: an allow-list sanitiser has cleaned it


from tracker.conversation import routes  # noqa: E402,F401
