"""Home, organisation switching, health and the accessibility statement."""

from __future__ import annotations

from collections import OrderedDict

from flask import current_app, jsonify, render_template, request, session
from flask_login import current_user
from markupsafe import Markup

from tracker.domain.definitions import SERVICE_AREA_LABELS
from tracker.domain.plans import STATUS_TAG, Attention
from tracker.kept_pages import kept_page
from tracker.main import bp
from tracker.security import public, signed_in
from tracker.services import homes as home_service
from tracker.services.health import database_ok
from tracker.services.versions import people_organisations_version
from tracker.web import today


@bp.get("/")
@signed_in
def home():
    """Show the user's home: each organisation they lead or sponsor at a glance, the actions
    they own, the councils their advisory groups follow, and the organisations to work in."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in home_service.COUNCIL_SORTS else "name"
    descending = request.args.get("order") == "descending"
    current_slug = session.get("org")

    def render():
        found = home_service.home(user=current_user, today=today(), sort=sort,
                                  descending=descending)
        return render_template(
            "main/home.html", current_slug=current_slug, today=today(), home=found,
            councils_table=councils_table(found.councils, sort=sort, descending=descending,
                                          current_slug=current_slug),
            attention=Attention, status_tag=STATUS_TAG, area_words=SERVICE_AREA_LABELS)

    # Kept under the version of every organisation the person belongs to or follows (and of
    # what organisations share: names, groups); the organisation they work in is marked on it.
    return kept_page(render, version=people_organisations_version(current_user.id),
                     parts=current_slug)


#: The advisors' table of councils as HTML, keyed by everything it shows (each council's facts
#: as read, the sort, the current organisation): the same councils give the same table, so a
#: table is rendered once for every advisor of the groups until one of its figures changes
#: (rendering a hundred rows was about a third of the advisor's home). Each process keeps its
#: own; a key is compared whole (no hash to collide), so what is kept is never another's table.
_TABLES_KEPT: OrderedDict[tuple, Markup] = OrderedDict()
TABLES_KEPT_AT_MOST = 64


def council_facts(council: home_service.Council) -> tuple:
    """Everything of a council that the table shows (tests/integration/test_homes.py holds
    that this names every field of Council, so a new column cannot show a kept table)."""
    tally = council.tally
    return (council.organisation, tuple(council.groups), council.cycle, council.has_figures,
            council.adverse, council.rated, tally.total, tuple(sorted(tally.by_status.items())),
            tally.overdue, tally.due_soon, tally.stale, council.awaiting, council.longest_wait,
            council.last_activity)


def councils_table(councils: list[home_service.Council], *, sort: str, descending: bool,
                   current_slug: str | None) -> Markup:
    """The table of the councils an advisor follows (main/_councils.html), kept by its facts."""
    if not councils:
        return Markup("")
    key = (request.script_root, sort, descending, current_slug,
           tuple(council_facts(council) for council in councils))
    table = _TABLES_KEPT.get(key)
    if table is None:
        table = Markup(current_app.jinja_env.get_template("main/_councils.html").render(
            home=home_service.Home([], [], [], False, councils), sort=sort,
            descending=descending, descending_first=home_service.DESCENDING_FIRST,
            current_slug=current_slug))
        _TABLES_KEPT[key] = table
    _TABLES_KEPT.move_to_end(key)
    while len(_TABLES_KEPT) > TABLES_KEPT_AT_MOST:
        _TABLES_KEPT.popitem(last=False)
    return table


@bp.get("/health")
@public
def health():
    """Report whether the application and its database answer (for load balancers)."""
    ok = database_ok()
    return jsonify(status="ok" if ok else "unavailable", database=ok), 200 if ok else 503


@bp.get("/accessibility")
@public
def accessibility():
    """Show the accessibility statement."""
    return render_template("main/accessibility.html")
