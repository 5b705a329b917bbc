"""The national report as a tagged PDF (WeasyPrint, as the council's documents are laid out)."""

from __future__ import annotations

import base64
import hashlib
from importlib.metadata import version
from pathlib import Path

from flask import current_app

from tracker.domain import counts, data_return, definitions, national_sheet, plan_sheet, templates
from tracker.national import presenting
from tracker.reports import documents
from tracker.reports.documents import PDF_CSS, pdf_from_html

_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "national"


def _version(*files: Path | str, packages: tuple[str, ...]) -> str:
    code = b"".join(Path(f).read_bytes() for f in files)
    code += "".join(version(name) for name in packages).encode()
    return hashlib.sha256(code).hexdigest()[:16]


#: The versions of the code making the report's files: a file kept under the report's content
#: (services/national.report_file) is served only while this code would make the same file.
PDF_VERSION = _version(__file__, presenting.__file__, documents.__file__, PDF_CSS,
                       *sorted(_TEMPLATES.glob("*.html")),
                       packages=("weasyprint", "matplotlib", "jinja2"))
XLSX_VERSION = _version(__file__, presenting.__file__, national_sheet.__file__,
                        packages=("openpyxl",))
#: The programme's data return (CSV or a workbook), from the submitted counts.
RETURN_VERSION = _version(*(m.__file__ or "" for m in (data_return, templates, plan_sheet, counts,
                                                       definitions)),
                          packages=("pandas", "openpyxl"))


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
