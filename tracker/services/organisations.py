"""Organisations and reporting cycles."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from tracker.domain.roles import Capability
from tracker.extensions import db
from tracker.models import AnnualReview, Organisation, OrganisationKind, ReportingCycle, User, utcnow
from tracker.services import plans as plan_service
from tracker.services.access import OrgAccess, require
from tracker.services.audit import changes, plain_value, record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import unique_or_invalid
from tracker.services.unique import used_by_another

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ONS_CODE_RE = re.compile(r"^E\d{8}$")
CYCLE_LABEL_RE = re.compile(r"^(\d{4})-(\d{2})$")
ORG_FIELDS = ["name", "slug", "kind", "ons_code"]
ORG_UNIQUE = {
    "organisations.name": ("name", "Name is already used by another organisation"),
    "organisations.slug": ("slug", "Short name is already used by another organisation"),
    "organisations.ons_code": ("ons_code", "ONS code is already used by another organisation"),
}


def list_organisations() -> list[Organisation]:
    """Return every organisation by name (administrators only: callers check)."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_names() -> list[tuple[int, str]]:
    """Return every organisation's id and name, by name (for a choice of one: no whole rows)."""
    return [(id_, name) for id_, name in db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name))]


def get_organisation(*, organisation_id: int) -> Organisation:
    """Return an organisation by id or raise NotFound."""
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(organisation_id)
    return org


def _check_organisation(values: dict, *, current: Organisation | None) -> None:
    errors: dict[str, str] = {}
    if not SLUG_RE.match(values["slug"]):
        errors["slug"] = "Short name must use lower-case letters, numbers and hyphens only"
    if values.get("ons_code") and not ONS_CODE_RE.match(values["ons_code"]):
        errors["ons_code"] = "ONS code must be E followed by 8 digits, like E09000033"
    for field, label in (("name", "Name"), ("slug", "Short name"), ("ons_code", "ONS code")):
        value = values.get(field)
        if not value or field in errors:
            continue
        if used_by_another(getattr(Organisation, field), value, key=Organisation.id,
                           current=current):
            errors[field] = f"{label} is already used by another organisation"
    if errors:
        raise InvalidInput(errors)


def create_organisation(
    *, actor: User, name: str, slug: str, kind: str, ons_code: str | None
) -> Organisation:
    """Create an organisation."""
    values = {"name": name.strip(), "slug": slug.strip().lower(), "kind": OrganisationKind(kind),
              "ons_code": (ons_code or "").strip().upper() or None}
    _check_organisation(values, current=None)
    org = Organisation(**values)
    with unique_or_invalid(ORG_UNIQUE):
        db.session.add(org)
    record_event(actor=actor, action="created", entity_type="organisation", entity_id=org.id,
                 organisation=org, after={k: plain_value(v) for k, v in values.items()})
    return org


def update_organisation(
    *, actor: User, organisation: Organisation, name: str, slug: str,
    kind: str, ons_code: str | None,
) -> Organisation:
    """Change an organisation's details."""
    values = {"name": name.strip(), "slug": slug.strip().lower(), "kind": OrganisationKind(kind),
              "ons_code": (ons_code or "").strip().upper() or None}
    _check_organisation(values, current=organisation)
    before, after = changes(organisation, ORG_FIELDS, values)
    if after:
        record_event(actor=actor, action="updated", entity_type="organisation",
                     entity_id=organisation.id, organisation=organisation,
                     before=before, after=after)
    with unique_or_invalid(ORG_UNIQUE):
        db.session.flush()
    return organisation


def start_review(*, cycle_id: int) -> AnnualReview:
    """Make a cycle's annual review (with the cycle); safe if two requests do it at once."""
    plan_service.insert_if_absent(AnnualReview, conflict=["cycle_id"], cycle_id=cycle_id,
                                  summary="", version=1, created_at=utcnow())
    return db.session.execute(
        select(AnnualReview).where(AnnualReview.cycle_id == cycle_id)).scalar_one()


def list_cycles(*, access: OrgAccess) -> list[ReportingCycle]:
    """Return the organisation's reporting cycles, newest first."""
    require(access, Capability.READ)
    return list(
        db.session.scalars(
            select(ReportingCycle)
            .where(ReportingCycle.organisation_id == access.organisation.id)
            .order_by(ReportingCycle.period_start.desc())
        )
    )


def get_cycle(*, access: OrgAccess, label: str) -> ReportingCycle:
    """Return one of the organisation's cycles by label, or raise NotFound."""
    require(access, Capability.READ)
    cycle = db.session.scalar(
        select(ReportingCycle).where(
            ReportingCycle.organisation_id == access.organisation.id,
            ReportingCycle.label == label,
        )
    )
    if cycle is None:
        raise NotFound(label)
    return cycle


def cycle_label_problem(label: str, period_start: date) -> str | None:
    """Return why a cycle label is wrong for its period, or None (2024-25 starts in 2024)."""
    match = CYCLE_LABEL_RE.match(label)
    if not match:
        return "Label must be a financial year like 2024-25"
    first, second = int(match.group(1)), int(match.group(2))
    if (first + 1) % 100 != second:
        return "Label must be two consecutive years, like 2024-25"
    if period_start.year not in (first, first + 1):
        return f"Label {label} does not match a period starting in {period_start.year}"
    return None


def create_cycle(
    *, actor: User, access: OrgAccess, label: str, period_start: date, period_end: date,
    snapshot_date: date, theme_names: list[tuple[str, bool]] | None = None,
) -> ReportingCycle:
    """Add a reporting cycle to the organisation, with its plan (these themes, or the default
    ones) and its annual review."""
    require(access, Capability.MANAGE_CYCLES)
    org = access.organisation
    label = label.strip()
    errors: dict[str, str] = {}
    problem = cycle_label_problem(label, period_start)
    if problem:
        errors["label"] = problem
    elif db.session.scalar(
        select(ReportingCycle.id).where(
            ReportingCycle.organisation_id == org.id, ReportingCycle.label == label
        )
    ):
        errors["label"] = f"There is already a {label} cycle"
    if period_end <= period_start:
        errors["period_end"] = "Period end must be after the period start"
    elif (period_end - period_start).days > 366:
        errors["period_end"] = "A reporting period must be 12 months or shorter"
    if not period_start <= snapshot_date <= period_end + timedelta(days=366):
        errors["snapshot_date"] = (
            "Snapshot date must be within the period or the 12 months after it"
        )
    if errors:
        raise InvalidInput(errors)
    cycle = ReportingCycle(organisation_id=org.id, label=label, period_start=period_start,
                           period_end=period_end, snapshot_date=snapshot_date)
    with unique_or_invalid({"reporting_cycles.organisation_id,label": (
            "label", f"There is already a {label} cycle")}):
        db.session.add(cycle)
    # The cycle's plan and annual review are made with it: opening them never writes.
    plan_service.start_plan(cycle_id=cycle.id, theme_names=theme_names)
    start_review(cycle_id=cycle.id)
    record_event(actor=actor, action="created", entity_type="reporting_cycle", entity_id=cycle.id,
                 organisation=org, after={"label": label, "period_start": period_start.isoformat(),
                                          "period_end": period_end.isoformat(),
                                          "snapshot_date": snapshot_date.isoformat()})
    return cycle
