"""The documents: the board pack (PDF) and the council's SC-WRES report (DOCX and PDF).

``generate_board_pack`` takes ids, not a request: it is the one function that makes a board pack,
called by the command line and by the ``prepare_document`` job (at the end of this module), which
makes what someone asked for on the Reports page and keeps it (tracker/services/documents.py).
It renders ``templates/reports/board_pack.html`` (which includes the results
page's own figures partial and the server-drawn SVG charts) and lays it out with WeasyPrint as
PDF/UA-1: a tagged PDF (structure tree of headings, paragraphs, lists, tables with their header
cells, figures with their alternative text, links), marked, with the document's language and
title shown as its title. Page numbers, the organisation's name and the cycle are in the page
margins, which WeasyPrint leaves outside the structure tree.

``generate_annual_report`` does the same for the council's own report, built from the annual
review (its summary, each indicator's narrative) and the board pack's figures, trends and plan:
as PDF through ``templates/reports/annual_report.html``, or as an editable Word document written
with python-docx (headings in Word's heading styles, tables with a repeating header row, the
document's language set to en-GB).
"""

from __future__ import annotations

import base64
import io
import logging
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app

from tracker import jobs
from tracker.domain.definitions import SERVICE_AREA_LABELS
from tracker.domain.documents import DocumentKind
from tracker.domain.formatting import (
    likelihood_phrase,
    london_time,
    rating_label,
    relative_likelihood,
    uk_date,
)
from tracker.domain.plans import STATUS_TAG, ActionStatus, is_overdue
from tracker.domain.trends import MOVEMENT_WORDS
from tracker.indicators.charts import relative_likelihood_chart
from tracker.indicators.presenting import chart_axis, chart_rows, figures_view
from tracker.services import documents as document_service
from tracker.services import reports as report_service
from tracker.services.reports import AnnualReport, BoardPack

PDF_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "documents.css"
PDF_MIMETYPE = "application/pdf"
#: What WeasyPrint is asked for: PDF/UA-1 (PDF 1.7, tagged, with the PDF/UA identifier).
PDF_VARIANT = "pdf/ua-1"


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return PDF_CSS.read_text(encoding="utf-8")


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _charts(pack: BoardPack) -> dict[str, str]:
    if pack.figures is None:
        return {}
    return {area: _data_uri(relative_likelihood_chart(
        chart_rows(pack.figures, area),
        title=f"Relative likelihoods {pack.cycle.label}, {SERVICE_AREA_LABELS[area].lower()}",
        axis=chart_axis())) for area in pack.areas}


def _render(template: str, **context) -> str:
    """Render a document template outside any request (no page layout, no signed-in user)."""
    return current_app.jinja_env.get_template(template).render(**context)


def board_pack_html(pack: BoardPack) -> str:
    """Return the board pack as one HTML document (what the PDF is laid out from)."""
    views = {area: figures_view(pack.figures, area) for area in pack.areas} if pack.figures \
        else {}
    return _render(
        "reports/board_pack.html", pack=pack, views=views, charts=_charts(pack),
        area_words=SERVICE_AREA_LABELS, statuses=list(ActionStatus),
        complete=ActionStatus.COMPLETE, status_tag=STATUS_TAG, movement_words=MOVEMENT_WORDS,
        stylesheet=_stylesheet(), today=pack.today)


_CAPTION = re.compile(r"<table(?P<table>[^>]*)>\s*<caption(?P<attrs>[^>]*)>(?P<text>.*?)</caption>",
                      re.DOTALL)


def _captions_before_tables(html: str) -> str:
    """Move each table's caption into a paragraph just before the table.

    WeasyPrint 68 can leave a caption alone at the foot of a page, its table on the next, and its
    tagging then fails ("Table wrapper without a table"). A paragraph before the table, kept with
    it (``break-after: avoid``), reads the same and tags as a paragraph.
    """
    return _CAPTION.sub(lambda m: f'<p{m["attrs"]} data-caption>{m["text"]}</p>'
                                  f'<table{m["table"]}>', html)


def pdf_from_html(html: str) -> bytes:
    """Lay an HTML document out as a tagged PDF (PDF/UA-1)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    return HTML(string=_captions_before_tables(html), base_url=str(PDF_CSS.parent)).write_pdf(
        pdf_variant=PDF_VARIANT)


def board_pack_filename(pack_or_slug: BoardPack | str, label: str | None = None) -> str:
    """Name a board pack: northshire-2024-25-board-pack.pdf."""
    if isinstance(pack_or_slug, BoardPack):
        return f"{pack_or_slug.organisation.slug}-{pack_or_slug.cycle.label}-board-pack.pdf"
    return f"{pack_or_slug}-{label}-board-pack.pdf"


def generate_board_pack(*, organisation_id: int, cycle_id: int, today: date) -> bytes:
    """Return the board pack of a cycle as PDF bytes (the caller has checked who may read it)."""
    access = report_service.reader_access(organisation_id=organisation_id)
    cycle = report_service.cycle_by_id(access=access, cycle_id=cycle_id)
    pack = report_service.board_pack(access=access, cycle=cycle, today=today)
    return pdf_from_html(board_pack_html(pack))


# The council's SC-WRES report -------------------------------------------------------------------

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORT_FORMATS = {"docx": DOCX_MIMETYPE, "pdf": PDF_MIMETYPE}


def annual_report_html(report: AnnualReport) -> str:
    """Return the council's report as one HTML document (what its PDF is laid out from)."""
    pack = report.pack
    views = {area: figures_view(pack.figures, area) for area in pack.areas} if pack.figures \
        else {}
    return _render(
        "reports/annual_report.html", report=report, pack=pack, views=views,
        charts=_charts(pack), area_words=SERVICE_AREA_LABELS, statuses=list(ActionStatus),
        complete=ActionStatus.COMPLETE, status_tag=STATUS_TAG, movement_words=MOVEMENT_WORDS,
        stylesheet=_stylesheet(), today=pack.today)


def annual_report_filename(slug: str, label: str, fmt: str) -> str:
    """Name the council's report: northshire-2024-25-sc-wres-report.docx."""
    return f"{slug}-{label}-sc-wres-report.{fmt}"


def generate_annual_report(*, organisation_id: int, cycle_id: int, today: date,
                           fmt: str) -> bytes:
    """Return the council's SC-WRES report of a cycle as DOCX or PDF bytes (the caller has
    checked who may read it)."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    access = report_service.reader_access(organisation_id=organisation_id)
    cycle = report_service.cycle_by_id(access=access, cycle_id=cycle_id)
    report = report_service.annual_report(access=access, cycle=cycle, today=today)
    if fmt == "pdf":
        return pdf_from_html(annual_report_html(report))
    return annual_report_docx(report)


def _change(row) -> str:
    words = row.change.words
    if row.change.for_gm:
        words += f", {row.change.for_gm} for global majority staff"
    if row.change.compared_with and row.change.movement not in ("first", "no-figure"):
        words += f" (since {row.change.compared_with})"
    return words


def _table(document, header: list[str], rows: list[list[str]], caption: str):
    """Add a table with a repeating header row and a caption paragraph before it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    return table


def _paragraphs(document, text: str, empty: str) -> None:
    for paragraph in (text.split("\n\n") if text.strip() else [empty]):
        document.add_paragraph(paragraph.strip())


def annual_report_docx(report: AnnualReport) -> bytes:
    """Return the council's report as an editable Word document (python-docx)."""
    from docx import Document

    pack = report.pack
    org, label = pack.organisation.name, pack.cycle.label
    document = Document()
    properties = document.core_properties
    properties.title, properties.author = f"SC-WRES report {label}: {org}", org
    properties.subject = "Social Care Workforce Race Equality Standard"
    properties.language = "en-GB"
    document.add_heading(f"SC-WRES report {label}", level=0)
    document.add_paragraph(org)
    document.add_paragraph(
        f"Social Care Workforce Race Equality Standard, reporting period "
        f"{uk_date(pack.cycle.period_start)} to {uk_date(pack.cycle.period_end)}. "
        f"Produced on {uk_date(pack.today)}.")
    document.add_heading("Summary", level=1)
    _paragraphs(document, report.summary, "No summary has been written yet.")
    signed = report.review_sign_off
    document.add_paragraph(
        f"Signed off by {signed.signer_name}, {signed.signer_role}, on "
        f"{london_time(signed.signed_at)}." if signed else
        "The annual review has not been signed off yet: this is a draft.")
    if pack.figures:
        document.add_paragraph(f"{pack.adverse_count} of {pack.rated_count} rated results are "
                               "adverse for global majority staff.", style="List Bullet")
    document.add_paragraph(f"{pack.overall.total} actions in the plan: "
                           f"{pack.overall.by_status[ActionStatus.COMPLETE]} complete, "
                           f"{pack.overall.overdue} overdue.", style="List Bullet")
    _docx_indicators(document, report)
    _docx_figures(document, pack)
    _docx_commitments(document, pack)
    _docx_plan(document, pack)
    if report.amendments:
        document.add_heading("Amendments after sign-off", level=1)
        for amendment in report.amendments:
            document.add_heading(f"{london_time(amendment.written_at)}, {amendment.author_name}",
                                 level=3)
            _paragraphs(document, amendment.text, "")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_indicators(document, report: AnnualReport) -> None:
    document.add_heading("Indicator by indicator", level=1)
    for fact in report.facts:
        area = SERVICE_AREA_LABELS[fact.area].lower()
        document.add_heading(f"{fact.indicator} {fact.name}, {area}", level=2)
        point = fact.row.point
        value = (f"RL {relative_likelihood(point.rl)} ({likelihood_phrase(point.rl)}), "
                 f"{rating_label(point.rating).lower()}" if point.rl is not None
                 else fact.row.missing)
        document.add_paragraph(
            f"{value}. {_change(fact.row)}. Linked actions: {fact.completed} completed, "
            f"{fact.overdue} overdue, {fact.carried} carried over, {fact.open} open.")
        if not fact.narrative.written:
            document.add_paragraph("No narrative has been written for this indicator yet.")
            continue
        for label, text in (("What we did", fact.narrative.what_we_did),
                            ("What changed", fact.narrative.what_changed),
                            ("What we will do next", fact.narrative.next_steps)):
            document.add_heading(label, level=3)
            _paragraphs(document, text, "Not written yet.")


def _docx_figures(document, pack: BoardPack) -> None:
    document.add_heading(f"The figures {pack.cycle.label}", level=1)
    if not pack.figures:
        document.add_paragraph(f"No figures are loaded for {pack.cycle.label} yet.")
        return
    for area in pack.areas:
        view = figures_view(pack.figures, area)
        rows = []
        for row in view.series:
            entry = row.entry
            rows.append([
                f"{row.id} {row.name}",
                relative_likelihood(entry.rl) if entry.rl is not None else "No figure",
                row.sentence, rating_label(entry.rating) if entry.rating else "Not rated",
                f"{relative_likelihood(entry.ci95[0])} to {relative_likelihood(entry.ci95[1])}"
                if entry.ci95 else row.no_interval,
                _of(entry.gm), _of(entry.white)])
        document.add_heading(SERVICE_AREA_LABELS[area], level=2)
        _table(document, ["Indicator", "RL", "In words", "Rating", "95% confidence interval",
                          "Global majority", "White"], rows,
               f"Relative likelihoods, {SERVICE_AREA_LABELS[area].lower()}")
    document.add_heading("Year on year", level=1)
    for area, moved in pack.trends.items():
        _table(document, ["Indicator", f"RL {pack.cycle.label}", "Change"],
               [[f"{m.indicator} {m.name}",
                 relative_likelihood(m.row.point.rl) if m.row.point.rl is not None
                 else m.row.missing, _change(m.row)] for m in moved],
               f"Year on year, {SERVICE_AREA_LABELS[area].lower()}")


def _docx_commitments(document, pack: BoardPack) -> None:
    if not pack.commitments:
        return
    document.add_heading("Commitments and targets", level=1)
    document.add_paragraph(
        f"Each target is judged on the latest figure up to {pack.cycle.label} against the "
        "straight path from its baseline to the target by its cycle: met, on course (on or "
        "ahead of the path, or behind it by no more than chance), not on course, or no figure "
        "yet.")
    for commitment in pack.commitments:
        document.add_heading(commitment.title, level=2)
        if commitment.description:
            _paragraphs(document, commitment.description, "")
        for goal in commitment.goals:
            document.add_paragraph(f"Goal: {goal.text} (themes: {', '.join(goal.themes)})")
            if goal.targets:
                _table(document, ["Target", f"As at {pack.cycle.label}"],
                       [[f"{line.name}, {line.area}: {relative_likelihood(line.target.target_rl)}"
                         f" by {line.target.by_cycle}, from "
                         f"{relative_likelihood(line.target.baseline_rl)} in "
                         f"{line.target.baseline_cycle.label}",
                         f"{line.judgement.words}: {line.judgement.reason}"]
                        for line in goal.targets], f"Targets of the goal: {goal.text}")


def _of(tally) -> str:
    return f"{tally.numerator} of {tally.denominator}" if tally is not None else "No counts"


def _docx_plan(document, pack: BoardPack) -> None:
    document.add_heading("The action plan by theme", level=1)
    for section in pack.themes:
        document.add_heading(section.name + (" (retired theme)" if section.retired else ""),
                             level=2)
        if not section.actions:
            document.add_paragraph("No actions under this theme.")
            continue
        _table(document, ["Action", "Owner", "Due", "Status"],
               [[a.title, a.owner.name if a.owner else "No owner yet",
                 uk_date(a.due_date) if a.due_date else "Not set",
                 a.status.label + (", overdue" if is_overdue(
                     due_date=a.due_date, status=a.status, today=pack.today) else "")]
                for a in section.actions], f"Actions under {section.name}")
    document.add_heading("You said, we did", level=1)
    if not pack.you_said:
        document.add_paragraph(f"No advisors' feedback has been answered for "
                               f"{pack.cycle.label} yet.")
    for item in pack.you_said:
        document.add_heading(f"{item.author_name} said", level=3)
        document.add_paragraph(item.said, style="Quote")
        action = f" (action: {item.action_title})" if item.action_title else ""
        document.add_paragraph(f"{item.outcome} on {uk_date(item.responded_on)}: "
                               f"{item.reason}{action}")
    document.add_heading("Sign-offs", level=1)
    if not pack.sign_offs:
        document.add_paragraph(f"Neither the plan nor the annual review of {pack.cycle.label} "
                               "has been signed off yet.")
    for record in pack.sign_offs:
        document.add_paragraph(f"{record.what}: {record.signer_name}, {record.signer_role}, "
                               f"{london_time(record.signed_at)}", style="List Bullet")


# Made in the background -------------------------------------------------------------------------

log = logging.getLogger(__name__)


def filename(slug: str, label: str, kind: DocumentKind, fmt: str) -> str:
    """Name a prepared document: northshire-2024-25-board-pack.pdf."""
    if kind is DocumentKind.BOARD_PACK:
        return board_pack_filename(slug, label)
    return annual_report_filename(slug, label, fmt)


def mimetype(fmt: str) -> str:
    return REPORT_FORMATS[fmt]


@jobs.task("prepare_document")
def prepare_document(*, document_id: int, request_number: int) -> None:
    """The job: make a board pack or the council's report that someone asked for, and keep it."""
    work = document_service.work_for(document_id=document_id, request_number=request_number)
    if work is None:
        return  # overtaken by a later request, or already made
    body, error, based_on = None, "", 0
    try:
        with jobs.reading_only():  # seconds of layout, holding no write lock
            based_on = document_service.latest_change(work.organisation_id)
            if work.kind is DocumentKind.BOARD_PACK:
                body = generate_board_pack(organisation_id=work.organisation_id,
                                           cycle_id=work.cycle_id, today=work.today)
            else:
                body = generate_annual_report(organisation_id=work.organisation_id,
                                              cycle_id=work.cycle_id, today=work.today,
                                              fmt=work.fmt)
    except Exception as failure:  # anything that stops this document: said on the page, logged
        log.exception("The %s (%s) of cycle %s could not be made", work.kind, work.fmt,
                      work.cycle_id)
        error = f"{type(failure).__name__}: {failure}"
    document_service.finished(document_id=document_id, request_number=request_number,
                              body=body, based_on=based_on, error=error)
