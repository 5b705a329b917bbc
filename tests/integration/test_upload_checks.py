"""A large upload is read and checked by a job, never inside the request: the request keeps the
files and queues `check_upload`; a progress page (no JavaScript needed) turns into the preview,
the mapping page or the problems; nothing is saved until the preview is confirmed.

The queue tests run with the database's own runner, as production does (procrastinate's worker
on PostgreSQL, the web process's thread on SQLite), committing for real. The threshold is set
low here (UPLOAD_BACKGROUND_ROWS) so that the small realistic extracts count as large.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from tests.extract_files import small_extracts
from tests.factories import PASSWORD
from tests.helpers import csrf_token, page, sign_in
from tests.integration.test_jobs import _work, queue  # noqa: F401 - the fixture
from tracker.domain.roles import Role
from tracker.domain.upload_checks import CheckStatus
from tracker.models import (
    HeldExtract,
    IndicatorDataset,
    IndicatorDraft,
    Membership,
    ReportingCycle,
    UploadCheck,
)


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return small_extracts(tmp_path_factory.mktemp("background-extracts"))


@pytest.fixture
def large(app, monkeypatch):
    """Count an upload of more than 100 lines as large."""
    monkeypatch.setitem(app.config, "UPLOAD_BACKGROUND_ROWS", 100)


@pytest.fixture
def lead(app, factories, db_session):
    """An EDI lead signed in, with their organisation's 2024-25 cycle: (client, user, org)."""
    user = factories.member(role=Role.EDI_LEAD)
    organisation = user.memberships[0].organisation
    factories.cycle(organisation=organisation, start_year=2024)
    db_session.commit()
    client = app.test_client()
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    return client, user, organisation


def _urls(organisation) -> tuple[str, str]:
    cycle = f"/org/{organisation.slug}/cycles/2024-25/indicators"
    return cycle + "/upload", cycle + "/checking"


def _upload(client, url: str, files: dict[str, tuple[bytes, str]]):
    data = {"csrf_token": csrf_token(client, url), "extracts-submit": "Upload and check"}
    for kind, (content, name) in files.items():
        data[f"extracts-{kind}"] = (io.BytesIO(content), name)
    return client.post(url, data=data, content_type="multipart/form-data")


def _count(db_session, model) -> int:
    count = db_session.scalar(select(func.count()).select_from(model))
    db_session.commit()  # the read ends at once (on SQLite it would block the job)
    return count


def _check(db_session) -> tuple:
    row = db_session.execute(select(UploadCheck.status, UploadCheck.request_number,
                                    UploadCheck.draft_id)).one()
    db_session.commit()
    return tuple(row)


def test_a_large_upload_is_checked_by_the_job_and_its_page_turns_into_the_preview(
        app, queue, large, lead, extracts, db_session):  # noqa: F811
    client, _, organisation = lead
    upload, checking = _urls(organisation)
    files = {kind: (extracts[kind].read_bytes(), f"{kind}.csv") for kind in ("staff", "survey")}
    asked = _upload(client, upload, files)
    assert asked.status_code == 302 and asked.location.endswith(checking)
    if queue.runner == "procrastinate":
        # the request only kept the files and queued the check: nothing was read yet
        assert _check(db_session) == (CheckStatus.QUEUED, 1, None)
        assert _count(db_session, HeldExtract) == 2 and _count(db_session, IndicatorDraft) == 0
        assert db_session.scalar(text(
            "SELECT count(*) FROM procrastinate_jobs"
            " WHERE status = 'todo' AND task_name = 'check_upload'")) == 1
        db_session.commit()
        waiting = page(client.get(checking))
        assert waiting.h1.get_text(strip=True) == "Checking your files"
        status = waiting.select_one("[role=status]").get_text(" ", strip=True)
        assert status.startswith("Waiting to start: the files were uploaded at ")
        assert waiting.select_one(f'a[href="{checking}"]').get_text(strip=True) == "Check again"
        assert "staff.csv (" in waiting.get_text()
    _work(queue)
    status, number, draft_id = _check(db_session)
    assert (status, number) == (CheckStatus.DONE, 1) and draft_id is not None
    ready = client.get(checking)
    assert ready.status_code == 302 and ready.location.endswith(f"/preview/{draft_id}")
    preview = page(client.get(ready.location))
    assert "staff.csv (600 rows)" in preview.get_text()
    assert "survey.csv (200 rows)" in preview.get_text()
    # nothing is saved until the figures are; CSV files are not kept behind a preview
    assert _count(db_session, IndicatorDataset) == 0 and _count(db_session, HeldExtract) == 0
    saved = client.post(ready.location, data={"csrf_token": csrf_token(client, ready.location),
                                              "confirmed": "yes"})
    assert saved.status_code == 302
    assert _count(db_session, IndicatorDataset) == 1 and _count(db_session, UploadCheck) == 0
    assert client.get(checking).location.endswith(upload)


def test_the_problems_of_a_large_file_come_back_by_row_and_column_and_nothing_is_kept(
        app, queue, large, lead, extracts, db_session):  # noqa: F811
    client, _, organisation = lead
    upload, checking = _urls(organisation)
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    frame.loc[5, "staff_id"] = frame.loc[4, "staff_id"]
    frame.loc[9, "service_area"] = ""
    _upload(client, upload, {"staff": (frame.to_csv(index=False).encode(), "staff.csv")})
    _work(queue)
    response = client.get(checking)
    assert response.status_code == 200
    soup = page(response)
    assert soup.title.get_text().startswith("Error: Your files have problems")
    problems = [li.get_text(" ", strip=True) for li in soup.select(".app-problem-list li")]
    assert any(p.startswith("staff.csv , column staff_id :") and "in rows 6, 7" in p
               for p in problems), problems
    assert "staff.csv , column service_area : Enter a service area (adults or children) in " \
        "row 11" in problems
    assert "Nothing has been saved" in soup.get_text()
    assert _count(db_session, HeldExtract) == 0 and _count(db_session, IndicatorDraft) == 0
    assert _count(db_session, IndicatorDataset) == 0


def test_a_large_file_whose_columns_need_matching_goes_on_to_the_mapping_page(
        app, queue, large, lead, extracts, db_session):  # noqa: F811
    client, _, organisation = lead
    upload, checking = _urls(organisation)
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    content = frame.rename(columns={"staff_id": "Emp Ref"}).to_csv(index=False).encode()
    _upload(client, upload, {"staff": (content, "itrent.csv")})
    _work(queue)
    moved = client.get(checking)
    assert moved.status_code == 302 and moved.location.endswith("/indicators/mapping")
    # the page shows what the job found: it does not read the large file again
    held = db_session.scalars(select(HeldExtract)).one()
    kept, held.content = held.content, b"\x00 not a table any more"
    db_session.commit()
    soup = page(client.get(moved.location))
    assert soup.h1.get_text(strip=True) == "Match your files to the 2024-25 data"
    assert "Read as CSV: comma-delimited, UTF-8; headers in row 1" in soup.get_text()
    held = db_session.scalars(select(HeldExtract)).one()
    held.content = kept
    db_session.commit()
    assert _count(db_session, HeldExtract) == 1
    # the figures of the columns chosen are computed by the job too
    choice = next(o["value"] for o in soup.select("select[name='column-staff-staff_id'] option")
                  if o.get_text().startswith("Emp Ref"))
    chosen = client.post(moved.location, data={"csrf_token": csrf_token(client, moved.location),
                                               "column-staff-staff_id": choice})
    assert chosen.status_code == 302 and chosen.location.endswith(checking)
    _work(queue)
    ready = client.get(checking)
    assert "/preview/" in ready.location
    assert "itrent.csv (600 rows)" in page(client.get(ready.location)).get_text()


def test_a_job_for_an_upload_replaced_meanwhile_does_nothing(
        app, queue, large, lead, extracts, db_session):  # noqa: F811
    client, _, organisation = lead
    upload, checking = _urls(organisation)
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    _upload(client, upload, {"staff": (frame.head(300).to_csv(index=False).encode(), "a.csv")})
    _upload(client, upload, {"staff": (frame.head(400).to_csv(index=False).encode(), "b.csv")})
    _work(queue)
    status, number, draft_id = _check(db_session)
    assert (status, number) == (CheckStatus.DONE, 2)
    preview = page(client.get(client.get(checking).location)).get_text()
    assert "b.csv (400 rows)" in preview and "a.csv" not in preview
    assert _count(db_session, IndicatorDraft) == 1


def test_each_state_of_the_progress_page_and_who_sees_it(
        app, lead, factories, db_session, client_for):
    client, user, organisation = lead
    upload, checking = _urls(organisation)
    cycle = db_session.scalar(select(ReportingCycle).filter_by(organisation_id=organisation.id))
    check = UploadCheck(cycle_id=cycle.id, created_by_id=user.id, status=CheckStatus.READING,
                        files=[{"kind": "staff", "filename": "hr.xlsx", "bytes": 48_000_000}])
    db_session.add(check)
    db_session.flush()
    soup = page(client.get(checking))
    assert soup.select_one("[role=status]").get_text(" ", strip=True).startswith(
        "Reading and checking the files, since ")
    assert "hr.xlsx (48.0 MB)" in soup.get_text()
    assert soup.select_one('script[src$="/js/upload-check.js"]') is not None
    check.status, check.error = CheckStatus.FAILED, "The files could not be checked (MemoryError)"
    db_session.flush()
    soup = page(client.get(checking))
    assert "The files could not be checked (MemoryError)" in soup.get_text()
    assert soup.select_one('script[src$="/js/upload-check.js"]') is None
    check.status = CheckStatus.DONE  # its preview was replaced since
    db_session.flush()
    assert client.get(checking).location.endswith(upload)
    # the check is its uploader's: another EDI lead of the organisation, or any other role,
    # never sees it
    check.status = CheckStatus.READING
    db_session.flush()
    for role, status in [(Role.EDI_LEAD, 302), (Role.ACTION_OWNER, 403),
                         (Role.SPONSOR, 403), (Role.VIEWER, 403)]:
        other = client_for(factories.member(role=role, organisation=organisation))
        assert other.get(checking).status_code == status, role
    stranger = client_for(factories.member(role=Role.EDI_LEAD))
    assert stranger.get(checking).status_code == 404
    assert app.test_client().get(checking).status_code == 302  # signed out: to sign in


def test_a_check_waiting_over_15_minutes_says_the_worker_may_have_stopped(
        app, lead, db_session, time_machine):
    client, user, organisation = lead
    _, checking = _urls(organisation)
    cycle = db_session.scalar(select(ReportingCycle).filter_by(organisation_id=organisation.id))
    db_session.add(UploadCheck(cycle_id=cycle.id, created_by_id=user.id,
                               files=[{"kind": "staff", "filename": "hr.csv", "bytes": 1}]))
    db_session.flush()
    assert "may have stopped" not in page(client.get(checking)).get_text()
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=16))
    warning = page(client.get(checking)).select_one(".govuk-warning-text").get_text(" ",
                                                                                   strip=True)
    assert "This has waited over 15 minutes: what checks the files may have stopped." in warning


def test_an_uploader_who_may_no_longer_load_data_is_told_and_nothing_is_read(
        app, lead, extracts, db_session):
    """The job checks its uploader's access again when it starts."""
    _, user, organisation = lead
    cycle = db_session.scalar(select(ReportingCycle).filter_by(organisation_id=organisation.id))
    # as the upload left it: the files kept and the check queued (its job not run yet)
    db_session.add(HeldExtract(cycle_id=cycle.id, created_by_id=user.id, kind="staff",
                               filename="staff.csv", content=extracts["staff"].read_bytes()))
    check = UploadCheck(cycle_id=cycle.id, created_by_id=user.id, request_number=1,
                        files=[{"kind": "staff", "filename": "staff.csv", "bytes": 1}])
    db_session.add(check)
    db_session.scalars(select(Membership).filter_by(user_id=user.id)).one().role = Role.VIEWER
    db_session.commit()
    app.extensions["jobs"].run("check_upload", {"check_id": check.id, "request_number": 1},
                               reraise=True)
    status, error = db_session.execute(select(UploadCheck.status, UploadCheck.error)).one()
    db_session.commit()
    assert status is CheckStatus.FAILED
    assert error == "You may no longer load this organisation's data, so the files were not " \
                    "checked"
    assert _count(db_session, IndicatorDraft) == 0


def test_a_large_workbook_is_read_from_another_sheet_by_the_job_too(
        app, queue, lead, extracts, db_session, monkeypatch):  # noqa: F811
    from tests.integration.test_sheet_choice import rows_of, workbook
    from tracker.models import ExtractMapping

    monkeypatch.setitem(app.config, "UPLOAD_BACKGROUND_MB", 0)  # every upload is large
    client, _, organisation = lead
    upload, checking = _urls(organisation)
    staff = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    content = workbook("xlsx", {"2023": rows_of(staff.head(300)), "Notes": [["Read me"]],
                                "2024": rows_of(staff.head(400))})
    _upload(client, upload, {"staff": (content, "hr.xlsx")})
    _work(queue)
    first = client.get(checking).location
    assert "hr.xlsx (300 rows)" in page(client.get(first)).get_text()

    def choose(sheet: str):
        return client.post(first + "/sheet", data={"csrf_token": csrf_token(client, first),
                                                   "kind": "staff", "sheet-staff": sheet})

    asked = choose("Notes")
    assert asked.status_code == 302 and asked.location.endswith(checking)
    _work(queue)
    soup = page(client.get(checking))
    assert "Sheet 'Notes' of hr.xlsx has no header row naming the columns of a staff extract" \
        in soup.get_text()
    back = soup.find("a", string="Back to the figures, to choose another sheet")
    assert back["href"] == first
    # the preview before it, and its files, are as they were
    assert "hr.xlsx (300 rows)" in page(client.get(first)).get_text()
    assert _count(db_session, HeldExtract) == 1 and _count(db_session, IndicatorDraft) == 1

    choose("2024")
    _work(queue)
    second = client.get(checking).location
    assert "/preview/" in second
    soup = page(client.get(second))
    assert "hr.xlsx (400 rows)" in soup.get_text()
    assert soup.select_one("select[name='sheet-staff'] option[selected]")["value"] == "2024"
    sheet = db_session.scalar(select(ExtractMapping.sheet).filter_by(kind="staff"))
    db_session.commit()
    assert sheet == "2024"
