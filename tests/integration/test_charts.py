"""Charts are drawn once per version of their figures, kept, and served with an ETag and 304."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matplotlib.figure import Figure
from sqlalchemy import func, select

from tracker.demo.figures import template_rows
from tracker.extensions import db
from tracker.kept_pages import forget_kept_pages
from tracker.models import ChartImage, ReportingCycle, utcnow
from tracker.services import charts as chart_service
from tracker.services.indicators import counts_dataset_from_rows

ORG = "/org/northshire"
RESULTS_CHART = ORG + "/cycles/2024-25/indicators/chart.svg?area=adults"
TREND_CHART = ORG + "/trends/SCW2/chart.svg?area=adults"


@pytest.fixture
def drawings(monkeypatch) -> list[int]:
    """Count the charts matplotlib draws (every chart ends in Figure.savefig), drawing them."""
    drawn: list[int] = []
    savefig = Figure.savefig

    def counting(self, *args, **kwargs):
        drawn.append(1)
        return savefig(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", counting)
    return drawn


def _load_other_figures(app, db_session, label: str = "2024-25") -> None:
    """Save other counts for Northshire's cycle, as loading the data again would."""
    rows = [{**row, "numerator": row["numerator"] + 1} if row["group"] == "gm" else row
            for row in template_rows()]
    with app.app_context():
        cycle = db.session.scalar(select(ReportingCycle).where(ReportingCycle.label == label)
                                  .join(ReportingCycle.organisation)
                                  .filter_by(slug="northshire"))
        counts_dataset_from_rows(actor=None, cycle=cycle, rows=rows, source_name="again.xlsx")
        db.session.commit()


@pytest.mark.parametrize("url", [RESULTS_CHART, TREND_CHART])
def test_a_chart_is_drawn_once_then_served_as_kept(client_as, db_session, drawings, url):
    viewer = client_as("viewer")
    first = viewer.get(url)
    assert first.status_code == 200 and first.mimetype == "image/svg+xml"
    assert len(drawings) == 1
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"].strip('"')
    assert db_session.scalar(select(ChartImage.svg).filter_by(key=etag)) == first.get_data(
        as_text=True)

    # Someone else (another process or host would read the same row): nothing is drawn.
    second = client_as("sponsor").get(url)
    assert second.status_code == 200 and len(drawings) == 1
    assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers[
        "ETag"]

    # A browser holding this version is told it is current, with no body.
    again = viewer.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b"" and len(drawings) == 1
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("url", [RESULTS_CHART, TREND_CHART])
def test_changed_figures_are_drawn_again(app, client_as, db_session, drawings, url):
    viewer = client_as("viewer")
    first = viewer.get(url)
    _load_other_figures(app, db_session)
    changed = viewer.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(drawings) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_data() != first.get_data()
    assert viewer.get(url).status_code == 200 and len(drawings) == 2


def test_the_other_service_area_and_orientation_are_other_charts(client_as, drawings):
    viewer = client_as("viewer")
    tags = {viewer.get(url).headers["ETag"] for url in (
        RESULTS_CHART, RESULTS_CHART.replace("adults", "children"),
        RESULTS_CHART + "&orientation=nhs")}
    assert len(tags) == 3 and len(drawings) == 3


@pytest.mark.parametrize("role,status", [("other_org", 404), ("administrator", 404),
                                         ("anonymous", 302)])
def test_knowing_the_etag_opens_nothing(client_as, role, status):
    etag = client_as("viewer").get(RESULTS_CHART).headers["ETag"]
    assert client_as(role).get(RESULTS_CHART, headers={"If-None-Match": etag}).status_code \
        == status


def test_a_kept_chart_is_served_in_a_fixed_number_of_queries(app, client_as, db_session):
    from sqlalchemy import event

    viewer = client_as("viewer")
    viewer.get(RESULTS_CHART)
    forget_kept_pages()  # the chart as answered from chart_images, not as a kept page
    statements: list[str] = []
    db_session.flush()
    connection = db_session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        viewer.get(RESULTS_CHART)
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len([s for s in statements if "chart_images" in s]) == 1


def test_charts_drawn_long_ago_are_forgotten(app, client_as, db_session):
    client_as("viewer").get(RESULTS_CHART)
    with app.app_context():
        db.session.add(ChartImage(key="0" * 64, svg="<svg/>",
                                  created_at=utcnow() - timedelta(days=91)))
        db.session.flush()
        assert chart_service.forget_old_charts() == 1
        db.session.commit()
    assert db_session.scalar(select(func.count()).select_from(ChartImage)) == 1
