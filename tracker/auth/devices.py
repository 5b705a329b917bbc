"""The known-device cookie: the accounts that have signed in from this browser before.

A browser carrying it for an account is not slowed down by wrong passwords others typed for
that account (tracker.domain.signin), so a stranger cannot keep the owner waiting. It holds
only account ids, signed with the application's secret key, so it cannot be made up.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE = "known_device"
DAYS = 180
MOST_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="known-device")


def known_accounts() -> frozenset[int]:
    """The account ids this browser has signed in to before (none if the cookie is not ours)."""
    value = request.cookies.get(COOKIE)
    if not value:
        return frozenset()
    try:
        ids = _serializer().loads(value, max_age=DAYS * 24 * 3600)
    except BadSignature:
        return frozenset()
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(i for i in ids if isinstance(i, int))


def remember_account(response: Response, user_id: int) -> None:
    """Add `user_id` to this browser's known-device cookie."""
    ids = [i for i in sorted(known_accounts()) if i != user_id][-(MOST_ACCOUNTS - 1):]
    response.set_cookie(
        COOKIE, _serializer().dumps([*ids, user_id]), max_age=DAYS * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
