"""Year-on-year review: national reference figures, the annual review, narratives, amendments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.user import User


class NationalFigure(Base):
    """A national reference figure (docs/domain.md section 7), e.g. SCW2 in 2024: 0.52."""

    __tablename__ = "national_figures"
    __table_args__ = (UniqueConstraint("year", "indicator", "band"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[str] = mapped_column(String(10))           # the national report's year, "2024"
    indicator: Mapped[str] = mapped_column(String(8))
    band: Mapped[str] = mapped_column(String(60), default="")  # SCW1 only: the pay band
    value: Mapped[float] = mapped_column(Float)              # an RL, or for SCW1 a GM share
    authorities: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnnualReview(Base):
    """A cycle's annual review: per-indicator narratives, a summary, and the sponsor's sign-off."""

    __tablename__ = "annual_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id", ondelete="CASCADE"),
                                          unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_role: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    narratives: Mapped[list[ReviewNarrative]] = relationship(
        back_populates="review", cascade="all, delete-orphan")
    amendments: Mapped[list[ReviewAmendment]] = relationship(
        back_populates="review", cascade="all, delete-orphan",
        order_by="ReviewAmendment.created_at")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ReviewNarrative(Base):
    """What we did, what changed and what we will do next, for one indicator and service area."""

    __tablename__ = "review_narratives"
    __table_args__ = (UniqueConstraint("review_id", "indicator", "service_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("annual_reviews.id", ondelete="CASCADE"),
                                           index=True)
    indicator: Mapped[str] = mapped_column(String(8))
    service_area: Mapped[str] = mapped_column(String(10))
    what_we_did: Mapped[str] = mapped_column(Text, default="")
    what_changed: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[AnnualReview] = relationship(back_populates="narratives")


class ReviewAmendment(Base):
    """A dated amendment to a signed-off review; the signed text stays as it was."""

    __tablename__ = "review_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("annual_reviews.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[AnnualReview] = relationship(back_populates="amendments")
    author: Mapped[User | None] = relationship()
