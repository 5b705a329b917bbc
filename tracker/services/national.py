"""Submitting a cycle to the programme, the programme lead's years and statuses, the national report.

docs/domain.md section 8. The programme lead is installation-wide (``User.is_programme_lead``):
they see each council's status and the national report, computed from submitted data only;
never a council's comments, nor data that was not submitted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select

from tracker.domain import national, paths
from tracker.domain.definitions import SERIES_IDS, SERVICE_AREAS
from tracker.domain.plans import ActionStatus
from tracker.domain.programme import (
    REGIONS,
    CouncilKind,
    CouncilStatus,
    council_status,
    deadline_message,
    deadline_reminders,
    late_for,
)
from tracker.domain.roles import Capability, Role
from tracker.domain.stored_results import StoredResults
from tracker.domain.trends import national_year_for
from tracker.extensions import db
from tracker.mail_templates import render
from tracker.models import (
    AnnualReview,
    IndicatorDataset,
    Membership,
    NationalReportPublication,
    Organisation,
    ProgrammeYear,
    ReportingCycle,
    Submission,
    User,
    utcnow,
)
from tracker.models.plans import Action, ActionPlan, PlanSignOff, PlanTheme, ProgressUpdate
from tracker.services import charts as chart_service
from tracker.services import mail
from tracker.services.access import OrgAccess, require
from tracker.services.audit import changes, record_event
from tracker.services.errors import Forbidden, InvalidInput, NotFound
from tracker.services.locks import lock


def require_programme_lead(user: User) -> None:
    """Raise Forbidden unless the user is the programme lead."""
    if not getattr(user, "is_programme_lead", False):
        raise Forbidden("programme lead")


# -- submissions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionState:
    """Where a cycle stands with the programme, for its EDI lead's page."""

    submission: Submission | None
    dataset: IndicatorDataset | None
    year: ProgrammeYear | None

    @property
    def is_current(self) -> bool:
        """Say whether the submitted data is the data saved now (saved again: submit again)."""
        return (self.submission is not None and self.dataset is not None
                and self.submission.data_loaded_at == self.dataset.loaded_at)

    @property
    def is_closed(self) -> bool:
        return self.year is not None and self.year.is_closed


def _year(label: str) -> ProgrammeYear | None:
    return db.session.scalar(select(ProgrammeYear).where(ProgrammeYear.label == label))


def _dataset(cycle: ReportingCycle) -> IndicatorDataset | None:
    return db.session.scalar(select(IndicatorDataset).where(IndicatorDataset.cycle_id == cycle.id))


def _submission(cycle: ReportingCycle) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.cycle_id == cycle.id))


def _check_cycle(access: OrgAccess, cycle: ReportingCycle) -> None:
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.label)


def submission_state(*, access: OrgAccess, cycle: ReportingCycle) -> SubmissionState:
    """Return the cycle's submission (if any), its data and its programme year."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    return SubmissionState(_submission(cycle), _dataset(cycle), _year(cycle.label))


def submit_cycle(*, actor: User | None, access: OrgAccess, cycle: ReportingCycle) -> Submission:
    """Submit the cycle's saved data to the programme (again, if it was saved since); audited.

    ``actor`` None: the command line.
    """
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    lock(ReportingCycle, cycle.id)
    dataset = _dataset(cycle)
    if dataset is None:
        raise InvalidInput({"submit": "Save the cycle's data before submitting it"})
    year = _year(cycle.label)
    if year is not None and year.is_closed:
        raise InvalidInput({"submit": f"The programme has closed {cycle.label}: it takes no "
                                      "more submissions"})
    submission = _submission(cycle)
    before = None
    if submission is None:
        submission = Submission(cycle_id=cycle.id)
        db.session.add(submission)
    else:
        before = {"data_loaded_at": submission.data_loaded_at.isoformat()}
    submission.submitted_by_id = actor.id if actor else None
    submission.submitted_at = utcnow()
    submission.data_loaded_at = dataset.loaded_at
    db.session.flush()
    record_event(actor=actor, action="submitted", entity_type="submission",
                 entity_id=submission.id, organisation=access.organisation, before=before,
                 after={"cycle": cycle.label, "data_loaded_at": dataset.loaded_at.isoformat()})
    return submission


def withdraw_submission(*, actor: User, access: OrgAccess, cycle: ReportingCycle) -> None:
    """Withdraw the cycle's submission, until the programme closes the year; audited."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    lock(ReportingCycle, cycle.id)
    submission = _submission(cycle)
    if submission is None:
        raise InvalidInput({"withdraw": f"{cycle.label} has not been submitted"})
    year = _year(cycle.label)
    if year is not None and year.is_closed:
        raise InvalidInput({"withdraw": f"The programme has closed {cycle.label}: the "
                                        "submission can no longer be withdrawn"})
    record_event(actor=actor, action="withdrawn", entity_type="submission",
                 entity_id=submission.id, organisation=access.organisation,
                 before={"cycle": cycle.label,
                         "submitted_at": submission.submitted_at.isoformat()})
    db.session.delete(submission)
    db.session.flush()


# -- programme years -----------------------------------------------------------------------------


def programme_years(*, actor: User) -> list[ProgrammeYear]:
    """Return every cycle label any council uses, as programme years (newest first)."""
    require_programme_lead(actor)
    labels = set(db.session.scalars(select(ReportingCycle.label).distinct()))
    years = {y.label: y for y in db.session.scalars(select(ProgrammeYear))}
    return [years.get(label) or ProgrammeYear(label=label)
            for label in sorted(labels | set(years), reverse=True)]


def programme_year(*, actor: User, label: str) -> ProgrammeYear:
    """Return one programme year (unsaved when nobody set its deadlines yet), or NotFound."""
    require_programme_lead(actor)
    year = _year(label)
    if year is not None:
        return year
    if db.session.scalar(select(exists().where(ReportingCycle.label == label))):
        return ProgrammeYear(label=label)
    raise NotFound(label)


def _saved_year(actor: User, label: str) -> ProgrammeYear:
    year = programme_year(actor=actor, label=label)
    if year.id is None:
        db.session.add(year)  # two at once: the unique label makes the second a 409
        db.session.flush()
    return year


def set_deadlines(*, actor: User, label: str, data_deadline: date | None,
                  plan_deadline: date | None) -> ProgrammeYear:
    """Set a programme year's data and plan deadlines; audited."""
    require_programme_lead(actor)
    if data_deadline and plan_deadline and plan_deadline < data_deadline:
        raise InvalidInput({"plan_deadline": "The plan deadline must be on or after the data "
                                             "deadline"})
    year = _saved_year(actor, label)
    before, after = changes(year, ["data_deadline", "plan_deadline"],
                            {"data_deadline": data_deadline, "plan_deadline": plan_deadline})
    db.session.flush()
    if after:
        record_event(actor=actor, action="deadlines set", entity_type="programme_year",
                     entity_id=year.id, before=before, after={"label": label, **after})
    return year


def close_year(*, actor: User, label: str, closed: bool = True) -> ProgrammeYear:
    """Close a programme year (no more submissions or withdrawals), or open it again; audited."""
    require_programme_lead(actor)
    year = _saved_year(actor, label)
    if year.is_closed == closed:
        return year
    year.closed_at = utcnow() if closed else None
    year.closed_by_id = actor.id if closed else None
    db.session.flush()
    record_event(actor=actor, action="closed" if closed else "reopened",
                 entity_type="programme_year", entity_id=year.id, after={"label": label})
    return year


# -- statuses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilRow:
    """One council's standing in a programme year, as the programme lead sees it."""

    name: str
    slug: str
    region: str | None
    status: CouncilStatus
    late: tuple[str, ...]
    submitted_at: datetime | None
    #: Data saved again since it was submitted: the submission holds the older data.
    resubmit: bool


def council_statuses(*, actor: User, label: str, today: date) -> list[CouncilRow]:
    """Return every council's status in the year, by name (a fixed number of queries)."""
    year = programme_year(actor=actor, label=label)
    plan_signed = (select(ActionPlan.cycle_id)
                   .join(PlanSignOff, PlanSignOff.plan_id == ActionPlan.id)
                   .where(ActionPlan.cycle_id == ReportingCycle.id).exists())
    review_signed = (select(AnnualReview.id).where(AnnualReview.cycle_id == ReportingCycle.id,
                                                   AnnualReview.signed_at.is_not(None)).exists())
    rows = db.session.execute(
        select(ReportingCycle.organisation_id, IndicatorDataset.loaded_at,
               Submission.submitted_at, Submission.data_loaded_at, plan_signed, review_signed)
        .outerjoin(IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
        .outerjoin(Submission, Submission.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.label == label)
    ).all()
    by_org = {row[0]: row for row in rows}
    councils = []
    for org in db.session.scalars(select(Organisation).order_by(Organisation.name)):
        _, loaded_at, submitted_at, data_loaded_at, plan, review = by_org.get(
            org.id, (None, None, None, None, False, False))
        submitted = submitted_at is not None
        councils.append(CouncilRow(
            name=org.name, slug=org.slug, region=org.region,
            status=council_status(has_data=loaded_at is not None, submitted=submitted,
                                  plan_signed_off=bool(plan), review_signed_off=bool(review)),
            late=tuple(late_for(submitted=submitted, plan_signed_off=bool(plan),
                                data_deadline=year.data_deadline,
                                plan_deadline=year.plan_deadline, today=today)),
            submitted_at=submitted_at,
            resubmit=submitted and loaded_at != data_loaded_at,
        ))
    return councils


# -- the national report ------------------------------------------------------------------------


def submitted_data(*, label: str) -> list[national.Submission]:
    """Return the submitted councils' data of a cycle label (only what they submitted)."""
    rows = db.session.execute(
        select(ReportingCycle.organisation_id, IndicatorDataset.counts, IndicatorDataset.results,
               Organisation.region, Organisation.council_kind)
        .join(Submission, Submission.cycle_id == ReportingCycle.id)
        .join(IndicatorDataset, (IndicatorDataset.cycle_id == ReportingCycle.id)
              & (IndicatorDataset.loaded_at == Submission.data_loaded_at))
        .join(Organisation, Organisation.id == ReportingCycle.organisation_id)
        .where(ReportingCycle.label == label)
        .order_by(ReportingCycle.organisation_id)
    ).all()
    return [national.Submission(org_id, counts, results, region,
                                kind.value if kind else None)
            for org_id, counts, results, region, kind in rows]


def national_report(*, actor: User | None, label: str, threshold: int,
                    areas: tuple[str, ...] | None = None) -> Mapping[str, dict]:
    """Return the national report of a cycle label (actor None: the command line)."""
    if actor is not None:
        require_programme_lead(actor)
    return national.national_report(submitted_data(label=label), threshold=threshold,
                                    areas=areas or SERVICE_AREAS)


# -- set by the installation's administrators ----------------------------------------------------


def set_programme_lead(*, actor: User | None, email: str, on: bool = True) -> User:
    """Make an account the programme lead (or no longer); audited."""
    user = db.session.scalar(select(User).where(User.email_key == email.strip().lower()))
    if user is None:
        raise InvalidInput({"email": f"There is no account with the address {email}"})
    if user.is_programme_lead != on:
        user.is_programme_lead = on
        db.session.flush()
        record_event(actor=actor, action="programme lead" if on else "no longer programme lead",
                     entity_type="user", entity_id=user.id,
                     after={"is_programme_lead": on})
    return user


def set_grouping(*, actor: User | None, slug: str, region: str | None,
                 council_kind: str | None) -> Organisation:
    """Record an organisation's region and kind of council, for the report's breakdowns."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise InvalidInput({"org": f"There is no organisation with the short name {slug!r}"})
    if region is not None and region not in REGIONS:
        raise InvalidInput({"region": f"The region must be one of: {', '.join(REGIONS)}"})
    kinds = [kind.value for kind in CouncilKind]
    if council_kind is not None and council_kind not in kinds:
        raise InvalidInput({"kind": f"The kind of council must be one of: {', '.join(kinds)}"})
    values = {"region": region,
              "council_kind": CouncilKind(council_kind) if council_kind else None}
    before, after = changes(org, ["region", "council_kind"], values)
    db.session.flush()
    if after:
        record_event(actor=actor, action="grouping set", entity_type="organisation",
                     entity_id=org.id, organisation=org, before=before, after=after)
    return org


# -- the report's pages, its years and its publication --------------------------------------------


def report_figures(*, actor: User | None, label: str, threshold: int) -> national.NationalFigures:
    """Return a year's national report with its breakdowns (programme lead; None: a job or CLI)."""
    if actor is not None:
        require_programme_lead(actor)
    return national.national_figures(submitted_data(label=label), threshold=threshold)


def submitted_labels() -> list[str]:
    """Return the cycle labels any council has submitted, oldest first."""
    return sorted(set(db.session.scalars(
        select(ReportingCycle.label).join(Submission, Submission.cycle_id == ReportingCycle.id))))


def across_years(*, actor: User | None, threshold: int,
                 labels: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """Return every submitted year's all-staff national figures: ``{label: {indicator: entry}}``
    (of `labels` only, when given)."""
    if actor is not None:
        require_programme_lead(actor)
    return {label: national.national_report(submitted_data(label=label), threshold=threshold,
                                            areas=("all",))["all"]
            for label in (submitted_labels() if labels is None else labels)}


def _report_inputs(label: str) -> list[tuple]:
    """Return what a year's report is worked out from, in one statement: each submitted
    dataset of that year and the years before it (its year, council, id and when it was saved,
    the council's grouping). Saving a dataset again gives it a new time; a dataset saved since
    its submission counts in no report."""
    rows = db.session.execute(
        select(ReportingCycle.label, ReportingCycle.organisation_id, IndicatorDataset.id,
               IndicatorDataset.loaded_at, Organisation.region, Organisation.council_kind)
        .join(Submission, Submission.cycle_id == ReportingCycle.id)
        .join(IndicatorDataset, (IndicatorDataset.cycle_id == ReportingCycle.id)
              & (IndicatorDataset.loaded_at == Submission.data_loaded_at))
        .join(Organisation, Organisation.id == ReportingCycle.organisation_id)
        .order_by(ReportingCycle.label, ReportingCycle.organisation_id)).all()
    return [(year, org_id, dataset_id, loaded_at.isoformat(), region,
             kind.value if kind else None)
            for year, org_id, dataset_id, loaded_at, region, kind in rows if year <= label]


def report_content(*, actor: User | None, label: str, threshold: int) -> dict:
    """Return everything a national report shows, as plain JSON (what is published, frozen).

    Worked out once per version of its inputs and kept under their hash (``kept_file``, as the
    charts are): the submitted datasets' ids and save times, the councils' groupings, the
    threshold and the version of the code working the figures out. Any change to those gives
    another key, so the kept figures are never stale.
    """
    if actor is not None:
        require_programme_lead(actor)
    return _kept_content(*_content_key(label, threshold), label=label, threshold=threshold)


def _content_key(label: str, threshold: int) -> tuple[str, list[str]]:
    """Return the key of a year's report content, and the years it is worked out from."""
    inputs = _report_inputs(label)
    key = chart_service.chart_key("national-report.json", national.FIGURES_VERSION, label,
                                  threshold, national.MIN_COUNCILS, inputs)
    return key, sorted({row[0] for row in inputs})


def _kept_content(key: str, labels: list[str], *, label: str, threshold: int) -> dict:
    body = chart_service.kept_file(key=key, make=lambda: json.dumps(
        _work_out_content(label=label, threshold=threshold, labels=labels)).encode())
    content: dict = json.loads(body)
    return content


def report_file(*, actor: User, label: str, threshold: int, kind: str, version: str,
                make: Callable[[dict], bytes]) -> bytes:
    """Return a file made from a year's report content (``make(content)``: the PDF, the
    workbook), made once per version of the content and of the making code (``version``) and
    kept under their hash, as the content is."""
    require_programme_lead(actor)
    content_key, labels = _content_key(label, threshold)
    key = chart_service.chart_key("national-report-file", kind, version, content_key)
    return chart_service.kept_file(key=key, make=lambda: make(_kept_content(
        content_key, labels, label=label, threshold=threshold)))


def _work_out_content(*, label: str, threshold: int, labels: list[str]) -> dict:
    figures = report_figures(actor=None, label=label, threshold=threshold)
    years = across_years(actor=None, threshold=threshold, labels=labels)
    return {"label": label, "report": figures.report, "breakdowns": figures.breakdowns,
            "submitted": figures.submitted, "threshold": threshold,
            "min_councils": national.MIN_COUNCILS,
            "years": {year: figures_ for year, figures_ in years.items() if year <= label}}


def _publication(label: str) -> NationalReportPublication | None:
    return db.session.scalar(select(NationalReportPublication).where(
        NationalReportPublication.label == label))


def report_publication(*, actor: User, label: str) -> NationalReportPublication | None:
    """Return the year's publication, live or withdrawn (programme lead)."""
    require_programme_lead(actor)
    return _publication(label)


def publish_report(*, actor: User, label: str, threshold: int) -> NationalReportPublication:
    """Publish the year's national report as it stands now (frozen) at /public/national/<year>."""
    require_programme_lead(actor)
    content = report_content(actor=actor, label=label, threshold=threshold)
    if not content["submitted"]:
        raise InvalidInput({"publish": f"No council has submitted {label}: there is nothing "
                                       "to publish"})
    publication = _publication(label)
    if publication is None:
        publication = NationalReportPublication(label=label)
        db.session.add(publication)
    publication.content = content
    publication.published_by_id = actor.id
    publication.published_at = utcnow()
    publication.withdrawn_at = None
    db.session.flush()
    record_event(actor=actor, action="published", entity_type="national_report",
                 entity_id=publication.id, after={"label": label,
                                                  "councils": content["submitted"]})
    return publication


def withdraw_report(*, actor: User, label: str) -> None:
    """Take the year's published national report down at once; audited."""
    require_programme_lead(actor)
    publication = _publication(label)
    if publication is None or not publication.is_live:
        raise InvalidInput({"withdraw": f"The {label} national report is not published"})
    publication.withdrawn_at = utcnow()
    db.session.flush()
    record_event(actor=actor, action="withdrawn", entity_type="national_report",
                 entity_id=publication.id, after={"label": label})


def live_report(*, label: str) -> dict:
    """Return a published national report's content for anyone, or raise NotFound."""
    publication = _publication(label)
    if publication is None or not publication.is_live:
        raise NotFound(label)
    return publication.content


def live_report_labels() -> list[str]:
    """Return the years whose national report is published, newest first."""
    return sorted(db.session.scalars(select(NationalReportPublication.label).where(
        NationalReportPublication.withdrawn_at.is_(None))), reverse=True)


# -- a council's position -------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPosition:
    """A council's RL of one series beside the published national figures."""

    indicator: str
    own_rl: float | None
    pooled: float | None
    q1: float | None
    median: float | None
    q3: float | None
    quartile: int | None


@dataclass(frozen=True)
class CouncilPosition:
    """Where a council stands in a year's published national report, for one service area."""

    label: str
    area: str
    submitted: bool
    councils: int
    series: list[SeriesPosition]


def council_position(*, access: OrgAccess, cycle: ReportingCycle, area: str,
                     results: Mapping[str, Any]) -> CouncilPosition | None:
    """Return the council's position in the cycle's published national report (None: none is)."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    publication = _publication(cycle.label)
    if publication is None or not publication.is_live:
        return None
    figures = publication.content["report"].get(area)
    if figures is None:
        return None
    own = StoredResults(results)
    rows = []
    for sid in SERIES_IDS:
        entry, mine = figures[sid], own.series(area, sid)
        rl = mine.rl if mine.has_figure else None
        q = (entry.get("q1"), entry.get("median"), entry.get("q3"))
        quartile = (national.quartile_of(rl, *q) if rl is not None and None not in q else None)
        rows.append(SeriesPosition(sid, rl, entry["pooled"]["rl"], *q, quartile))
    return CouncilPosition(cycle.label, area, _submission(cycle) is not None,
                           publication.content["submitted"], rows)


def council_funnel(*, access: OrgAccess, cycle: ReportingCycle, area: str,
                   sid: str) -> national.Funnel | None:
    """Return the funnel plot of a series: every submitting council, only this one marked."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    if area not in SERVICE_AREAS or sid not in SERIES_IDS:
        raise NotFound(sid)
    publication = _publication(cycle.label)
    if publication is None or not publication.is_live:
        raise NotFound(cycle.label)
    return national.funnel(submitted_data(label=cycle.label), own=access.organisation.id,
                           area=area, sid=sid)


def council_funnel_svg(*, access: OrgAccess, cycle: ReportingCycle, area: str, sid: str,
                       drawing: tuple, draw: Callable[[national.Funnel], str]) -> str | None:
    """Return the funnel plot of a series drawn (``draw(shape)``), or None without one: drawn
    once per version of the year's submitted data, of the code and of ``drawing`` (the drawing
    code's version, its titles), and kept under their hash."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    if area not in SERVICE_AREAS or sid not in SERIES_IDS:
        raise NotFound(sid)
    publication = _publication(cycle.label)
    if publication is None or not publication.is_live:
        raise NotFound(cycle.label)
    inputs = [row for row in _report_inputs(cycle.label) if row[0] == cycle.label]
    key = chart_service.chart_key("national-funnel", national.FIGURES_VERSION, drawing,
                                  access.organisation.id, area, sid, inputs)

    def make() -> str:
        shape = national.funnel(submitted_data(label=cycle.label), own=access.organisation.id,
                                area=area, sid=sid)
        return "" if shape is None else draw(shape)  # none to draw: kept as such

    return chart_service.chart_svg(key=key, draw=make) or None


def published_national_values() -> dict[tuple[str, str, str], float]:
    """Return the published reports' pooled all-staff RLs as national figures, by (year,
    indicator, band): the year a cycle compares with (2024-25 -> 2025), as typed-in figures are."""
    values = {}
    for publication in db.session.scalars(select(NationalReportPublication).where(
            NationalReportPublication.withdrawn_at.is_(None))):
        year = national_year_for(publication.label)
        for sid, entry in publication.content["report"].get("all", {}).items():
            rl = entry.get("pooled", {}).get("rl") if sid != "SCW1" else None
            if rl is not None:
                values[year, sid, ""] = rl
    return values


# -- the data return ------------------------------------------------------------------------------


def council_return(*, access: OrgAccess, cycle: ReportingCycle) -> list[tuple[None, dict]]:
    """Return the cycle's saved counts for its data return, or raise NotFound without data."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    dataset = _dataset(cycle)
    if dataset is None:
        raise NotFound(cycle.label)
    return [(None, dataset.counts)]


def council_return_file(*, access: OrgAccess, cycle: ReportingCycle, kind: str, version: str,
                        make: Callable[[list[tuple[None, dict]]], bytes]) -> bytes:
    """Return the cycle's data return as a file (``make(returns)``), made once per version of
    its saved data (the dataset's id and save time) and of the making code, and kept; NotFound
    without data."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    saved = db.session.execute(select(IndicatorDataset.id, IndicatorDataset.loaded_at).where(
        IndicatorDataset.cycle_id == cycle.id)).first()
    if saved is None:
        raise NotFound(cycle.label)
    key = chart_service.chart_key("council-return", kind, version, saved[0],
                                  saved[1].isoformat())
    return chart_service.kept_file(key=key, make=lambda: make(
        council_return(access=access, cycle=cycle)))


def programme_return(*, actor: User, label: str) -> list[tuple[str, dict]]:
    """Return every submitting council's counts as submitted, by organisation (programme lead)."""
    require_programme_lead(actor)
    rows = db.session.execute(
        select(Organisation.slug, IndicatorDataset.counts)
        .join(ReportingCycle, ReportingCycle.organisation_id == Organisation.id)
        .join(Submission, Submission.cycle_id == ReportingCycle.id)
        .join(IndicatorDataset, (IndicatorDataset.cycle_id == ReportingCycle.id)
              & (IndicatorDataset.loaded_at == Submission.data_loaded_at))
        .where(ReportingCycle.label == label).order_by(Organisation.slug)).all()
    return [(slug, counts) for slug, counts in rows]


def programme_return_file(*, actor: User, label: str, kind: str, version: str,
                          make: Callable[[list[tuple[str, dict]]], bytes]) -> bytes:
    """Return the year's data return as a file (``make(returns)``), made once per version of
    the submitted datasets (their councils' short names, ids and save times) and of the making
    code (``version``), and kept under their hash (``kept_file``)."""
    require_programme_lead(actor)
    inputs = db.session.execute(
        select(Organisation.slug, IndicatorDataset.id, IndicatorDataset.loaded_at)
        .join(ReportingCycle, ReportingCycle.organisation_id == Organisation.id)
        .join(Submission, Submission.cycle_id == ReportingCycle.id)
        .join(IndicatorDataset, (IndicatorDataset.cycle_id == ReportingCycle.id)
              & (IndicatorDataset.loaded_at == Submission.data_loaded_at))
        .where(ReportingCycle.label == label).order_by(Organisation.slug)).all()
    key = chart_service.chart_key("programme-return", kind, version, label,
                                  [(slug, dataset_id, loaded_at.isoformat())
                                   for slug, dataset_id, loaded_at in inputs])
    return chart_service.kept_file(key=key, make=lambda: make(
        programme_return(actor=actor, label=label)))


# -- deadline reminders ---------------------------------------------------------------------------


def queue_deadline_reminders(*, today: date, base_url: str) -> int:
    """Queue today's reminders of the programme's deadlines to each organisation's EDI leads.

    For each open year with deadlines, every organisation whose step is not done hears of it
    14 and 3 days before, the day after and weekly after that; never twice on one day.
    """
    queued = 0
    years = db.session.scalars(select(ProgrammeYear).where(
        ProgrammeYear.closed_at.is_(None),
        (ProgrammeYear.data_deadline.is_not(None)) | (ProgrammeYear.plan_deadline.is_not(None))))
    leads: dict[int, list[User]] = {}
    for user, org_id in db.session.execute(
            select(User, Membership.organisation_id).join(Membership, Membership.user_id == User.id)
            .where(Membership.role == Role.EDI_LEAD, User.is_active_account.is_(True))):
        leads.setdefault(org_id, []).append(user)
    organisations = {o.id: o for o in db.session.scalars(select(Organisation))}
    for year in years:
        steps = _steps(year.label)
        for org_id, organisation in organisations.items():
            submitted, plan_signed = steps.get(org_id, (False, False))
            due = deadline_reminders(data_deadline=year.data_deadline,
                                     plan_deadline=year.plan_deadline, submitted=submitted,
                                     plan_signed_off=plan_signed, today=today)
            if not due:
                continue
            links = {"data": base_url + SUBMISSION_PATH.format(slug=organisation.slug,
                                                                label=year.label),
                     "plan": base_url + paths.build(paths.PLAN, slug=organisation.slug,
                                                    label=year.label)}
            for user in leads.get(org_id, []):
                message = render(deadline_message(
                    name=user.name, organisation=organisation.name, label=year.label,
                    reminders=due, links=links, settings_url=base_url + paths.NOTIFICATION_SETTINGS))
                if mail.queue_email(user=user, recipient=user.email, message=message,
                                    kind="deadline", send_alone=False,
                                    key=f"deadline:{user.id}:{org_id}:{year.label}:{today}"):
                    queued += 1
    return queued


SUBMISSION_PATH = "/org/{slug}/cycles/{label}/submission"


def _steps(label: str) -> dict[int, tuple[bool, bool]]:
    """Each organisation's (submitted, plan signed off) in a year."""
    plan_signed = (select(ActionPlan.cycle_id)
                   .join(PlanSignOff, PlanSignOff.plan_id == ActionPlan.id)
                   .where(ActionPlan.cycle_id == ReportingCycle.id).exists())
    rows = db.session.execute(
        select(ReportingCycle.organisation_id, Submission.id, plan_signed)
        .outerjoin(Submission, Submission.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.label == label)).all()
    return {org_id: (submission is not None, bool(signed)) for org_id, submission, signed in rows}


# -- the advisory groups' view across councils ------------------------------------------------------


@dataclass(frozen=True)
class CouncilResults:
    """One shared council's latest all-staff RLs beside the national figures of their year."""

    name: str
    slug: str
    label: str | None
    rls: dict[str, float | None]
    ratings: dict[str, str | None]
    national: dict[str, float | None]
    awaiting: int


@dataclass(frozen=True)
class AcrossCouncils:
    """What an advisor sees across the councils their groups follow."""

    councils: list[CouncilResults]
    #: theme -> status -> number of actions (the councils' latest plans, no drafts)
    themes: dict[str, dict[str, int]]
    #: (intervention title, councils using it), most used first
    interventions: list[tuple[str, int]]
    #: (indicator, councils where it is adverse), most often first
    adverse: list[tuple[str, int]]
    awaiting: int


def across_councils(*, user: User, today: date) -> AcrossCouncils:
    """Return the advisor's councils' results against the national figures and their themes."""
    from tracker.domain.plans import INTERVENTIONS
    from tracker.services import homes as home_service
    from tracker.services.reviews import national_values

    shared = home_service.councils(user=user, today=today)
    cycles = {c.cycle.id: c for c in shared if c.cycle is not None}
    results: dict[int, Any] = {cycle_id: saved for cycle_id, saved in db.session.execute(
        select(IndicatorDataset.cycle_id, IndicatorDataset.results)
        .where(IndicatorDataset.cycle_id.in_(list(cycles))))} if cycles else {}
    national_figures = national_values()
    rows, adverse = [], {sid: 0 for sid in SERIES_IDS}
    for council in shared:
        saved = StoredResults(results.get(council.cycle.id) if council.cycle else None)
        label = council.cycle.label if council.cycle else None
        year = national_year_for(label) if label else None
        rls = {sid: saved.series("all", sid).rl for sid in SERIES_IDS}
        ratings = {sid: saved.series("all", sid).rating for sid in SERIES_IDS}
        for sid, rated in ratings.items():
            adverse[sid] += rated == "adverse"
        rows.append(CouncilResults(
            council.organisation.name, council.organisation.slug, label, rls, ratings,
            {sid: national_figures.get((year, sid, "")) if year else None for sid in SERIES_IDS},
            council.awaiting))
    themes: dict[str, dict[str, int]] = {}
    titles: dict[str, set[int]] = {}
    if cycles:
        for cycle_id, theme, status, title in db.session.execute(
                select(ActionPlan.cycle_id, PlanTheme.name, Action.status, Action.title)
                .join(Action, Action.plan_id == ActionPlan.id)
                .join(PlanTheme, PlanTheme.id == Action.theme_id)
                .where(ActionPlan.cycle_id.in_(list(cycles)), Action.is_draft.is_(False))):
            by_status = themes.setdefault(theme, {})
            by_status[status.value] = by_status.get(status.value, 0) + 1
            titles.setdefault(title.strip().casefold(), set()).add(cycle_id)
    used = sorted(((i.title, len(titles.get(i.title.casefold(), ()))) for i in INTERVENTIONS),
                  key=lambda pair: (-pair[1], pair[0]))
    return AcrossCouncils(
        rows, dict(sorted(themes.items())), [pair for pair in used if pair[1]],
        sorted(((sid, n) for sid, n in adverse.items() if n), key=lambda p: (-p[1], p[0])),
        sum(c.awaiting for c in shared))


# -- the programme lead's read-only view of a council's plan -----------------------------------


@dataclass(frozen=True)
class PlanRow:
    """One action of a submitted plan as the programme lead reads it, with its latest update."""

    title: str
    status: ActionStatus
    due_date: date | None
    #: The latest progress update's date and note (None: none yet).
    latest_on: date | None
    latest_note: str | None


@dataclass(frozen=True)
class PlanSummary:
    """A submitted council's plan as the programme lead reads it: no comments, no drafts."""

    organisation: Organisation
    label: str
    signed_off_at: datetime | None
    themes: dict[str, list[PlanRow]]


def council_plan(*, actor: User, label: str, slug: str) -> PlanSummary:
    """Return a council's plan of a year it submitted (programme lead; NotFound otherwise).

    The actions are read as columns, each with its latest update (the latest date; of one
    date, the first written) from one window over the updates: a fixed number of statements.
    """
    require_programme_lead(actor)
    row = db.session.execute(
        select(Organisation, ReportingCycle.id)
        .join(ReportingCycle, ReportingCycle.organisation_id == Organisation.id)
        .join(Submission, Submission.cycle_id == ReportingCycle.id)
        .where(Organisation.slug == slug, ReportingCycle.label == label)).first()
    if row is None:
        raise NotFound(slug)
    organisation, cycle_id = row
    signed = db.session.scalar(
        select(PlanSignOff.signed_at).join(ActionPlan, ActionPlan.id == PlanSignOff.plan_id)
        .where(ActionPlan.cycle_id == cycle_id).order_by(PlanSignOff.signed_at.desc()).limit(1))
    plan_actions = (select(Action.id).join(ActionPlan, ActionPlan.id == Action.plan_id)
                    .where(ActionPlan.cycle_id == cycle_id, Action.is_draft.is_(False)))
    ranked = (select(ProgressUpdate.action_id, ProgressUpdate.occurred_on, ProgressUpdate.note,
                     func.row_number().over(
                         partition_by=ProgressUpdate.action_id,
                         order_by=(ProgressUpdate.occurred_on.desc(), ProgressUpdate.id))
                     .label("rank"))
              .where(ProgressUpdate.action_id.in_(plan_actions)).subquery())
    themes: dict[str, list[PlanRow]] = {}
    for theme, title, status, due, latest_on, latest_note in db.session.execute(
            select(PlanTheme.name, Action.title, Action.status, Action.due_date,
                   ranked.c.occurred_on, ranked.c.note)
            .join(ActionPlan, ActionPlan.id == Action.plan_id)
            .join(PlanTheme, PlanTheme.id == Action.theme_id)
            .outerjoin(ranked, (ranked.c.action_id == Action.id) & (ranked.c.rank == 1))
            .where(ActionPlan.cycle_id == cycle_id, Action.is_draft.is_(False))
            .order_by(PlanTheme.position, Action.id)):
        themes.setdefault(theme, []).append(PlanRow(title, status, due, latest_on, latest_note))
    return PlanSummary(organisation, label, signed, themes)
