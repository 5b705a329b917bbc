"""Route guards and security headers.

Every view carries one guard (the url_map test checks): `public`, `signed_in`, `admin_only`,
`programme_lead_only` or `org_page(capability)`. Organisation scoping itself happens in
tracker.services.access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, session
from flask_login import current_user

from tracker.domain.roles import Capability
from tracker.extensions import login_manager
from tracker.services.access import organisation_access, require

View = Callable[..., Any]


def _mark(view: View, guard: str) -> View:
    view._guard = guard  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    """Mark a view as open to everyone, signed in or not."""
    return _mark(view, "public")


def signed_in(view: View) -> View:
    """Require a signed-in user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapped, "signed_in")


def admin_only(view: View) -> View:
    """Require a signed-in administrator."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapped, "admin")


def programme_lead_only(view: View) -> View:
    """Require the signed-in programme lead (installation-wide; sees no council's own pages)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_programme_lead:
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapped, "programme_lead")


def org_page(capability: Capability = Capability.READ) -> Callable[[View], View]:
    """Require access to the organisation in the URL's `slug` with `capability`.

    Someone with no access at all gets 404 (the organisation's existence is not revealed);
    someone who may read it but not do this gets 403. The view receives `access`.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(slug: str, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            access = organisation_access(user=current_user, slug=slug)
            require(access, capability)
            g.access = access
            session["org"] = access.organisation.slug
            return view(access=access, **kwargs)

        return _mark(wrapped, f"org:{capability.value}")

    return decorator


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def register_security_headers(app: Flask) -> None:
    """Send a strict Content-Security-Policy (no inline script) and related headers."""

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault("Cache-Control", "no-store")
        return response
