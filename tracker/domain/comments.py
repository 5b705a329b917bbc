"""The conversation's rules: comment kinds, safe Markdown, mentions, subjects (pure; no Flask, no DB).

"Today" is always an argument. Everything here is tested in tests/unit/test_comments.py.
"""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from datetime import date

import nh3
from markdown_it import MarkdownIt

from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREAS

MAX_COMMENT_LENGTH = 5000
MAX_REASON_LENGTH = 2000


class SubjectType(enum.StrEnum):
    """What a comment is about."""

    ACTION = "action"
    INDICATOR = "indicator"
    REVIEW = "review"


class Visibility(enum.StrEnum):
    """Who may read a comment: the organisation's members only, or its advisory groups too."""

    INTERNAL = "internal"
    SHARED = "shared"

    @property
    def label(self) -> str:
        return {"internal": "Internal", "shared": "Shared with advisory groups"}[self.value]


class Outcome(enum.StrEnum):
    """What was done about an advisor's feedback ("you said, we did")."""

    ACCEPTED = "accepted"
    ACTIONED = "actioned"
    NOT_TAKEN_FORWARD = "not_taken_forward"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ACCEPTED: "Accepted",
    Outcome.ACTIONED: "Actioned",
    Outcome.NOT_TAKEN_FORWARD: "Not taken forward",
}
OUTCOME_HINTS = {
    Outcome.ACCEPTED: "We agree and will act on it",
    Outcome.ACTIONED: "We have already done something about it",
    Outcome.NOT_TAKEN_FORWARD: "We will not act on it, and say why",
}


# Markdown ------------------------------------------------------------------------------------------

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "code", "pre", "blockquote", "a"}
_CLASSES = {
    "p": {"class": "govuk-body"},
    "a": {"class": "govuk-link"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "blockquote": {"class": "app-comment__quote"},
}
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
# Only paragraphs, emphasis, lists, code, quotes and links: no images, headings, rules or HTML.
_markdown.disable(["image", "heading", "lheading", "hr", "html_block", "html_inline"])


def render_markdown(text: str) -> str:
    """Render a comment's Markdown as HTML that is safe to show as it is.

    Raw HTML is escaped by the Markdown parser, and the result is cleaned again by an
    allow-list sanitiser: only a few tags, links to http, https and mailto only, with
    rel="nofollow noopener". Classes come from here, never from the text.
    """
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel="nofollow noopener",
        set_tag_attribute_values=_CLASSES,
        strip_comments=True,
    ).strip()


def plain_excerpt(text: str, limit: int = 140) -> str:
    """Return the start of a comment as one line of plain text, without Markdown (for e-mails)."""
    words = html.unescape(nh3.clean(_markdown.render(text or ""), tags=set(),
                                    clean_content_tags={"script", "style"}))
    flat = " ".join(words.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# Mentions ------------------------------------------------------------------------------------------

_MENTION = re.compile(
    r"(?<![\w.@])@([a-z0-9][a-z0-9._%+-]*(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)", re.IGNORECASE)


def mention_handle(name: str) -> str:
    """Return the handle that mentions a person by name: 'Priya Shah' -> 'priya.shah'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", ascii_name.lower()).strip(".")


def find_mentions(text: str) -> list[str]:
    """Return the handles or e-mail addresses mentioned with @, lower case, once each, in order.

    Mentions inside code (`...` or indented/fenced blocks) are ignored.
    """
    without_code = re.sub(r"```.*?```|`[^`\n]*`", " ", text or "", flags=re.DOTALL)
    without_code = "\n".join(line for line in without_code.splitlines()
                             if not line.startswith(("    ", "\t")))
    found: list[str] = []
    for match in _MENTION.finditer(without_code):
        handle = match.group(1).lower().rstrip("._-")
        if handle and handle not in found:
            found.append(handle)
    return found


# Subjects ------------------------------------------------------------------------------------------

CYCLE_LABEL = re.compile(r"^\d{4}-\d{2}$")


def parse_subject(subject_type: str, subject_key: str) -> tuple[SubjectType, str]:
    """Check a subject's type and key ('12', 'SCW2:adults', '2024-25'); raise ValueError if wrong."""
    kind = SubjectType(subject_type)
    key = (subject_key or "").strip()
    if kind is SubjectType.ACTION and not (key.isdigit() and len(key) <= 12):
        raise ValueError(f"not an action id: {key!r}")
    if kind is SubjectType.INDICATOR:
        indicator, _, area = key.partition(":")
        if indicator not in INDICATORS_BY_ID or area not in SERVICE_AREAS:
            raise ValueError(f"not an indicator and service area: {key!r}")
    if kind is SubjectType.REVIEW and not CYCLE_LABEL.match(key):
        raise ValueError(f"not a cycle label: {key!r}")
    return kind, key


# Waiting for a response ----------------------------------------------------------------------------


def days_waiting(asked_on: date, today: date) -> int:
    """Return how many whole days feedback has waited for a response."""
    return max((today - asked_on).days, 0)


def waiting_phrase(days: int) -> str:
    """Say how long something has waited: 'since today', '1 day', '12 days'."""
    if days <= 0:
        return "since today"
    return "1 day" if days == 1 else f"{days} days"
