"""Comments, "you said, we did", notifications and their settings."""

from functools import lru_cache

from flask import Blueprint
from markupsafe import Markup

from tracker.domain.comments import render_markdown

bp = Blueprint("conversation", __name__)


@bp.app_template_filter("comment_html")
def comment_html(text: str) -> Markup:
    """Render a comment's Markdown, sanitised (tracker.domain.comments.render_markdown)."""
    return Markup(_rendered(text))  # safe: an allow-list sanitiser has cleaned it


@lru_cache(maxsize=2048)
def _rendered(text: str) -> str:
    """The same words render the same HTML: each comment is parsed and sanitised once a
    process, not on every page that shows it (a thread of five, on every action page)."""
    return render_markdown(text)


from tracker.conversation import routes  # noqa: E402,F401
