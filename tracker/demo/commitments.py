"""The demo council's four commitments, their goals and a few indicator targets (idempotent)."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Commitment, User
from tracker.services import commitments as commitment_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput

Target = tuple[str, str, float, str, str]  # indicator, area, target, by, set in
Goal = tuple[str, list[str], list[Target]]  # the goal, its themes, its targets

COMMITMENTS: list[tuple[str, str, list[Goal]]] = [
    ("Zero tolerance of racism",
     "Racism from anyone, the public included, is named, reported and acted on.",
     [("Every team knows how to report racist abuse from the public, and every report is "
       "followed up within ten working days.", ["Anti-racism", "Bullying and harassment"],
       [("SCW6", "all", 1.0, "2026-27", "2022-23")]),
      ("Managers challenge racism between colleagues and are supported to do so.",
       ["Anti-racism", "Leadership"], [])]),
    ("Inclusive recruitment",
     "Global majority applicants are as likely to be appointed once shortlisted as white "
     "applicants.",
     [("Shortlisting is anonymous and every interview panel is diverse.",
       ["Workforce diversity and recruitment"],
       [("SCW2", "all", 0.8, "2026-27", "2022-23")])]),
    ("Removing barriers to progression",
     "Global majority staff progress, are developed and are treated fairly in formal "
     "processes.",
     [("Fewer global majority staff enter the formal disciplinary process, with every case "
       "reviewed before it starts.", ["Disciplinaries and fitness to practise"],
       [("SCW3", "all", 1.25, "2026-27", "2022-23")]),
      ("More global majority staff reach senior roles through the aspiring managers "
       "programme.", ["Leadership"], [])]),
    ("Allyship",
     "Senior leaders and white colleagues act as allies and sponsors.",
     [("Every director sponsors a reverse mentoring pair each year.",
       ["Leadership", "Governance and accountability"], [])]),
]


def load_commitments(*, access: OrgAccess, lead: User) -> None:
    """Give the organisation the demo's commitments, unless it has some already."""
    if db.session.scalar(select(func.count(Commitment.id)).where(
            Commitment.organisation_id == access.organisation.id)):
        return
    for title, description, goals in COMMITMENTS:
        commitment = commitment_service.add_commitment(actor=lead, access=access, title=title,
                                                       description=description)
        for text, themes, targets in goals:
            goal = commitment_service.add_goal(actor=lead, access=access, commitment=commitment,
                                               text=text, themes=themes)
            for indicator, area, value, by, set_in in targets:
                try:
                    commitment_service.add_target(
                        actor=lead, access=access, goal=goal, indicator=indicator,
                        service_area=area, target=value, by_cycle=by, baseline_cycle=set_in)
                except InvalidInput:  # the demo's figures of that cycle have no such figure
                    continue
