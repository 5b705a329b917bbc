"""Helpers shared by the integration and browser tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import event

from tracker.demo.extracts import demo_extracts
from tracker.demo.load import DEMO_PASSWORD
from tracker.domain.counts import counts_from_extracts
from tracker.domain.definitions import INDICATORS_BY_ID
from tracker.domain.extracts import read_extracts
from tracker.domain.indicators import compute_results
from tracker.domain.stored_results import StoredResults
from tracker.domain.trends import Change, Point, trend


@cache
def demo_results(label: str = "2024-25", slug: str = "northshire") -> StoredResults:
    """The figures the demo saves for a council's cycle, worked out from the same generated
    extracts (tracker/demo/extracts.py): tests look the demo's figures up, never copy them."""
    counts = counts_from_extracts(**read_extracts(**demo_extracts(slug=slug,
                                                                  label=label).uploads()))
    return StoredResults({area: compute_results(c).to_dict("gm-white")
                          for area, c in counts.items()})


DEMO_CYCLES = ("2022-23", "2023-24", "2024-25")


def demo_changes(indicator: str, area: str) -> list[tuple[str, float | None, Change]]:
    """Northshire's demo cycles' (label, RL, change) of one result, by the trend rule."""
    points = []
    for label in DEMO_CYCLES:
        series = demo_results(label).series(area, indicator)
        points.append(Point(label, series.rl, series.ci95, series.rating, series.status))
    return [(point.label, point.rl, change) for point, change in
            trend(points, better_when=INDICATORS_BY_ID[indicator].better_when)]


def change_words(change: Change) -> str:
    """What the trend pages say first of a change ("Towards parity Better for ...")."""
    if change.for_gm is None:
        return change.words
    return f"{change.words} {change.for_gm.capitalize()} for global majority staff"


def page(response) -> BeautifulSoup:
    """Parse a response's HTML."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def main_text(response) -> str:
    """The text of the page's main content (what a kept page keeps: tracker/kept_pages.py)."""
    return page(response).find("main").get_text(" ", strip=True)


def without_csrf_tokens(response) -> bytes:
    """The answer's body with each CSRF token's value taken out: a session's token is signed
    afresh with the time, so two copies of a kept page a second apart differ only there."""
    assert response.status_code == 200, response.status_code
    return re.sub(rb'(csrf_token"[^>]*value=")[^"]*', rb"\1", response.data)


def csrf_token(client: FlaskClient, url: str) -> str:
    """GET a page and return the CSRF token of its first form."""
    response = client.get(url)
    field = page(response).find("input", attrs={"name": "csrf_token"})
    assert field is not None, f"no CSRF token on {url} ({response.status_code})"
    return field["value"]


def post_form(client: FlaskClient, url: str, data: dict, *, token_from: str | None = None,
              **kwargs):
    """POST a form with a valid CSRF token taken from `token_from` (default: the same URL)."""
    data = {"csrf_token": csrf_token(client, token_from or url), **data}
    return client.post(url, data=data, **kwargs)


def prepared_document(client: FlaskClient, url: str):
    """Ask for a document (a board pack, the council's report) on the cycle's Reports page, as a
    person does, then download it from `url` (in the tests its job runs as the request commits)."""
    cycle_url, _, name = url.rpartition("/")
    asked = post_form(client, f"{cycle_url}/reports/{name}", {}, token_from=f"{cycle_url}/reports")
    assert asked.status_code == 302, f"could not ask for {name} ({asked.status_code})"
    return client.get(url)


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD):
    """Sign in through the real form."""
    return post_form(client, "/sign-in", {"email": email, "password": password})


def database_rows(session) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: compare before and after to prove that
    a request changed nothing."""
    from tracker.extensions import db

    return {table.name: [tuple(row) for row in session.execute(
                table.select().order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


def error_summary(response) -> list[str]:
    """Return the messages in the page's error summary."""
    summary = page(response).select(".govuk-error-summary__list li")
    return [item.get_text(" ", strip=True) for item in summary]


# Roles in the role-matrix tests, and what an organisation page answers each of them
ROLES = ["edi_lead", "action_owner", "sponsor", "viewer", "advisor", "administrator",
         "other_org", "anonymous"]
OUTSIDERS = {"administrator": 404, "other_org": 404, "anonymous": 302}


def expected_status(role: str, allowed, ok: int = 200) -> int:
    """What an organisation route answers `role`: ok if allowed, else 403, 404 or sign-in."""
    if role in allowed:
        return ok
    return OUTSIDERS.get(role, 403)


@contextmanager
def statements(session) -> Iterator[list[str]]:
    """Collect the SQL statements run on the test session's connection meanwhile (its own
    pending inserts flushed first, so they are not counted)."""
    session.flush()
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(session.connection(), "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(session.connection(), "before_cursor_execute", listener)
