"""Per-client request limits on the sign-in and set-password forms (Flask-Limiter).

Each application gets its own Limiter: its counts live in RATELIMIT_STORAGE_URI (memory by
default, one count per process; a Redis URI shares them between processes and hosts). The
limits count the forms' POSTs by client address (after the trusted proxies, TRUSTED_PROXIES).
"""

from __future__ import annotations

from typing import cast

from flask import Flask
from flask.typing import RouteCallable
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: endpoint -> the setting holding its limit (in Flask-Limiter's notation, "20 per minute").
LIMITED_FORMS = {
    "auth.sign_in": "SIGN_IN_RATE_LIMIT",
    "auth.set_password": "SET_PASSWORD_RATE_LIMIT",
}


def init_rate_limits(app: Flask) -> None:
    """Limit how often one client may send the sign-in and set-password forms."""
    limiter = Limiter(get_remote_address, app=app, default_limits=[],
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["tracker_limiter"] = limiter
    for endpoint, setting in LIMITED_FORMS.items():
        limited = limiter.limit(app.config[setting], methods=["POST"])(app.view_functions[endpoint])
        app.view_functions[endpoint] = cast(RouteCallable, limited)
