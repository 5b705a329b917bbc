"""Work done outside requests: `enqueue(task, **ids)` in the caller's transaction, run later.

A task is a plain service function taking ids as keyword arguments, registered by name with
`@task("send_email")`; `@task("daily_emails", cron_setting="REMINDERS_CRON")` also runs it at the
times that setting gives (cron syntax, UTC), with `timestamp`, the Unix time it was due. A task
flushes like any service; the job commits once when it returns and rolls back if it raises, as
a request does (`commit()` commits early, for a task that must record something before slow
work such as talking to an SMTP server).

`enqueue` records the job in the caller's transaction: the job exists if and only if the change
that wanted it is committed, and a rolled-back request leaves none. Who runs it is JOBS_RUNNER:

- "procrastinate" (the default on PostgreSQL): the job is a row in procrastinate's tables,
  written on the request's own connection; `flask tracker worker` runs the jobs (as many
  workers as wanted, on any host) and defers the periodic tasks.
- "thread" (the default on SQLite, the embedded database): once the request has committed, a
  background thread of the same process runs the job, so the answer never waits for it.
  Outside a request (the command line, a job) the job runs at once, after the commit.
- "immediate": once the caller has committed, in the same thread (the test suite).

Periodic tasks run only under procrastinate; elsewhere cron runs their commands (README).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_request_context
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event, make_url

from tracker.extensions import db

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger(__name__)

RUNNERS = ("procrastinate", "thread", "immediate")
QUEUE_TABLE_PREFIX = "procrastinate_"
_PENDING = "tracker.jobs.pending"
_RUNNING: ContextVar[str | None] = ContextVar("tracker_job", default=None)
_READING: ContextVar[bool] = ContextVar("tracker_job_reading", default=False)


@dataclass(frozen=True)
class Task:
    name: str
    function: Callable[..., None]
    cron_setting: str | None = None


_TASKS: dict[str, Task] = {}


def task(name: str, *, cron_setting: str | None = None):
    """Register a service function as the task `name` (periodic with `cron_setting`)."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        known = _TASKS.get(name)
        if known is not None and known.function is not function:
            raise ValueError(f"two tasks are named {name!r}")
        _TASKS[name] = Task(name, function, cron_setting)
        return function

    return register


def tasks() -> dict[str, Task]:
    """Return the registered tasks by name."""
    return dict(_TASKS)


def enqueue(task: str, **ids: int) -> None:
    """Record that `task(**ids)` must run once the caller's transaction commits."""
    if task not in _TASKS:
        raise LookupError(f"there is no task named {task!r}")
    current_app.extensions["jobs"].enqueue(task, ids)


def commit() -> None:
    """Inside a task: commit what it did so far (the job commits the rest when it returns)."""
    db.session.commit()


def running() -> str | None:
    """The name of the job running in this thread, if any (a job may write: on SQLite its
    transactions take the write lock as they begin, as a writing request's do)."""
    return _RUNNING.get()


def may_write() -> bool:
    """Whether this thread runs a job that may write now (not inside `reading_only`)."""
    return bool(_RUNNING.get()) and not _READING.get()


@contextmanager
def reading_only() -> Iterator[None]:
    """Inside a job: the work in the block only reads (the layout of a long document, say).

    Its transaction is a plain one, so on SQLite it does not hold the database's write lock
    while it works (writing requests go on meanwhile), and it is ended when the block ends:
    commit what the job wrote before the block, and write what it found after it.
    """
    db.session.commit()
    token = _READING.set(True)
    try:
        yield
    finally:
        db.session.rollback()  # nothing in it to keep: it only read
        _READING.reset(token)


def is_queue_table(name: str) -> bool:
    """Whether a table belongs to the job queue (procrastinate's), not to the models."""
    return name.startswith(QUEUE_TABLE_PREFIX)


def init_app(app: Flask) -> None:
    runner = app.config.get("JOBS_RUNNER")
    if runner is not None and runner not in RUNNERS:
        raise ValueError(f"JOBS_RUNNER must be one of {', '.join(RUNNERS)}, not {runner!r}")
    app.extensions["jobs"] = JobQueue(app)


class JobQueue:
    """One application's way of recording and running jobs (app.extensions["jobs"])."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._procrastinate: procrastinate.App | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None
        self._inbox: queue.Queue[tuple[str, dict[str, int]]] = queue.Queue()

    @property
    def runner(self) -> str:
        chosen = self.app.config.get("JOBS_RUNNER")
        if chosen:
            return chosen
        return "procrastinate" if self.on_postgresql else "thread"

    @property
    def on_postgresql(self) -> bool:
        return self.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")

    # Recording ------------------------------------------------------------------------------------

    def enqueue(self, task: str, ids: dict[str, int]) -> None:
        if self.runner == "procrastinate":
            # On the session's own connection, inside its transaction: committed with it.
            connection = db.session.connection().connection.driver_connection
            self.procrastinate().configure_task(name=task, connection=connection).defer(**ids)
        else:
            db.session.info.setdefault(_PENDING, []).append((task, dict(ids)))

    def release(self, pending: list[tuple[str, dict[str, int]]]) -> None:
        """Run (or hand to the thread) the jobs of a transaction that has just committed."""
        if self.runner == "thread" and has_request_context():
            self._start_thread()
            for job in pending:
                self._inbox.put(job)
            return
        for name, ids in pending:
            self.run(name, ids, reraise=self.runner == "immediate")

    # Running --------------------------------------------------------------------------------------

    def run(self, name: str, ids: dict, *, reraise: bool) -> None:
        """Run one job in an application context and session of its own; commit or roll back."""
        token = _RUNNING.set(name)
        try:
            self._run_in_context(name, ids, reraise=reraise)
        finally:
            _RUNNING.reset(token)

    def _run_in_context(self, name: str, ids: dict, *, reraise: bool) -> None:
        with self.app.app_context():
            try:
                _TASKS[name].function(**ids)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("The job %s(%s) failed", name, ids)
                if reraise:
                    raise
            finally:
                db.session.remove()

    def _start_thread(self) -> None:
        with self._lock:
            if self._thread_pid != os.getpid():  # a forked worker process starts its own
                self._inbox = queue.Queue()
                self._thread = None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="tracker-jobs",
                                                daemon=True)
                self._thread_pid = os.getpid()
                self._thread.start()

    def _work(self) -> None:
        while True:
            name, ids = self._inbox.get()
            try:
                self.run(name, ids, reraise=False)
            finally:
                self._inbox.task_done()

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until the thread has run every job handed to it; False if it had not in time."""
        deadline = time.monotonic() + timeout
        with self._inbox.all_tasks_done:
            while self._inbox.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._inbox.all_tasks_done.wait(remaining)
        return True

    # Procrastinate --------------------------------------------------------------------------------

    def procrastinate(self) -> procrastinate.App:
        """The procrastinate application: every registered task, wrapped to run as a job."""
        import procrastinate

        with self._lock:
            if self._procrastinate is None:
                url = make_url(self.app.config["SQLALCHEMY_DATABASE_URI"]).set(
                    drivername="postgresql")
                self._procrastinate = procrastinate.App(connector=procrastinate.PsycopgConnector(
                    conninfo=url.render_as_string(hide_password=False)))
            queue_app = self._procrastinate
            for registered in _TASKS.values():  # also those imported since the last call
                if registered.name in queue_app.tasks:
                    continue
                job = queue_app.task(name=registered.name, pass_context=False)(
                    self._job_function(registered.name))
                if registered.cron_setting:
                    queue_app.periodic(cron=self.app.config[registered.cron_setting])(job)
            return queue_app

    def _job_function(self, name: str) -> Callable[..., None]:
        def job(**ids) -> None:
            self.run(name, ids, reraise=True)  # a failed job is marked failed by procrastinate

        job.__name__ = job.__qualname__ = name
        return job

    def work(self, *, wait: bool) -> None:
        """Run procrastinate's worker: until stopped (SIGINT, SIGTERM), or until idle."""
        if self.runner != "procrastinate":
            raise RuntimeError("the worker runs the jobs of procrastinate (PostgreSQL)")
        self.procrastinate().run_worker(
            wait=wait, concurrency=self.app.config["JOBS_CONCURRENCY"],
            install_signal_handlers=wait, listen_notify=wait, delete_jobs="successful")


@event.listens_for(AppSession, "after_commit")
def _after_commit(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        current_app.extensions["jobs"].release(pending)


@event.listens_for(AppSession, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
