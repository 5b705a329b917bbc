"""Serve the app under gunicorn on loopback, post hostile uploads at once, time /health meanwhile.

Used by bench/hostile.py. The server runs the development configuration on a throw-away SQLite
database with the demo loaded, with 2 sync workers and gunicorn's default 30 s timeout; it is
stopped at the end. Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDI_LEAD = "edi.lead@eastbrook.example.org"
PASSWORD = "demo-password-2026"
UPLOAD = "/org/eastbrook/cycles/2024-25/indicators/upload"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(base: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def csrf(path: str) -> str:
        html = opener.open(base + path, timeout=30).read().decode()
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                         r'name="[a-z_-]*csrf_token" type="hidden" value="([^"]+)"', html) \
            .group(0).rsplit('value="', 1)[1][:-1]

    token = csrf("/sign-in")
    body = urllib.parse.urlencode({"csrf_token": token, "email": EDI_LEAD,
                                   "password": PASSWORD}).encode()
    opener.open(base + "/sign-in", body, timeout=30).read()
    return opener, csrf


def _multipart(fields: dict[str, str], name: str, filename: str, data: bytes):
    boundary = "----bench-hostile-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def serve_and_post(paths: dict[str, Path]) -> None:
    """Post every hostile file at once and print each answer and /health's worst time."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TRACKER_CONFIG": "development", "FLASK_APP": "tracker",
               "DATABASE_URL": f"sqlite:///{home}/bench.sqlite3"}
        flask = str(Path(sys.executable).with_name("flask"))
        subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        subprocess.run([flask, "tracker", "demo"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "-b",
             f"127.0.0.1:{port}", "wsgi:app"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            _post_all(base, paths)
            print_worker_peaks(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _post_all(base: str, paths: dict[str, Path]) -> None:
    answers: dict[str, str] = {}
    statuses: dict[str, int] = {}

    def post(name: str, path: Path) -> None:
        opener, csrf = _session(base)
        token = csrf(UPLOAD)
        body, content_type = _multipart({"extracts-csrf_token": token,
                                         "extracts-submit": "Upload and check"},
                                        "extracts-staff", name, path.read_bytes())
        request = urllib.request.Request(base + UPLOAD, body, {"Content-Type": content_type})
        start = time.perf_counter()
        try:
            with opener.open(request, timeout=60) as response:
                status, html = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, html = error.code, error.read().decode()
        seconds = time.perf_counter() - start
        statuses[name] = status
        found = re.search(r"more than [\d,]+ (rows|columns|cells)", html)
        answers[name] = (f"HTTP {status}, {seconds:.2f} s, "
                         f"{found.group(0) if found else 'no refusal found'}")

    threads = [threading.Thread(target=post, args=item) for item in paths.items()]
    health: list[float] = []
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        start = time.perf_counter()
        urllib.request.urlopen(base + "/health", timeout=60).read()
        health.append(time.perf_counter() - start)
        time.sleep(0.05)
    for name, answer in answers.items():
        print(f"through the web, {name}: {answer}")
    print(f"/health while the uploads were refused: {len(health)} requests, slowest "
          f"{max(health, default=0) * 1000:.0f} ms")
    print(f"500s: {sum(1 for status in statuses.values() if status >= 500)} "
          f"of {len(statuses)} uploads")


def print_worker_peaks(master: int) -> None:
    """Print each gunicorn worker's peak resident memory (Linux /proc: VmHWM)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peak = re.search(r"VmHWM:\s+(\d+) kB", status)
        if peak:
            print(f"gunicorn worker {pid}: peak resident {int(peak.group(1)) / 1024:.0f} MiB")
