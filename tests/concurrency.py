"""Several real clients at once: threads, each with its own client and database connection.

Bounded in count (at most 8 threads) and in time (every call must finish within the timeout,
or the test fails rather than hangs). Used with the ``committed_db`` fixture, so each request
commits for real and the others see it, as under gunicorn.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD
from tests.helpers import sign_in

MAX_THREADS = 8
TIMEOUT_SECONDS = 90

T = TypeVar("T")


def signed_in_client(app: Flask, email: str) -> FlaskClient:
    """A plain client (not in step with the test's session: it runs in another thread)."""
    client = FlaskClient(app, app.response_class, use_cookies=True)
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302, f"could not sign in as {email}: {response.status_code}"
    return client


def together(calls: list[Callable[[], T]], timeout: float = TIMEOUT_SECONDS) -> list[T]:
    """Run the calls in threads released at the same moment; return their results in order."""
    assert 1 < len(calls) <= MAX_THREADS, "a concurrency test uses 2 to 8 threads"
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait(timeout)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]


def statuses(results) -> Counter:
    """Count the HTTP statuses of a list of responses (or of lists of them)."""
    flat = []
    for result in results:
        flat.extend(result if isinstance(result, list) else [result])
    return Counter(response.status_code for response in flat)
