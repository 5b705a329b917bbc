"""The SC-WRES tracker: create_app() wires the application together."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, flash, g, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import CONFIGS, ProductionConfig, _database_url
from tracker.domain import formatting
from tracker.domain.plans import is_overdue
from tracker.extensions import csrf, db, login_manager, migrate, passwords, wtforms_helpers
from tracker.security import register_security_headers
from tracker.services import auth as auth_service
from tracker.services.errors import Forbidden, Locked, NotFound
from tracker.templating import ProjectStrictUndefined
from tracker.web import page_of_form

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the application for 'development', 'test' or 'production'."""
    config_name = config_name or os.environ.get("TRACKER_CONFIG", "development")
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        static_url_path="/assets",
        instance_path=str(ROOT / "instance"),
    )
    _register_config(app, config_name, overrides)
    _register_ethnicity_mapping(app)
    _register_templates(app)
    _register_extensions(app)
    _register_url_converters(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_transaction(app)
    register_security_headers(app)
    _register_cli(app)
    return app


def _register_config(app: Flask, config_name: str, overrides: dict) -> None:
    config_class = CONFIGS[config_name]
    config_class.check()
    app.config.from_object(config_class)
    if config_class is ProductionConfig:
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(os.environ["DATABASE_URL"])
    app.config.update(overrides)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Flask documents wrapping wsgi_app this way; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and ":memory:" not in (
        app.config["SQLALCHEMY_DATABASE_URI"]
    ):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _register_ethnicity_mapping(app: Flask) -> None:
    """Load the installation's extra ethnicity labels once; refuse to start if they are wrong."""
    path = app.config.get("ETHNICITY_MAPPING_FILE")
    if path:
        from tracker.domain.ethnicity import load_extra_mapping

        app.extensions["ethnicity_mapping"] = load_extra_mapping(path)


def _register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if app.config.get("STRICT_TEMPLATES"):
        app.jinja_env.undefined = ProjectStrictUndefined
    app.jinja_env.tests["overdue"] = action_is_overdue
    app.jinja_env.filters.update(
        uk_date=formatting.uk_date,
        london_time=formatting.london_time,
        rl=formatting.relative_likelihood,
        percentage=formatting.percentage,
        likelihood_phrase=formatting.likelihood_phrase,
        rating_label=formatting.rating_label,
        rating_tag_class=formatting.rating_tag_class,
        percentage_points=formatting.percentage_points,
    )

    @app.context_processor
    def layout_context():
        from tracker.main.navigation import navigation
        from tracker.models import utcnow

        return {"service_name": app.config["SERVICE_NAME"], "navigation": navigation(),
                "now_utc": utcnow(), "disclosure_threshold": app.config["DISCLOSURE_THRESHOLD"]}


def action_is_overdue(action, today) -> bool:
    """The Jinja test `action is overdue(today)`: open and past its due date, whatever its status."""
    return is_overdue(due_date=action.due_date, status=action.status, today=today)


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    wtforms_helpers.init_app(app)
    passwords.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user = auth_service.load_user_from_session(session_id)
        return user if user is not None and user.is_active else None


class DatabaseId(IntegerConverter):
    """An `<int:...>` in a URL is a database id: larger than a 32-bit integer is simply 404."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _register_url_converters(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId


def _register_blueprints(app: Flask) -> None:
    from tracker.admin import bp as admin_bp
    from tracker.auth import bp as auth_bp
    from tracker.conversation import bp as conversation_bp
    from tracker.indicators import bp as indicators_bp
    from tracker.main import bp as main_bp
    from tracker.orgs import bp as orgs_bp
    from tracker.plans import bp as plans_bp
    from tracker.reports import bp as reports_bp
    from tracker.reviews import bp as reviews_bp

    for blueprint in (main_bp, auth_bp, orgs_bp, indicators_bp, plans_bp, reviews_bp,
                      admin_bp, conversation_bp, reports_bp):
        app.register_blueprint(blueprint)


def _register_errors(app: Flask) -> None:
    def page(status: int):
        if status >= 500:
            db.session.rollback()
        return render_template(f"errors/{status}.html"), status

    @app.errorhandler(NotFound)
    def service_not_found(error):
        return page(404)

    @app.errorhandler(Forbidden)
    def service_forbidden(error):
        return page(403)

    @app.errorhandler(Locked)
    def locked(error):
        return render_template("errors/locked.html", message=str(error)), 409

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(405)
    def method_not_allowed(error):
        # Back or reload after a form was sent: show the page the form belongs to.
        target = page_of_form(app, request.path) if request.method in ("GET", "HEAD") else None
        if target is not None:
            flash("That form has already been sent (or has expired), so it was not sent again. "
                  "This is the page it belongs to, as it is now.", "info")
            return redirect(target, 303)
        return page(405)

    for status in (400, 403, 404, 413, 500):
        app.register_error_handler(status, lambda error, status=status: page(status))


def _register_transaction(app: Flask) -> None:
    """One transaction per request: services flush; the request commits once, or rolls back."""

    @app.after_request
    def commit(response):
        if response.status_code < 400 and not g.get("rollback"):
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(error):
        if error is not None:
            db.session.rollback()


def _register_cli(app: Flask) -> None:
    from tracker.cli import tracker_cli

    app.cli.add_command(tracker_cli)

