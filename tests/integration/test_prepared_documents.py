"""Board packs and the council's report are made by a job, never inside the request that asks.

A request records what is wanted and enqueues `prepare_document`; the Reports page says it is
being prepared, then offers the file, and says when a kept file may be out of date. The queue
tests run with the database's own runner, as production does (procrastinate on PostgreSQL, the
web process's thread on SQLite), committing for real.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select, text

from tests.factories import PASSWORD
from tests.helpers import page, post_form, prepared_document, sign_in
from tests.integration.test_jobs import _work, queue  # noqa: F401 - the fixture
from tracker import jobs
from tracker.domain.documents import DocumentKind, DocumentStatus, file_size
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import AuditEvent, PreparedDocument
from tracker.services import documents as document_service


def _documents(db_session) -> list[tuple]:
    rows = db_session.execute(select(
        PreparedDocument.kind, PreparedDocument.fmt, PreparedDocument.status,
        PreparedDocument.request_number, PreparedDocument.size,
        PreparedDocument.body.is_not(None)).order_by(PreparedDocument.id)).all()
    db_session.commit()
    return [tuple(row) for row in rows]


def test_asking_only_queues_the_work_and_the_page_says_when_it_is_ready(app, queue,  # noqa: F811
                                                                         factories, db_session):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.dataset(cycle=factories.cycle(organisation=org, start_year=2024))
    db_session.commit()
    slug = org.slug
    client = app.test_client()
    assert sign_in(client, lead.email, PASSWORD).status_code == 302
    reports = f"/org/{slug}/cycles/2024-25/reports"
    asked = post_form(client, f"{reports}/board-pack.pdf", {}, token_from=reports)
    assert asked.status_code == 302 and asked.location.endswith(f"{reports}#board-pack-pdf")
    if queue.runner == "procrastinate":
        # The request made nothing: the document and its job wait, both committed
        assert _documents(db_session) == [(DocumentKind.BOARD_PACK, "pdf", DocumentStatus.QUEUED,
                                           1, 0, False)]
        waiting = page(client.get(reports))
        status = waiting.select_one("#board-pack-pdf [role=status]").get_text(" ", strip=True)
        assert status.startswith("Being prepared since ")
        assert waiting.select_one('form[action$="/reports/board-pack.pdf"]') is None
        assert client.get(f"/org/{slug}/cycles/2024-25/board-pack.pdf").status_code == 302
        # Asking again while it waits does not queue it twice
        post_form(client, f"{reports}/board-pack.pdf", {}, token_from=reports)
        assert db_session.scalar(text(
            "SELECT count(*) FROM procrastinate_jobs"
            " WHERE status = 'todo' AND task_name = 'prepare_document'")) == 1
        db_session.commit()
    _work(queue)
    [(kind, fmt, status, number, size, kept)] = _documents(db_session)
    assert (status, number, kept) == (DocumentStatus.READY, 1, True) and size > 10_000
    ready = page(client.get(reports))
    link = ready.select_one(f'#board-pack-pdf a[href="/org/{slug}/cycles/2024-25/board-pack.pdf"]')
    assert link.get_text(" ", strip=True) == f"Download the board pack (PDF, {file_size(size)})"
    download = client.get(f"/org/{slug}/cycles/2024-25/board-pack.pdf")
    assert download.mimetype == "application/pdf"
    assert "SC-WRES board pack 2024-25" in PdfReader(io.BytesIO(download.data)).pages[0] \
        .extract_text()


def test_a_current_document_is_not_made_again_and_a_change_says_it_may_be_out_of_date(
        client_for, factories, db_session, frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org, start_year=2024)
    browser = client_for(lead)
    cycle_url = f"/org/{org.slug}/cycles/2024-25"
    first = prepared_document(browser, f"{cycle_url}/sc-wres-report.docx")
    assert first.status_code == 200
    # Still current: the button goes straight to the file, and nothing is made again
    again = post_form(browser, f"{cycle_url}/reports/sc-wres-report.docx", {},
                      token_from=f"{cycle_url}/reports")
    assert again.location.endswith(f"{cycle_url}/sc-wres-report.docx")
    assert [r[3] for r in _documents(db_session)] == [1]
    reports = page(browser.get(f"{cycle_url}/reports"))
    assert reports.select_one('form[action$="/reports/sc-wres-report.docx"]') is None
    assert "out of date" not in reports.select_one("#sc-wres-report-docx").get_text()
    # Something changes in the organisation: the kept file says it may be out of date
    db_session.add(AuditEvent(organisation_id=org.id, actor_id=lead.id, entity_type="plan",
                              entity_id=None, action="update"))
    db_session.flush()
    reports = page(browser.get(f"{cycle_url}/reports"))
    section = reports.select_one("#sc-wres-report-docx").get_text(" ", strip=True)
    assert "It may be out of date: something in the tracker has changed since." in section
    assert reports.select_one('form[action$="/reports/sc-wres-report.docx"] button') \
        .get_text(" ", strip=True) == "Prepare it again (Word document (DOCX))"
    assert prepared_document(browser, f"{cycle_url}/sc-wres-report.docx").status_code == 200
    assert [r[3] for r in _documents(db_session)] == [2]
    # The next day, yesterday's file is out of date too (what is overdue depends on the day)
    frozen_clock.move_to("2025-06-03 09:30:00+01:00")
    browser = client_for(lead)  # a day later: a new session
    section = page(browser.get(f"{cycle_url}/reports")).select_one("#sc-wres-report-docx")
    assert "It may be out of date: it was prepared on an earlier day." in \
        section.get_text(" ", strip=True)


def test_a_document_not_prepared_yet_sends_the_reader_to_the_reports_page(client_for, factories,
                                                                           frozen_clock):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org, start_year=2024)
    browser = client_for(lead)
    response = browser.get(f"/org/{org.slug}/cycles/2024-25/board-pack.pdf")
    assert response.status_code == 302
    assert response.location.endswith(f"/org/{org.slug}/cycles/2024-25/reports#board-pack-pdf")
    banner = page(browser.get(response.location)).select_one(".govuk-notification-banner")
    assert "The board pack (PDF) has not been prepared yet: prepare it below." in \
        banner.get_text(" ", strip=True)


def test_a_document_that_cannot_be_made_says_why_and_can_be_asked_for_again(
        client_for, factories, db_session, frozen_clock, monkeypatch):
    from tracker.reports import documents

    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    factories.cycle(organisation=org, start_year=2024)
    browser = client_for(lead)
    cycle_url = f"/org/{org.slug}/cycles/2024-25"

    def broken_layout(html: str) -> bytes:
        raise RuntimeError("the layout engine ran out of fonts")

    monkeypatch.setattr(documents, "pdf_from_html", broken_layout)
    assert post_form(browser, f"{cycle_url}/reports/board-pack.pdf", {},
                     token_from=f"{cycle_url}/reports").status_code == 302
    [(_, _, status, _, _, kept)] = _documents(db_session)
    assert (status, kept) == (DocumentStatus.FAILED, False)
    section = page(browser.get(f"{cycle_url}/reports")).select_one("#board-pack-pdf")
    assert ("The last attempt to prepare it failed (RuntimeError: the layout engine ran out of "
            "fonts)") in section.get_text(" ", strip=True)
    assert section.select_one("form button").get_text(" ", strip=True).startswith(
        "Prepare the board pack")
    monkeypatch.undo()
    assert prepared_document(browser, f"{cycle_url}/board-pack.pdf").status_code == 200


def test_a_job_overtaken_by_a_later_request_does_nothing(app, factories, db_session,
                                                         frozen_clock):
    org = factories.organisation()
    cycle = factories.cycle(organisation=org, start_year=2024)
    document = PreparedDocument(organisation_id=org.id, cycle_id=cycle.id,
                                kind=DocumentKind.BOARD_PACK, fmt="pdf", request_number=2,
                                status=DocumentStatus.QUEUED)
    db_session.add(document)
    db_session.flush()
    with app.app_context():
        assert document_service.work_for(document_id=document.id, request_number=1) is None
        document_service.finished(document_id=document.id, request_number=1, body=b"old")
        work = document_service.work_for(document_id=document.id, request_number=2)
        assert (work.kind, work.fmt, work.today) == (DocumentKind.BOARD_PACK, "pdf",
                                                     date(2025, 6, 2))
    db_session.refresh(document)
    assert document.body is None and document.status is DocumentStatus.QUEUED


def test_a_job_laying_out_a_document_holds_no_write_lock(app, committed_db, db_session, tmp_path):
    """On SQLite a job's transactions take the database's write lock; the minutes of layout run
    in `jobs.reading_only()`, so writing requests go on meanwhile."""
    seen: dict[str, object] = {}

    def other_writer_can_write() -> bool:
        if db.engine.dialect.name != "sqlite":
            return True  # PostgreSQL locks rows, not the database: nothing to wait for
        other = sqlite3.connect(db.engine.url.database, timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    @jobs.task("test_reading_only")
    def reading(*, marker: int) -> None:
        seen["dialect"] = db.engine.dialect.name
        db.session.execute(select(PreparedDocument.id)).all()
        seen["while writing"] = other_writer_can_write()
        with jobs.reading_only():
            db.session.execute(select(PreparedDocument.id)).all()
            seen["while reading"] = other_writer_can_write()

    app.extensions["jobs"].run("test_reading_only", {"marker": 1}, reraise=True)
    assert seen["while reading"] is True
    if seen["dialect"] == "sqlite":
        assert seen["while writing"] is False  # the job's ordinary transaction holds the lock
