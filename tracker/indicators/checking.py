"""The ``check_upload`` job: read and check a large upload outside any request.

It reads the files holding no write lock (``jobs.reading_only``: on SQLite seconds of reading
must not hold the database's write lock), then writes what it found: the preview, the mapping
page's turn, or every problem (tracker/services/upload_checks.py).
"""

from __future__ import annotations

import logging

from flask import current_app

from tracker import jobs
from tracker.services import upload_checks

log = logging.getLogger(__name__)


@jobs.task("check_upload")
def check_upload(*, check_id: int, request_number: int) -> None:
    """The job: read, check and count a held upload, and keep what it came to."""
    work = upload_checks.begin(check_id=check_id, request_number=request_number)
    if work is None:
        return  # replaced by a later upload, done already, or no longer allowed (said)
    try:
        with jobs.reading_only():  # the page says "reading" from here on
            outcome = upload_checks.read_files(
                work, extra_mapping=current_app.extensions.get("ethnicity_mapping"))
    except Exception as failure:  # anything else that stops the check: said on the page, logged
        log.exception("The upload check %s could not be made", check_id)
        upload_checks.failed(check_id=check_id, request_number=request_number,
                             error=f"The files could not be checked ({type(failure).__name__}). "
                                   "Upload them again; if it fails again, tell your "
                                   "administrator")
        return
    upload_checks.finish(check_id=check_id, request_number=request_number, work=work,
                         outcome=outcome)
