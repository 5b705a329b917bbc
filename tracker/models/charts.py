"""Charts drawn once and kept: an SVG under the hash of everything that went into drawing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, utcnow


class ChartImage(Base):
    """A drawn chart, content-addressed: the same figures (and drawing code) give the same key,
    so an image is never out of date; changed figures simply give another key."""

    __tablename__ = "chart_images"

    #: sha256 (hex) of the drawing code's version, the chart's kind and its inputs.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    svg: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
