"""The documents drawn from the pages' templates: the board pack (and the council's report) as PDF.

``generate_board_pack`` takes ids, not a request: it is the one function that makes a board pack,
called by the download route and the command line today and by a background job once the job
queue is in place. It renders ``templates/reports/board_pack.html`` (which includes the results
page's own figures partial and the server-drawn SVG charts) and lays it out with WeasyPrint as
PDF/UA-1: a tagged PDF (structure tree of headings, paragraphs, lists, tables with their header
cells, figures with their alternative text, links), marked, with the document's language and
title shown as its title. Page numbers, the organisation's name and the cycle are in the page
margins, which WeasyPrint leaves outside the structure tree.
"""

from __future__ import annotations

import base64
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app

from tracker.domain.definitions import SERVICE_AREA_LABELS
from tracker.domain.plans import STATUS_TAG, ActionStatus
from tracker.domain.trends import MOVEMENT_WORDS
from tracker.indicators.charts import relative_likelihood_chart
from tracker.indicators.presenting import chart_axis, chart_rows, figures_view
from tracker.services import reports as report_service
from tracker.services.reports import BoardPack

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


def pdf_from_html(html: str) -> bytes:
    """Lay an HTML document out as a tagged PDF (PDF/UA-1)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    return HTML(string=html, base_url=str(PDF_CSS.parent)).write_pdf(pdf_variant=PDF_VARIANT)


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
