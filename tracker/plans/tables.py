"""The plan's action table, written in Python: the markup plans/_macros.html's action_table
wrote, for up to hundreds of rows at a fraction of the macro's cost (by theme and all actions).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from functools import lru_cache

from markupsafe import Markup, escape

from tracker.domain.formatting import uk_date
from tracker.domain.plans import OPEN_STATUSES, STATUS_TAG
from tracker.services.actions import ActionRow

_HEAD = ('<th scope="col" class="govuk-table__header">Action</th>{theme}'
         '<th scope="col" class="govuk-table__header">Owner</th>'
         '<th scope="col" class="govuk-table__header">Due</th>'
         '<th scope="col" class="govuk-table__header">Status</th>'
         '<th scope="col" class="govuk-table__header">Indicators</th>')
_CELL = '<td class="govuk-table__cell">'
_OVERDUE = ' <strong class="govuk-tag govuk-tag--red app-overdue">Overdue</strong>'
_DRAFT = ' <strong class="govuk-tag govuk-tag--orange">Draft</strong>'
_CHANGED = ' <strong class="govuk-tag govuk-tag--light-blue">Changed after sign-off</strong>'
#: Each status's tag, as status_tags writes it.
_STATUS = {status: f'<strong class="govuk-tag {STATUS_TAG[status]}">{status.label}</strong>'
           for status in STATUS_TAG}


def action_table(actions: Iterable[ActionRow], caption: str, *, actions_path: str, today: date,
                 changed_after_sign_off: Collection[int] = (), show_theme: bool = False) -> Markup:
    """Return the table of `actions` (a row each, linked from `actions_path` + its id) in a
    scrolling region named by `caption`, with the theme column when `show_theme`.

    The table is kept per version of its inputs: the rows (named tuples of what is shown) and
    the rest are the key, so a table is never stale and a plan seen again is not written again.
    """
    rows = tuple(actions)
    return _table(rows, caption, actions_path, today,
                  frozenset(a.id for a in rows if a.id in changed_after_sign_off), show_theme)


@lru_cache(maxsize=16)
def _table(actions: tuple[ActionRow, ...], caption: str, actions_path: str, today: date,
           changed_after_sign_off: frozenset[int], show_theme: bool) -> Markup:
    caption_text = escape(caption)
    path = escape(actions_path)
    dates: dict[date, str] = {}
    names: dict[int, str] = {}
    parts = [f'<div class="app-table-scroll" tabindex="0" role="region" '
             f'aria-label="{caption_text} (table)">\n<table class="govuk-table app-action-table">'
             f'\n  <caption class="govuk-table__caption govuk-table__caption--m">{caption_text}'
             f'</caption>\n  <thead class="govuk-table__head">\n    <tr class="govuk-table__row">'
             + _HEAD.format(theme='<th scope="col" class="govuk-table__header">Theme</th>'
                            if show_theme else '')
             + '</tr>\n  </thead>\n  <tbody class="govuk-table__body">']
    append = parts.append
    for action in actions:
        status = action.status
        due = action.due_date
        if due is None:
            due_text = "Not set"
        else:
            due_text = dates.get(due) or dates.setdefault(due, uk_date(due))
        owner = action.owner
        if owner is None:
            owner_text = "No owner yet"
        else:
            owner_text = names.get(owner.id) or names.setdefault(owner.id, escape(owner.name))
        tags = _STATUS[status]
        if due is not None and due < today and status in OPEN_STATUSES:
            tags += _OVERDUE
        if action.is_draft:
            tags += _DRAFT
        if action.id in changed_after_sign_off:
            tags += _CHANGED
        links = ", ".join(
            escape(link.indicator) if link.service_area == "all"
            else f"{escape(link.indicator)} ({escape(link.service_area)})"
            for link in action.links) or "Not linked"
        theme = f'{_CELL}{escape(action.theme.name)}</td>' if show_theme else ""
        append(f'\n    <tr class="govuk-table__row">{_CELL}<a class="govuk-link" '
               f'href="{path}{action.id}">{escape(action.title)}</a></td>{theme}'
               f'{_CELL}{owner_text}</td>{_CELL}{due_text}</td>{_CELL}{tags}</td>'
               f'{_CELL}{links}</td></tr>')
    append("\n  </tbody>\n</table>\n</div>")
    return Markup("".join(parts))


def linked_actions(actions: Iterable[ActionRow], *, actions_path: str) -> Markup:
    """Return the actions linked to an indicator result as the plan by indicator lists them:
    each linked from `actions_path` + its id with its status, one a line ("No action linked"
    when none)."""
    path = escape(actions_path)
    return Markup("<br>".join(
        f'<a class="govuk-link" href="{path}{action.id}">{escape(action.title)}</a> '
        f'({action.status.label.lower()})' for action in actions) or "No action linked")
