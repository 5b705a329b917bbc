"""A live server on loopback and Debian's Chromium driven by Playwright, with axe-core."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tracker import create_app
from tracker.demo.load import DEMO_PASSWORD, load_demo
from tracker.extensions import db

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def buffered(app):
    """Wrap a WSGI app so that each response is read whole, and its file closed, before sending.

    Werkzeug's development server does not close a response's iterator when the browser drops
    the connection half-way (Chromium does, for a favicon it already has), which leaves a file
    open and, under filterwarnings=error, fails whichever test is running.
    """

    def serve(environ, start_response):
        iterable = app(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        return [body]

    return serve


_DATABASES: dict[str, Path] = {}


@pytest.fixture
def live_database(live_server: str) -> Path:
    """The SQLite file the live server runs on, to read what a journey sent (an e-mail's link)."""
    return _DATABASES[live_server]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app, migrated and with a fresh demo, on a free loopback port.

    One per test module: a module's journey may change the demo (sign a plan off, start a
    cycle), and no other module depends on that, wherever xdist runs it.
    """
    database = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    _DATABASES[url] = database
    yield url
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium) or set CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh browser context; any console error (a CSP violation, a 404 asset) fails the test."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors: list[str] = []
    # A failed document load (a 403 or 404 page under test) is expected; a failed asset is not,
    # and neither is any other console error, such as a Content-Security-Policy violation.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"browser console errors: {errors}"


def assert_accessible(page: Page) -> None:
    """Run axe-core on the current page, once it has loaded, and fail with the violations.

    A click that navigates returns before the next document has loaded; axe run then would
    check a blank page (no main landmark, no heading) and fail for nothing. Wait for the
    document to be complete and to hold its main element first.
    """
    page.wait_for_load_state("load")
    page.wait_for_function(
        "document.readyState === 'complete' && document.querySelector('main') !== null")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)  # evaluated through the debugger protocol: not blocked by our CSP
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert violations == [], f"{page.url}: " + json.dumps(violations, indent=2)


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait for the home page."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A module's browser tests share its live server: keep each module on one xdist worker."""
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
