"""Requests that e-mail, with an SMTP server that accepts connections and never answers.

Serves the app under gunicorn on loopback (4 sync workers, the development configuration on a
throw-away SQLite database holding the demo) with MAIL_SERVER pointing at a stalled SMTP server
on 127.0.0.1: it accepts every connection and never says a word, as a mail relay does when it
hangs. Then 4 clients at once each post 3 comments mentioning someone (each mention e-mails them
at once, by default), while /health is timed. Prints each request's time, /health's slowest
answer, how many requests failed (500 or timeout), and what the outbox holds at the end.

    .venv/bin/python bench/stalled_smtp.py [--clients 4] [--comments 3] [--workers 4]

Everything goes to 127.0.0.1 only; the run is bounded (every request times out after 60 s) and
stops the server and the stalled SMTP listener at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-password-2026"
SPONSOR = "sponsor@northshire.example.org"
CYCLE = "/org/northshire/cycles/2024-25"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StalledSMTP:
    """Accept connections on loopback and never answer (not even the greeting)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


class Client:
    """A signed-in browser session (cookies and CSRF tokens) against the bench server."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()))
        self.post("/sign-in", {"email": email, "password": PASSWORD}, token_from="/sign-in")

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=60).read().decode()

    def post(self, path: str, data: dict[str, str], *, token_from: str) -> int:
        token = TOKEN.search(self.get(token_from)).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except TimeoutError:
            return 0


def _action_id(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT actions.id FROM actions JOIN action_plans ON action_plans.id = actions.plan_id"
            " JOIN reporting_cycles ON reporting_cycles.id = action_plans.cycle_id"
            " WHERE reporting_cycles.label = '2024-25' AND actions.title LIKE 'Anonymous%'"
        ).fetchone()[0]


def _outbox(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT status, count(*), sum(attempts) FROM outgoing_emails GROUP BY status").fetchall()
    return ", ".join(f"{status}: {count} ({attempts} attempts)" for status, count, attempts in rows) \
        or "empty"


def run(clients: int, comments: int, workers: int) -> None:
    stalled = StalledSMTP()
    with tempfile.TemporaryDirectory() as home:
        database = Path(home) / "bench.sqlite3"
        env = {**os.environ, "TRACKER_CONFIG": "development", "FLASK_APP": "tracker",
               "DATABASE_URL": f"sqlite:///{database}", "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(stalled.port), "PUBLIC_BASE_URL": "https://tracker.example.org"}
        flask = str(Path(sys.executable).with_name("flask"))
        for command in (["db", "upgrade"], ["tracker", "demo"]):
            subprocess.run([flask, *command], env=env, cwd=ROOT, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-b",
             f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base)
            _post_comments(base, _action_id(database), clients, comments)
            print(f"stalled SMTP server: {stalled.connections} connections held")
            print(f"outbox at the end: {_outbox(database)}")
        finally:
            server.terminate()
            server.wait(timeout=60)
            stalled.close()


def _wait_for(base: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def _post_comments(base: str, action_id: int, clients: int, comments: int) -> None:
    page = f"{CYCLE}/plan/actions/{action_id}"
    thread_url = f"{CYCLE}/comments/action/{action_id}"
    sessions = [Client(base, SPONSOR) for _ in range(clients)]
    times: list[float] = []
    statuses: list[int] = []

    def write(client: Client, number: int) -> None:
        for n in range(comments):
            start = time.perf_counter()
            status = client.post(thread_url, {"body": f"@tom.okafor please look ({number}.{n})",
                                              "visibility": "internal"}, token_from=page)
            times.append(time.perf_counter() - start)
            statuses.append(status)

    threads = [threading.Thread(target=write, args=(client, i)) for i, client in enumerate(sessions)]
    health: list[float] = []
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        start = time.perf_counter()
        try:
            urllib.request.urlopen(base + "/health", timeout=60).read()
        except OSError:
            pass
        health.append(time.perf_counter() - start)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    failed = sum(1 for s in statuses if s not in (200, 302, 303))
    print(f"{len(times)} comment posts by {clients} clients at once in {wall:.1f} s: median "
          f"{statistics.median(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms; "
          f"{failed} failed (500 or timeout)")
    print(f"/health meanwhile: {len(health)} requests, slowest {max(health) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--comments", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    run(options.clients, options.comments, options.workers)


if __name__ == "__main__":
    main()
