"""An organisation's commitments, their goals and the indicator targets of each goal."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.indicators import JSONType

if TYPE_CHECKING:
    from tracker.models.organisation import ReportingCycle


class Commitment(Base):
    """A public promise of the organisation (zero tolerance of racism, inclusive recruitment...),
    across its cycles, in the order the EDI lead gives them."""

    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("organisation_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goals: Mapped[list[CommitmentGoal]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan",
        order_by="(CommitmentGoal.position, CommitmentGoal.id)")


class CommitmentGoal(Base):
    """One goal of a commitment, part of one or more of the plan's themes.

    The themes are kept by name: a plan's themes are its cycle's, carried into the next cycle
    by name, while a goal lasts across the cycles.
    """

    __tablename__ = "commitment_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    themes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitment: Mapped[Commitment] = relationship(back_populates="goals")
    targets: Mapped[list[IndicatorTarget]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="IndicatorTarget.id")


class IndicatorTarget(Base):
    """A relative likelihood a goal aims to reach by a cycle, from the figure of the cycle it
    was set in (its baseline, kept as it was then, like an action's "data as at")."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("goal_id", "indicator", "service_area"),
                      CheckConstraint("target_rl > 0", name="target_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("commitment_goals.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(8))
    service_area: Mapped[str] = mapped_column(String(10))
    target_rl: Mapped[float] = mapped_column(Float)
    #: The cycle by which it should be reached (a label: that cycle need not exist yet).
    by_cycle: Mapped[str] = mapped_column(String(20))
    baseline_cycle_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_cycles.id", ondelete="CASCADE"), index=True)
    baseline_rl: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goal: Mapped[CommitmentGoal] = relationship(back_populates="targets")
    baseline_cycle: Mapped[ReportingCycle] = relationship()
