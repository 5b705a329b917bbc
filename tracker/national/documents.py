"""The national report as a tagged PDF (WeasyPrint, as the council's documents are laid out)."""

from __future__ import annotations

import base64

from flask import current_app

from tracker.national import presenting
from tracker.reports.documents import PDF_CSS, pdf_from_html


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def report_html(content: dict, context: dict) -> str:
    """Return the national report as one HTML document (what the PDF is laid out from)."""
    charts = {area: _data_uri(presenting.chart_svg(
        content["report"][area], title=presenting.area_title(content["label"], area)))
        for area in content["report"]}
    return current_app.jinja_env.get_template("national/report_document.html").render(
        charts=charts, stylesheet=PDF_CSS.read_text(encoding="utf-8"), **context)


def report_pdf(content: dict, context: dict) -> bytes:
    """Return the national report as PDF bytes."""
    return pdf_from_html(report_html(content, context))
