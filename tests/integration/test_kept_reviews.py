"""The trends, the review's forms, the next-cycle form, the indicators' pages and the national
figures are kept per data version (tracker/kept_pages.py): seen again, they are served as they
were written; every change behind them, made through the app, shows at once.

Each check of a change compares the page served after it with the page written afresh (kept
pages forgotten): the same, and not the page served before the change.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from tests.helpers import page, post_form
from tests.integration.test_charts import _load_other_figures
from tests.integration.test_plans import count_queries
from tests.integration.test_reviews import _next_cycle
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    AuditEvent,
    CommitmentGoal,
    Organisation,
    ReportingCycle,
    User,
)
from tracker.services import commitments as commitment_service
from tracker.services.access import OrgAccess

ORG = "/org/northshire"
TRENDS = f"{ORG}/trends?area=adults"
TREND = f"{ORG}/trends/SCW2?area=all"
TREND_SVG = f"{ORG}/trends/SCW2/chart.svg?area=all"
NEXT_CYCLE = f"{ORG}/cycles/2024-25/next-cycle"
REVIEW = f"{ORG}/cycles/2024-25/review"
NARRATIVE = f"{REVIEW}/narrative/SCW3/adults"
RESULTS = f"{ORG}/cycles/2024-25/indicators?area=adults"
RESULTS_SVG = f"{ORG}/cycles/2024-25/indicators/chart.svg?area=adults"
COUNTS = f"{ORG}/cycles/2024-25/indicators/counts"
UPLOAD = f"{ORG}/cycles/2024-25/indicators/upload"
MAPPING = f"{ORG}/extract-mapping"
FIGURES = "/admin/national-figures"

#: (who, page, a table only its writing reads)
KEPT = [
    ("viewer", TRENDS, "indicator_datasets"),
    ("viewer", TREND, "indicator_datasets"),
    ("viewer", TREND_SVG, "indicator_datasets"),
    ("edi_lead", NEXT_CYCLE, "FROM actions"),
    ("edi_lead", NARRATIVE, "review_narratives"),
    ("viewer", RESULTS, "indicator_datasets"),
    ("viewer", RESULTS_SVG, "indicator_datasets"),
    ("edi_lead", COUNTS, "reporting_cycles"),
    ("edi_lead", UPLOAD, "extract_mappings"),
    ("edi_lead", MAPPING, "extract_mappings"),
    ("edi_lead", MAPPING + ".json", "extract_mappings"),
    ("administrator", FIGURES, "national_figures"),
]


_TOKEN = re.compile(rb'value="I[\w-]{20,}\.[\w-]+\.[\w-]+"')  # a signed JSON string


def _data(response) -> bytes:
    """The answer's body, without the CSRF token's value: the same session's token is signed
    afresh each second, kept page or not."""
    return _TOKEN.sub(b'value=""', response.get_data())


def _fresh(client, url: str) -> bytes:
    """The page as written now, nothing kept."""
    forget_kept_pages()
    response = client.get(url)
    assert response.status_code == 200
    return _data(response)


def _shows_the_change(client, url: str, before: bytes) -> bytes:
    """Serve the page (kept or not), check that it is the page written afresh and not the one
    seen before the change; return it."""
    served = client.get(url)
    assert served.status_code == 200
    assert _data(served) != before
    assert _data(served) == _fresh(client, url)
    return _data(served)


@pytest.mark.parametrize("role,url,heavy", KEPT)
def test_a_page_seen_again_is_served_kept(app, client_as, role, url, heavy):
    client = client_as(role)
    with count_queries(app) as written:
        first = client.get(url)
    with count_queries(app) as kept:
        again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert _data(again) == _data(first)
    assert any(heavy in s for s in written)
    assert not any(heavy in s for s in kept)
    # the person, their access, the version, their unread count (and the test's SAVEPOINT)
    assert len(kept) <= 8 and len(kept) < len(written)


def test_a_kept_chart_answers_304_to_a_browser_holding_it_and_a_new_one_after_a_change(
        app, client_as, db_session):
    viewer = client_as("viewer")
    first = viewer.get(TREND_SVG)
    etag = first.headers["ETag"]
    with count_queries(app) as statements:
        held = viewer.get(TREND_SVG, headers={"If-None-Match": etag})
    assert held.status_code == 304 and held.get_data() == b""
    assert held.headers["ETag"] == etag and held.headers["Cache-Control"] == "private, no-cache"
    assert not any("chart_images" in s or "indicator_datasets" in s for s in statements)
    kept = viewer.get(TREND_SVG)  # without the ETag: the kept chart itself
    assert kept.status_code == 200 and kept.get_data() == first.get_data()
    assert kept.mimetype == "image/svg+xml" and kept.headers["ETag"] == etag

    _load_other_figures(app, db_session)  # saved through the service: audited
    changed = viewer.get(TREND_SVG, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_data() != first.get_data()


def test_saved_figures_show_at_once_on_every_page_that_shows_them(app, client_as, db_session):
    viewer = client_as("viewer")
    urls = [TRENDS, TREND, TREND_SVG, RESULTS, RESULTS_SVG]
    before = {url: _data(viewer.get(url)) for url in urls}
    _load_other_figures(app, db_session)
    for url in urls:
        _shows_the_change(viewer, url, before[url])


def test_a_national_figure_saved_shows_on_the_kept_trend_and_the_list(app, client_as):
    viewer, admin = client_as("viewer"), client_as("administrator")
    trend, listed = _data(viewer.get(TREND)), _data(admin.get(FIGURES))
    assert post_form(admin, FIGURES, {"year": "2025", "indicator": "SCW2", "value": "0.61",
                                      "authorities": "80"}).status_code == 302
    shown = page(viewer.get(TREND))
    assert shown.select("main table")[0].select("tbody tr")[2].select("td")[5].get_text(
        strip=True).startswith("0.61")
    _shows_the_change(viewer, TREND, trend)
    assert "0.61" in page(admin.get(FIGURES)).select_one("main table").get_text()
    _shows_the_change(admin, FIGURES, listed)


def _lead_access(app) -> tuple[User, OrgAccess]:
    lead = db.session.scalar(select(User).where(User.email == "edi.lead@northshire.example.org"))
    organisation = db.session.scalar(select(Organisation).filter_by(slug="northshire"))
    return lead, OrgAccess(organisation=organisation, roles=frozenset({Role.EDI_LEAD.value}))


def test_a_target_set_shows_on_the_kept_trends(app, client_as):
    viewer = client_as("viewer")
    urls = [f"{ORG}/trends?area=all", TREND, TREND_SVG]
    before = {url: _data(viewer.get(url)) for url in urls}
    with app.app_context():  # the service the target form calls: audited
        lead, access = _lead_access(app)
        goal = db.session.scalar(select(CommitmentGoal).where(
            CommitmentGoal.text.startswith("More global majority staff reach senior roles")))
        commitment_service.add_target(actor=lead, access=access, goal=goal, indicator="SCW2",
                                      service_area="all", target=1.0, by_cycle="2026-27",
                                      baseline_cycle="2024-25")
        db.session.commit()
    assert "1.00 by 2026-27" in " ".join(
        target.get_text(" ", strip=True) for target in page(viewer.get(TREND)).select(
            ".app-trend-target"))
    for url in urls:
        _shows_the_change(viewer, url, before[url])


def _open_linked_action(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Action.id).join(ActionPlan, ActionPlan.id == Action.plan_id)
            .join(ReportingCycle, ReportingCycle.id == ActionPlan.cycle_id)
            .join(Organisation, Organisation.id == ReportingCycle.organisation_id)
            .join(ActionIndicatorLink, ActionIndicatorLink.action_id == Action.id)
            .where(Organisation.slug == "northshire", ReportingCycle.label == "2024-25",
                   ActionIndicatorLink.indicator == "SCW2",
                   ActionIndicatorLink.service_area == "all",
                   Action.status.in_([ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK,
                                      ActionStatus.AT_RISK, ActionStatus.OFF_TRACK]),
                   Action.left_behind_reason.is_(None))
            .order_by(Action.id).limit(1))


def test_an_action_completed_shows_on_the_kept_trend_and_leaves_the_next_cycle_form(
        app, client_as):
    lead = client_as("edi_lead")
    action_id = _open_linked_action(app)
    assert action_id is not None
    trend, svg = _data(lead.get(TREND)), _data(lead.get(TREND_SVG))
    offered = _data(lead.get(NEXT_CYCLE))
    assert page(lead.get(NEXT_CYCLE)).select_one(f"#carry-{action_id}") is not None
    base = f"{ORG}/cycles/2024-25/plan/actions/{action_id}"
    assert post_form(lead, base + "/progress", {
        "occurred_on": ["2", "9", "2024"], "note": "Done", "new_status": "complete"},
        token_from=base).status_code == 302
    completed = [r for r in page(lead.get(TREND)).select(".app-marker--completed")
                 if r.a and r.a["href"] == base]
    assert completed and completed[0].td.get_text(strip=True) == "2 September 2024"
    _shows_the_change(lead, TREND, trend)
    _shows_the_change(lead, TREND_SVG, svg)
    assert page(lead.get(NEXT_CYCLE)).select_one(f"#carry-{action_id}") is None
    _shows_the_change(lead, NEXT_CYCLE, offered)


def test_the_next_cycle_started_shows_on_the_kept_trends(app, client_as):
    lead = client_as("edi_lead")
    before = {url: _data(lead.get(url)) for url in (TRENDS, TREND)}
    response, label = _next_cycle(lead, "2024-25")
    assert response.status_code == 302 and label == "2025-26"
    assert "2025-26" in page(lead.get(TREND)).select("main table")[0].get_text()
    for url in before:
        _shows_the_change(lead, url, before[url])


def test_a_narrative_saved_shows_in_its_kept_form_and_sign_off_closes_it(app, client_as):
    lead, sponsor = client_as("edi_lead"), client_as("sponsor")
    before = _data(lead.get(NARRATIVE))
    assert post_form(lead, NARRATIVE, {"what_we_did": "Checkpoint panel",
                                       "what_changed": "RL fell", "next_steps": "Audit"}
                     ).status_code == 302
    shown = page(lead.get(NARRATIVE))
    assert shown.find("textarea", attrs={"name": "what_we_did"}).get_text() == "Checkpoint panel"
    _shows_the_change(lead, NARRATIVE, before)
    assert post_form(lead, f"{REVIEW}/summary", {"summary": "A year of progress"},
                     token_from=REVIEW).status_code == 302
    assert post_form(sponsor, f"{REVIEW}/sign-off", {"signer_role": "Director", "confirm": "y",
                                                      "warnings_seen": "y"},
                     token_from=REVIEW).status_code == 302
    locked = lead.get(NARRATIVE)
    assert locked.status_code != 200 and "signed off" in locked.get_data(as_text=True)


def test_a_mapping_uploaded_shows_on_the_kept_mapping_and_upload_pages(app, client_as):
    lead = client_as("edi_lead")
    mapping_before, upload_before = _data(lead.get(MAPPING)), _data(lead.get(UPLOAD))
    file_before = lead.get(MAPPING + ".json").get_data()
    assert "There is no saved mapping yet" in page(lead.get(MAPPING)).get_text()
    assert "Upload a mapping file" in page(lead.get(UPLOAD)).get_text()
    mapping = {"staff": {"columns": {"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc",
                                     "left_in_period": "Leaving Flag"}},
               "values": {"ethnicity": {}, "service_area": {}, "yes_no": {}, "outcome": {}}}
    token = page(lead.get(MAPPING)).find("input", attrs={"name": "csrf_token"})["value"]
    assert lead.post(MAPPING, data={
        "csrf_token": token, "mapping_file": (io.BytesIO(json.dumps(mapping).encode()),
                                              "ours.json")},
        content_type="multipart/form-data").status_code == 302
    shown = page(lead.get(MAPPING))
    assert "The mapping file has been uploaded" in shown.get_text()  # the message, live
    assert "Emp Ref" in shown.select_one("main table").get_text()
    _shows_the_change(lead, MAPPING, mapping_before)
    assert lead.get(MAPPING + ".json").json == mapping
    _shows_the_change(lead, MAPPING + ".json", file_before)
    assert "See, download or upload your saved mapping" in page(lead.get(UPLOAD)).get_text()
    _shows_the_change(lead, UPLOAD, upload_before)


@pytest.mark.parametrize("url", [TREND, NEXT_CYCLE, COUNTS, UPLOAD])
def test_nobody_is_served_another_persons_kept_page(app, client_as, url):
    lead, sponsor = client_as("edi_lead"), client_as("sponsor")
    assert lead.get(url).status_code == 200
    with count_queries(app) as statements:
        answer = sponsor.get(url)  # a sponsor may see the trend, not the forms
    if url == TREND:
        assert answer.status_code == 200
        assert any("indicator_datasets" in s for s in statements)  # written for the sponsor
    else:
        assert answer.status_code == 403


def test_a_discussed_result_is_not_kept_and_shows_your_following_at_once(app, client_as):
    viewer = client_as("viewer")
    url = f"{ORG}/cycles/2024-25/indicators?area=adults&discuss=SCW2"
    form = page(viewer.get(url)).select_one("form.app-follow-form")
    assert form.find("button").get_text(strip=True).startswith("Follow")
    with count_queries(app) as statements:
        viewer.get(url)
    assert any("indicator_datasets" in s for s in statements)  # written each time
    assert post_form(viewer, form["action"], {"follow": "yes"}, token_from=url).status_code == 302
    followed = page(viewer.get(url)).select_one("form.app-follow-form")
    assert followed.find("button").get_text(strip=True).startswith("Stop following")


def test_a_goal_moved_is_audited_and_shows_at_once_on_the_kept_review(app, client_as):
    lead = client_as("edi_lead")
    first = "Fewer global majority staff enter the formal disciplinary process"
    second = "More global majority staff reach senior roles"

    def order() -> list[str]:
        goals = [p.get_text(" ", strip=True) for p in page(lead.get(REVIEW)).select(
            ".app-commitment-status p.govuk-body") if p.get_text().startswith("Goal: ")]
        return [text for text in goals if first in text or second in text]

    before = _data(lead.get(REVIEW))
    assert [second in text for text in order()] == [False, True]
    with app.app_context():
        goal = db.session.scalar(select(CommitmentGoal).where(
            CommitmentGoal.text.startswith(second)))
        base = f"{ORG}/commitments/{goal.commitment_id}/goals/{goal.id}"
    assert post_form(lead, f"{base}/up", {}, token_from=f"{ORG}/commitments").status_code == 302
    assert [second in text for text in order()] == [True, False]
    _shows_the_change(lead, REVIEW, before)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="goal_moved"))
        assert event.entity_id == goal.commitment_id
        assert event.after["order"][0].startswith(second)
