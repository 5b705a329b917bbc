"""The read-only JSON API (flask-smorest): OpenAPI 3.1 at /api/openapi.json, bearer tokens."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

api = Api()


def register_api(app: Flask) -> None:
    """Serve the API and its OpenAPI document (generated from the code)."""
    app.config.setdefault("API_TITLE", "SC-WRES tracker")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Read-only figures and plans for a council's own dashboards "
                                "(Power BI, Excel). Send the token its EDI lead made as "
                                "'Authorization: Bearer <token>'."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    api.init_app(app)
    from tracker.api.routes import bp

    api.register_blueprint(bp)
