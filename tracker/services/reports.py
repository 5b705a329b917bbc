"""What the reports and exports are made from: a cycle's figures, for the organisation or for
publication (small numbers kept safe), and the results spreadsheets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tracker.domain.formatting import london_time
from tracker.domain.indicators import GM_WHITE
from tracker.domain.public_figures import safe_results
from tracker.domain.results_sheet import CycleFigures, results_csv_bytes, results_xlsx_bytes
from tracker.domain.roles import Capability, Role
from tracker.extensions import db
from tracker.models import IndicatorDataset, Organisation, ReportingCycle, utcnow
from tracker.services import indicators as indicator_service
from tracker.services.access import OrgAccess, require
from tracker.services.errors import NotFound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv", "xlsx": XLSX}


def command_line_access(*, slug: str) -> OrgAccess:
    """Return read access to an organisation for the command line (run by whoever runs the app)."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(slug)
    return OrgAccess(organisation=organisation, roles=frozenset({Role.VIEWER.value}))


def cycle_figures(*, access: OrgAccess, cycle: ReportingCycle, dataset: IndicatorDataset,
                  orientation: str = GM_WHITE, for_publication: bool = False,
                  threshold: int = 10) -> CycleFigures:
    """Return one cycle's figures for an export: as saved, or safe to publish."""
    require(access, Capability.READ)
    figures = indicator_service.dataset_figures(dataset, orientation)
    results = figures.results
    if for_publication:
        results = safe_results(dataset.counts, results, threshold)
    return CycleFigures(label=cycle.label, results=results, provenance=dataset.provenance,
                        orientation=orientation, for_publication=for_publication,
                        threshold=threshold if for_publication else None)


def figures_for_export(*, access: OrgAccess, cycle: ReportingCycle | None,
                       orientation: str = GM_WHITE, for_publication: bool = False,
                       threshold: int = 10) -> list[CycleFigures]:
    """Return the figures of one cycle, or of every cycle with data (oldest first)."""
    require(access, Capability.READ)
    query = (select(ReportingCycle, IndicatorDataset)
             .join(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
             .where(ReportingCycle.organisation_id == access.organisation.id)
             .order_by(ReportingCycle.period_start))
    if cycle is not None:
        query = query.where(ReportingCycle.id == cycle.id)
    return [cycle_figures(access=access, cycle=c, dataset=d, orientation=orientation,
                          for_publication=for_publication, threshold=threshold)
            for c, d in db.session.execute(query)]


def results_file(*, access: OrgAccess, cycles: list[CycleFigures], fmt: str,
                 now: datetime | None = None) -> bytes:
    """Return the figures as CSV or XLSX bytes."""
    require(access, Capability.READ)
    if fmt == "csv":
        return results_csv_bytes(cycles)
    if fmt == "xlsx":
        return results_xlsx_bytes(cycles, organisation=access.organisation.name,
                                  generated=london_time(now or utcnow()))
    raise NotFound(fmt)


def results_filename(*, access: OrgAccess, cycle: ReportingCycle | None, fmt: str,
                     for_publication: bool) -> str:
    """Name a results download: northshire-2024-25-sc-wres-figures[-for-publication].xlsx."""
    which = cycle.label if cycle else "all-cycles"
    suffix = "-for-publication" if for_publication else ""
    return f"{access.organisation.slug}-{which}-sc-wres-figures{suffix}.{fmt}"
