"""The SC-WRES tracker: create_app() wires the application together."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, flash, g, has_request_context, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, UnicodeConverter

from config import CONFIGS, ProductionConfig, _database_url
from tracker import jobs
from tracker.domain import formatting
from tracker.domain.plans import is_overdue
from tracker.extensions import csrf, db, login_manager, migrate, passwords, wtforms_helpers
from tracker.form_widgets import component as govuk_component
from tracker.form_widgets import keep_rendered_widgets
from tracker.limits import init_rate_limits
from tracker.observability import init_logging, init_sentry
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
    init_logging(app)
    init_sentry(app)
    _register_ethnicity_mapping(app)
    _register_templates(app)
    _register_extensions(app)
    _register_sqlite_transactions(app)
    _register_url_converters(app)
    _register_blueprints(app)
    init_rate_limits(app)
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
    keep_rendered_widgets()  # tracker/form_widgets.py
    app.jinja_env.globals["govuk"] = govuk_component
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
    jobs.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user = auth_service.load_user_from_session(session_id)
        if user is None or not user.is_active:
            return None
        g.user_id = user.id  # for the request's log line (tracker/observability.py)
        return user


#: Requests that may write: on SQLite they take the write lock as their transaction begins.
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _register_sqlite_transactions(app: Flask) -> None:
    """On SQLite, a request that may write holds the database's write lock from its start.

    SQLite has no row locks and one writer at a time. pysqlite's own transaction handling
    starts a transaction only at the first write, so a request could read a row, another
    commit a change to it, and the first write over it. Instead (SQLAlchemy's documented
    recipe) the app begins each transaction itself: ``BEGIN IMMEDIATE`` in a request that may
    write (and in a job, tracker.jobs), so writing requests run one after another, each seeing
    what the last committed, and a plain ``BEGIN`` elsewhere. The database is in WAL mode, so
    reading requests go on while one writes. PostgreSQL uses row locks instead (tracker/services/locks.py).
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        # Readers never block the writer nor it them (write-ahead log); a writer waits up to
        # 30 s for the one before it.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # An API read is audited: it writes too.
        writing = (has_request_context() and (request.method in WRITING_METHODS
                                              or request.path.startswith("/api/v1/"))) or \
            jobs.may_write()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def is_write_conflict(error: BaseException) -> bool:
    """Say whether a database error means another request wrote the same rows at the same time.

    A version that moved (StaleDataError), a unique row inserted meanwhile (IntegrityError), a
    deadlock or serialization failure on PostgreSQL, or SQLite's write lock held too long.
    """
    if isinstance(error, StaleDataError | IntegrityError):
        return True
    if isinstance(error, DBAPIError):
        code = getattr(error.orig, "sqlstate", None)
        return code in ("40001", "40P01", "55P03") or "database is locked" in str(error.orig)
    return False


class DatabaseId(IntegerConverter):
    """An `<int:...>` in a URL is a database id: larger than a 32-bit integer is simply 404."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Segment(UnicodeConverter):
    """A text segment of a URL: one holding a control character (a NUL, say) is simply 404.

    No slug, label, token or code holds one, and PostgreSQL cannot even compare text with a NUL.
    """

    def __init__(self, url_map, minlength=1, maxlength=None, length=None):
        super().__init__(url_map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


def _register_url_converters(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    app.url_map.converters["default"] = app.url_map.converters["string"] = Segment


def _register_blueprints(app: Flask) -> None:
    from tracker.admin import bp as admin_bp
    from tracker.api import register_api
    from tracker.auth import bp as auth_bp
    from tracker.commitments import bp as commitments_bp
    from tracker.conversation import bp as conversation_bp
    from tracker.indicators import bp as indicators_bp
    from tracker.main import bp as main_bp
    from tracker.national import bp as national_bp
    from tracker.orgs import bp as orgs_bp
    from tracker.plans import bp as plans_bp
    from tracker.reports import bp as reports_bp
    from tracker.reviews import bp as reviews_bp

    register_api(app)
    for blueprint in (main_bp, auth_bp, orgs_bp, indicators_bp, plans_bp, reviews_bp,
                      admin_bp, conversation_bp, reports_bp, national_bp, commitments_bp):
        app.register_blueprint(blueprint)


def conflict_page():
    """The answer to a write that met another one on the same rows: nothing of it was saved."""
    db.session.rollback()
    current_app.logger.info("write conflict: %s %s", request.method, request.path)
    return render_template("errors/conflict.html"), 409


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

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    @app.errorhandler(DBAPIError)
    def write_conflict(error):
        if not is_write_conflict(error):
            return page(500)
        return conflict_page()

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

    for status in (400, 403, 404, 413, 429, 500):
        app.register_error_handler(status, lambda error, status=status: page(status))


def _register_transaction(app: Flask) -> None:
    """One transaction per request: services flush; the request commits once, or rolls back."""

    @app.after_request
    def commit(response):
        if response.status_code < 400 and not g.get("rollback"):
            try:
                _commit_keeping_objects()
            except DBAPIError as error:  # includes IntegrityError
                if not is_write_conflict(error):
                    raise
                return app.make_response(conflict_page())
            except StaleDataError:
                return app.make_response(conflict_page())
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(error):
        if error is not None:
            db.session.rollback()


def _commit_keeping_objects() -> None:
    """Commit the request's transaction without expiring what it loaded.

    The response is rendered by now and the session is closed at the end of the request, so
    nothing reads these objects again in this request; expiring them (the session's default on
    commit) cost a page that loaded 300 actions about 7.5 ms. A streamed response that reads
    them afterwards sees what it read in the transaction, as it did before the commit. Writes
    are committed exactly as before: this is the same commit.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _register_cli(app: Flask) -> None:
    from tracker.cli import tracker_cli

    app.cli.add_command(tracker_cli)

