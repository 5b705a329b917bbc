"""Crawl every page with real and hostile values: nothing may answer with a server error."""

from __future__ import annotations

import pytest

from tests.helpers import database_rows, page
from tests.integration.conftest import DEMO_USERS
from tracker.extensions import db
from tracker.models import (
    Action,
    AdvisoryGroup,
    Comment,
    CommitmentGoal,
    IndicatorTarget,
    Organisation,
    User,
)

GOOD = {"slug": "northshire", "label": "2024-25", "indicator": "SCW2", "area": "adults",
        "kind": "staff", "fmt": "csv", "token": "not-a-token", "filename": "css/app.css",
        "subject_type": "action", "draft_id": 1, "sign_off_id": 1, "notification_id": 1,
        "key": "named-inclusion-lead"}
HOSTILE = {"slug": "../../etc", "label": "2024-25'; DROP TABLE users;--", "indicator": "<script>",
           "area": "%00", "kind": "..", "fmt": "exe", "token": "x" * 500,
           "filename": "../config.py", "subject_type": "nonsense", "subject_key": "'\"<>",
           "draft_id": 99999999, "sign_off_id": 2**31 - 1, "action_id": 0, "comment_id": 424242,
           "organisation_id": 999999, "user_id": 999999, "group_id": 999999,
           "notification_id": 2**40, "key": "'\"<>", "commitment_id": 2**40, "goal_id": 0,
           "target_id": 99999999}
QUERIES = ["", "?area=zzz&orientation=<b>&owner=abc&status=done&theme=x&due_within=-5"
               "&sort=__class__&from=nothing&next=//evil.example"]


def _ids(app) -> dict:
    with app.app_context():
        return {
            "action_id": db.session.scalar(db.select(Action.id).limit(1)),
            "organisation_id": db.session.scalar(db.select(Organisation.id).limit(1)),
            "user_id": db.session.scalar(db.select(User.id).limit(1)),
            "group_id": db.session.scalar(db.select(AdvisoryGroup.id).limit(1)),
            "comment_id": db.session.scalar(db.select(Comment.id).limit(1)) or 1,
            "subject_key": str(db.session.scalar(db.select(Action.id).limit(1))),
            **_commitment_ids(),
        }


def _commitment_ids() -> dict:
    target = db.session.scalar(db.select(IndicatorTarget).limit(1))
    goal = target.goal if target else db.session.scalar(db.select(CommitmentGoal).limit(1))
    return {"commitment_id": goal.commitment_id, "goal_id": goal.id,
            "target_id": target.id if target else 1}


def _urls(app, values: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", str(values[argument]))
            for converter in ("int", "path", "any(csv, xlsx)"):
                path = path.replace(f"<{converter}:{argument}>", str(values[argument]))
        urls.append(path)
    return urls


@pytest.mark.parametrize("role", ["edi_lead", "advisor", "administrator", "anonymous"])
def test_no_page_gives_a_server_error(app, client_as, role):
    client = client_as(role)
    good = {**GOOD, **_ids(app)}
    errors = []
    odd_subject = {**good, "subject_type": "indicator", "subject_key": "SCW99:mars"}
    for values in (good, {**good, **HOSTILE}, odd_subject):
        for url in _urls(app, values):
            for query in QUERIES:
                with client.get(url + query) as response:  # closes file responses
                    status = response.status_code
                if status >= 500:
                    errors.append(f"{status} {url}{query}")
    assert errors == []
    assert set(DEMO_USERS) >= {"edi_lead", "advisor", "administrator"}


def test_a_control_character_in_a_url_segment_is_not_found(app, client_as):
    """A NUL (or any control character) in a slug, label, token or code: 404, on PostgreSQL too."""
    client = client_as("edi_lead")
    good = {**GOOD, **_ids(app)}
    answers = {}
    for rule in app.url_map.iter_rules():
        text_arguments = [a for a in rule.arguments
                          if type(rule._converters[a]).__name__ == "Segment"]
        if "GET" not in rule.methods or not text_arguments:
            continue
        for argument in text_arguments:
            for bad in ("north%00shire", "%00", "a%01b", "a%7Fb", "a%0Ab"):
                url = _urls_for(rule, {**good, argument: bad})
                with client.get(url) as response:
                    answers[url] = response.status_code
    assert answers and set(answers.values()) == {404}, answers


def _urls_for(rule, values: dict) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", str(values[argument]))
        for converter in ("int", "path", "any(csv, xlsx)"):
            path = path.replace(f"<{converter}:{argument}>", str(values[argument]))
    return path


def _first_action_id(app) -> int:
    with app.app_context():
        from tracker.models import ActionPlan, PlanTheme, ReportingCycle
        plan_id = db.session.scalar(db.select(ActionPlan.id).join(ReportingCycle).where(
            ReportingCycle.label == "2024-25", ReportingCycle.organisation.has(slug="northshire")))
        action_id = db.session.scalar(db.select(Action.id).filter_by(plan_id=plan_id).limit(1))
        theme_id = db.session.scalar(db.select(PlanTheme.id).filter_by(plan_id=plan_id).limit(1))
        return action_id, theme_id


HUGE = "99999999999999999999"
LONG = "x" * 5000


def test_hostile_form_input_never_gives_a_server_error(app, client_as, db_session):
    from tests.helpers import csrf_token

    lead, admin = client_as("edi_lead"), client_as("administrator")
    action_id, theme_id = _first_action_id(app)
    plan = "/org/northshire/cycles/2024-25/plan"
    with app.app_context():
        ids = _commitment_ids()
    commitments = f"/org/northshire/commitments/{ids['commitment_id']}"
    date_parts = ["31", "2", "99999"]
    posts = [
        (lead, "/org/northshire/cycles/new", {"label": LONG, "period_start": date_parts,
                                              "period_end": ["1", "1", HUGE],
                                              "snapshot_date": ["x", "y", "z"]}),
        (lead, "/org/northshire/people", {"email": LONG + "@example.org", "name": LONG,
                                          "role": "emperor"}),
        (lead, plan + "/actions/new", {"title": LONG, "theme_id": HUGE, "owner_id": HUGE,
                                       "due_date": date_parts, "status": "done",
                                       "measure_target": "1e400", "measure_baseline": "NaN"}),
        (lead, f"{plan}/actions/{action_id}/edit", {"title": "x", "theme_id": "-1",
                                                    "owner_id": HUGE, "version": HUGE,
                                                    "status": "on_track",
                                                    "due_date": ["1", "1", "2099"]}),
        (lead, f"{plan}/actions/{action_id}/progress", {"occurred_on": date_parts, "note": LONG,
                                                        "new_status": "<b>",
                                                        "measure_value": "Infinity",
                                                        "evidence_links": LONG}),
        (lead, f"{plan}/actions/{action_id}/links", {"indicator": "<x>", "service_area": "z"}),
        (lead, f"{plan}/themes/{theme_id}/rename", {"name": LONG}),
        (lead, f"{plan}/themes", {"name": LONG}),
        (lead, f"{plan}/reflections/new", {"team": LONG, "held_on": date_parts,
                                           "awareness": LONG, "appreciation": LONG,
                                           "actions_text": LONG, "theme_id": HUGE}),
        (lead, "/org/northshire/cycles/2024-25/indicators/counts",
         {"service_area": "all", "SCW2_gm_numerator": HUGE, "SCW2_gm_denominator": "1e9",
          "band1_label": LONG, "band1_gm": HUGE}),
        (lead, "/org/northshire/cycles/2024-25/review/narrative/SCW2/all",
         {"what_we_did": LONG * 2}),
        (lead, "/org/northshire/cycles/2024-25/next-cycle",
         {"label": "9999-00", "period_start": date_parts, "period_end": date_parts,
          "snapshot_date": date_parts}),
        (lead, f"/org/northshire/cycles/2024-25/comments/action/{action_id}",
         {"body": LONG * 3, "visibility": "everyone", "parent_id": HUGE}),
        (lead, "/org/northshire/commitments/new", {"title": LONG, "description": LONG * 2}),
        (lead, f"{commitments}/edit", {"title": "\x00", "description": "\x01"}),
        (lead, f"{commitments}/goals/new", {"text": LONG, "themes": [LONG, HUGE]}),
        (lead, f"{commitments}/goals/{ids['goal_id']}/edit", {"text": "x", "themes": "<b>"}),
        (lead, f"{commitments}/goals/{ids['goal_id']}/targets/new",
         {"indicator": "<x>", "service_area": LONG, "target": "1e400", "by_cycle": "9999-00",
          "baseline_cycle": LONG}),
        (lead, f"{commitments}/goals/{ids['goal_id']}/targets/{ids['target_id']}/edit",
         {"indicator": "SCW2", "service_area": "all", "target": "NaN", "by_cycle": HUGE,
          "baseline_cycle": "2024-25"}),
        (lead, f"{commitments}/goals/{ids['goal_id']}/targets/new",
         {"indicator": "SCW2", "service_area": "all", "target": "Infinity",
          "by_cycle": "2099-00", "baseline_cycle": "2024-25"}),
        (admin, "/admin/organisations/new", {"name": LONG, "slug": LONG, "kind": "empire",
                                             "ons_code": LONG}),
        (admin, "/admin/users/new", {"name": LONG, "email": LONG}),
        (admin, "/admin/groups/new", {"name": LONG, "short_name": LONG}),
        (admin, "/admin/national-figures", {"year": HUGE, "indicator": "SCW1", "band": LONG,
                                            "value": HUGE, "authorities": HUGE, "note": LONG}),
    ]
    errors = []
    for client, url, data in posts:
        token = csrf_token(client, "/accessibility")
        before = database_rows(db_session)
        response = client.post(url, data={"csrf_token": token, **data})
        status = response.status_code
        # Refused means nothing saved, and the person is told: a 4xx page, or a redirect to a
        # page whose banner says what was wrong (never a success banner). An accepted form
        # redirects with a success banner, or for a new account shows its link with 200.
        if database_rows(db_session) != before:
            errors.append(f"{status} {url} changed the database")
        if status == 302:
            banners = page(client.get(response.headers["Location"])).select(
                ".govuk-notification-banner")
            if not banners or any("govuk-notification-banner--success" in b["class"]
                                  for b in banners):
                errors.append(f"{status} {url} redirected without saying what was wrong")
        elif not 400 <= status < 500:
            errors.append(f"{status} {url}")
    assert errors == []
