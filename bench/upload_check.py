"""Upload a 1,000,000-row staff CSV through the web and time its check in the background.

Serves the app under gunicorn (2 workers, loopback, the project's gunicorn.conf.py) on a
throw-away database with the demo loaded, signs in as an EDI lead, posts the file to the upload
page and follows what a person's browser does: the upload answers with the progress page, which
is asked again every half second until it turns into the preview, and the preview is loaded.
Meanwhile ``/health`` is asked every 50 ms (the web stays free while the job reads).

Prints the upload request's time, the time until the preview was ready, the preview's rows,
``/health``'s slowest answer, and the peak resident memory of each gunicorn worker and (on
PostgreSQL) of the job worker (``flask tracker worker``), which is where the file is read there;
on SQLite the job runs in a thread of the gunicorn worker that took the upload.

Run ``.venv/bin/python bench/upload_check.py [--rows 1000000] [--database-url postgresql://...]``
(the PostgreSQL database must be empty: it is migrated and the demo loaded).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write_extracts  # noqa: E402
from bench.hostile_server import _free_port, _multipart, _session  # noqa: E402

UPLOAD = "/org/eastbrook/cycles/2024-25/indicators/upload"
CHECKING = "/org/eastbrook/cycles/2024-25/indicators/checking"


def _peak_mib(pid: int) -> float:
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024 if found else 0.0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _flask(env: dict, *args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("flask")), *args], env=env, cwd=ROOT,
                   check=True, capture_output=True)


def run(path: Path, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "FLASK_APP": "tracker", "MAX_UPLOAD_MB": "100",
               "TRACKER_CONFIG": "development", "LOG_LEVEL": "WARNING",
               "DATABASE_URL": database_url or f"sqlite:///{home}/bench.sqlite3"}
        if database_url:
            env["SECRET_KEY"] = "bench-upload-check-not-secret"
        _flask(env, "db", "upgrade")
        _flask(env, "tracker", "demo")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "-b",
             f"127.0.0.1:{port}", "wsgi:app"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("flask")), "tracker", "worker"], env=env,
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) \
            if database_url else None
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            _measure(base, path, server.pid, worker.pid if worker else None)
        finally:
            for process in (worker, server):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=60)


def _measure(base: str, path: Path, server: int, worker: int | None) -> None:
    opener, csrf = _session(base)
    token = csrf(UPLOAD)
    body, content_type = _multipart({"extracts-csrf_token": token,
                                     "extracts-submit": "Upload and check"},
                                    "extracts-staff", path.name, path.read_bytes())
    health: list[float] = []
    done = threading.Event()

    def ask_health() -> None:
        while not done.is_set():
            start = time.perf_counter()
            urllib.request.urlopen(base + "/health", timeout=120).read()
            health.append(time.perf_counter() - start)
            time.sleep(0.05)

    threading.Thread(target=ask_health, daemon=True).start()
    start = time.perf_counter()
    request = urllib.request.Request(base + UPLOAD, body, {"Content-Type": content_type})
    with opener.open(request, timeout=600) as response:
        landed, answered = response.url, time.perf_counter() - start
        response.read()
    if not landed.endswith(CHECKING):
        raise SystemExit(f"the upload went to {landed}, not the progress page")
    while True:
        with opener.open(base + CHECKING, timeout=600) as response:
            url = response.url
            html = response.read().decode()
        if "/preview/" in url:
            break
        if "Your files have problems" in html:
            raise SystemExit("the check found problems")
        time.sleep(0.5)
    ready = time.perf_counter() - start
    done.set()
    rows = re.search(r"\(([\d,]+) rows\)", html)
    print(f"{path.name} ({path.stat().st_size / 1e6:.0f} MB): the upload answered in "
          f"{answered:.1f} s with the progress page; the preview was ready after {ready:.1f} s "
          f"({rows.group(1) if rows else '?'} rows)")
    print(f"/health meanwhile: {len(health)} requests, slowest {max(health) * 1000:.0f} ms")
    for pid in _children(server):
        print(f"gunicorn worker {pid}: peak resident {_peak_mib(pid):.0f} MiB")
    if worker is not None:
        print(f"job worker (flask tracker worker): peak resident {_peak_mib(worker):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (else SQLite)")
    args = parser.parse_args()
    path = write_extracts(args.data, args.rows, 1, 1)["staff"]
    run(path, args.database_url)


if __name__ == "__main__":
    main()
