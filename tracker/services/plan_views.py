"""The plan's views: indicator coverage and the accountability view for sponsors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import select

from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS, SERVICE_AREAS
from tracker.domain.indicators import ADVERSE
from tracker.domain.plans import (
    Accountability,
    ActionFacts,
    accountability,
)
from tracker.domain.roles import Capability
from tracker.domain.stored_results import StoredResults, StoredSeries
from tracker.domain.wording import why_no_figure
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    IndicatorDataset,
)
from tracker.services.access import OrgAccess, require
from tracker.services.actions import ActionRow

#: An action as the views read it: a full one, or the columns the plan's pages show.
AnAction = Action | ActionRow

# Views ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCoverage:
    indicator: str
    name: str
    service_area: str
    result: StoredSeries
    actions: list[AnAction]

    @cached_property
    def open_actions(self) -> list[AnAction]:
        return [a for a in self.actions if a.status.is_open]

    @property
    def missing(self) -> str:
        """Why there is no figure ("" when there is one)."""
        return why_no_figure(self.indicator, self.result if self.loaded else None)

    @property
    def loaded(self) -> bool:
        return self.result.is_saved

    @cached_property
    def uncovered(self) -> bool:
        return self.result.rating == ADVERSE and not self.open_actions


def coverage(*, access: OrgAccess, plan: ActionPlan, actions: Sequence[AnAction],
             results: StoredResults | None = None) -> list[IndicatorCoverage]:
    """Return each indicator result (per service area) with the actions linked to it (the
    plan's cycle's `results` read here unless given, read already with other cycles')."""
    require(access, Capability.READ)
    if results is None:
        results = StoredResults(db.session.scalar(
            select(IndicatorDataset.results).where(IndicatorDataset.cycle_id == plan.cycle_id)))
    linked: dict[tuple[str, str], list[AnAction]] = {}
    for action in actions:
        for link in action.links:
            linked.setdefault((link.indicator, link.service_area), []).append(action)
    rows = []
    for area in SERVICE_AREAS:
        if area not in results and not any(k[1] == area for k in linked):
            continue
        for sid in SERIES_IDS:
            rows.append(IndicatorCoverage(sid, INDICATORS_BY_ID[sid].short_name, area,
                                          results.series(area, sid),
                                          linked.get((sid, area), [])))
    return rows


def accountability_view(*, access: OrgAccess, plan: ActionPlan, actions: Sequence[AnAction],
                        today: date) -> Accountability:
    """Count actions per owner and per theme: statuses, overdue, due soon, stale, completion."""
    require(access, Capability.READ)
    facts = [ActionFacts(owner=a.owner.name if a.owner else "No owner", theme=a.theme.name,
                         status=a.status.value, due_date=a.due_date,
                         last_activity=a.last_activity_on) for a in actions]
    return accountability(facts, today=today)
