"""Demo history for Northshire: 2022-23 and 2023-24 cycles (their figures come from
tracker/demo/extracts.py), plans, carried actions, a signed annual review, and the national
reference figures (docs/domain.md section 7)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tracker.domain.plans import ActionStatus
from tracker.extensions import db
from tracker.models import Action, ActionPlan, AnnualReview, ProgressUpdate, ReportingCycle, User, utcnow
from tracker.models.reviews import NationalFigure, ReviewNarrative
from tracker.services import actions as action_service
from tracker.services import plans as plan_service
from tracker.services.access import OrgAccess
from tracker.services.audit import record_event

NATIONAL = [  # (year, indicator, band, value, authorities, note)
    ("2023", "SCW2", "", 0.5, 23, ""), ("2023", "SCW3", "", 1.4, 23, ""),
    ("2023", "SCW4", "", 2.1, 23, ""), ("2023", "SCW5", "", 1.0, 23, ""),
    ("2023", "SCW6", "", 1.2, 23, ""), ("2023", "SCW7a", "", 1.3, 23, ""),
    ("2023", "SCW7b", "", 1.9, 23, ""), ("2023", "SCW8", "", 1.1, 23, ""),
    ("2024", "SCW2", "", 0.52, 73, "48% less likely"), ("2024", "SCW3", "", 1.37, 73, ""),
    ("2024", "SCW4", "", 1.08, 73, ""), ("2024", "SCW8", "", 1.21, 73, ""),
    ("2024", "SCW9", "", 0.55, 73, "45% less likely"),
    ("2024", "SCW1", "<30k", 0.18, 73, ""), ("2024", "SCW1", "30-69k", 0.22, 73, ""),
    ("2024", "SCW1", "70k+", 0.14, 73, ""),
]

PLANS = {  # title, theme index, owner key, status, months before the cycle ends it was due
    "2022-23": [
        ("Collect SC-WRES data for the first time", 1, "lead", "complete", 2),
        ("Diverse interview panels for posts at team manager and above", 2, "hr", "carry", 0),
    ],
    "2023-24": [
        ("Publish the first SC-WRES report", 0, "lead", "complete", 3),
        ("Train recruiting panel chairs", 2, "hr", "complete", 4),
        ("Staff survey with the harassment questions", 1, "owner", "complete", 5),
        ("Race equality champions in every team", 4, "psw", "left", 1),
        ("Diverse interview panels for posts at team manager and above", 2, "hr", "carry", 0),
        ("Mandatory EDI training for all managers", 3, "owner", "carry", 0),
    ],
}


def load_history(*, org, owners: dict[str, User], lead_access: OrgAccess, today: date) -> None:
    """Add the earlier cycles, once."""
    for year, indicator, band, value, authorities, note in NATIONAL:
        if db.session.scalar(select(NationalFigure.id).filter_by(
                year=year, indicator=indicator, band=band)) is None:
            db.session.add(NationalFigure(year=year, indicator=indicator, band=band, value=value,
                                          authorities=authorities, note=note))
    earlier = earlier_cycles(org=org)
    if db.session.scalar(select(Action.id).join(ActionPlan).where(
            ActionPlan.cycle_id == earlier[0].id).limit(1)):
        return
    previous: dict[str, Action] = {}
    for cycle in earlier:
        previous = _plan(cycle, lead_access, owners, previous)
    current = db.session.execute(select(ReportingCycle).filter_by(organisation_id=org.id,
                                                                  label="2024-25")).scalar_one()
    current_plan = db.session.execute(select(ActionPlan).filter_by(cycle_id=current.id)).scalar_one()
    for title, original in previous.items():
        carried = db.session.scalar(select(Action).filter_by(plan_id=current_plan.id, title=title))
        if carried is not None:
            carried.carried_from_id = original.id
            _record_carry(lead_access, original, carried, "2024-25")
    _reviews(org, owners)
    db.session.flush()


def earlier_cycles(*, org) -> list[ReportingCycle]:
    """Return Northshire's 2022-23 and 2023-24 cycles, made where they are missing."""
    cycles = []
    for label, first in (("2022-23", 2022), ("2023-24", 2023)):
        cycle = db.session.scalar(select(ReportingCycle).filter_by(organisation_id=org.id,
                                                                   label=label))
        if cycle is None:
            cycle = ReportingCycle(organisation_id=org.id, label=label,
                                   period_start=date(first, 4, 1),
                                   period_end=date(first + 1, 3, 31),
                                   snapshot_date=date(first + 1, 3, 31))
            db.session.add(cycle)
            db.session.flush()
        cycles.append(cycle)
    return cycles


def _plan(cycle: ReportingCycle, access: OrgAccess, owners: dict[str, User],
          carried_in: dict[str, Action]) -> dict[str, Action]:
    plan = plan_service.get_plan(access=access, cycle=cycle)
    themes = plan_service.themes(plan=plan)
    carried_out: dict[str, Action] = {}
    for title, theme, owner, outcome, months in PLANS[cycle.label]:
        status = {"complete": ActionStatus.COMPLETE, "carry": ActionStatus.CARRIED_OVER,
                  "left": ActionStatus.ON_TRACK}[outcome]
        due = cycle.period_end - timedelta(days=30 * months)
        origin = carried_in.get(title)
        action = Action(plan_id=plan.id, theme_id=themes[theme].id, title=title,
                        description=f"{title}.", owner_id=owners[owner].id,
                        start_date=cycle.period_start, due_date=due, status=status,
                        last_activity_on=due, success_measure="Done and reported",
                        carried_from_id=carried_in[title].id if title in carried_in else None,
                        left_behind_reason="Replaced by the allyship network"
                        if outcome == "left" else None)
        db.session.add(action)
        db.session.flush()
        if origin is not None:
            _record_carry(access, origin, action, cycle.label)
        if outcome == "complete":
            db.session.add(ProgressUpdate(action_id=action.id, author_id=owners[owner].id,
                                          occurred_on=due - timedelta(days=10),
                                          note="Finished and reported to the leadership team",
                                          new_status=ActionStatus.COMPLETE))
        if outcome == "carry":
            carried_out[title] = action
        indicator = {2: "SCW2", 3: "SCW7b", 1: "SCW1", 0: "SCW9", 4: "SCW7a"}[theme]
        action_service.link_indicator(actor=access_user(access), access=access, plan=plan,
                                      action=action, indicator=indicator, service_area="all")
    return carried_out


def _record_carry(access: OrgAccess, original: Action, copy: Action, to_label: str) -> None:
    actor = access_user(access)
    record_event(actor=actor, action="carried_over", entity_type="action", entity_id=original.id,
                 organisation=access.organisation, after={"to": to_label, "new_action": copy.id})
    record_event(actor=actor, action="carried_in", entity_type="action", entity_id=copy.id,
                 organisation=access.organisation, after={"from_action": original.id})


def access_user(_access: OrgAccess) -> User:
    """Return the EDI lead the demo acts as."""
    return db.session.execute(
        select(User).where(User.email_key == "edi.lead@northshire.example.org")).scalar_one()


def _reviews(org, owners: dict[str, User]) -> None:
    cycles = {c.label: c for c in db.session.scalars(
        select(ReportingCycle).filter_by(organisation_id=org.id))}
    signed = AnnualReview(
        cycle_id=cycles["2023-24"].id, signed_by_id=owners["sponsor"].id,
        signer_name=owners["sponsor"].name, signer_role="Director of Adult Social Services",
        signed_at=utcnow() - timedelta(days=200),
        summary="Leaving moved towards parity after exit interviews were followed up, and "
                "the recruiting panel chairs are trained, but appointment from shortlisting "
                "has not moved yet and global majority staff remain far more likely to enter "
                "the formal disciplinary process. Two actions carry into 2024-25.")
    signed.narratives = [
        ReviewNarrative(indicator="SCW2", service_area="adults",
                        what_we_did="Trained recruiting panel chairs.",
                        what_changed="No clear change: the intervals overlap.",
                        next_steps="Anonymous shortlisting and diverse panels for all manager "
                                   "posts."),
        ReviewNarrative(indicator="SCW3", service_area="adults",
                        what_we_did="Nothing specific yet.",
                        what_changed="Still about three times as likely.",
                        next_steps="A checkpoint before the formal process."),
        ReviewNarrative(indicator="SCW8", service_area="adults",
                        what_we_did="Followed up every exit interview with the leaver's "
                                    "service manager.",
                        what_changed="Towards parity: the intervals no longer overlap.",
                        next_steps="Keep it going and watch children's services."),
    ]
    db.session.add(signed)
    db.session.add(AnnualReview(cycle_id=cycles["2024-25"].id,
                                summary="Draft: appointment from shortlisting moved towards parity "
                                        "with anonymous shortlisting; the staff survey shows "
                                        "harassment from managers rising."))
