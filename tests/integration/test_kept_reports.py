"""Reports, downloads and commitments kept per data version (tracker/kept_pages.py): the public
page's preparation, the figures files, the cycle's Reports page and the commitments are served
again as written until something they show changes. Each change made through the app shows at
once; the prepared documents' progress (the jobs', not audited) is part of the Reports page's key.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from tests.factories import demo_counts_rows
from tests.helpers import main_text, page, post_form, prepared_document
from tests.integration.conftest import FROZEN_AT
from tests.integration.test_plans import PLAN, _new_action_form, count_queries
from tracker.extensions import db
from tracker.models import Organisation, Publication, ReportingCycle, User
from tracker.services import indicators as indicator_service

ORG = "/org/northshire"
CYCLE = f"{ORG}/cycles/2024-25"
PUBLICATION = f"{CYCLE}/publication"


def _kept_again(app, client, url: str, *tables: str) -> list[str]:
    """View the page twice; the statements of the second view, which reads none of `tables`."""
    first = client.get(url)
    with count_queries(app) as statements:
        again = client.get(url)
    assert first.status_code == again.status_code == 200, url
    if first.mimetype == "text/html":
        assert main_text(again) == main_text(first), url
    else:
        assert again.data == first.data, url
    assert not any(f"FROM {table}" in s for s in statements for table in tables), url
    return statements


def _status(client) -> str:
    return page(client.get(PUBLICATION)).find(id="publication-status").get_text(" ", strip=True)


def test_the_publication_page_is_kept_and_each_step_shows_at_once(app, client_as):
    lead, sponsor = client_as("edi_lead"), client_as("sponsor")
    assert len(_kept_again(app, lead, PUBLICATION, "publications", "actions")) <= 9
    _kept_again(app, sponsor, PUBLICATION, "publications", "actions")
    assert _status(lead).startswith("Not prepared yet")

    # a new action of the plan is one the lead may keep private
    assert post_form(lead, PLAN + "/actions/new", _new_action_form(
        app, title="Mentoring circles")).status_code == 302
    boxes = page(lead.get(PUBLICATION)).select("input[name=private_ids]")
    assert any("Mentoring circles" in box.find_next("label").get_text() for box in boxes)

    assert post_form(lead, PUBLICATION + "/prepare", {"parts": ["plan"]},
                     token_from=PUBLICATION).status_code == 302
    assert _status(lead).startswith("Prepared")
    assert page(lead.get(PUBLICATION)).find("form", action=f"{PUBLICATION}/approve") is None
    approve = page(sponsor.get(PUBLICATION)).find("form", action=f"{PUBLICATION}/approve")
    assert approve is not None  # each person their own page: only the sponsor approves
    with app.app_context():
        version = db.session.scalar(select(Publication.version))
    assert post_form(sponsor, PUBLICATION + "/approve", {"version": str(version),
                                                         "confirm": "y"},
                     token_from=PUBLICATION).status_code == 302
    assert _status(lead).startswith("Approved : live at")
    assert post_form(lead, PUBLICATION + "/withdraw",
                     {"reason": "A figure was wrong"}, token_from=PUBLICATION).status_code == 302
    assert "A figure was wrong" in _status(sponsor)


def _saved_again(app, label: str) -> None:
    """Save the cycle's figures again with one count changed, as an upload does (audited)."""
    rows = demo_counts_rows()
    rows[0] = rows[0] | {"numerator": rows[0]["numerator"] + 40}
    with app.app_context():
        cycle = db.session.scalar(select(ReportingCycle).join(Organisation).where(
            Organisation.slug == "northshire", ReportingCycle.label == label))
        lead = db.session.scalar(select(User).where(
            User.email == "edi.lead@northshire.example.org"))
        indicator_service.counts_dataset_from_rows(actor=lead, cycle=cycle, rows=rows,
                                                   source_name="saved again")
        db.session.commit()


def test_the_figures_files_are_kept_and_new_figures_show_at_once(app, client_as):
    lead = client_as("edi_lead")
    for url in (f"{ORG}/results.csv", f"{ORG}/results.xlsx", f"{CYCLE}/results.csv",
                f"{ORG}/results.csv?for=publication", f"{CYCLE}/results.xlsx?orientation=nhs"):
        assert len(_kept_again(app, lead, url, "indicator_datasets", "kept_files")) <= 8
    before = lead.get(f"{ORG}/results.csv").data
    assert lead.get(f"{ORG}/results.csv?for=publication").data != before  # each address its own
    _saved_again(app, "2024-25")
    after = lead.get(f"{ORG}/results.csv").data
    assert after != before
    assert _scw1(after) != _scw1(before)


def _scw1(data: bytes) -> list[dict]:
    return [row for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
            if row["cycle"] == "2024-25" and row["indicator"] == "SCW1"]


def test_the_reports_page_is_kept_and_shows_a_document_once_prepared(app, client_as):
    lead = client_as("edi_lead")
    reports = f"{CYCLE}/reports"
    assert len(_kept_again(app, lead, reports, "indicator_datasets", "annual_reviews")) <= 10
    section = page(lead.get(reports)).select_one("#board-pack-pdf")
    assert section.select_one("a[href$='board-pack.pdf']") is None
    # prepared by the job (in the tests as the request commits): no audit event, yet shown
    assert prepared_document(lead, f"{CYCLE}/board-pack.pdf").status_code == 200
    section = page(lead.get(reports)).select_one("#board-pack-pdf")
    assert section.select_one("a[href$='board-pack.pdf']") is not None


def test_the_commitments_are_kept_and_a_new_one_shows_at_once(app, client_as):
    lead = client_as("edi_lead")
    commitments = f"{ORG}/commitments"
    assert len(_kept_again(app, lead, commitments, "commitments")) <= 9
    assert post_form(lead, f"{commitments}/new", {"title": "Fair pay for all",
                                                  "description": ""}).status_code == 302
    assert "Fair pay for all" in main_text(lead.get(commitments))
    assert "Fair pay for all" in main_text(client_as("viewer").get(commitments))


def test_the_public_page_is_kept_for_anyone_without_a_cookie_and_goes_at_once(
        app, client_as, frozen_clock):
    lead, sponsor, reader = client_as("edi_lead"), client_as("sponsor"), app.test_client()
    public = "/public/northshire/2024-25"
    tomorrow = FROZEN_AT.date() + timedelta(days=1)
    assert reader.get(public).status_code == 404
    assert post_form(lead, PUBLICATION + "/prepare", {
        "parts": ["plan"], "embargo_until": [str(tomorrow.day), str(tomorrow.month),
                                              str(tomorrow.year)]},
        token_from=PUBLICATION).status_code == 302
    with app.app_context():
        version = db.session.scalar(select(Publication.version))
    assert post_form(sponsor, PUBLICATION + "/approve", {"version": str(version), "confirm": "y"},
                     token_from=PUBLICATION).status_code == 302
    assert reader.get(public).status_code == 404  # under embargo until tomorrow
    frozen_clock.shift(timedelta(days=1))
    first = reader.get(public)
    with count_queries(app) as statements:
        again = reader.get(public)
    assert first.status_code == again.status_code == 200
    assert main_text(again) == main_text(first) and "Race equality" in main_text(again)
    assert not any("FROM publications" in s for s in statements)  # kept: only the version
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in again.headers
    lead = client_as("edi_lead")  # a day on: signed in again
    assert post_form(lead, PUBLICATION + "/withdraw", {"reason": "A figure was wrong"},
                     token_from=PUBLICATION).status_code == 302
    assert reader.get(public).status_code == 404
