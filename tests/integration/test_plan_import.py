"""Importing a plan spreadsheet: every problem in one pass, and a preview before anything is saved."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from tests.helpers import csrf_token, error_summary, page, post_form, statements
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.models import Action, AuditEvent


def _setup(factories):
    lead = factories.member(role=Role.EDI_LEAD, name="Priya Shah")
    org = lead.memberships[0].organisation
    owner = factories.member(role=Role.ACTION_OWNER, organisation=org, name="Tom Okafor",
                             email="tom@example.org")
    plan = factories.plan(cycle=factories.cycle(organisation=org))
    action = factories.action(plan=plan, owner=lead, title="Reverse mentoring",
                              due_date=date(2025, 12, 31), status=ActionStatus.ON_TRACK)
    return lead, org, owner, plan, action


def _upload(client, org, content: str):
    url = f"/org/{org.slug}/cycles/2024-25/plan/import"
    return client.post(url, data={"csrf_token": csrf_token(client, url),
                                  "plan_file": (io.BytesIO(content.encode()), "plan.csv")},
                       content_type="multipart/form-data")


def _export(client, org) -> list[str]:
    return client.get(f"/org/{org.slug}/cycles/2024-25/plan/export.csv").get_data(
        as_text=True).lstrip("\ufeff").splitlines()


def test_every_problem_is_listed_in_one_pass(factories, client_for, db_session, frozen_clock):
    lead, org, _, _, action = _setup(factories)
    client = client_for(lead)
    header, *_ = _export(client, org)
    rows = [header,
            # the file's own problems: a status that is none, a date that is not one
            ",Leadership,Coaching,,,tom@example.org,,,,2026-01-31,finished,,,,,,",
            ",Leadership,Panels,,,tom@example.org,,,,31/02/2026,on_track,,,,,,",
            # problems against the plan: a stranger, a made-up theme, a ghost, a past due date
            ",Leadership,Circles,,,stranger@example.org,,,,2026-01-31,on_track,,,,,,",
            ",Made-up theme,Allies,,,tom@example.org,,,,2026-01-31,on_track,,,,,,",
            "99999,Leadership,Ghost,,,tom@example.org,,,,2026-01-31,on_track,,,,,,",
            ",Leadership,Late,,,tom@example.org,,,,2020-01-01,on_track,,,,,,"]
    before = db_session.scalar(select(func.count(Action.id)))
    response = _upload(client, org, "\n".join(rows))
    assert response.status_code == 400
    problems = [li.get_text(" ", strip=True) for li in page(response).select(".app-problem-list li")]
    assert len(problems) == 6, problems
    for expected in ("'finished' in row 2", "row 3 must be a real date",
                     "stranger@example.org in row 4", "Made-up theme", "Action ID 99999 in row 6",
                     "Row 7: The due date must be today or in the future"):
        assert any(expected in problem for problem in problems), expected
    assert "There are 6 problems: nothing has been saved" in page(response).get_text(" ")
    assert db_session.scalar(select(func.count(Action.id))) == before


def test_the_preview_says_what_will_change_before_anything_is_saved(
        factories, client_for, db_session, frozen_clock):
    lead, org, owner, plan, action = _setup(factories)
    kept = factories.action(plan=plan, owner=lead, title="Kept as it is")
    client = client_for(lead)
    header, *lines = _export(client, org)
    changed = [line.replace("Reverse mentoring", "Reverse mentoring for directors")
               .replace(lead.email, "tom@example.org").replace("On track", "At risk")
               if line.startswith(f"{action.id},") else line
               for line in lines]
    changed.append(",Leadership,Aspiring managers,,SCW9 adults,tom@example.org,,,,2026-01-31,"
                   "not_started,,,,,,")
    response = _upload(client, org, "\n".join([header, *changed]))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert db_session.scalar(select(func.count(Action.id))) == 2  # nothing saved yet

    preview = page(client.get(preview_url))
    text = preview.get_text(" ", strip=True)
    assert "1 action added, 1 updated, 1 unchanged" in text
    updated = preview.select_one(".app-import-change--updated").get_text(" ", strip=True)
    assert "Title Reverse mentoring changes to Reverse mentoring for directors" in updated
    assert "Owner Priya Shah changes to Tom Okafor" in updated
    assert "Status On track changes to At risk" in updated
    added = preview.select_one(".app-import-change--added").get_text(" ", strip=True)
    assert "Aspiring managers" in added and "Owner Tom Okafor" in added
    assert "Indicators linked SCW9 adults" in added
    assert "Kept as it is" in preview.select_one("details").get_text()

    confirmed = post_form(client, preview_url, {})
    assert confirmed.status_code == 302
    banner = page(client.get(confirmed.headers["Location"])).select_one(
        ".govuk-notification-banner").get_text(" ", strip=True)
    assert "Plan imported: 1 action added, 1 updated, 1 unchanged" in banner
    db_session.refresh(action)
    assert (action.title, action.owner_id, action.status) == (
        "Reverse mentoring for directors", owner.id, ActionStatus.AT_RISK)
    assert db_session.scalar(select(AuditEvent.after).filter_by(action="imported"))["added"] == 1
    # Back to the preview after confirming: the plan, and what happened
    back = client.get(preview_url)
    assert back.status_code == 302
    assert "That import is closed" in page(client.get(back.headers["Location"])).get_text()
    assert kept.title == "Kept as it is"


def test_a_plan_changed_since_the_preview_is_shown_again_not_imported(
        factories, client_for, db_session, frozen_clock):
    lead, org, _, _, action = _setup(factories)
    client = client_for(lead)
    header, *lines = _export(client, org)
    lines = [line.replace("On track", "At risk") for line in lines]
    preview_url = _upload(client, org, "\n".join([header, *lines])).headers["Location"]
    action.title = "Renamed meanwhile"  # someone else saves the action after the preview
    db_session.flush()
    response = post_form(client, preview_url, {})
    assert response.status_code == 200
    text = page(response).get_text(" ", strip=True)
    assert "The plan changed after you checked this file, so nothing was imported" in text
    assert "Title Renamed meanwhile changes to Reverse mentoring" in text
    db_session.refresh(action)
    assert action.status == ActionStatus.ON_TRACK
    # Changed since the export, the row now needs a choice before anything is saved.
    response = post_form(client, preview_url, {})
    assert response.status_code == 400
    assert error_summary(response) == [
        "Choose what to do with the actions changed in the tracker since the file was exported"]
    assert post_form(client, preview_url, {"conflicts": "all"}).status_code == 302  # applied
    db_session.refresh(action)
    assert (action.title, action.status) == ("Reverse mentoring", ActionStatus.AT_RISK)


def test_one_import_one_message_per_new_owner(factories, client_for, db_session, frozen_clock):
    from tracker.domain.notifications import NotificationKind
    from tracker.models import Notification, OutgoingEmail

    lead, org, owner, _, action = _setup(factories)
    client = client_for(lead)
    header, *lines = _export(client, org)
    new = [f",Leadership,Imported action {n},,,tom@example.org,,,,2026-01-31,not_started,,,,,,"
           for n in range(40)]
    response = _upload(client, org, "\n".join([header, *lines, *new]))
    assert response.status_code == 302
    assert post_form(client, response.headers["Location"], {}).status_code == 302
    assert db_session.scalar(select(func.count(Action.id))) == 41
    [told] = db_session.scalars(select(Notification).filter_by(
        user_id=owner.id, kind=NotificationKind.OWNER)).all()
    assert told.text == "Priya Shah made you the owner of 40 actions by importing the 2024-25 plan"
    assert told.excerpt.startswith("\u201cImported action 0\u201d, \u201cImported action 1\u201d")
    assert told.excerpt.endswith("and 37 more")
    assert db_session.scalar(select(func.count(OutgoingEmail.id)).filter_by(
        recipient="tom@example.org")) == 1
    # One action given by an import is told as one action
    header, *lines = _export(client, org)
    moved = [line.replace(lead.email, "tom@example.org") if line.startswith(f"{action.id},")
             else line for line in lines]
    response = _upload(client, org, "\n".join([header, *moved]))
    assert post_form(client, response.headers["Location"], {}).status_code == 302
    assert db_session.scalars(select(Notification.text).filter_by(
        user_id=owner.id).order_by(Notification.id.desc())).first() == (
        "Priya Shah made you the owner of the action \u201cReverse mentoring\u201d")


# Changed since the export, retried and simultaneous imports (issue 9 item 7) -----------------


def _progress(client, org, action_id: int, status: str, day: date):
    url = f"/org/{org.slug}/cycles/2024-25/plan/actions/{action_id}"
    return post_form(client, url + "/progress", {
        "occurred_on": [str(day.day), str(day.month), str(day.year)],
        "note": "Finished early", "new_status": status}, token_from=url)


def _confirm(client, preview_url: str, **choice):
    return post_form(client, preview_url, choice)


def test_an_export_taken_before_a_progress_update_does_not_revert_it_unasked(
        factories, client_for, db_session, frozen_clock):
    """Importing an export taken before an owner's progress update silently reverted
    'complete' to 'at risk' and reported '2 updated'."""
    lead, org, owner, plan, action = _setup(factories)
    theirs = factories.action(plan=plan, owner=owner, title="Listening circles",
                              due_date=date(2025, 12, 31), status=ActionStatus.AT_RISK)
    client = client_for(lead)
    header, *lines = _export(client, org)  # taken before the owner's update
    assert header.endswith(",version")
    assert _progress(client_for(owner), org, theirs.id, "complete",
                     date(2025, 6, 2)).status_code == 302
    changed = [line.replace("Reverse mentoring", "Reverse mentoring for directors")
               if line.startswith(f"{action.id},") else line for line in lines]
    preview_url = _upload(client, org, "\n".join([header, *changed])).headers["Location"]
    shown = page(client.get(preview_url))
    conflicts = shown.find(id="conflict-heading").find_next("div").get_text(" ", strip=True)
    assert f"Row 3: Listening circles (action {theirs.id})" in conflicts
    assert "Status Complete changes to At risk" in conflicts
    assert "Status last changed in the tracker by Tom Okafor, 2 June 2025 at 9:30am" in conflicts
    assert "1 of the updates changed in the tracker since the file was exported" in \
        shown.get_text(" ", strip=True)
    # No choice made: nothing is saved, not even the row nobody else changed.
    response = _confirm(client, preview_url)
    assert response.status_code == 400
    db_session.refresh(action)
    db_session.refresh(theirs)
    assert (action.title, theirs.status) == ("Reverse mentoring", ActionStatus.COMPLETE)
    # Keep the tracker's version of the changed action: only the other row is imported.
    response = _confirm(client, preview_url, conflicts="keep")
    assert response.status_code == 302
    db_session.refresh(action)
    db_session.refresh(theirs)
    assert (action.title, theirs.status) == ("Reverse mentoring for directors",
                                            ActionStatus.COMPLETE)
    event = db_session.scalar(select(AuditEvent).filter_by(action="imported"))
    assert event.after["kept_as_in_tracker"] == 1 and event.after["updated"] == 1


def test_each_changed_row_or_all_of_them_can_be_overwritten(
        factories, client_for, db_session, frozen_clock):
    lead, org, owner, plan, action = _setup(factories)
    second = factories.action(plan=plan, owner=owner, title="Allies network",
                              due_date=date(2025, 12, 31))
    client = client_for(lead)
    header, *lines = _export(client, org)
    for item in (action, second):
        item.status = ActionStatus.OFF_TRACK  # changed by someone since the export
    db_session.flush()
    rows = [line.replace("On track", "At risk") for line in lines]
    preview_url = _upload(client, org, "\n".join([header, *rows])).headers["Location"]
    row_of = {a.id: n for n, line in enumerate(rows, start=2) for a in (action, second)
              if line.startswith(f"{a.id},")}
    response = _confirm(client, preview_url, conflicts="rows",
                        overwrite_rows=[str(row_of[second.id])])
    assert response.status_code == 302
    db_session.refresh(action)
    db_session.refresh(second)
    assert (action.status, second.status) == (ActionStatus.OFF_TRACK, ActionStatus.AT_RISK)
    # All of them, from a fresh export changed since again.
    header, *lines = _export(client, org)
    for item in (action, second):
        item.status = ActionStatus.COMPLETE
    db_session.flush()
    preview_url = _upload(client, org, "\n".join([header, *lines])).headers["Location"]
    assert _confirm(client, preview_url, conflicts="all").status_code == 302
    db_session.refresh(action)
    db_session.refresh(second)
    assert (action.status, second.status) == (ActionStatus.OFF_TRACK, ActionStatus.AT_RISK)


def test_a_row_with_an_action_id_and_no_version_is_a_conflict_too(
        factories, client_for, db_session, frozen_clock):
    lead, org, _, _, action = _setup(factories)
    client = client_for(lead)
    header, *lines = _export(client, org)
    rows = [line.replace("On track", "At risk").rsplit(",", 1)[0] + "," for line in lines]
    preview_url = _upload(client, org, "\n".join([header, *rows])).headers["Location"]
    assert _confirm(client, preview_url).status_code == 400
    assert _confirm(client, preview_url, conflicts="all").status_code == 302
    db_session.refresh(action)
    assert action.status == ActionStatus.AT_RISK


def test_the_same_file_imported_again_does_not_add_its_new_rows_twice(
        factories, client_for, db_session, frozen_clock):
    lead, org, _, plan, _ = _setup(factories)
    client = client_for(lead)
    header, *lines = _export(client, org)
    content = "\n".join([header, *lines,
                         ",Leadership,Aspiring managers,,,tom@example.org,,,,2026-01-31,"
                         "not_started,,,,,,"])
    assert _confirm(client, _upload(client, org, content).headers["Location"]).status_code == 302
    # The same file again (a retried submission, a second tab): its new row is the action
    # it added the first time, unchanged.
    again = _upload(client, org, content).headers["Location"]
    assert "0 actions added, 0 updated, 2 unchanged" in page(client.get(again)).get_text(" ")
    assert _confirm(client, again).status_code == 302
    titles = db_session.scalars(select(Action.title).where(Action.plan_id == plan.id)).all()
    assert sorted(titles) == ["Aspiring managers", "Reverse mentoring"]


def test_confirming_twice_applies_once(factories, client_for, db_session, frozen_clock):
    lead, org, _, plan, _ = _setup(factories)
    client = client_for(lead)
    header, *lines = _export(client, org)
    preview_url = _upload(client, org, "\n".join([
        header, *lines, ",Leadership,Panels,,,tom@example.org,,,,2026-01-31,on_track,,,,,,"])
    ).headers["Location"]
    token = csrf_token(client, preview_url)
    assert client.post(preview_url, data={"csrf_token": token}).status_code == 302
    response = client.post(preview_url, data={"csrf_token": token}, follow_redirects=True)
    assert "That import is closed" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Action.id)).where(
        Action.plan_id == plan.id)) == 2


def test_a_file_without_the_version_column_is_refused_with_its_name(
        factories, client_for, db_session, frozen_clock):
    lead, org, _, _, _ = _setup(factories)
    client = client_for(lead)
    header, *lines = _export(client, org)
    old = [line.rsplit(",", 1)[0] for line in [header, *lines]]
    response = _upload(client, org, "\n".join(old))
    assert response.status_code == 400
    assert "version" in page(response).select_one(".app-problem-list").get_text(" ")


# At scale: the statements an import issues do not grow with its rows (issue 15 item 4) -------


def _new_rows(header: str, owners, count: int) -> list[str]:
    """`count` new actions, varied as a council's file is: links or none, dates or blanks."""
    columns = header.split(",")
    lines = []
    for n in range(count):
        row = dict.fromkeys(columns, "")
        row.update(theme="Leadership", title=f"Action {n}", owner_email=owners[n % 2].email,
                   due_date="2026-01-31", status="not_started",
                   indicators=["SCW3 all; SCW9 adults", "", "SCW6 children"][n % 3],
                   start_date="2025-09-01" if n % 2 else "",
                   measure_baseline="12.5" if n % 4 == 1 else "")
        lines.append(",".join(row[c] for c in columns))
    return lines


def _changed(lines: list[str], owners) -> list[str]:
    """Every exported row changed: its title, status and owner, and its links."""
    changed = []
    for line in lines:
        line = line.replace(",Action ", ",Renamed action ").replace(",Not started,", ",At risk,")
        line = line.replace(owners[0].email, "swap").replace(owners[1].email, owners[0].email)
        line = line.replace("swap", owners[1].email)
        line = line.replace("SCW3; SCW9 adults", "SCW3; SCW5").replace(
            "SCW6 children", "")
        changed.append(line)
    return changed


def _import_counting(client, db_session, org, lines: list[str]) -> tuple[int, int]:
    """Upload, preview and confirm; return the statements of the check and of the save."""
    with statements(db_session) as checked:
        response = _upload(client, org, "\n".join(lines))
        assert response.status_code == 302, page(response).get_text(" ", strip=True)[:2000]
        assert client.get(response.headers["Location"]).status_code == 200
    with statements(db_session) as saved:
        assert post_form(client, response.headers["Location"], {}).status_code == 302
    return len(checked), len(saved)


def test_an_import_issues_the_same_statements_for_10_rows_as_for_100(
        factories, client_for, db_session, frozen_clock):
    counts = {}
    for count in (10, 100):
        lead = factories.member(role=Role.EDI_LEAD)
        org = lead.memberships[0].organisation
        owners = [factories.member(role=Role.ACTION_OWNER, organisation=org) for _ in range(2)]
        plan = factories.plan(cycle=factories.cycle(organisation=org))
        factories.dataset(cycle=plan.cycle)
        client = client_for(lead)
        header, *_ = _export(client, org)
        added = _import_counting(client, db_session, org,
                                 [header, *_new_rows(header, owners, count)])
        assert db_session.scalar(select(func.count(Action.id)).filter_by(
            plan_id=plan.id)) == count
        header, *lines = _export(client, org)
        updated = _import_counting(client, db_session, org, [header, *_changed(lines, owners)])
        counts[count] = (added, updated)
        actions = db_session.scalars(select(Action).filter_by(plan_id=plan.id)
                                     .order_by(Action.id)).all()
        assert {a.title for a in actions} == {f"Renamed action {n}" for n in range(count)}
        assert {a.status for a in actions} == {ActionStatus.AT_RISK}
        assert sorted((link.indicator, link.service_area) for link in actions[0].links) == [
            ("SCW3", "all"), ("SCW5", "all")]
        assert actions[2].links == [] and actions[1].links == []
        assert actions[0].owner_id == owners[1].id and actions[1].owner_id == owners[0].id
        # Each row's changes are in the audit trail, as one by one: created, linked, updated...
        trail = db_session.execute(select(AuditEvent.action, AuditEvent.after).where(
            AuditEvent.entity_type == "action", AuditEvent.entity_id == actions[0].id)
            .order_by(AuditEvent.id)).all()
        assert [verb for verb, _ in trail] == ["created", "linked", "linked", "updated",
                                               "linked", "unlinked"]
        assert trail[0].after["title"] == "Action 0" and trail[1].after["indicator"] == "SCW3 all"
        assert trail[3].after["title"] == "Renamed action 0"
        assert trail[4].after["indicator"] == "SCW5 all"
    assert counts[10] == counts[100], counts
