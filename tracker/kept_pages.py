"""Pages kept per version of the data they show, and served again until it changes.

The heaviest pages (a 300-action plan, a review of five years) read and write the same HTML
every time they are seen until something behind them changes. A view that calls `kept_page`
renders its page once for each key, and serves it again from memory (per process) while the
key holds. The key is everything the page depends on:

- the address (endpoint, path and query string) and the person asking (their id: what they may
  see and do is theirs);
- `version`: the version of the data behind the page, from the caller (services/versions.py:
  the latest audit event of the organisation and of what is shared, which every change moves);
- today's date in the UK (what is overdue, how long something has waited);
- `parts`: anything else the page shows that the version does not cover (per-person state that
  is not audited, such as whether they follow a thread);
- `KEPT_PAGES_VERSION` below, for the code that writes pages.

What differs between requests with the same key is not kept: the service navigation (it names
the person's organisation and counts their unread notifications) and the messages of the last
action are written afresh each time between the <!--live:…--> marks that templates/base.html
puts around them, and the form's CSRF token is put back for this session. Only a GET answered
200 with HTML is kept; anything else (a redirect, an error, a form with errors) is served as it
comes. A page seen for the first time, or after a change, costs what it always did.

Two app hosts keep their own pages: the key holds the version read from the shared database, so
neither can serve what the other changed. At most KEPT_PAGES_MAX_BYTES are kept per process
(the least recently seen goes first); 0 turns keeping off.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tracker.web import today

#: Change when what a kept page holds changes shape (the marks, the token's place).
KEPT_PAGES_VERSION = 1
_LIVE = {"navigation": "layout/_navigation.html", "messages": "layout/_messages.html"}
_TOKEN = "\x00csrf\x00"  # where this session's CSRF token goes; never in a page's HTML
_END = "<!--/live-->"


class _Kept:
    """The pages kept in this process: key -> a page cut at its live parts, or a file."""

    def __init__(self) -> None:
        self.pages: OrderedDict[str, _Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> _Entry | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is not None:
                self.pages.move_to_end(key)
            return entry

    def put(self, key: str, entry: _Entry, limit: int) -> None:
        if entry.size > limit:
            return
        with self.lock:
            if key in self.pages:
                return
            self.pages[key] = entry
            self.size += entry.size
            while self.size > limit:
                _, gone = self.pages.popitem(last=False)
                self.size -= gone.size

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


class _Entry:
    """A kept page: its fixed pieces and the live parts between them; or a file (CSV, workbook,
    chart, JSON): its body and headers."""

    __slots__ = ("pieces", "live", "body", "headers", "size")

    def __init__(self, *, pieces: tuple[str, ...] = (), live: tuple[str, ...] = (),
                 body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.pieces, self.live, self.body, self.headers = pieces, live, body, headers
        self.size = sum(len(piece) for piece in pieces) + len(body)


KEPT = _Kept()


def forget_kept_pages() -> None:
    """Forget every page kept in this process."""
    KEPT.clear()


def kept_page(render: Callable[[], Any], *, version: Hashable, parts: Hashable = ()) -> Any:
    """Serve the page `render()` makes, kept under this request's key (see the module).

    `render` is called only when the page is not kept: it reads the data and renders the
    template, as the view did before. Its answer is returned as it is.
    """
    limit = current_app.config.get("KEPT_PAGES_MAX_BYTES", 0)
    if not limit or request.method != "GET":
        return render()
    key = hashlib.sha256(repr((
        KEPT_PAGES_VERSION, request.endpoint, request.full_path,
        current_user.id if current_user.is_authenticated else None,
        version, today().isoformat(), parts)).encode()).hexdigest()
    entry = KEPT.get(key)
    if entry is not None:
        return _serve(entry)
    answer = render()
    entry = _keepable(answer)
    if entry is not None:
        KEPT.put(key, entry, limit)
        if entry.body:  # the answer's body was read to keep it: answer with what was read
            return _file(entry)
    return answer


def _keepable(answer: Any) -> _Entry | None:
    """What of the view's answer can be kept: a page of HTML (with its live parts marked) or a
    file, answered 200 and setting no cookie; else None."""
    if isinstance(answer, Response):
        if answer.status_code != 200 or "Set-Cookie" in answer.headers:
            return None
        answer.direct_passthrough = False  # a file sent from memory: read it to keep it
        return _Entry(body=answer.get_data(), headers=tuple(answer.headers.items()))
    html, status = (answer, 200) if not isinstance(answer, tuple) else answer[:2]
    if not isinstance(html, str) or status != 200:
        return None
    return _cut(html)


def _cut(html: str) -> _Entry | None:
    """The page as its fixed pieces and the names of the live parts between them, with the
    session's CSRF token taken out; None if the page has no live parts marked as expected.

    The token is the one the page was written with, if any: asking for one here would start a
    session, and a cookie, for a reader of a page with no form (a public page, anonymous)."""
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    pieces: list[str] = []
    live: list[str] = []
    rest = html
    for name in _LIVE:
        mark = f"<!--live:{name}-->"
        start = rest.find(mark)
        end = rest.find(_END, start)
        if start < 0 or end < 0:
            return None
        pieces.append(_untoken(rest[:start + len(mark)], token))
        live.append(name)
        rest = rest[end:]
    pieces.append(_untoken(rest, token))
    return _Entry(pieces=tuple(pieces), live=tuple(live))


def _untoken(piece: str, token: str | None) -> str:
    return piece.replace(token, _TOKEN) if token else piece


def _serve(entry: _Entry) -> Any:
    if not entry.pieces:
        return _file(entry)
    token = generate_csrf() if any(_TOKEN in piece for piece in entry.pieces) else ""
    out = [entry.pieces[0].replace(_TOKEN, token)]
    for name, piece in zip(entry.live, entry.pieces[1:], strict=True):
        out.append(render_template(_LIVE[name]))
        out.append(piece.replace(_TOKEN, token))
    return Markup("".join(out))


def _file(entry: _Entry) -> Response:
    """A kept file; 304 when the browser holds this version (its ETag, if it has one)."""
    response = Response(entry.body, status=200, headers=list(entry.headers))
    etag, _ = response.get_etag()
    if etag and request.if_none_match.contains(etag):
        response = Response(status=304, headers=[
            (name, value) for name, value in entry.headers
            if name in ("ETag", "Cache-Control", "Vary")])
    return response
