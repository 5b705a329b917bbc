"""The service navigation for the current user and organisation."""

from __future__ import annotations

from flask import g, request, session, url_for
from flask_login import current_user

from tracker.domain.roles import Capability
from tracker.services.access import OrgAccess, organisation_access
from tracker.services.errors import NotFound
from tracker.services.notifications import unread_count


def current_access() -> OrgAccess | None:
    """Return the access to the organisation the user is working in, if any."""
    if "access" in g:
        return g.access
    if not current_user.is_authenticated or not session.get("org"):
        return None
    try:
        g.access = organisation_access(user=current_user, slug=session["org"])
    except NotFound:
        session.pop("org", None)
        return None
    return g.access


def navigation() -> list[dict]:
    """Return the service navigation items, marking the current one (worked out once a request:
    form widgets render templates of their own, and each render asks for the layout's context)."""
    if "navigation" not in g:
        g.navigation = _navigation()
    return g.navigation


def _navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = [("Your organisations", url_for("main.home"))]
    access = current_access()
    if access is not None:
        slug = access.organisation.slug
        items.append((access.organisation.name, url_for("orgs.overview", slug=slug)))
        if access.can(Capability.MANAGE_MEMBERS):
            items.append(("People", url_for("orgs.members", slug=slug)))
    unread = unread_count(user=current_user)
    items.append((f"Notifications ({unread})" if unread else "Notifications",
                  url_for("conversation.list_notifications")))
    if current_user.is_admin:
        items.append(("Administration", url_for("admin.index")))
    path = request.path
    best = max((href for _, href in items if path.startswith(href) and href != "/"),
               key=len, default="/" if path == "/" else None)
    return [{"text": text, "href": href, "active": href == best} for text, href in items]
