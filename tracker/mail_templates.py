"""E-mails laid out from templates: a plain-text body and an HTML alternative of each message.

The wording (subject, the facts listed) comes from tracker.domain.emails; the layout lives in
templates/email/<name>.txt and <name>.html. The plain text is what most mail programs show and what
screen readers read; the HTML version says exactly the same in the same plain style (headings,
lists, links; no images, no tracking), for mail programs that prefer HTML. The templates are
rendered with their own Jinja environment (no request or application needed, so the job queue can
render them), strict about undefined names, with HTML escaped only in the HTML version.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.domain.emails import Wording
from tracker.templating import TEMPLATES

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES / "email"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


def _underline(text: str, character: str = "=") -> str:
    return character * len(text)


_environment.filters["underline"] = _underline


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(wording: Wording) -> RenderedEmail:
    """Lay out a message: its plain-text body and its HTML alternative."""
    context = {"subject": wording.subject, **wording.context}
    text = _environment.get_template(f"{wording.template}.txt").render(context)
    html = _environment.get_template(f"{wording.template}.html").render(context)
    return RenderedEmail(subject=wording.subject, text=text.rstrip() + "\n", html=html)
