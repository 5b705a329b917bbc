"""Demo data: organisations, a user for every role, advisory groups and cycles (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from tracker.demo import plan as demo_plan
from tracker.demo.national import PROGRAMME_LEAD, load_national_demo
from tracker.domain.plans import ActionStatus
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import (
    Action,
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    IndicatorDataset,
    Membership,
    Organisation,
    OrganisationKind,
    ProgressUpdate,
    ReportingCycle,
    User,
)
from tracker.models.user import email_key
from tracker.services.auth import hash_password

DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: str


ORGANISATIONS = [
    ("Northshire County Council", "northshire", "E10000099"),
    ("Eastbrook Borough Council", "eastbrook", "E09000099"),
    ("Riverside City Council", "riverside", "E08000099"),
]

# (email, name, administrator?, [(organisation slug, role)], [advisory groups])
PEOPLE = [
    ("admin@example.org", "Alex Admin", True, [], []),
    ("edi.lead@northshire.example.org", "Priya Shah", False, [("northshire", Role.EDI_LEAD)], []),
    ("owner@northshire.example.org", "Tom Okafor", False,
     [("northshire", Role.ACTION_OWNER)], []),
    ("sponsor@northshire.example.org", "Helen Clarke", False, [("northshire", Role.SPONSOR)], []),
    ("viewer@northshire.example.org", "Sam Lee", False, [("northshire", Role.VIEWER)], []),
    ("hr.lead@northshire.example.org", "Nadia Hussain", False,
     [("northshire", Role.ACTION_OWNER)], []),
    ("psw@northshire.example.org", "Mark Evans", False, [("northshire", Role.ACTION_OWNER)], []),
    ("advisor@iag.example.org", "Grace Mensah", False, [], ["IAG"]),
    ("advisor@rerg.example.org", "Imran Qureshi", False, [], ["RERG"]),
    ("edi.lead@eastbrook.example.org", "Joy Adeyemi", False, [("eastbrook", Role.EDI_LEAD)], []),
    ("edi.lead@riverside.example.org", "Chris Wong", False, [("riverside", Role.EDI_LEAD)], []),
]

GROUPS = [
    ("Independent Advisory Group", "IAG", ["northshire", "eastbrook"]),
    ("Race Equality Reference Group", "RERG", ["riverside"]),
]

ROLE_WORDS = {
    Role.EDI_LEAD: "EDI lead",
    Role.ACTION_OWNER: "action owner",
    Role.SPONSOR: "senior sponsor",
    Role.VIEWER: "viewer",
}


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def demo_logins() -> list[DemoLogin]:
    """Return the demo accounts with a description of their roles."""
    names = {slug: name for name, slug, _ in ORGANISATIONS}
    logins = []
    for email, name, is_admin, roles, group_names in PEOPLE:
        described = ["administrator"] if is_admin else []
        described += [f"{ROLE_WORDS[r]}, {names[s]}" for s, r in roles]
        described += [f"advisor, {g}" for g in group_names]
        logins.append(DemoLogin(email=email, name=name, role="; ".join(described)))
    return [*logins, DemoLogin(*PROGRAMME_LEAD, "programme lead (every council's status, the "
                                                "national report)")]


def load_demo(*, today: date | None = None) -> None:
    """Create the demo organisations, people, groups and cycles where they are missing."""
    orgs = {
        slug: _get_or_create(Organisation, {"slug": slug}, name=name, ons_code=ons,
                             kind=OrganisationKind.LOCAL_AUTHORITY)
        for name, slug, ons in ORGANISATIONS
    }
    groups = {
        short: _get_or_create(AdvisoryGroup, {"short_name": short}, name=name)
        for name, short, _ in GROUPS
    }
    for _, short, shared in GROUPS:
        for slug in shared:
            _get_or_create(AdvisoryGroupShare,
                           {"group_id": groups[short].id, "organisation_id": orgs[slug].id})
    for email, name, is_admin, roles, group_names in PEOPLE:
        user = db.session.scalar(select(User).where(User.email_key == email_key(email)))
        if user is None:
            user = User(email=email, name=name, is_admin=is_admin,
                        password_hash=hash_password(DEMO_PASSWORD))
            db.session.add(user)
            db.session.flush()
        for slug, role in roles:
            _get_or_create(Membership, {"user_id": user.id, "organisation_id": orgs[slug].id,
                                        "role": role})
        for short in group_names:
            _get_or_create(AdvisoryGroupMember, {"group_id": groups[short].id, "user_id": user.id})
    cycles = {
        slug: _get_or_create(ReportingCycle, {"organisation_id": org.id, "label": "2024-25"},
                             period_start=date(2024, 4, 1), period_end=date(2025, 3, 31),
                             snapshot_date=date(2025, 3, 31))
        for slug, org in orgs.items()
    }
    northshire = cycles["northshire"]
    _load_demo_figures()
    _load_demo_plan(northshire, today or date.today())
    _load_demo_history(today or date.today())
    _load_demo_conversation(today or date.today())
    _load_demo_commitments()
    load_national_demo(password=DEMO_PASSWORD)


def _person(email_key: str) -> User:
    """Return one of the demo's people (load_demo made them)."""
    return db.session.execute(select(User).where(User.email_key == email_key)).scalar_one()


def _load_demo_figures() -> None:
    """Give each of Northshire's cycles, oldest first, the figures of its own generated
    extracts, loaded as its EDI lead would upload them (where it has none yet)."""
    from tracker.demo.extracts import NORTHSHIRE, demo_extracts, load_extracts
    from tracker.demo.history import earlier_cycles
    from tracker.services.access import organisation_access

    lead = _person(demo_plan.OWNERS["lead"])
    access = organisation_access(user=lead, slug="northshire")
    cycles = {c.label: c for c in earlier_cycles(org=access.organisation)}
    cycles["2024-25"] = db.session.execute(select(ReportingCycle).filter_by(
        organisation_id=access.organisation.id, label="2024-25")).scalar_one()
    for label in NORTHSHIRE:
        cycle = cycles[label]
        if db.session.scalar(select(IndicatorDataset.id).filter_by(cycle_id=cycle.id)) is None:
            load_extracts(actor=lead, access=access, cycle=cycle,
                          extracts=demo_extracts(slug="northshire", label=label))


def _load_demo_history(today: date) -> None:
    """Give Northshire two earlier cycles, carried actions and a signed review."""
    from tracker.demo.history import load_history
    from tracker.services.access import organisation_access

    lead = _person(demo_plan.OWNERS["lead"])
    owners = {key: _person(email) for key, email in demo_plan.OWNERS.items()}
    access = organisation_access(user=lead, slug="northshire")
    load_history(org=access.organisation, owners=owners, lead_access=access, today=today)


def _load_demo_commitments() -> None:
    """Give Northshire its four commitments, with goals and indicator targets."""
    from tracker.demo.commitments import load_commitments
    from tracker.services.access import organisation_access

    lead = _person(demo_plan.OWNERS["lead"])
    load_commitments(access=organisation_access(user=lead, slug="northshire"), lead=lead)


def _load_demo_plan(cycle: ReportingCycle, today: date) -> None:
    """Give Northshire's cycle a plan of a few dozen actions, unless it has actions already."""
    from tracker.services import actions as action_service
    from tracker.services import plans as plan_service
    from tracker.services.access import organisation_access

    lead = _person(demo_plan.OWNERS["lead"])
    access = organisation_access(user=lead, slug="northshire")
    plan = plan_service.get_plan(access=access, cycle=cycle)
    if db.session.scalar(select(func.count(Action.id)).where(Action.plan_id == plan.id)):
        return
    themes = plan_service.themes(plan=plan)
    owners = {key: _person(email) for key, email in demo_plan.OWNERS.items()}
    start = today - timedelta(days=240)
    for theme, title, owner, role, months, status, indicators, measure, notes in demo_plan.ACTIONS:
        due = today + timedelta(days=30 * months + (5 if months > 0 else -5))
        action = Action(plan_id=plan.id, theme_id=themes[theme].id, title=title,
                        owner_id=owners[owner].id, lead_role=role, start_date=start,
                        due_date=due, status=ActionStatus(status), success_measure=measure,
                        last_activity_on=start, description=f"{title}.")
        db.session.add(action)
        db.session.flush()
        for ref in indicators:
            indicator, area = ref.split()
            action_service.link_indicator(actor=lead, access=access, plan=plan, action=action,
                                          indicator=indicator, service_area=area)
        for days_ago, note, new_status in notes:
            update = ProgressUpdate(action_id=action.id, author_id=owners[owner].id,
                                    occurred_on=today - timedelta(days=days_ago), note=note,
                                    new_status=ActionStatus(new_status) if new_status else None)
            db.session.add(update)
            action.last_activity_on = max(action.last_activity_on, update.occurred_on)
    db.session.flush()


def database_is_empty() -> bool:
    """Return whether no organisation or account exists yet."""
    return (db.session.scalar(select(func.count(User.id))) == 0
            and db.session.scalar(select(func.count(Organisation.id))) == 0)


def _load_demo_conversation(today: date) -> None:
    """Add advisors' comments, an answered "you said, we did" and notifications."""
    from tracker.demo.conversation import load_conversation

    load_conversation(today=today)
