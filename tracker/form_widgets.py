"""GOV.UK form fields and components rendered once for each thing they show.

A govuk-frontend-wtf widget renders a GOV.UK Frontend macro (a Jinja template of its own) from
a dictionary of parameters: the field's name, id, label, value, choices, hint and error. What
it writes depends on those parameters alone, and the same ones come back on every request: an
empty "new action" form, the progress form on an action's page, the owner drop-down with the
same people in it. Rendering them was most of those pages (new_action: 85% of its time in the
macros). So each widget's HTML is kept, per process, under a key made of its template and its
parameters (content-addressed: the same key is the same HTML, whoever asks, so nothing one user
typed can reach another's page unless it is what that page would show anyway).

Templates that call a GOV.UK component themselves (a reply box under each comment) call it
through `component` (the template global `govuk`), which keeps it the same way.

The key keeps the type of every value: Markup (already safe) and str (to be escaped) are
different keys, so a text that looks like HTML is never taken for HTML. Parameters of any
other type are rendered as before, without keeping. At most KEPT_BYTES of HTML are kept; the
least recently used goes first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup

KEPT_BYTES = 16 * 1024 * 1024
_kept: OrderedDict[tuple, Markup] = OrderedDict()
_size = 0
_lock = threading.Lock()  # the development server and the browser tests serve in threads


class _NotKept(Exception):
    """A parameter the key cannot tell apart from another reliably."""


def _key(value: Any) -> Any:
    if type(value) is str:
        return value
    if type(value) is Markup:
        return ("markup", str(value))
    if value is None or type(value) in (bool, int, float):
        return (type(value).__name__, value)
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise _NotKept
        return ("dict", tuple((k, _key(v)) for k, v in sorted(value.items())))
    if type(value) in (list, tuple):
        return (type(value).__name__, tuple(_key(v) for v in value))
    raise _NotKept


def _kept_or(key_parts: tuple, params: Any, render: Callable[[], Markup]) -> Markup:
    """What was kept under the key of `params`, or what `render` makes of them (then kept)."""
    global _size
    try:
        key = (*key_parts, _key(params))
    except _NotKept:
        return render()
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = render()
    with _lock:
        if key not in _kept:
            _kept[key] = html
            _size += len(html)
        while _size > KEPT_BYTES and _kept:
            _size -= len(_kept.popitem(last=False)[1])
    return html


def _render_kept(self: GovFormBase, params: dict) -> Markup:
    return _kept_or(("widget", self.template), params, lambda: _render_plain(self, params))


def component(name: str, params: dict) -> Markup:
    """GOV.UK Frontend's `name` component (govuk_frontend_jinja's govukName macro) with these
    parameters, kept as the widgets are: templates call it as govuk('textarea', {...})."""
    def render() -> Markup:
        template = current_app.jinja_env.get_template(
            f"govuk_frontend_jinja/components/{name}/macro.html")
        macro = "govuk" + "".join(part.capitalize() for part in name.split("-"))
        return Markup(getattr(template.module, macro)(params))

    return _kept_or(("component", name), params, render)


_render_plain = GovFormBase.render


def keep_rendered_widgets() -> None:
    """Make every govuk-frontend-wtf widget keep what it renders (once per process)."""
    GovFormBase.render = _render_kept


def forget() -> None:
    """Drop what is kept (tests)."""
    global _size
    with _lock:
        _kept.clear()
        _size = 0
