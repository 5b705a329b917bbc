"""Roles and what each may do: the single place the permission table lives."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """A member's role in one organisation (docs/domain.md section 2)."""

    EDI_LEAD = "edi_lead"
    ACTION_OWNER = "action_owner"
    SPONSOR = "sponsor"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.EDI_LEAD: "EDI lead",
    Role.ACTION_OWNER: "Action owner",
    Role.SPONSOR: "Senior sponsor",
    Role.VIEWER: "Viewer",
}


class Capability(enum.StrEnum):
    """Something a user may do inside an organisation."""

    READ = "read"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_CYCLES = "manage_cycles"
    MANAGE_DATA = "manage_data"
    COMMENT = "comment"
    SIGN_OFF = "sign_off"
    EDIT_PLAN = "edit_plan"


ADVISOR = "advisor"
"""Not a membership role: a member of an advisory group the organisation shares with."""

CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.EDI_LEAD: frozenset(
        {
            Capability.READ,
            Capability.MANAGE_MEMBERS,
            Capability.MANAGE_CYCLES,
            Capability.MANAGE_DATA,
            Capability.EDIT_PLAN,
            Capability.COMMENT,
        }
    ),
    Role.ACTION_OWNER: frozenset({Capability.READ, Capability.COMMENT}),
    Role.SPONSOR: frozenset({Capability.READ, Capability.COMMENT, Capability.SIGN_OFF}),
    Role.VIEWER: frozenset({Capability.READ}),
    ADVISOR: frozenset({Capability.READ, Capability.COMMENT}),
}


def capabilities_of(roles: set[str]) -> frozenset[Capability]:
    """Return everything the given roles (membership roles and/or advisor) allow together."""
    allowed: set[Capability] = set()
    for role in roles:
        allowed |= CAPABILITIES.get(role, frozenset())
    return frozenset(allowed)
