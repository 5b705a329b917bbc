"""Action plans: themes, actions linked to indicator results, progress, reflections, sign-off."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.plans import ActionStatus
from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.indicators import JSONType
from tracker.models.organisation import _enum

if TYPE_CHECKING:
    from tracker.models.organisation import ReportingCycle
    from tracker.models.user import User


class ActionPlan(Base):
    """One organisation's plan for one reporting cycle."""

    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_cycles.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cycle: Mapped[ReportingCycle] = relationship()
    themes: Mapped[list[PlanTheme]] = relationship(
        back_populates="plan", order_by="PlanTheme.position", cascade="all, delete-orphan"
    )


class PlanTheme(Base):
    """A theme that groups actions; retiring one keeps its actions."""

    __tablename__ = "plan_themes"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[ActionPlan] = relationship(back_populates="themes")


class Action(Base):
    """One action of a plan, with its owner, dates, status, measure and version."""

    __tablename__ = "actions"
    __table_args__ = (
        # A plan's actions, with what the plans' tallies count (status, draft, due date, last
        # activity, theme), so PostgreSQL counts a hundred councils' plans from the index
        # alone (migration 0031). SQLite has no INCLUDE: its index is on plan_id as before.
        Index("ix_actions_plan_id", "plan_id",
              postgresql_include=["is_draft", "status", "due_date", "last_activity_on",
                                  "theme_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("plan_themes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    lead_role: Mapped[str] = mapped_column(String(200), default="")
    partners: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        _enum(ActionStatus, "action_status"), default=ActionStatus.NOT_STARTED)
    success_measure: Mapped[str] = mapped_column(Text, default="")
    measure_unit: Mapped[str] = mapped_column(String(200), default="")
    measure_baseline: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    measure_target: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    measure_current: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    reflection_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflections.id", ondelete="SET NULL"))
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions.id", ondelete="SET NULL"), index=True)
    # Why an open action was not carried into the next cycle, when it was left behind.
    left_behind_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_on: Mapped[date] = mapped_column(Date)

    theme: Mapped[PlanTheme] = relationship()
    owner: Mapped[User | None] = relationship()
    links: Mapped[list[ActionIndicatorLink]] = relationship(
        back_populates="action", cascade="all, delete-orphan",
        order_by="ActionIndicatorLink.id")
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="action", cascade="all, delete-orphan",
        order_by="(ProgressUpdate.occurred_on.desc(), ProgressUpdate.id.desc())")

    __mapper_args__ = {"version_id_col": version}


class ActionIndicatorLink(Base):
    """An action aimed at an indicator result, with the value when it was linked ("data as at")."""

    __tablename__ = "action_indicator_links"
    __table_args__ = (UniqueConstraint("action_id", "indicator", "service_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"),
                                           index=True)
    indicator: Mapped[str] = mapped_column(String(8))
    service_area: Mapped[str] = mapped_column(String(10))
    baseline_rl: Mapped[float | None] = mapped_column(Float)
    baseline_rating: Mapped[str | None] = mapped_column(String(10))
    baseline_status: Mapped[str] = mapped_column(String(20))
    data_as_at: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action: Mapped[Action] = relationship(back_populates="links")


class ProgressUpdate(Base):
    """A dated, append-only entry on an action's progress."""

    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Indexed for the weekly summary's updates of the week (migration 0019).
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text)
    new_status: Mapped[ActionStatus | None] = mapped_column(
        _enum(ActionStatus, "update_status"), nullable=True)
    measure_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    evidence_links: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action: Mapped[Action] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()


class Reflection(Base):
    """A team's 3 A's discussion: awareness, appreciation and actions to take."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    team: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    awareness: Mapped[str] = mapped_column(Text)
    appreciation: Mapped[str] = mapped_column(Text)
    actions_text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class PlanSignOff(Base):
    """A sponsor's sign-off, keeping the plan as it stood."""

    __tablename__ = "plan_sign_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_role: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    statement: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)


class PlanImportDraft(Base):
    """A plan spreadsheet checked and previewed, waiting for the EDI lead to confirm it.

    ``preview_digest`` fingerprints what the preview said would change: if the plan changed
    since, confirming shows the new preview instead of applying something nobody saw.
    """

    __tablename__ = "plan_import_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    preview_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanImport(Base):
    """A plan spreadsheet that was imported: which of its rows added which action.

    The same file imported again (a retried submission, a second tab) finds its new rows here,
    so they are the actions they added the first time, not new ones again.
    """

    __tablename__ = "plan_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"),
                                         index=True)
    # The sha256 of the file's bytes.
    file_digest: Mapped[str] = mapped_column(String(64))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The file's row number (as text: a JSON key) -> the id of the action that row added.
    added: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)


class LibraryEntry(Base):
    """An administrator's entry in the intervention library: a new intervention, or a change to
    (or the retirement of) one the tracker ships with, under the same key."""

    __tablename__ = "library_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    theme: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    indicators: Mapped[list[str]] = mapped_column(JSONType, default=list)
    success_measure: Mapped[str] = mapped_column(Text, default="")
    guidance_url: Mapped[str] = mapped_column(String(500), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
