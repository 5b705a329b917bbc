"""The documents the tracker prepares in the background: which there are, their states, and
whether one prepared earlier still says what the tracker says now (pure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from tracker.domain.formatting import LONDON


class DocumentKind(enum.StrEnum):
    BOARD_PACK = "board-pack"
    ANNUAL_REPORT = "sc-wres-report"

    @property
    def label(self) -> str:
        return {"board-pack": "board pack",
                "sc-wres-report": "council's SC-WRES report"}[self.value]


class DocumentStatus(enum.StrEnum):
    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"


#: The formats each kind is made in.
FORMATS: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.BOARD_PACK: ("pdf",),
    DocumentKind.ANNUAL_REPORT: ("docx", "pdf"),
}

FORMAT_WORDS = {"pdf": "PDF", "docx": "Word document (DOCX)"}


def parse(kind: str, fmt: str) -> tuple[DocumentKind, str] | None:
    """Return the kind and format named in an address, or None when there is no such document."""
    try:
        chosen = DocumentKind(kind)
    except ValueError:
        return None
    return (chosen, fmt) if fmt in FORMATS[chosen] else None


@dataclass(frozen=True)
class Freshness:
    current: bool
    reason: str = ""


def freshness(*, prepared_at: datetime, based_on: int, latest_change: int,
              today: date) -> Freshness:
    """Whether a document prepared at `prepared_at` still says what the tracker says.

    A document is dated the day it is prepared (what is overdue depends on the day), so one from
    an earlier day is out of date. Every change to an organisation is an audit event, numbered
    in order: `based_on` is the latest one when the document was read from the tracker, and
    `latest_change` the latest one now; a later one means the document may be out of date.
    """
    if prepared_at.astimezone(LONDON).date() != today:
        return Freshness(False, "it was prepared on an earlier day")
    if latest_change > based_on:
        return Freshness(False, "something in the tracker has changed since")
    return Freshness(True)


def file_size(size: int) -> str:
    """A file's size in words: 830 bytes, 245 KB, 1.2 MB."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{round(size / 1000)} KB"
    return f"{size / 1_000_000:.1f} MB"
