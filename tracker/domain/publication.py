"""Publishing a cycle: what a public page may show, its states, and when it is live.

The EDI lead prepares a page (what to include: the indicator summary, the commitments with
their goals and targets, the plan by theme with statuses and progress; which actions stay
private); the content is frozen then, small numbers kept safe (``public_figures.safe_results``) and checked
(``disclosure.check_publication``). The senior sponsor approves exactly that content; it is
live from the approval, or from the embargo date if one is set, until it is withdrawn.
Internal comments are never part of it: a public page holds no comments at all.
"""

from __future__ import annotations

import enum
from datetime import date


class PublicationStatus(enum.StrEnum):
    PREPARED = "prepared"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_WORDS[self]


STATUS_WORDS = {
    PublicationStatus.PREPARED: "Prepared, waiting for the sponsor's approval",
    PublicationStatus.APPROVED: "Approved",
    PublicationStatus.WITHDRAWN: "Withdrawn",
}

#: What a public page can include, in the order it shows them.
PARTS = {
    "indicators": "The indicator summary (small numbers kept safe)",
    "commitments": "Our commitments, their goals and whether each target is on course",
    "plan": "The plan by theme, with each action's status and progress",
}


def is_live(*, status: str, embargo_until: date | None, today: date) -> bool:
    """An approved page is live from its embargo date (if any) until it is withdrawn."""
    return PublicationStatus(status) is PublicationStatus.APPROVED and (
        embargo_until is None or embargo_until <= today)
