"""What a comment thread is about: an action, an indicator result or an annual review.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tracker.domain import paths
from tracker.domain.comments import (
    SubjectType,
    parse_subject,
)
from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREA_WORDS
from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionPlan,
    Comment,
    Organisation,
    ReportingCycle,
)
from tracker.services.access import OrgAccess, require
from tracker.services.errors import NotFound

# Subjects ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a thread is about, in which organisation and cycle."""

    type: SubjectType
    key: str
    organisation: Organisation
    cycle: ReportingCycle
    title: str

    @property
    def path(self) -> str:
        """Return the page that shows this subject's thread."""
        slug, label = self.organisation.slug, self.cycle.label
        if self.type is SubjectType.ACTION:
            return paths.build(paths.ACTION, slug=slug, label=label,
                                          action_id=int(self.key))
        if self.type is SubjectType.INDICATOR:
            indicator, _, area = self.key.partition(":")
            return paths.build(paths.INDICATORS, slug=slug, label=label,
                                          area=area, discuss=indicator)
        return paths.build(paths.REVIEW, slug=slug, label=label)

    @property
    def thread_path(self) -> str:
        return paths.build(paths.THREAD, slug=self.organisation.slug,
                                      label=self.cycle.label, subject_type=self.type.value,
                                      subject_key=self.key)

    def comment_path(self, comment: Comment) -> str:
        return f"{self.path}#comment-{comment.id}"


def find_cycle(access: OrgAccess, *, label: str | None = None,
               cycle_id: int | None = None) -> ReportingCycle:
    query = select(ReportingCycle).where(ReportingCycle.organisation_id == access.organisation.id)
    query = query.where(ReportingCycle.label == label) if label is not None else query.where(
        ReportingCycle.id == cycle_id)
    cycle = db.session.scalar(query)
    if cycle is None:
        raise NotFound(label or cycle_id)
    return cycle


def resolve_subject(*, access: OrgAccess, subject_type: str, subject_key: str,
                    cycle_label: str | None = None,
                    cycle: ReportingCycle | None = None) -> Subject:
    """Return the subject of a thread in one of the organisation's cycles, or raise NotFound."""
    require(access, Capability.READ)
    try:
        kind, key = parse_subject(subject_type, subject_key)
    except ValueError:
        raise NotFound(subject_key) from None
    if cycle is None or cycle.organisation_id != access.organisation.id:
        cycle = find_cycle(access, label=cycle_label)
    if kind is SubjectType.ACTION:
        title = db.session.scalar(
            select(Action.title).join(ActionPlan, ActionPlan.id == Action.plan_id)
            .where(Action.id == int(key), ActionPlan.cycle_id == cycle.id))
        if title is None:
            raise NotFound(key)
    elif kind is SubjectType.INDICATOR:
        title = indicator_title(key)
    else:
        if key != cycle.label:
            raise NotFound(key)
        title = f"the annual review {cycle.label}"
    return Subject(type=kind, key=key, organisation=access.organisation, cycle=cycle, title=title)


def indicator_title(key: str) -> str:
    """Name an indicator result from its subject key: "SCW2:adults" -> "SCW2 ..., adult social care"."""
    indicator, _, area = key.partition(":")
    return f"{indicator} {INDICATORS_BY_ID[indicator].short_name}, {SERVICE_AREA_WORDS[area]}"


def comment_subject(*, access: OrgAccess, comment: Comment) -> Subject:
    """Return what a comment is about."""
    return resolve_subject(access=access, subject_type=comment.subject_type.value,
                           subject_key=comment.subject_key,
                           cycle=find_cycle(access, cycle_id=comment.cycle_id))
