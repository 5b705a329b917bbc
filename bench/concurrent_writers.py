"""8 concurrent writers on one action under gunicorn: count the answers, above all the 500s.

    .venv/bin/python bench/concurrent_writers.py [--database-url URL] [--writes 50]
        [--app-root DIR]

Serves the app under gunicorn (4 sync workers, production settings over plain HTTP on
127.0.0.1) on a fresh database with the demo loaded: a throw-away SQLite file by default, or
an EMPTY PostgreSQL database given by --database-url (it is migrated and filled). Then 8
clients, signed in as the demo's EDI lead, write at once to one action of the 2024-25 plan:
4 add progress updates and 4 edit the action (each loads the edit form, then saves it), each
--writes times; then 8 clients open a new cycle's plan and review pages for the first time,
and 4 save the draft review's summary while the sponsor signs it off.

Prints, per kind of write, the count of each HTTP status, and the total count of 500s (which
must be 0). --app-root serves another checkout of the project (for example main before a
change, unpacked with `git archive`) with this script, to measure "before".
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
LEAD = "edi.lead@northshire.example.org"
SPONSOR = "sponsor@northshire.example.org"
PASSWORD = "demo-password-2026"
ORG = "/org/northshire"
PLAN = ORG + "/cycles/2024-25/plan"


class Client:
    """A signed-in browser: cookies, CSRF tokens, and the status of every answer."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
        self.post("/sign-in", {"csrf_token": self.token("/sign-in"), "email": email,
                               "password": PASSWORD})

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, path: str) -> str:
        _, html = self.get(path)
        return BeautifulSoup(html, "html.parser").find("input", {"name": "csrf_token"})["value"]

    def form(self, path: str) -> dict:
        """The first form of a page as the browser would send it."""
        _, html = self.get(path)
        data: dict[str, list[str]] = {}
        for field in BeautifulSoup(html, "html.parser").select(
                "main form input[name], main form textarea[name], main form select[name]"):
            if field.name == "select":
                option = field.select_one("option[selected]") or field.select_one("option")
                value = option["value"] if option else ""
            elif field.name == "textarea":
                value = field.get_text()
            else:
                value = field.get("value", "")
            data.setdefault(field["name"], []).append(value)
        return data


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to count, not something to follow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _together(jobs) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(base: str, writes: int) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"progress update": Counter(), "action edit": Counter(),
                                  "first visit of a new cycle's page": Counter(),
                                  "review summary or sign-off": Counter()}
    lock = threading.Lock()

    def count(kind: str, status: int) -> None:
        with lock:
            counts[kind][status] += 1

    lead = Client(base, LEAD)
    _, html = lead.get(PLAN + "/actions")
    action = int(re.search(r"/plan/actions/(\d+)\"", html).group(1))
    url = f"{PLAN}/actions/{action}"
    today = time.gmtime()
    clients = [Client(base, LEAD) for _ in range(8)]

    def progress(client: Client) -> None:
        token = client.token(url)
        for n in range(writes):
            status, _ = client.post(url + "/progress", {
                "csrf_token": token, "occurred_on": [today.tm_mday, today.tm_mon, today.tm_year],
                "note": f"Bench update {n}", "new_status": ["on_track", "at_risk"][n % 2]})
            count("progress update", status)

    def edit(client: Client, i: int) -> None:
        for n in range(writes):
            form = client.form(url + "/edit")
            form["partners"] = [f"Partner {i}.{n}"]
            status, _ = client.post(url + "/edit", form)
            count("action edit", status)

    started = time.perf_counter()
    _together([lambda c=c: progress(c) for c in clients[:4]] +
              [lambda c=c, i=i: edit(c, i) for i, c in enumerate(clients[4:])])
    # A new cycle (through its form), then its pages opened by 8 people at once.
    new = ORG + "/cycles/new"
    lead.post(new, {"csrf_token": lead.token(new), "label": "2030-31",
                    "period_start": [1, 4, 2030], "period_end": [31, 3, 2031],
                    "snapshot_date": [31, 3, 2031]})
    _together([lambda c=c, i=i: count("first visit of a new cycle's page", c.get(
        ORG + "/cycles/2030-31/" + ("plan" if i % 2 else "review"))[0])
        for i, c in enumerate(clients)])
    # The draft 2024-25 review: summaries saved while the sponsor signs it off.
    review = ORG + "/cycles/2024-25/review"
    sponsor = Client(base, SPONSOR)
    sponsor_token = sponsor.token(review)
    tokens = [c.token(review) for c in clients[:4]]

    def summaries(client: Client, token: str) -> None:
        for n in range(5):
            count("review summary or sign-off", client.post(
                review + "/summary", {"csrf_token": token, "summary": f"Summary {n}"})[0])

    _together([lambda c=c, t=t: summaries(c, t) for c, t in zip(clients[:4], tokens,
                                                                 strict=True)] +
              [lambda: count("review summary or sign-off", sponsor.post(
                  review + "/sign-off", {"csrf_token": sponsor_token, "signer_role": "Director",
                                         "confirm": "y"})[0])])
    print(f"{time.perf_counter() - started:.1f} s for every write")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: SQLite)")
    parser.add_argument("--writes", type=int, default=50, help="writes per writer (50)")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout to serve")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TRACKER_CONFIG": "production", "FLASK_APP": "tracker",
               "SECRET_KEY": secrets.token_urlsafe(48), "SESSION_COOKIE_SECURE": "false",
               "HSTS": "false", "TRUSTED_PROXIES": "0",
               "DATABASE_URL": args.database_url or f"sqlite:///{home}/bench.sqlite3"}
        bindir = Path(sys.executable).parent
        for command in (["db", "upgrade"], ["tracker", "demo"]):
            subprocess.run([str(bindir / "flask"), *command], env=env, cwd=args.app_root,
                           check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [str(bindir / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            env=env, cwd=args.app_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            counts = run(base, args.writes)
            from bench.hostile_server import print_worker_peaks

            print_worker_peaks(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{database}, gunicorn 4 workers, 8 writers x {args.writes} writes, "
          f"app from {args.app_root}")
    for kind, counter in counts.items():
        print(f"  {kind}: " + ", ".join(f"{n} x {status}" for status, n in sorted(
            counter.items())))
    print(f"500s: {sum(counter[500] for counter in counts.values())}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # bench.hostile_server, for the workers' peak memory
    main()
