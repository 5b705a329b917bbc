"""Every route is guarded, and each role gets exactly what it may."""

from __future__ import annotations

import pytest

from tests.helpers import csrf_token
from tests.integration.conftest import DEMO_USERS
from tracker.extensions import db
from tracker.models import AdvisoryGroup, Organisation, User

PUBLIC_ENDPOINTS = {
    "static",
    "main.health",
    "main.accessibility",
    "auth.sign_in",
    "auth.sign_out",
    "auth.set_password",
    "auth.invitation",  # the e-mailed link: the page itself asks to sign in when it must
    "reports.public_index",  # what is published, for anyone: only approved, live pages
    "reports.public_page",
    "national.public_report",  # a national report the programme lead published: no council named
    "national.public_chart",
    "api-docs.openapi_json",  # the API's OpenAPI document; the API itself needs a token
}


def test_every_endpoint_is_guarded_or_explicitly_public(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        guard = getattr(view, "_guard", None)
        if rule.endpoint in PUBLIC_ENDPOINTS:
            assert guard in (None, "public"), f"{rule.endpoint} is listed public but guarded"
            continue
        if guard in (None, "public"):
            unguarded.append(f"{rule.endpoint} ({rule.rule})")
    assert unguarded == []


def test_public_allow_list_names_real_endpoints(app):
    assert PUBLIC_ENDPOINTS <= set(app.view_functions)


ROLES = ["administrator", "edi_lead", "action_owner", "sponsor", "viewer", "advisor",
         "other_org", "anonymous"]


def _ids(app):
    with app.app_context():
        return {
            "org": db.session.scalar(db.select(Organisation.id).filter_by(slug="northshire")),
            "user": db.session.scalar(db.select(User.id).filter_by(email="viewer@northshire.example.org")),
            "group": db.session.scalar(db.select(AdvisoryGroup.id).filter_by(short_name="IAG")),
        }


ORG_READ = {"edi_lead": 200, "action_owner": 200, "sponsor": 200, "viewer": 200, "advisor": 200,
            "administrator": 404, "other_org": 404, "anonymous": 302}
ORG_LEAD = {"edi_lead": 200, "action_owner": 403, "sponsor": 403, "viewer": 403, "advisor": 403,
            "administrator": 404, "other_org": 404, "anonymous": 302}
ADMIN = {role: 403 for role in ROLES} | {"administrator": 200, "anonymous": 302}
SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": 302}
EVERYONE = {role: 200 for role in ROLES}
SIGN_IN_PAGE = {role: 302 for role in ROLES} | {"anonymous": 200}

PAGES = [
    ("/", SIGNED_IN),
    ("/health", EVERYONE),
    ("/accessibility", EVERYONE),
    ("/sign-in", SIGN_IN_PAGE),
    ("/org/northshire", ORG_READ),
    ("/org/northshire/cycles/new", ORG_LEAD),
    ("/org/northshire/people", ORG_LEAD),
    ("/org/no-such-council", {r: 404 for r in ROLES} | {"anonymous": 302}),
    ("/admin", ADMIN),
    ("/admin/audit", ADMIN),
    ("/admin/organisations", ADMIN),
    ("/admin/organisations/new", ADMIN),
    ("/admin/organisations/{org}", ADMIN),
    ("/admin/users", ADMIN),
    ("/admin/users/new", ADMIN),
    ("/admin/users/{user}", ADMIN),
    ("/admin/people?q=a", ADMIN),
    ("/admin/groups", ADMIN),
    ("/admin/groups/new", ADMIN),
    ("/admin/groups/{group}", ADMIN),
]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_for_every_page(app, client_as, role):
    client = client_as(role)
    ids = _ids(app)
    got = {}
    expected = {}
    for url, statuses in PAGES:
        url = url.format(**ids)
        got[url] = client.get(url).status_code
        expected[url] = statuses[role]
    assert got == expected


POSTS = [
    # (url, expected per role) for state-changing routes, posted without a valid form
    ("/org/northshire/people/999999/remove", ORG_LEAD | {"edi_lead": 404}),
    ("/admin/users/{user}/password-link", ADMIN),
    ("/admin/groups/{group}/members", ADMIN | {"administrator": 302}),
]


@pytest.mark.parametrize("role", ROLES)
def test_state_changing_routes_refuse_other_roles(app, client_as, role):
    client = client_as(role)
    token = csrf_token(client, "/sign-in" if role == "anonymous" else "/accessibility")
    ids = _ids(app)
    got, expected = {}, {}
    for url, statuses in POSTS:
        url = url.format(**ids)
        got[url] = client.post(url, data={"csrf_token": token}).status_code
        expected[url] = statuses[role]
    assert got == expected


def test_anonymous_is_sent_to_sign_in_with_next(client):
    response = client.get("/org/northshire")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_demo_users_cover_every_role():
    assert set(DEMO_USERS) | {"anonymous"} == set(ROLES)
