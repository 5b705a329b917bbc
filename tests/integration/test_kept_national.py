"""The programme's pages are kept (tracker/kept_pages.py): a year's statuses, the national report
and its files and chart, the data return and a council's plan under the version of every
organisation's data (they show them all, or a council found by its address); the public report
under the version of what organisations share (its publication); a council's submission page
under the council's version. Seen again, each is served without reading the submissions; each
change it can show, made through the app, shows at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import main_text, page, post_form, without_csrf_tokens
from tests.integration.test_national_report import (  # noqa: F401 (fixtures)
    _jittered,
    programme,
    submitted,
)
from tests.integration.test_plans import count_queries
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import Organisation, ReportingCycle, Submission
from tracker.services import national as national_service

YEAR = "/programme/2024-25"
REPORT = f"{YEAR}/report"
KEPT = [YEAR, REPORT, f"{REPORT}.xlsx", f"{REPORT}.pdf", f"{REPORT}/chart.svg",
        f"{YEAR}/data-return.csv", f"{YEAR}/data-return.xlsx",
        f"{YEAR}/councils/council-0/plan"]
SUBMISSIONS = ("FROM submissions", "JOIN submissions")


@pytest.fixture
def council_0(factories, submitted, db_session):  # noqa: F811
    """Council 0's EDI lead, with a plan of one action in its submitted 2024-25 cycle."""
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "council-0"))
    cycle = db_session.scalar(select(ReportingCycle).where(
        ReportingCycle.organisation_id == org.id))
    plan = factories.plan(cycle=cycle)
    action = factories.action(plan=plan, theme=plan.themes[0], title="Reverse mentoring")
    lead = factories.member(role=Role.EDI_LEAD, organisation=org)
    return {"org": org, "lead": lead, "action": action,
            "submission": f"/org/{org.slug}/cycles/2024-25/submission",
            "action_page": f"/org/{org.slug}/cycles/2024-25/plan/actions/{action.id}"}


@pytest.mark.parametrize("url", KEPT)
def test_each_programme_page_seen_again_is_kept(app, programme, council_0, url):  # noqa: F811
    first = without_csrf_tokens(programme.get(url))
    with count_queries(app) as kept:
        again = without_csrf_tokens(programme.get(url))
    assert again == first
    assert not any(part in statement for statement in kept for part in SUBMISSIONS)
    assert len(kept) <= 5  # the person, their session, the version (the SAVEPOINT's)


def test_a_withdrawn_and_a_new_submission_show_at_once_on_every_programme_page(
        app, programme, council_0, client_for):  # noqa: F811
    seen = {url: without_csrf_tokens(programme.get(url)) for url in KEPT}
    assert "6 councils submitted 2024-25" in main_text(programme.get(REPORT))
    lead = client_for(council_0["lead"])
    base = council_0["submission"]
    assert post_form(lead, base + "/withdraw", {}, token_from=base).status_code == 302
    assert "5 councils submitted 2024-25" in main_text(programme.get(REPORT))
    assert programme.get(KEPT[-1]).status_code == 404  # no longer submitted: not to be read
    for url in KEPT[:-1]:
        assert without_csrf_tokens(programme.get(url)) != seen[url], url
    assert "council-0" not in programme.get(f"{YEAR}/data-return.csv").get_data(as_text=True)
    assert post_form(lead, base + "/submit", {}, token_from=base).status_code == 302
    assert "6 councils submitted 2024-25" in main_text(programme.get(REPORT))
    assert "Reverse mentoring" in main_text(programme.get(KEPT[-1]))


def test_deadlines_and_closing_the_year_show_at_once(programme, council_0):  # noqa: F811
    def deadline() -> list[str]:
        return [field.get("value", "") for field in page(programme.get(YEAR)).select(
            "input[name^=data_deadline]")]

    assert deadline() == ["", "", ""]
    assert post_form(programme, YEAR + "/deadlines", {
        "data_deadline": ["30", "9", "2024"], "plan_deadline": ["31", "10", "2024"]},
        token_from=YEAR).status_code == 302
    assert "Deadlines for 2024-25 saved" in page(programme.get(YEAR)).find(
        class_="govuk-notification-banner").get_text()
    assert deadline() == ["30", "09", "2024"]
    assert page(programme.get(YEAR)).find(class_="govuk-notification-banner") is None
    before = main_text(programme.get(YEAR))
    assert post_form(programme, YEAR + "/close", {}, token_from=YEAR).status_code == 302
    assert main_text(programme.get(YEAR)) != before


def test_publishing_and_withdrawing_show_at_once_on_the_report_and_the_public_pages(
        programme, client, council_0):  # noqa: F811
    public = "/public/national/2024-25"
    assert client.get(public).status_code == 404
    unpublished = main_text(programme.get(REPORT))
    assert post_form(programme, REPORT + "/publish", {}, token_from=REPORT).status_code == 302
    assert main_text(programme.get(REPORT)) != unpublished
    shown = without_csrf_tokens(client.get(public))
    assert without_csrf_tokens(client.get(public)) == shown  # kept
    assert client.get(public + "/chart.svg").status_code == 200
    assert post_form(programme, REPORT + "/withdraw", {}, token_from=REPORT).status_code == 302
    assert client.get(public).status_code == 404
    assert client.get(public + "/chart.svg").status_code == 404


def test_a_councils_published_position_follows_every_submission(
        programme, council_0, client_for, factories, db_session):  # noqa: F811
    other = db_session.scalar(select(Organisation).where(Organisation.slug == "council-1"))
    other_lead = client_for(factories.member(role=Role.EDI_LEAD, organisation=other))
    lead = client_for(council_0["lead"])
    assert post_form(programme, REPORT + "/publish", {}, token_from=REPORT).status_code == 302
    funnel = "/org/council-0/cycles/2024-25/national/SCW2/funnel.svg"
    drawn = without_csrf_tokens(lead.get(funnel))
    assert without_csrf_tokens(lead.get(funnel)) == drawn
    base = "/org/council-1/cycles/2024-25/submission"
    assert post_form(other_lead, base + "/withdraw", {}, token_from=base).status_code == 302
    assert without_csrf_tokens(lead.get(funnel)) != drawn  # one point fewer


def test_a_changed_grouping_shows_at_once_in_the_report(
        app, programme, council_0, factories, db_session):  # noqa: F811
    for i in range(4):  # five councils in each region
        org = factories.organisation(region="London" if i < 2 else "North West")
        dataset = factories.dataset(cycle=factories.cycle(organisation=org, start_year=2024),
                                    rows=_jittered(50 + i))
        db_session.add(Submission(cycle_id=dataset.cycle_id, data_loaded_at=dataset.loaded_at))
    db_session.flush()

    def regions() -> list[str]:
        return [table["id"] for table in page(programme.get(REPORT)).select(
            "table[id^=by-region-]")]

    assert len(regions()) == 2
    with app.app_context():  # London has four councils now: neither region is shown
        national_service.set_grouping(actor=None, slug="council-0", region="North West",
                                      council_kind=None)
        db.session.commit()
    assert regions() == []


def test_a_progress_update_shows_at_once_on_the_councils_plan(
        programme, council_0, client_for):  # noqa: F811
    url = KEPT[-1]
    assert "None yet" in main_text(programme.get(url))
    lead = client_for(council_0["lead"])
    path = council_0["action_page"]
    assert post_form(lead, path + "/progress", {
        "occurred_on": ["2", "6", "2025"], "note": "Pairs matched"}, token_from=path
        ).status_code == 302
    assert "2 June 2025: Pairs matched" in main_text(programme.get(url))


def test_the_submission_page_is_kept_and_shows_a_submission_at_once(
        app, council_0, client_for):  # noqa: F811
    lead = client_for(council_0["lead"])
    base = council_0["submission"]
    submitted_page = without_csrf_tokens(lead.get(base))
    with count_queries(app) as kept:
        assert without_csrf_tokens(lead.get(base)) == submitted_page
    assert not any(part in statement for statement in kept for part in SUBMISSIONS)
    assert post_form(lead, base + "/withdraw", {}, token_from=base).status_code == 302
    assert without_csrf_tokens(lead.get(base)) != submitted_page
    assert post_form(lead, base + "/submit", {}, token_from=base).status_code == 302
    assert "Withdraw" in main_text(lead.get(base))


def test_another_programme_lead_is_never_served_anothers_page(
        app, programme, council_0, client_for, factories):  # noqa: F811
    programme.get(YEAR)
    other = client_for(factories.user(name="Robin Other", is_programme_lead=True))
    forget_kept_pages()  # the factory's user: as if made through the app
    programme.get(YEAR)
    with count_queries(app) as statements:
        assert other.get(YEAR).status_code == 200
    assert any(part in statement for statement in statements for part in SUBMISSIONS)
