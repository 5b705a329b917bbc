"""Finding things (issue 12): the audit trail, the accounts, notifications and the action list
a page at a time (GOV.UK pagination keeping the query string), and actions found by words
across an organisation's cycles, scoped to what the user may read."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.helpers import page
from tracker.domain.notifications import Frequency, NotificationKind
from tracker.domain.roles import Role
from tracker.kept_pages import forget_kept_pages
from tracker.models import AuditEvent, Notification


@contextmanager
def _counting(db_session):
    db_session.flush()
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db_session.connection(), "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db_session.connection(), "before_cursor_execute", listener)


def _pages(soup) -> list[str]:
    return [a.get_text(" ", strip=True) for a in soup.select(".govuk-pagination a")]


def test_the_audit_trail_is_read_a_page_at_a_time(factories, client_for, db_session):
    admin = factories.administrator()
    for n in range(120):
        db_session.add(AuditEvent(entity_type="organisation", entity_id=n, action="updated"))
    client = client_for(admin)
    first = page(client.get("/admin/audit"))
    assert len(first.select("main table tbody tr")) == 50
    assert "Page 1 of 3" in first.select_one(".app-page-count").get_text()
    assert first.select_one(".govuk-pagination")["aria-label"] == "Pages of the audit trail"
    assert "Next page" in " ".join(_pages(first))
    last = page(client.get("/admin/audit?page=3"))
    assert len(last.select("main table tbody tr")) >= 20
    assert "Previous page" in " ".join(_pages(last))
    assert page(client.get("/admin/audit?page=nonsense")).select_one(
        ".app-page-count").get_text().startswith("Page 1 of")
    assert client.get("/admin/audit?page=99999").status_code == 200

    forget_kept_pages()  # the written page's statements, not a kept one's
    with _counting(db_session) as before:
        client.get("/admin/audit")
    for n in range(300):
        db_session.add(AuditEvent(entity_type="organisation", entity_id=n, action="updated"))
    forget_kept_pages()
    with _counting(db_session) as after:
        client.get("/admin/audit")
    assert len(after) == len(before)


def test_the_administration_index_pages_its_latest_changes(factories, client_for, db_session):
    admin = factories.administrator()
    for n in range(45):
        db_session.add(AuditEvent(entity_type="organisation", entity_id=n, action="updated"))
    client = client_for(admin)
    first = page(client.get("/admin"))
    assert len(first.select("main table tbody tr")) == 20
    assert "Page 1 of 3" in first.select_one(".app-page-count").get_text()
    assert first.select_one(".govuk-pagination")["aria-label"] == "Pages of the latest changes"
    assert first.find("a", string="Read every change in the audit trail")["href"] == "/admin/audit"
    assert [a["href"] for a in first.select(".govuk-pagination__next a")] == ["/admin?page=2"]
    last = page(client.get("/admin?page=3"))
    assert len(last.select("main table tbody tr")) >= 5
    assert "Previous page" in " ".join(_pages(last))
    assert client.get("/admin?page=nonsense").status_code == 200

    forget_kept_pages()  # the written page's statements, here and below
    with _counting(db_session) as before:
        client.get("/admin?page=2")
    for n in range(300):
        db_session.add(AuditEvent(entity_type="organisation", entity_id=n, action="updated"))
    forget_kept_pages()
    with _counting(db_session) as after:
        client.get("/admin?page=2")
    assert len(after) == len(before)


def test_a_long_trail_is_counted_only_ten_pages_ahead(factories, client_for, db_session):
    """Counting all 851,405 events of the national copy cost 50 ms a page: the count stops ten
    pages past the one shown, and says so; nearer the end it is exact again."""
    admin = factories.administrator()
    for n in range(230):
        db_session.add(AuditEvent(entity_type="organisation", entity_id=n, action="updated"))
    client = client_for(admin)
    first = page(client.get("/admin"))  # 20 a page: counted up to 220
    assert first.select_one(".app-page-count").get_text(" ", strip=True) == \
        "Page 1 of 11 or more (more than 220 in all)"
    assert [a["href"] for a in first.select(".govuk-pagination__next a")] == ["/admin?page=2"]
    assert "11" in _pages(first)
    fifth = page(client.get("/admin?page=5"))  # counted up to 300: all of them
    assert fifth.select_one(".app-page-count").get_text(" ", strip=True) == \
        "Page 5 of 12 (230 in all)"
    assert page(client.get("/admin?page=12")).select(".govuk-pagination__next") == []


def test_accounts_and_notifications_come_a_page_at_a_time(factories, client_for, db_session):
    admin = factories.administrator()
    for _ in range(60):
        factories.user()
    client = client_for(admin)
    assert len(page(client.get("/admin/users")).select("main table tbody tr")) == 50
    assert len(page(client.get("/admin/users?page=2")).select("main table tbody tr")) == 11

    for n in range(70):
        db_session.add(Notification(user_id=admin.id, kind=NotificationKind.MENTION,
                                    text=f"Note {n}", link="/", excerpt="",
                                    email_frequency=Frequency.OFF))
    first = page(client.get("/notifications"))
    assert len(first.select(".app-notifications > li")) == 50
    assert "Note 69" in first.get_text() and "Note 0" not in first.get_text()
    second = page(client.get("/notifications?page=2"))
    assert len(second.select(".app-notifications > li")) == 20


def test_the_action_list_keeps_its_filters_from_page_to_page(factories, client_for):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    plan = factories.plan(cycle=factories.cycle(organisation=org))
    for n in range(55):
        factories.action(plan=plan, title=f"Action {n:02d}")
    client = client_for(lead)
    url = f"/org/{org.slug}/cycles/2024-25/plan/actions?sort=title"
    soup = page(client.get(url))
    assert "Showing 50 of the 55 that match, of 55 actions." in soup.get_text(" ", strip=True)
    next_href = soup.select_one(".govuk-pagination__next a")["href"]
    assert "sort=title" in next_href and "page=2" in next_href
    second = page(client.get(next_href))
    assert [a.get_text(strip=True) for a in second.select("main table tbody th a, main table "
                                                          "tbody td a")][:1] == ["Action 50"]


def test_actions_are_found_by_words_across_cycles_and_only_in_their_organisation(
        factories, client_for):
    viewer = factories.member(role=Role.VIEWER)
    org = viewer.memberships[0].organisation
    old = factories.plan(cycle=factories.cycle(organisation=org, start_year=2023))
    new = factories.plan(cycle=factories.cycle(organisation=org, start_year=2024))
    factories.action(plan=old, title="Reverse mentoring for directors")
    factories.action(plan=new, title="Mentoring circles", description="Reverse the usual roles")
    factories.action(plan=new, title="Anonymous shortlisting")
    factories.action(plan=new, title="100% of managers trained")
    elsewhere = factories.plan(cycle=factories.cycle(organisation=factories.organisation()))
    factories.action(plan=elsewhere, title="Reverse mentoring elsewhere")
    client = client_for(viewer)

    def found(words):
        soup = page(client.get(f"/org/{org.slug}/actions", query_string={"q": words}))
        return [(row.a.get_text(strip=True), row.select("td")[1].get_text(strip=True))
                for row in soup.select(".app-search-results tbody tr")]

    assert found("REVERSE mentoring") == [("Mentoring circles", "2024-25"),
                                          ("Reverse mentoring for directors", "2023-24")]
    assert found("shortlisting") == [("Anonymous shortlisting", "2024-25")]
    assert found("100%") == [("100% of managers trained", "2024-25")]
    assert found("%") == [("100% of managers trained", "2024-25")]  # a percent sign is a letter
    assert found("   ") == []
    assert found("nothing like it") == []
    advisor = factories.advisor(follows=org)
    assert client_for(advisor).get(f"/org/{org.slug}/actions?q=mentoring").status_code == 200
    stranger = factories.member(role=Role.EDI_LEAD)
    assert client_for(stranger).get(f"/org/{org.slug}/actions?q=mentoring").status_code == 404
