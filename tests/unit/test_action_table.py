# ruff: noqa: E501 (the reference macro keeps its lines as the template had them)
"""The action table written in Python (tracker/plans/tables.py) writes what the Jinja macro it
replaced wrote, element by element: the macro is kept here as the reference."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from jinja2 import Environment

from tracker import action_is_overdue
from tracker.domain.formatting import uk_date
from tracker.domain.plans import STATUS_TAG, ActionStatus
from tracker.plans.tables import action_table, linked_actions
from tracker.services.actions import ActionRow, LinkRef, OwnerRef, ThemeRef

#: plans/_macros.html's action_table as it was before tables.py (the reference).
OLD_MACRO = """{% macro action_table(actions, caption, slug, cycle, today, status_tag, area_words, changed_after_sign_off=(), show_theme=false) %}
<div class="app-table-scroll" tabindex="0" role="region" aria-label="{{ caption }} (table)">
<table class="govuk-table app-action-table">
  <caption class="govuk-table__caption govuk-table__caption--m">{{ caption }}</caption>
  <thead class="govuk-table__head">
    <tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Action</th>
      {% if show_theme %}<th scope="col" class="govuk-table__header">Theme</th>{% endif %}
      <th scope="col" class="govuk-table__header">Owner</th>
      <th scope="col" class="govuk-table__header">Due</th>
      <th scope="col" class="govuk-table__header">Status</th>
      <th scope="col" class="govuk-table__header">Indicators</th>
    </tr>
  </thead>
  <tbody class="govuk-table__body">
  {#- One row an action, for up to hundreds of actions: the tags as status_tags writes them,
      and each action's link from the plan's actions path (as url_for writes it, made once). #}
  {% set actions_path = url_for('plans.list_actions', slug=slug, label=cycle.label) ~ '/' %}
  {% for action in actions %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ actions_path }}{{ action.id }}">{{ action.title }}</a></td>
      {% if show_theme %}<td class="govuk-table__cell">{{ action.theme.name }}</td>{% endif %}
      <td class="govuk-table__cell">{{ action.owner.name if action.owner else 'No owner yet' }}</td>
      <td class="govuk-table__cell">{{ action.due_date | uk_date if action.due_date else 'Not set' }}</td>
      <td class="govuk-table__cell"><strong class="govuk-tag {{ status_tag[action.status] }}">{{ action.status.label }}</strong>
        {%- if action is overdue(today) %} <strong class="govuk-tag govuk-tag--red app-overdue">Overdue</strong>{% endif %}
        {%- if action.is_draft %} <strong class="govuk-tag govuk-tag--orange">Draft</strong>{% endif %}
        {%- if action.id in changed_after_sign_off %} <strong class="govuk-tag govuk-tag--light-blue">Changed after sign-off</strong>{% endif %}</td>
      <td class="govuk-table__cell">{% for link in action.links %}{{ link.indicator }}{% if link.service_area != 'all' %} ({{ link.service_area }}){% endif %}{% if not loop.last %}, {% endif %}{% else %}Not linked{% endfor %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
</div>
{% endmacro %}
"""
TODAY = date(2026, 12, 3)
PATH = "/org/northshire/cycles/2026-27/plan/actions"


def _rows() -> list[ActionRow]:
    owner = OwnerRef(7, "Ada <O'Neil> & \"Co\"", "ada@example.org")
    other = OwnerRef(8, "Sam Patel", "sam@example.org")
    theme = ThemeRef(3, "Leadership & <culture>", 1)
    rows = []
    dues = [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=40)]
    links = [(), (LinkRef("SCW2", "all"),), (LinkRef("SCW1", "adults"), LinkRef("SCW4", "all"),
                                              LinkRef("SCW9", "children"))]
    for n, status in enumerate(list(ActionStatus) * 3):
        rows.append(ActionRow(n + 1, f"Action {n} <b>'quoted'</b> & more", status,
                              dues[n % len(dues)], n % 4 == 1, None if n % 5 == 0 else 7 + n % 2,
                              theme.id, n % 3 == 0, TODAY, None if n % 5 == 0 else
                              (owner if n % 2 else other), theme, links[n % len(links)]))
    return rows


def _old(rows, caption, changed=(), show_theme=False) -> str:
    env = Environment(autoescape=True)
    env.filters["uk_date"] = uk_date
    env.tests["overdue"] = action_is_overdue
    env.globals["url_for"] = lambda endpoint, slug, label: PATH
    template = env.from_string(OLD_MACRO + "{{ action_table(rows, caption, 'northshire', cycle,"
                               " today, status_tag, {}, changed, show_theme) }}")
    return template.render(rows=rows, caption=caption, cycle={"label": "2026-27"},
                           today=TODAY, status_tag=STATUS_TAG, changed=changed,
                           show_theme=show_theme)


def _same_markup(html: str) -> str:
    """The markup without the line breaks and indentation between elements."""
    return re.sub(r"\s*\n\s*", "", html).strip()


@pytest.mark.parametrize("show_theme", [False, True])
@pytest.mark.parametrize("changed", [(), (1, 4, 9)])
def test_the_python_table_writes_what_the_macro_wrote(show_theme, changed):
    rows = _rows()
    caption = "Leadership & <culture> (retired theme)"
    new = action_table(rows, caption, actions_path=PATH + "/", today=TODAY,
                       changed_after_sign_off=set(changed), show_theme=show_theme)
    old = _old(rows, caption, changed, show_theme)
    assert _same_markup(str(new)) == _same_markup(old)
    assert "&lt;b&gt;" in new and "Overdue" in new and "Draft" in new
    assert ("Changed after sign-off" in new) == bool(changed)


def test_an_empty_table_is_the_macros_too():
    assert _same_markup(str(action_table([], "Actions", actions_path=PATH + "/", today=TODAY))) \
        == _same_markup(_old([], "Actions"))


def test_a_kept_table_is_never_stale():
    rows = _rows()
    first = action_table(rows, "Actions", actions_path=PATH + "/", today=TODAY)
    assert action_table(list(rows), "Actions", actions_path=PATH + "/", today=TODAY) == first
    rows[2] = rows[2]._replace(title="Renamed & rewritten", status=ActionStatus.COMPLETE)
    changed = action_table(rows, "Actions", actions_path=PATH + "/", today=TODAY)
    assert "Renamed &amp; rewritten" in changed and "Renamed" not in first
    assert _same_markup(str(changed)) == _same_markup(_old(rows, "Actions"))
    later = action_table(rows, "Actions", actions_path=PATH + "/", today=TODAY + timedelta(days=90))
    assert later.count("Overdue") > changed.count("Overdue")
    signed = action_table(rows, "Actions", actions_path=PATH + "/", today=TODAY,
                          changed_after_sign_off={rows[0].id})
    assert signed.count("Changed after sign-off") == 1


#: plans/by_indicator.html's linked actions cell as it was (the reference).
OLD_LINKED = ("{% for action in actions %}<a class=\"govuk-link\" href=\"{{ actions_path }}"
              "{{ action.id }}\">{{ action.title }}</a> ({{ action.status.label | lower }})"
              "{% if not loop.last %}<br>{% endif %}{% else %}No action linked{% endfor %}")


@pytest.mark.parametrize("count", [0, 1, 7])
def test_the_linked_actions_are_what_the_template_wrote(count):
    rows = _rows()[:count]
    old = Environment(autoescape=True).from_string(OLD_LINKED).render(
        actions=rows, actions_path=PATH + "/")
    assert linked_actions(rows, actions_path=PATH + "/") == old
