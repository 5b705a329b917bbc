"""Each role's home (issue 12): an owner's actions, the EDI lead's list of what needs doing, the
senior sponsor's view at a glance and the councils an advisor follows. Each role gets exactly
what it may, and the page asks the same number of queries however much data there is."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select

from tests.helpers import page
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.kept_pages import forget_kept_pages
from tracker.main import routes
from tracker.models import Action, AnnualReview, AuditEvent, PlanSignOff, ReviewNarrative

TODAY = date(2025, 6, 2)  # the frozen clock's day


def _home(client, query: str = ""):
    response = client.get("/" + query)
    assert response.status_code == 200
    return page(response)


def _text(soup, selector: str) -> str:
    found = soup.select_one(selector)
    return found.get_text(" ", strip=True) if found else ""


@contextmanager
def _counting(db_session):
    db_session.flush()
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db_session.connection(), "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db_session.connection(), "before_cursor_execute", listener)


def _queries(client, db_session, query: str = "") -> int:
    """The statements of the written page, not of a kept one (see test_kept_homes.py)."""
    forget_kept_pages()
    with _counting(db_session) as seen:
        assert client.get("/" + query).status_code == 200
    return len(seen)


# An action owner's actions -------------------------------------------------------------------------


def test_my_actions_across_organisations_and_cycles_most_urgent_first(
        factories, client_for, frozen_clock):
    owner = factories.member(role=Role.ACTION_OWNER)
    first = owner.memberships[0].organisation
    second = factories.organisation(name="Second Borough Council")
    factories.membership(user=owner, organisation=second, role=Role.ACTION_OWNER)
    left = factories.organisation(name="Left Council")  # owner no longer a member there
    old_plan = factories.plan(cycle=factories.cycle(organisation=first, start_year=2023))
    plan = factories.plan(cycle=factories.cycle(organisation=first))
    other_plan = factories.plan(cycle=factories.cycle(organisation=second))
    make = factories.action
    make(plan=plan, owner=owner, title="Overdue ten days", due_date=TODAY - timedelta(10))
    make(plan=old_plan, owner=owner, title="Overdue forty days", due_date=TODAY - timedelta(40),
         status=ActionStatus.AT_RISK)
    make(plan=other_plan, owner=owner, title="Due in five days", due_date=TODAY + timedelta(5))
    make(plan=plan, owner=owner, title="Due in twenty days", due_date=TODAY + timedelta(20))
    make(plan=other_plan, owner=owner, title="Silent for ninety days",
         due_date=TODAY + timedelta(200), last_activity_on=TODAY - timedelta(90))
    make(plan=plan, owner=owner, title="Silent for seventy days",
         due_date=TODAY + timedelta(200), last_activity_on=TODAY - timedelta(70))
    make(plan=plan, owner=owner, title="Quiet and on time", due_date=TODAY + timedelta(100))
    make(plan=plan, owner=owner, title="Finished", status=ActionStatus.COMPLETE,
         due_date=TODAY - timedelta(5))
    make(plan=plan, owner=owner, title="A draft", is_draft=True)
    make(plan=plan, title="Someone else's", due_date=TODAY - timedelta(3))
    make(plan=factories.plan(cycle=factories.cycle(organisation=left)), owner=owner,
         title="From a council they left", due_date=TODAY - timedelta(3))

    soup = _home(client_for(owner))
    groups = {key: [a.get_text(strip=True) for a in soup.select(f"#my-actions-{key} tbody a")]
              for key in ("overdue", "due-soon", "stale", "other")}
    assert groups == {
        "overdue": ["Overdue forty days", "Overdue ten days"],
        "due-soon": ["Due in five days", "Due in twenty days"],
        "stale": ["Silent for ninety days", "Silent for seventy days"],
        "other": ["Quiet and on time"],
    }
    assert "40 days overdue" in _text(soup, "#my-actions-overdue")
    assert "in 5 days" in _text(soup, "#my-actions-due-soon")
    assert "last update 90 days ago" in _text(soup, "#my-actions-stale")
    assert "Second Borough Council, 2024-25" in _text(soup, "#my-actions-due-soon")
    assert "2023-24" in _text(soup, "#my-actions-overdue")
    # One click from the update form: the link opens the action at its progress form.
    link = soup.select_one("#my-actions-overdue tbody a")["href"]
    assert link.endswith("#add-progress") and "/cycles/2023-24/plan/actions/" in link
    action_page = page(client_for(owner).get(link.split("#")[0]))
    assert action_page.select_one("#add-progress").find_next("form")["action"].endswith(
        "/progress")
    assert not soup.select(".app-glance") and not soup.select(".app-shared-table")


def test_an_owner_with_nothing_open_is_told_so(factories, client_for, frozen_clock):
    owner = factories.member(role=Role.ACTION_OWNER)
    soup = _home(client_for(owner))
    assert "You own no open actions." in _text(soup, ".app-my-actions")


# The senior sponsor -------------------------------------------------------------------------------


def _council(factories, *, with_figures: bool = True):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    sponsor = factories.member(role=Role.SPONSOR, organisation=org, name="Helen Director")
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org, name="Olu Owner")
    cycle = factories.cycle(organisation=org)
    if with_figures:
        factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    return {"lead": lead, "sponsor": sponsor, "owner": owner, "org": org, "cycle": cycle,
            "plan": plan}


def test_the_sponsor_sees_in_ten_seconds_what_is_overdue_and_who_owns_it(
        factories, client_for, frozen_clock):
    c = _council(factories)
    themes = c["plan"].themes
    mentoring = factories.action(plan=c["plan"], owner=c["owner"], theme=themes[3],
                                 title="Mentoring", due_date=TODAY - timedelta(12))
    shortlisting = factories.action(plan=c["plan"], owner=None, theme=themes[2],
                                    title="Anonymous shortlisting",
                     due_date=TODAY - timedelta(30), status=ActionStatus.OFF_TRACK)
    factories.action(plan=c["plan"], owner=c["owner"], theme=themes[2], title="Done already",
                     status=ActionStatus.COMPLETE, due_date=TODAY - timedelta(40))
    factories.action(plan=c["plan"], owner=c["owner"], theme=themes[3], title="On time")

    soup = _home(client_for(c["sponsor"]))
    glance = soup.select_one(".app-sponsor-glance")
    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in glance.select(".app-overdue-table tbody tr")]
    assert rows == [["Anonymous shortlisting Workforce diversity and recruitment", "No owner",
                     "30 days"],
                    ["Mentoring Leadership", "Olu Owner", "12 days"]]
    assert "2 overdue actions" in glance.get_text(" ", strip=True)
    plan_path = f"/org/{c['org'].slug}/cycles/2024-25/plan"
    assert [a["href"] for a in glance.select(".app-overdue-table tbody a")] == [
        f"{plan_path}/actions/{shortlisting.id}", f"{plan_path}/actions/{mentoring.id}"]
    by_theme = {row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.select("td")]
                for row in glance.select(".app-theme-status tbody tr")}
    assert by_theme == {"Workforce diversity and recruitment": [
                            "1 of 2", "1 overdue, 1 at risk or off track"],
                        "Leadership": ["0 of 2", "1 overdue"]}
    uncovered = _text(glance, ".app-uncovered-list")
    assert "SCW2" in uncovered and "no open action linked" in uncovered
    waiting = _text(glance, ".app-sign-off-waiting")
    assert "The 2024-25 action plan : not signed off yet" in waiting
    assert "The 2024-25 annual review : not signed off yet" in waiting
    assert glance.select_one("form.app-board-pack-download")["action"] == (
        f"/org/{c['org'].slug}/cycles/2024-25/reports/board-pack.pdf")
    # The sponsor's part comes before anything else on the page.
    assert soup.select_one("main h2").get_text(strip=True).startswith(c["org"].name)
    assert not soup.select(".app-lead-glance")


def test_the_sponsor_is_told_when_nothing_waits_and_when_the_plan_changed(
        factories, client_for, frozen_clock, db_session):
    c = _council(factories)
    action = factories.action(plan=c["plan"], owner=c["owner"], title="Mentoring",
                              updated_at=datetime(2025, 5, 1, tzinfo=UTC))
    factories.link(action=action, indicator="SCW2", service_area="adults")
    db_session.add(PlanSignOff(plan_id=c["plan"].id, signer_name="Helen Director",
                               signer_role="Director", snapshot={},
                               signed_at=datetime(2025, 5, 20, 9, tzinfo=UTC)))
    review = AnnualReview(cycle_id=c["cycle"].id)
    db_session.add(review)
    review.signed_at = datetime(2025, 5, 21, tzinfo=UTC)
    review.signer_name = "Helen Director"
    sponsor = client_for(c["sponsor"])
    assert "Nothing is waiting for your sign-off." in _text(_home(sponsor), ".app-sponsor-glance")

    action.updated_at = datetime(2025, 5, 25, tzinfo=UTC)
    waiting = _text(_home(sponsor), ".app-sign-off-waiting")
    assert "1 action changed since it was signed off on 20 May 2025 at 10:00am" in waiting


# The EDI lead ----------------------------------------------------------------------------------------


def test_the_edi_lead_sees_what_needs_doing(factories, client_for, frozen_clock, db_session):
    c = _council(factories, with_figures=False)
    lead = client_for(c["lead"])
    to_do = _text(_home(lead), ".app-lead-glance")
    assert "Load the indicator data for 2024-25 : no figures are loaded yet." in to_do

    dataset = factories.dataset(cycle=c["cycle"])
    dataset.provenance = {**dataset.provenance, "warnings": [
        {"message": "Declaration rate below 90%", "file": "staff.csv"}]}
    nobody = factories.action(plan=c["plan"], owner=None, title="Nobody owns this")
    factories.action(plan=c["plan"], owner=c["owner"], title="Half an idea", is_draft=True)
    late = factories.action(plan=c["plan"], owner=c["owner"], title="Late",
                            due_date=TODAY - timedelta(8))
    factories.comment(action=late, author=factories.advisor(follows=c["org"]),
                      needs_response=True,
                      response_requested_at=datetime(2025, 5, 28, 12, tzinfo=UTC))
    to_do = _text(_home(lead), ".app-lead-glance")
    for expected in ("Check 1 data-quality note about the 2024-25 figures",
                     "Declaration rate below 90% (staff.csv)",
                     "Cover ", "that no open action is linked to",
                     "Finish 1 draft action : Half an idea.",
                     "Give 1 action an owner or a due date: Nobody owns this",
                     "Chase 1 overdue action , the longest by 8 days.",
                     "Respond to 1 piece of advisors' feedback , waiting up to 5 days.",
                     "Write ", "review narratives",
                     "The 2024-25 action plan waits for the senior sponsor's sign-off.",
                     "The 2024-25 annual review waits for the senior sponsor's sign-off."):
        assert expected in to_do, expected
    give = _home(lead).find("a", string="Nobody owns this")
    assert give["href"] == f"/org/{c['org'].slug}/cycles/2024-25/plan/actions/{nobody.id}/edit"


def test_narratives_written_are_not_asked_for(factories, client_for, frozen_clock, db_session):
    c = _council(factories)
    lead = client_for(c["lead"])
    before = _text(_home(lead), ".app-lead-glance")
    count = int(before.split("Write ")[1].split(" ")[0])
    review = AnnualReview(cycle_id=c["cycle"].id)
    db_session.add(review)
    db_session.flush()
    db_session.add(ReviewNarrative(review_id=review.id, indicator="SCW2", service_area="adults",
                                   what_we_did="Anonymous shortlisting."))
    db_session.add(ReviewNarrative(review_id=review.id, indicator="SCW3", service_area="adults"))
    after = _text(_home(lead), ".app-lead-glance")
    assert f"Write {count - 1} review narratives" in after


# The advisor --------------------------------------------------------------------------------------


def _advised_councils(factories, advisor_group, n: int, *, start: int = 0):
    made = []
    for i in range(start, start + n):
        org = factories.organisation(name=f"Council {i:02d}")
        factories.share(group=advisor_group, organisation=org)
        cycle = factories.cycle(organisation=org)
        factories.dataset(cycle=cycle)
        plan = factories.plan(cycle=cycle)
        factories.action(plan=plan, status=ActionStatus.COMPLETE)
        for k in range(i + 1):  # council i has i + 1 overdue actions
            factories.action(plan=plan, due_date=TODAY - timedelta(days=k + 1))
        made.append(org)
    return made


def test_the_advisor_sees_every_shared_council_with_its_state(
        factories, client_for, frozen_clock, db_session):
    group = factories.group(short_name="IAG")
    advisor = factories.group_member(group=group).user
    shared = factories.organisation(name="Brightwater Council")
    factories.share(group=group, organisation=shared)
    cycle = factories.cycle(organisation=shared, start_year=2023)
    factories.cycle(organisation=shared, start_year=2024)  # the latest, no figures yet
    factories.dataset(cycle=cycle)
    plan = factories.plan(cycle=cycle)
    action = factories.action(plan=plan, due_date=TODAY - timedelta(3))
    factories.action(plan=plan, status=ActionStatus.COMPLETE)
    factories.comment(action=action, author=advisor, needs_response=True,
                      response_requested_at=datetime(2025, 5, 20, 12, tzinfo=UTC))
    factories.comment(action=action, author=advisor, needs_response=True,
                      visibility="internal")  # not the advisor's to see
    db_session.add(AuditEvent(organisation_id=shared.id, entity_type="action", action="updated",
                              occurred_at=datetime(2025, 5, 30, 15, tzinfo=UTC)))
    quiet = factories.organisation(name="Applefield Council")
    factories.share(group=group, organisation=quiet)
    factories.organisation(name="Not Shared Council")

    soup = _home(client_for(advisor))
    rows = soup.select(".app-shared-table tbody tr")
    assert [r.a.get_text(strip=True) for r in rows] == ["Applefield Council",
                                                        "Brightwater Council"]
    cells = [td.get_text(" ", strip=True) for td in rows[1].select("td")]
    assert cells[1] == "IAG"
    assert cells[2].startswith("2024-25")
    assert cells[3] == "No figures loaded"
    # Feedback waits whichever cycle it is about.
    assert cells[4:] == ["No actions yet", "0", "1, the longest for 13 days", "30 May 2025"]
    assert [td.get_text(" ", strip=True) for td in rows[0].select("td")][2:] == [
        "No cycle yet", "No cycle yet", "No actions yet", "0", "Nothing waiting",
        "Nothing recorded yet"]
    assert "Not Shared Council" not in soup.get_text()
    assert not soup.select(".app-my-actions") and not soup.select(".app-glance")

    # The latest cycle's plan and results are what count.
    latest = factories.plan(cycle=factories.cycle(organisation=shared, start_year=2025))
    factories.dataset(cycle=latest.cycle)
    factories.action(plan=latest, due_date=TODAY - timedelta(3))
    factories.action(plan=latest, status=ActionStatus.COMPLETE)
    row = _home(client_for(advisor)).select(".app-shared-table tbody tr")[1]
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[2].startswith("2025-26")
    assert " of " in cells[3]
    assert cells[4:7] == ["1 of 2 (50%)", "1", "1, the longest for 13 days"]


def test_the_advisors_table_sorts_by_any_column(factories, client_for, frozen_clock):
    group = factories.group()
    advisor = factories.group_member(group=group).user
    _advised_councils(factories, group, 3)  # Council 00 .. 02; council i is overdue on more

    def order(query):
        soup = _home(client_for(advisor), query)
        return [r.a.get_text(strip=True) for r in soup.select(".app-shared-table tbody tr")]

    assert order("") == ["Council 00", "Council 01", "Council 02"]
    assert order("?sort=name&order=descending") == ["Council 02", "Council 01", "Council 00"]
    assert order("?sort=overdue&order=descending") == ["Council 02", "Council 01",
                                                        "Council 00"]
    assert order("?sort=nonsense") == ["Council 00", "Council 01", "Council 02"]
    header = _home(client_for(advisor), "?sort=overdue&order=descending").select_one(
        ".app-shared-table th[aria-sort=descending]")
    assert "Overdue actions" in header.get_text()
    assert "order=ascending" in header.a["href"]


# Each role gets exactly what it may ---------------------------------------------------------------


def test_each_role_gets_exactly_its_own_parts(factories, client_for, frozen_clock):
    c = _council(factories)
    other = _council(factories)  # another council: none of its parts show for the first's people
    factories.action(plan=c["plan"], owner=c["owner"], title="Ours",
                     due_date=TODAY - timedelta(2))
    factories.action(plan=other["plan"], owner=other["owner"], title="Theirs",
                     due_date=TODAY - timedelta(2))
    viewer = factories.member(role=Role.VIEWER, organisation=c["org"])
    advisor = factories.advisor(follows=c["org"])
    expected = {  # role: (sponsor part, lead part, my actions, councils)
        "sponsor": (c["sponsor"], True, False, False, False),
        "lead": (c["lead"], False, True, False, False),
        "owner": (c["owner"], False, False, True, False),
        "viewer": (viewer, False, False, False, False),
        "advisor": (advisor, False, False, False, True),
    }
    for role, (user, sponsor, lead, mine, councils) in expected.items():
        soup = _home(client_for(user))
        text = soup.get_text(" ", strip=True)
        assert bool(soup.select(".app-sponsor-glance")) is sponsor, role
        assert bool(soup.select(".app-lead-glance")) is lead, role
        assert bool(soup.select(".app-my-actions")) is mine, role
        assert bool(soup.select(".app-shared-table")) is councils, role
        assert other["org"].name not in text and "Theirs" not in text, role


# As the data grows, the queries do not ------------------------------------------------------------


def test_the_home_asks_the_same_queries_however_many_actions(
        factories, client_for, frozen_clock, db_session):
    c = _council(factories)
    sponsor_and_owner = c["sponsor"]
    factories.membership(user=sponsor_and_owner, organisation=c["org"], role=Role.EDI_LEAD)
    factories.membership(user=sponsor_and_owner, organisation=c["org"], role=Role.ACTION_OWNER)

    def add(n, year):
        plan = factories.plan(cycle=factories.cycle(organisation=c["org"], start_year=year))
        for k in range(n):
            for p in (c["plan"], plan):
                action = factories.action(plan=p, owner=sponsor_and_owner if k % 2 else c["owner"],
                                          due_date=TODAY + timedelta(days=k * 7 - 20),
                                          theme=p.themes[k % 7])
                factories.link(action=action, indicator="SCW3", service_area="adults")
                factories.progress(action=action)

    add(2, 2022)
    client = client_for(sponsor_and_owner)
    client.get("/")
    before = _queries(client, db_session)
    add(12, 2021)
    assert _queries(client, db_session) == before


def test_the_advisors_home_asks_the_same_queries_however_many_councils(
        factories, client_for, frozen_clock, db_session):
    group = factories.group()
    advisor = factories.group_member(group=group).user
    _advised_councils(factories, group, 2)
    client = client_for(advisor)
    client.get("/")
    before = _queries(client, db_session, "?sort=feedback&order=descending")
    for org in _advised_councils(factories, group, 5, start=2):
        db_session.add(AuditEvent(organisation_id=org.id, entity_type="action",
                                  action="updated"))
    assert _queries(client, db_session, "?sort=feedback&order=descending") == before


def test_the_advisors_table_is_kept_by_what_it_shows_and_never_shown_stale(
        factories, client_for, frozen_clock, db_session):
    group = factories.group(short_name="IAG")
    advisor = factories.group_member(group=group).user
    other = factories.group_member(group=group).user  # another advisor of the same group
    _advised_councils(factories, group, 1)  # one action complete, one overdue
    routes._TABLES_KEPT.clear()

    def complete_cell(user) -> str:
        row = _home(client_for(user)).select(".app-shared-table tbody tr")[0]
        return row.select("td")[4].get_text(" ", strip=True)

    assert complete_cell(advisor) == "1 of 2 (50%)"
    assert len(routes._TABLES_KEPT) == 1
    assert complete_cell(other) == "1 of 2 (50%)"  # the same facts: the table kept
    assert len(routes._TABLES_KEPT) == 1
    # A figure changes: the table is made again from the new facts, not the kept one.
    action = db_session.scalars(select(Action).where(Action.status != ActionStatus.COMPLETE)).one()
    action.status = ActionStatus.COMPLETE
    db_session.flush()
    assert complete_cell(advisor) == "2 of 2 (100%)"
    assert len(routes._TABLES_KEPT) == 2
    # Each sort is its own table.
    _home(client_for(advisor), "?sort=overdue&order=descending")
    assert len(routes._TABLES_KEPT) == 3


def test_what_keeps_the_advisors_table_names_every_field_it_could_show():
    """council_facts is the kept table's key: a field added to Council (or to Tally) must be
    added to it too, or a table made before the field changed would be shown after."""
    from dataclasses import fields

    from tracker.domain.plans import Tally
    from tracker.services.homes import Council

    assert {f.name for f in fields(Council)} == {
        "organisation", "groups", "cycle", "has_figures", "adverse", "rated", "tally",
        "awaiting", "longest_wait", "last_activity"}
    assert {f.name for f in fields(Tally)} == {"total", "by_status", "overdue", "due_soon",
                                               "stale"}
