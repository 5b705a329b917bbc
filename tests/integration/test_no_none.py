"""Crawl every page each role can reach and find no "None" (nor another sign of a raw value).

A missing value says what is missing and why ("no interval: no global majority staff had this
outcome"), so the crawl starts from the demo plus the states that used to print "None": a cycle
just started with carried actions and no figures, and a council with no global majority staff
and a relative likelihood of 0.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.factories import demo_counts_rows
from tests.helpers import page, post_form, sign_in
from tracker.domain.plans import OPEN_STATUSES
from tracker.models import Action, ActionPlan, Organisation, ReportingCycle

ROLES = ["edi_lead", "action_owner", "sponsor", "viewer", "advisor", "administrator"]
RAW = re.compile(r"\bNone\b|\bnan\b|\bUndefined\b|\b\d{4}-\d{2}-\d{2}\b|\b0\d [A-Z][a-z]+ \d{4}")
# Documents (PDF, DOCX) are read back, awkward figures included, in their own tests.
NOT_PAGES = re.compile(r"/sign-out|\.(csv|xlsx|svg|pdf|docx)$|/assets/|/data-templates/|/export")
PER_ENDPOINT = 4  # pages of one kind (one route) visited per role: enough to see each state


def _edge_counts() -> list[dict]:
    """No global majority staff at all in adults' social care; SCW3's GM numerator 0 in children's."""
    rows = []
    for row in demo_counts_rows():
        if row["service_area"] == "adults" and row["group"] == "gm":
            row = {**row, "numerator": 0, "denominator": 0 if row["denominator"] else None}
        if (row["service_area"], row["indicator"], row["group"]) == ("children", "SCW3", "gm"):
            row = {**row, "numerator": 0}
        rows.append(row)
    return rows


def _prepare(app, client_as, factories, db_session) -> None:
    eastbrook = db_session.scalar(select(ReportingCycle).join(Organisation).where(
        Organisation.slug == "eastbrook"))
    factories.dataset(cycle=eastbrook, rows=_edge_counts())
    northshire = db_session.scalar(select(ReportingCycle).join(Organisation).where(
        Organisation.slug == "northshire", ReportingCycle.label == "2024-25"))
    plan = db_session.scalar(select(ActionPlan).filter_by(cycle_id=northshire.id))
    open_ids = db_session.scalars(select(Action.id).where(
        Action.plan_id == plan.id, Action.status.in_(OPEN_STATUSES))).all()
    lead = client_as("edi_lead")
    response = post_form(lead, "/org/northshire/cycles/2024-25/next-cycle", {
        "label": "2025-26", "period_start": ["1", "4", "2025"], "period_end": ["31", "3", "2026"],
        "snapshot_date": ["31", "3", "2026"], **{f"carry-{i}": "yes" for i in open_ids}})
    assert response.status_code == 302


def _endpoint(app, url: str) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(url).path)[0]
    except Exception:  # noqa: BLE001 - an unknown path is its own kind
        return url


def crawl(app, client, start: str = "/") -> tuple[int, list[str]]:
    """Visit the pages reachable from `start` by links; return how many and what was wrong."""
    seen, queue, per_kind, problems = set(), [start], Counter(), []
    while queue:
        url = queue.pop(0)
        if url in seen or NOT_PAGES.search(url):
            continue
        seen.add(url)
        kind = _endpoint(app, url)
        per_kind[kind] += 1
        if per_kind[kind] > PER_ENDPOINT:
            continue
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{response.status_code} {url}")
        if "text/html" not in response.content_type:
            continue
        html = page(response)
        for hidden in html.select("script, style"):
            hidden.decompose()
        text = html.get_text(" ", strip=True)
        for match in RAW.finditer(text):
            problems.append(f"{url}: ...{text[max(0, match.start() - 60):match.end() + 20]}...")
        for link in html.select("a[href]"):
            href = link["href"].split("#")[0]
            if href.startswith("/") and href not in seen:
                queue.append(href)
    return len(seen), problems


@pytest.mark.parametrize("role", [*ROLES, "eastbrook_lead"])
def test_no_page_shows_none_to_any_role(app, demo, client_as, factories, db_session, role):
    """One role a test, so that the crawls (the suite's longest work) share the workers."""
    _prepare(app, client_as, factories, db_session)
    if role == "eastbrook_lead":
        client = app.test_client()
        assert sign_in(client, "edi.lead@eastbrook.example.org").status_code == 302
    else:
        client = client_as(role)
    visited, problems = crawl(app, client)
    assert problems == []
    assert visited > {"edi_lead": 100, "eastbrook_lead": 20}.get(role, 50)  # it did crawl
