"""The addresses of the pages that services link to (notifications, e-mails, comment subjects).

The blueprints route these same rules, so a path built here is the page's address, with no Flask
needed (the daily run has no request). tests/unit/test_paths.py checks build() against Werkzeug.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

ORGANISATION = "/org/<slug>"
CYCLE = ORGANISATION + "/cycles/<label>"
PLAN = CYCLE + "/plan"
ACTION = PLAN + "/actions/<int:action_id>"
INDICATORS = CYCLE + "/indicators"
REVIEW = CYCLE + "/review"
THREAD = CYCLE + "/comments/<subject_type>/<subject_key>"
NOTIFICATION_SETTINGS = "/notifications/settings"
INVITATION = "/invitations/<token>"

_ARGUMENT = re.compile(r"<(?:[a-z]+:)?(\w+)>")
_SAFE = "!$&'()*+,/:;=@"  # what Werkzeug leaves unquoted in a path segment


def build(rule: str, /, **values: Any) -> str:
    """Fill a rule's <arguments>; the values left over become the query string, in order."""
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        used.add(match.group(1))
        return quote(str(values[match.group(1)]), safe=_SAFE)

    path = _ARGUMENT.sub(fill, rule)
    query = [(key, value) for key, value in values.items() if key not in used and value is not None]
    return f"{path}?{urlencode(query)}" if query else path
