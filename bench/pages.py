"""Every main page's speed at national scale: p50/p95 under gunicorn and SQL queries per request.

    .venv/bin/python bench/pages.py --database-url URL [--requests 30] [--workers 2]
        [--seconds 5] [--app-root DIR]

URL is a PostgreSQL database filled by bench/national_data.py. The app is served under
gunicorn (--workers sync workers, production settings over plain HTTP on 127.0.0.1; the
project's gunicorn.conf.py is read when the checkout has one), and the pages are found in the
app's url_map: every GET route whose arguments can be filled from the data (the large council
c000, its current cycle 2026-27, its first action and a comment on it, SCW2...). Each is asked
for as the first role it answers 200 (EDI lead, sponsor, action owner, viewer, advisor,
administrator, programme lead, nobody signed in; /admin as the administrator, /programme as
the programme lead, /public as nobody signed in), and the home page and notifications as
every role. A route answering none of them 200 is listed as skipped with the statuses it got.

Per page: --requests timed requests one after another (after two unmeasured), p50 and p95 in
ms, the SQL statements one request issues and the CPU time the app spends on it (both in this
process through Flask's test client on the same database: statements counted with an
SQLAlchemy event, CPU as the median process time of 3 requests, which the machine's load
changes far less than the wall-clock times). Then the heaviest page (highest p50)
and a floor page (the accessibility statement, signed in: the layout and no data) are each
asked for by 4 clients at once for --seconds, giving requests a second. The last two lines:
``pages over 100 ms p95: N`` and ``heaviest/floor throughput ratio: R``.

The API is asked with tokens made at the start of the run through the service (c000's, made
by its EDI lead, and the programme lead's), sent as the API expects (Authorization: Bearer).
The public pages and the national report are those of PUBLISHED (2025-26), which
bench/national_data.py publishes. The board pack and the council's report are prepared
documents: asking for each (the POST of the Reports page's button) is measured first, then the
job queue's worker runs until idle (`flask tracker worker --until-idle`) and the downloads are
measured with the other pages.

The per-client sign-in limit is turned off for the run (RATELIMIT_ENABLED=false): it signs in
once per role per client. --app-root serves another checkout (for example main before a change,
unpacked with `git archive`) to measure "before".
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-2026"
ROLES = {  # role: account (bench/national_data.py)
    "edi_lead": "lead@c000.example.org",
    "sponsor": "sponsor@c000.example.org",
    "action_owner": "owner0@c000.example.org",
    "viewer": "viewer@c000.example.org",
    "advisor": "advisor0@iag.example.org",
    "administrator": "admin@national.example.org",
    "programme_lead": "programme@national.example.org",
    "anonymous": None,
}
TOKENS = ("edi_lead_token", "programme_token")  # the API's callers: made at the start of a run
EVERY_ROLE = {"main.home", "conversation.list_notifications"}
FIRST_ROLE = {"/admin": "administrator", "/programme": "programme_lead", "/public": "anonymous"}
SKIP = {"static", "main.health", "auth.set_password", "conversation.open_notification",
        "indicators.preview", "indicators.preview_chart", "plans.review_import",
        "plans.view_sign_off"}
FORMATS = {"plans.export_plan": ["csv", "xlsx"], "reports.all_results": ["csv", "xlsx"],
           "reports.cycle_results": ["csv", "xlsx"], "reports.board_pack": ["pdf"],
           "reports.annual_report": ["docx"], "indicators.template_file": ["csv"],
           "national.report_file": ["pdf", "xlsx"], "national.programme_return": ["csv", "xlsx"],
           "national.council_return": ["csv", "xlsx"]}
FLOOR = "/accessibility"
# What is published (bench/national_data.py's publish()): public pages and the national report;
# a council's funnel plots, its plan as the programme lead reads it and the programme's data
# return (empty for 2026-27) need a submitted year.
PUBLISHED = "2025-26"
PUBLISHED_ENDPOINTS = {"reports.public_page", "national.public_report", "national.public_chart",
                       "api.national", "national.funnel_chart", "national.council_plan",
                       "national.programme_return"}
# Prepared documents: the request to prepare each (a POST: a job makes it), then its download.
DOCUMENTS = {"reports.board_pack": "board-pack.pdf", "reports.annual_report": "sc-wres-report.docx"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One signed-in client over plain http.client: a cookie jar of one session."""

    def __init__(self, port: int, email: str | None, token: str | None = None):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = token  # an API token, sent as the API expects it
        if email:
            _, html = self.get("/sign-in")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
            token = token or re.search(r'name="csrf_token" value="([^"]+)"', html)
            status, _ = self.request("POST", "/sign-in", urllib.parse.urlencode(
                {"csrf_token": token.group(1), "email": email, "password": PASSWORD}))
            if status != 302:
                raise SystemExit(f"could not sign in as {email}: {status}")

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        connection.close()
        return response.status, data.decode("utf-8", "replace")

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def csrf_token(self, path: str) -> str:
        """The CSRF token of this session, read from a page's form."""
        _, html = self.get(path)
        return _csrf(html)


def _csrf(html: str) -> str:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    if token is None:
        raise SystemExit("no CSRF token on the page")
    return token.group(1)


@dataclass
class Page:
    endpoint: str
    path: str
    role: str
    status: int = 0
    p50: float = 0.0
    p95: float = 0.0
    queries: int | None = None
    cpu: float = 0.0
    method: str = "GET"


def _values(app) -> dict[str, object]:
    """The values to fill the routes' arguments with, read from the national copy."""
    from sqlalchemy import text

    from tracker.extensions import db

    with app.app_context():
        one = lambda sql: db.session.execute(text(sql)).scalar()  # noqa: E731
        action = one("SELECT min(a.id) FROM actions a JOIN action_plans p ON p.id = a.plan_id "
                     "JOIN reporting_cycles c ON c.id = p.cycle_id JOIN organisations o ON "
                     "o.id = c.organisation_id WHERE o.slug = 'c000' AND c.label = '2026-27'")
        lead = one("SELECT id FROM users WHERE email_key = 'lead@c000.example.org'")
        comment = one(f"SELECT min(id) FROM comments WHERE subject_type = 'action' AND "
                      f"subject_key = '{action}' AND author_id = {lead}") or one(
            f"SELECT min(id) FROM comments WHERE subject_type = 'action' AND "
            f"subject_key = '{action}'")
        return {"slug": "c000", "label": "2026-27", "action_id": action, "comment_id": comment,
                "indicator": "SCW2", "area": "all", "subject_type": "action",
                "subject_key": str(action), "kind": "staff",
                "organisation_id": one("SELECT id FROM organisations WHERE slug = 'c000'"),
                "user_id": lead,
                "group_id": one("SELECT id FROM advisory_groups WHERE short_name = 'IAG'")}


def discover(app) -> list[tuple[str, str, list[str]]]:
    """(endpoint, path, roles to try) for every GET route that can be filled in."""
    values = _values(app)
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        for fmt in FORMATS.get(rule.endpoint, [None]):
            args = dict(values, fmt=fmt) if fmt else values
            if rule.endpoint in PUBLISHED_ENDPOINTS:
                args = dict(args, label=PUBLISHED)
            if not rule.arguments <= set(args):
                found.append((rule.endpoint, rule.rule, []))
                continue
            with app.test_request_context():
                from flask import url_for
                path = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
            prefix = next((role for p, role in FIRST_ROLE.items() if path.startswith(p)), None)
            roles = list(ROLES) if rule.endpoint in EVERY_ROLE else \
                list(TOKENS) if rule.endpoint.startswith("api.") else \
                [prefix] if prefix else list(ROLES)
            found.append((rule.endpoint, path, roles))
    return found


class QueryCounter:
    """Count the SQL statements of requests made through the app's test client."""

    def __init__(self, app):
        from sqlalchemy import event

        from tracker.extensions import db

        self.app = app
        self.count = 0
        self.clients: dict[str, object] = {}
        self.tokens: dict[str, str] = {}
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1

    def client(self, role: str, key: str | None = None):
        """The signed-in test client of `role` (`key` names another one of the same role)."""
        key = key or role
        if key not in self.clients:
            client = self.app.test_client()
            email = ROLES.get(role)
            if email:
                html = client.get("/sign-in").get_data(as_text=True)
                client.post("/sign-in", data={"csrf_token": _csrf(html), "email": email,
                                              "password": PASSWORD})
            self.clients[key] = client
        return self.clients[key]

    def queries(self, role: str, path: str, method: str = "GET",
                form_page: str | None = None) -> tuple[int, float]:
        """The statements of one request and its CPU time in this process (median of 3, ms):
        the app's own work, whatever the load on the machine does to the wall-clock times.
        A POST sends the CSRF token of `form_page`'s form, from a client of its own (a page of
        the organisation would make it the session's current one for the other pages)."""
        client = self.client(role, key=f"{role} {method}" if method != "GET" else None)
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}
        data = {"csrf_token": _csrf(client.get(form_page).get_data(as_text=True))} \
            if form_page else None

        def ask() -> None:
            client.open(path, method=method, headers=headers, data=data)

        ask()  # once to warm whatever is cached per process
        self.count = 0
        ask()
        count = self.count
        cpu = []
        for _ in range(3):
            started = time.process_time()
            ask()
            cpu.append((time.process_time() - started) * 1000)
        return count, statistics.median(cpu)


def measure(browser: Browser, path: str, n: int, method: str = "GET",
            body: str | None = None) -> tuple[int, float, float]:
    status = 0
    for _ in range(2):
        status, _ = browser.request(method, path, body)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, _ = browser.request(method, path, body)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return status, statistics.median(times), p95


def throughput(port: int, email: str | None, path: str, seconds: float, clients: int = 4,
               token: str | None = None) -> float:
    browsers = [Browser(port, email, token) for _ in range(clients)]
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        while time.perf_counter() < stop:
            browsers[i].get(path)
            done[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def _shown(page: Page) -> str:
    return page.path if page.method == "GET" else f"{page.method} {page.path}"


def api_tokens(app) -> dict[str, str]:
    """Make the API's two kinds of caller through the service, as the token pages do: a token
    of c000 made by its EDI lead and the programme lead's (one each a run, named for it)."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import api as api_service
    from tracker.services.access import organisation_access

    name = f"bench/pages.py {time.strftime('%Y-%m-%d %H:%M:%S')}"
    with app.app_context():
        def user(role: str) -> User:
            return db.session.execute(select(User).where(
                User.email_key == ROLES[role])).scalar_one()

        lead = user("edi_lead")
        tokens = {
            "edi_lead_token": api_service.create_token(
                actor=lead, access=organisation_access(user=lead, slug="c000"), name=name).plain,
            "programme_token": api_service.create_programme_token(
                actor=user("programme_lead"), name=name).plain}
        db.session.commit()
    return tokens


def prepare_documents(browser: Browser, counter: QueryCounter, args, env) -> list[Page]:
    """Measure asking for each prepared document (the Reports page's button: a POST that
    queues a job, or finds it queued), then run the job queue's worker until it is idle so
    that the downloads are there to measure with the other pages."""
    found = []
    reports = "/org/c000/cycles/2026-27/reports"
    body = urllib.parse.urlencode({"csrf_token": browser.csrf_token(reports)})
    for document in DOCUMENTS.values():
        page = Page("reports.prepare_document", f"{reports}/{document}", "edi_lead",
                    method="POST")
        page.status, page.p50, page.p95 = measure(browser, page.path, args.requests, "POST",
                                                  body)
        page.queries, page.cpu = counter.queries("edi_lead", page.path, "POST", reports)
        print(f"  {page.endpoint:38} {page.role:14} {page.p50:7.1f} {page.p95:7.1f} "
              f"{page.cpu:7.1f} {page.queries:4}  {_shown(page)}", flush=True)
        found.append(page)
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi:app", "tracker",
                    "worker", "--until-idle"], env=env, cwd=args.app_root, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  (documents prepared by the worker in {time.perf_counter() - started:.1f} s)",
          flush=True)
    return found


def main() -> None:  # noqa: C901
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=30, help="timed requests a page (30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run (5 s)")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--only", help="measure only the endpoints matching this regex")
    args = parser.parse_args()
    env = {**os.environ, "TRACKER_CONFIG": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "SESSION_COOKIE_SECURE": "false", "HSTS": "false", "TRUSTED_PROXIES": "0",
           "RATELIMIT_ENABLED": "false", "DATABASE_URL": args.database_url,
           "LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    sys.path.insert(0, str(args.app_root))
    from tracker import create_app

    app = create_app("production")
    counter = QueryCounter(app)
    counter.tokens = api_tokens(app)
    pages = discover(app)
    port = _free_port()
    bindir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bindir / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "wsgi:app"],
        env=env, cwd=args.app_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                Browser(port, None).get("/health")
                break
            except OSError:
                time.sleep(0.1)
        browsers = {role: Browser(port, email) for role, email in ROLES.items()}
        browsers.update({role: Browser(port, None, token) for role, token in
                         counter.tokens.items()})
        measured: list[Page] = []
        skipped: list[str] = []
        if not args.only or any(re.search(args.only, e) for e in
                                [*DOCUMENTS, "reports.prepare_document"]):
            measured += prepare_documents(Browser(port, ROLES["edi_lead"]), counter, args, env)
        for endpoint, path, roles in pages:
            if args.only and not re.search(args.only, endpoint):
                continue
            if not roles:
                skipped.append(f"{endpoint} {path}: no data to fill its arguments")
                continue
            every = endpoint in EVERY_ROLE
            tried = []
            for role in roles:
                status, _ = browsers[role].get(path)
                tried.append(f"{role} {status}")
                if status != 200:
                    continue
                page = Page(endpoint, path, role)
                page.status, page.p50, page.p95 = measure(browsers[role], path, args.requests)
                page.queries, page.cpu = counter.queries(role, path)
                measured.append(page)
                print(f"  {endpoint:38} {role:14} {page.p50:7.1f} {page.p95:7.1f} "
                      f"{page.cpu:7.1f} {page.queries:4}  {_shown(page)}", flush=True)
                if not every:
                    break
            else:
                if not every:
                    skipped.append(f"{endpoint} {path}: " + ", ".join(tried))
        heaviest = max((p for p in measured if p.method == "GET"), key=lambda p: p.p50)
        floor_rate = throughput(port, ROLES["edi_lead"], FLOOR, args.seconds)
        heavy_rate = throughput(port, ROLES.get(heaviest.role), heaviest.path, args.seconds,
                                token=counter.tokens.get(heaviest.role))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    print(f"{'page':38} {'role':14} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} {'SQL':>4}  path")
    for page in sorted(measured, key=lambda p: -p.p95):
        print(f"{page.endpoint:38} {page.role:14} {page.p50:7.1f} {page.p95:7.1f} "
              f"{page.cpu:7.1f} {page.queries:4}  {_shown(page)}")
    for line in skipped:
        print(f"skipped: {line}")
    print(f"floor {FLOOR}: {floor_rate:.1f} requests/s; heaviest {heaviest.endpoint} "
          f"({heaviest.path}): {heavy_rate:.1f} requests/s ({args.workers} gunicorn workers, "
          f"4 clients, {args.seconds:g} s each)")
    print(f"pages over 100 ms p95: {sum(1 for p in measured if p.p95 > 100)}")
    print(f"heaviest/floor throughput ratio: {heavy_rate / floor_rate:.3f}")


if __name__ == "__main__":
    main()
