"""Charts and files made once and kept: an SVG, or a file's bytes, under the hash of everything
that went into making it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
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


class KeptFile(Base):
    """A made file (a results workbook), content-addressed as a chart is: the same figures and
    the same writing code give the same key, so a kept file is never out of date."""

    __tablename__ = "kept_files"

    #: sha256 (hex) of the writing code's version, the file's kind and its inputs.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
