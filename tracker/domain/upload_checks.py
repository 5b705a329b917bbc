"""Which uploads are checked in the background, and the states such a check goes through.

An upload whose files are large (``UPLOAD_BACKGROUND_MB`` together, or a CSV of more than
``UPLOAD_BACKGROUND_ROWS`` lines) is read and checked by a job, never inside the request: the
request keeps the files and the person watches a progress page that turns into the preview.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from tracker.domain.tabular import OLE_MAGIC, XLSX_MAGIC


class CheckStatus(enum.StrEnum):
    """Where a background check of an upload stands."""

    QUEUED = "queued"          # waiting for the job to start
    READING = "reading"        # the job is reading and checking the files
    DONE = "done"              # the figures are ready: the preview shows them
    MAPPING = "mapping"        # columns or labels must be chosen on the mapping page
    FAILED = "failed"          # the files have problems (listed), or could not be checked

    @property
    def waiting(self) -> bool:
        return self in (CheckStatus.QUEUED, CheckStatus.READING)


def in_background(uploads: Mapping[str, tuple[bytes, str]], *, most_bytes: int,
                  most_rows: int) -> bool:
    """Say whether an upload is large enough to be checked by a job: its files hold more than
    ``most_bytes`` together, or a text file more than ``most_rows`` lines (a workbook's rows
    are only known once it is read, so its size stands for them)."""
    if sum(len(data) for data, _ in uploads.values()) > most_bytes:
        return True
    return any(not data.startswith((XLSX_MAGIC, OLE_MAGIC)) and data.count(b"\n") > most_rows
               for data, _ in uploads.values())
