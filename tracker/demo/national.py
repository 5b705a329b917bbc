"""Demo data for the national picture: councils in two regions that submitted 2024-25, the
programme lead (idempotent). The report is not published: the programme lead does that.

Nine more councils, each with its EDI lead and its own generated extracts (Northshire's 2024-25
workforce scaled by size and mix and its chances varied, seeded so the same every time: see
tracker/demo/extracts.py), loaded as the lead would upload them; with Northshire, five in the
North West and five in London submit 2024-25, enough for the report and its breakdown by region to show.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from tracker.demo import figures as demo_figures
from tracker.demo.extracts import demo_extracts, load_extracts
from tracker.domain.programme import CouncilKind
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import (
    IndicatorDataset,
    Membership,
    Organisation,
    OrganisationKind,
    ReportingCycle,
    Submission,
    User,
)
from tracker.models.user import email_key
from tracker.services.access import organisation_access
from tracker.services.auth import hash_password

PROGRAMME_LEAD = ("programme.lead@example.org", "Morgan Bell")
LABEL = "2024-25"

# (name, slug, ONS code, region, kind)
COUNCILS = [
    ("Westmere Metropolitan Borough Council", "westmere", "E08000101", "North West",
     CouncilKind.METROPOLITAN_DISTRICT),
    ("Fellside Council", "fellside", "E06000102", "North West", CouncilKind.UNITARY),
    ("Mossbridge Metropolitan Borough Council", "mossbridge", "E08000103", "North West",
     CouncilKind.METROPOLITAN_DISTRICT),
    ("Lakeland County Council", "lakeland", "E10000104", "North West", CouncilKind.COUNTY),
    ("London Borough of Thameside", "thameside", "E09000105", "London",
     CouncilKind.LONDON_BOROUGH),
    ("London Borough of Northgate", "northgate", "E09000106", "London",
     CouncilKind.LONDON_BOROUGH),
    ("Royal Borough of Kingsmead", "kingsmead", "E09000107", "London",
     CouncilKind.LONDON_BOROUGH),
    ("London Borough of Eastwick", "eastwick", "E09000108", "London",
     CouncilKind.LONDON_BOROUGH),
    ("London Borough of Southbank", "southbank", "E09000109", "London",
     CouncilKind.LONDON_BOROUGH),
]


def _rows(seed: int) -> list[dict]:
    """Reference counts scaled by a council's size and varied, numerators within bounds (for
    bench/national_report.py, which needs many councils quickly)."""
    rng = random.Random(seed)
    size = rng.uniform(0.7, 2.5)
    rows = []
    for row in demo_figures.template_rows():
        row = dict(row)
        if row["denominator"] is None:  # SCW1: staff in post in a band
            row["numerator"] = round(row["numerator"] * size * rng.uniform(0.8, 1.25))
        else:
            row["denominator"] = max(1, round(row["denominator"] * size * rng.uniform(0.9, 1.1)))
            row["numerator"] = min(row["denominator"],
                                   round(row["numerator"] * size * rng.uniform(0.6, 1.5)))
        rows.append(row)
    return rows


def _cycle(org: Organisation) -> ReportingCycle:
    cycle = db.session.scalar(select(ReportingCycle).filter_by(organisation_id=org.id,
                                                                 label=LABEL))
    if cycle is None:
        cycle = ReportingCycle(organisation_id=org.id, label=LABEL, period_start=date(2024, 4, 1),
                               period_end=date(2025, 3, 31), snapshot_date=date(2025, 3, 31))
        db.session.add(cycle)
        db.session.flush()
    return cycle


def _submit(cycle: ReportingCycle) -> None:
    dataset = db.session.scalar(select(IndicatorDataset).filter_by(cycle_id=cycle.id))
    if dataset is not None and db.session.scalar(
            select(Submission.id).filter_by(cycle_id=cycle.id)) is None:
        db.session.add(Submission(cycle_id=cycle.id, data_loaded_at=dataset.loaded_at))
        db.session.flush()


def _user(email: str, name: str, password_hash: str, **flags) -> User:
    user = db.session.scalar(select(User).where(User.email_key == email_key(email)))
    if user is None:
        user = User(email=email, name=name, password_hash=password_hash, **flags)
        db.session.add(user)
        db.session.flush()
    return user


def load_national_demo(*, password: str) -> None:
    """Add the councils, their submissions and the programme lead (who may publish the report)."""
    password_hash = hash_password(password)
    northshire = db.session.scalar(select(Organisation).filter_by(slug="northshire"))
    if northshire is not None:
        northshire.region = northshire.region or "North West"
        northshire.council_kind = northshire.council_kind or CouncilKind.COUNTY
        _submit(_cycle(northshire))
    for name, slug, ons, region, kind in COUNCILS:
        org = db.session.scalar(select(Organisation).filter_by(slug=slug))
        if org is None:
            org = Organisation(name=name, slug=slug, ons_code=ons, region=region,
                               council_kind=kind, kind=OrganisationKind.LOCAL_AUTHORITY)
            db.session.add(org)
            db.session.flush()
        lead = _user(f"edi.lead@{slug}.example.org", f"EDI lead, {name}", password_hash)
        if db.session.scalar(select(Membership.id).filter_by(
                user_id=lead.id, organisation_id=org.id)) is None:
            db.session.add(Membership(user_id=lead.id, organisation_id=org.id,
                                      role=Role.EDI_LEAD))
        cycle = _cycle(org)
        if db.session.scalar(select(IndicatorDataset.id).filter_by(cycle_id=cycle.id)) is None:
            load_extracts(actor=lead, access=organisation_access(user=lead, slug=slug),
                          cycle=cycle, extracts=demo_extracts(slug=slug, label=LABEL))
        _submit(cycle)
    _user(*PROGRAMME_LEAD, password_hash, is_programme_lead=True)

