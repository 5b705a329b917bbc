"""How long a refused sign-in takes, by why it was refused: none should answer faster.

    .venv/bin/python bench/sign_in_timing.py [--tries 15]

Builds the app with the production password hashing (argon2id, RFC 9106's low-memory profile)
on a throw-away SQLite database, makes an account of each kind, and posts the sign-in form
--tries times for each: a wrong password, an unknown address, a deactivated account, an account
slowed down by wrong passwords from elsewhere, and a client locked out of an account. Prints the
median and slowest time of each, and the right password's for comparison. Before the sign-in
rework (issue 9 item 8) an unknown or locked account answered in about 8 ms against 175 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough passphrase"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=15)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import SignInFailure, User, utcnow
    from tracker.services.auth import hash_password

    with tempfile.TemporaryDirectory() as home:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{home}/bench.sqlite3",
                         PASSWORD_HASH_PROFILE="standard", JOBS_RUNNER="thread",
                         LOG_LEVEL="WARNING")
        with app.app_context():
            upgrade()
            hashed = hash_password(PASSWORD)
            users = {kind: User(email=f"{kind}@example.org", name=kind, password_hash=hashed)
                     for kind in ("known", "deactivated", "slowed", "locked")}
            users["deactivated"].is_active_account = False
            db.session.add_all(users.values())
            db.session.flush()
            db.session.add(SignInFailure(user_id=users["locked"].id, client="127.0.0.1",
                                         failures=5,
                                         locked_until=utcnow() + timedelta(days=1)))
            db.session.commit()
            slowed_id = users["slowed"].id
        attempts = {
            "right password": ("known@example.org", PASSWORD),
            "wrong password": ("known@example.org", "not the password at all"),
            "unknown address": ("nobody@example.org", PASSWORD),
            "deactivated account": ("deactivated@example.org", PASSWORD),
            "slowed-down account": ("slowed@example.org", PASSWORD),
            "locked-out client": ("locked@example.org", PASSWORD),
        }
        times: dict[str, list[float]] = {kind: [] for kind in attempts}
        for _ in range(args.tries):
            for kind, (email, password) in attempts.items():
                with app.app_context():  # keep the account slowed down (3 failures, just now)
                    db.session.execute(db.update(User).where(User.id == slowed_id).values(
                        failed_logins=40, last_failed_login_at=utcnow()))
                    db.session.execute(db.update(User).where(
                        User.email == "known@example.org").values(failed_logins=0,
                                                                  last_failed_login_at=None))
                    db.session.commit()
                client = app.test_client()
                html = client.get("/sign-in").get_data(as_text=True)
                token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
                started = time.perf_counter()
                response = client.post("/sign-in", data={"csrf_token": token, "email": email,
                                                         "password": password})
                times[kind].append((time.perf_counter() - started) * 1000)
                expected = 302 if kind == "right password" else 200
                assert response.status_code == expected, (kind, response.status_code)
        with app.app_context():
            db.engine.dispose()
    print(f"sign-in answers, argon2id RFC 9106 low-memory, {args.tries} tries each (ms):")
    for kind, values in times.items():
        print(f"  {kind}: median {statistics.median(values):.0f}, slowest {max(values):.0f}")


if __name__ == "__main__":
    main()
