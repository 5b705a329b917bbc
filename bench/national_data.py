"""Fill an EMPTY PostgreSQL database with a national-scale copy of the tracker's data, seeded.

    .venv/bin/python bench/national_data.py --database-url URL [--scale 1.0] [--seed 1]

The shape at --scale 1 (a smaller fraction keeps the same shape with fewer councils):
149 councils with five cycles each (745 cycles, 2022-23 to 2026-27), about 45,900 actions
(one large council with 300 actions a cycle, the others 60), ten progress updates an action
(459,000), about 231,735 comments (five an action and three on each cycle's results; about
one action in ten has an advisor asking for a response, half of them answered), 851,405 audit
events, a notification to an action's owner for each comment on it and to the EDI lead for
each comment by someone else, each council's EDI lead, sponsor, viewer and eight action owners
(twenty in the large council), an IAG of ten advisors that 100 councils share with, a RERG of
five that the rest share with, an administrator and a programme lead. Every cycle has figures
(saved as the counts template would save them), a plan with the seven default themes and a
review; the earlier cycles' reviews are signed off. Then, through the services as the pages
do it (publish()): c000's 2025-26 public page prepared and approved, every council's 2025-26
data submitted and the 2025-26 national report published (--publish-only does just this in a
copy filled before).

Rows are shaped as the services write them (the same columns, enums, JSON and audit entries)
but written with COPY, ids given here, so that the whole copy takes a few minutes. The schema
is made by the migrations first. Every account's password is ``bench-password-2026``; the
accounts are named in bench/pages.py (``lead@c000.example.org`` is the large council's EDI
lead). Prints the rows of each table and the time taken.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"
TODAY = date(2026, 12, 3)
YEARS = [2022, 2023, 2024, 2025, 2026]  # cycles 2022-23 ... 2026-27
LARGE_ACTIONS, ACTIONS = 300, 60
UPDATES_PER_ACTION, COMMENTS_PER_ACTION, RESULT_COMMENTS = 10, 5, 3
AUDIT_PER_ACTION, AUDIT_TOTAL = 18, 851_405
INDICATORS = ["SCW2", "SCW3", "SCW4", "SCW5", "SCW6", "SCW7a", "SCW7b", "SCW8", "SCW9"]
STATUSES_NOW = ["not_started", "on_track", "on_track", "at_risk", "off_track", "complete"]
STATUSES_BEFORE = ["complete", "complete", "complete", "carried_over", "cancelled"]
WORDS = ("the panel met and agreed the next steps with the service managers; data was checked "
         "against the HR system and the results shared with the staff networks and the board; "
         "the training dates are booked and the first cohort has started").split()
REGIONS = ["North East", "North West", "Yorkshire and the Humber", "East Midlands",
           "West Midlands", "East of England", "London", "South East", "South West"]
KINDS = ["county", "unitary", "metropolitan_district", "london_borough"]


@dataclass
class Ids:
    """The next id of each table: rows are given their ids here, sequences set at the end."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str, n: int = 1) -> int:
        first = self.next.get(table, 1)
        self.next[table] = first + n
        return first


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _sentence(rng: np.random.Generator, n: int = 14) -> str:
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
    return " ".join(words).capitalize() + "."


def _datasets(rng: np.random.Generator, variants: int) -> list[tuple[str, str, str]]:
    """(counts, results, provenance) as JSON, for a few variations of the demo's counts."""
    from tracker.demo.figures import template_rows
    from tracker.domain.counts import counts_from_rows
    from tracker.services.indicators import _provenance, results_from_counts

    made = []
    for _ in range(variants):
        rows = []
        for row in template_rows():
            factor = float(rng.uniform(0.5, 2.0))
            numerator = max(0, round(row["numerator"] * factor))
            denominator = row["denominator"]
            if denominator is not None:
                denominator = max(numerator, round(denominator * factor))
            rows.append({**row, "numerator": numerator, "denominator": denominator})
        counts = counts_from_rows(rows, source="national bench")
        plain = {area: c.to_dict() for area, c in counts.items()}
        provenance = _provenance(counts, [{"kind": "counts", "filename": "counts.xlsx",
                                           "rows": len(rows)}])
        made.append((json.dumps(plain), json.dumps(results_from_counts(plain)),
                     json.dumps(provenance)))
    return made


class Writer:
    """COPY rows into the tables, counting them."""

    def __init__(self, connection):
        self.connection = connection
        self.counts: dict[str, int] = {}
        self.buffers: dict[str, tuple[list[str], list[tuple]]] = {}

    def add(self, table: str, columns: list[str], row: tuple) -> None:
        cols, rows = self.buffers.setdefault(table, (columns, []))
        rows.append(row)
        if len(rows) >= 50_000:
            self.flush()  # every table, parents first (in the order they were first added)

    def flush(self) -> None:
        for name in list(self.buffers):
            columns, rows = self.buffers.get(name, ([], []))
            if not rows:
                continue
            with self.connection.cursor() as cursor, cursor.copy(
                    f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()


USER_COLUMNS = ["id", "email", "email_key", "name", "password_hash", "is_active_account",
                "is_admin", "is_programme_lead", "session_token", "failed_logins", "created_at"]


def generate(connection, *, scale: float, seed: int) -> dict[str, int]:  # noqa: C901
    """Write the national copy through one connection (committed by the caller)."""
    from tracker.domain.plans import DEFAULT_THEMES
    from tracker.services.auth import hash_password

    rng = np.random.default_rng(seed)
    ids = Ids()
    out = Writer(connection)
    created = _at(date(2022, 4, 1))
    password = hash_password(PASSWORD)
    datasets = _datasets(rng, 12)
    councils = max(2, round(149 * scale))
    iag_share = max(1, round(100 * scale))

    def user(email: str, name: str, *, admin: bool = False, lead: bool = False) -> int:
        uid = ids.take("users")
        out.add("users", USER_COLUMNS, (uid, email, email.lower(), name, password, True, admin,
                                        lead, secrets.token_urlsafe(24), 0, created))
        return uid

    user("admin@national.example.org", "Ada Administrator", admin=True)
    user("programme@national.example.org", "Pat Programme", lead=True)
    groups = {"IAG": (1, "Independent Advisory Group", 10), "RERG": (2, "Race Equality "
                                                                        "Reference Group", 5)}
    advisors: dict[str, list[int]] = {}
    for short, (gid, name, members) in groups.items():
        out.add("advisory_groups", ["id", "name", "short_name", "description", "created_at"],
                (gid, name, short, None, created))
        advisors[short] = []
        for n in range(members):
            uid = user(f"advisor{n}@{short.lower()}.example.org", f"Advisor {n} {short}")
            advisors[short].append(uid)
            out.add("advisory_group_members", ["id", "group_id", "user_id", "created_at"],
                    (ids.take("advisory_group_members"), gid, uid, created))
    themes_per_plan = len(DEFAULT_THEMES)
    total_cycles = councils * len(YEARS)
    # The events beyond the actions' own (and each cycle's data loaded), spread over the cycles
    per_actions = (LARGE_ACTIONS + (councils - 1) * ACTIONS) * len(YEARS) * AUDIT_PER_ACTION
    audit_left = max(0, round(AUDIT_TOTAL * scale) - per_actions - total_cycles)
    for c in range(councils):
        oid = ids.take("organisations")
        slug = f"c{c:03d}"
        large = c == 0
        out.add("organisations", ["id", "name", "slug", "kind", "ons_code", "region",
                                  "council_kind", "created_at"],
                (oid, f"Council {c:03d}" + (" (large)" if large else ""), slug,
                 "local_authority", f"E{c:08d}", REGIONS[c % len(REGIONS)],
                 KINDS[c % len(KINDS)], created))
        group = "IAG" if c < iag_share else "RERG"
        out.add("advisory_group_shares", ["id", "group_id", "organisation_id", "created_at"],
                (ids.take("advisory_group_shares"), groups[group][0], oid, created))
        people = {"edi_lead": [user(f"lead@{slug}.example.org", f"Lead {slug}")],
                  "sponsor": [user(f"sponsor@{slug}.example.org", f"Sponsor {slug}")],
                  "viewer": [user(f"viewer@{slug}.example.org", f"Viewer {slug}")],
                  "action_owner": [user(f"owner{n}@{slug}.example.org", f"Owner {n} {slug}")
                                   for n in range(20 if large else 8)]}
        for role, uids in people.items():
            for uid in uids:
                out.add("memberships", ["id", "user_id", "organisation_id", "role",
                                        "created_at"],
                        (ids.take("memberships"), uid, oid, role, created))
        owners = people["action_owner"]
        lead, sponsor = people["edi_lead"][0], people["sponsor"][0]
        writers = [lead, *owners, *advisors[group]]
        previous_actions: list[int] = []
        for year in YEARS:
            cid = ids.take("reporting_cycles")
            start, end = date(year, 4, 1), date(year + 1, 3, 31)
            current = year == YEARS[-1]
            label = f"{year}-{(year + 1) % 100:02d}"
            made = _at(start)
            out.add("reporting_cycles", ["id", "organisation_id", "label", "period_start",
                                         "period_end", "snapshot_date", "is_archived",
                                         "created_at"],
                    (cid, oid, label, start, end, end, False, made))
            pid = ids.take("action_plans")
            out.add("action_plans", ["id", "cycle_id", "created_at"], (pid, cid, made))
            theme_ids = []
            for position, name in enumerate(DEFAULT_THEMES):
                tid = ids.take("plan_themes")
                theme_ids.append(tid)
                out.add("plan_themes", ["id", "plan_id", "name", "position", "retired"],
                        (tid, pid, name, position, False))
            signed = not current
            out.add("annual_reviews", ["id", "cycle_id", "summary", "signed_by_id",
                                       "signer_name", "signer_role", "signed_at", "version",
                                       "created_at"],
                    (ids.take("annual_reviews"), cid, _sentence(rng, 30) if signed else "",
                     sponsor if signed else None, f"Sponsor {slug}" if signed else None,
                     "Director of Adult Social Services" if signed else None,
                     _at(end + timedelta(days=120)) if signed else None, 1, made))
            counts, results, provenance = datasets[int(rng.integers(0, len(datasets)))]
            loaded = _at(end + timedelta(days=30)) if not current else _at(TODAY - timedelta(
                days=20))
            did = ids.take("indicator_datasets")
            out.add("indicator_datasets", ["id", "cycle_id", "source", "counts", "results",
                                           "provenance", "loaded_by_id", "loaded_at"],
                    (did, cid, "counts-template", counts, results, provenance, lead, loaded))
            out.add("audit_events", ["id", "occurred_at", "actor_id", "organisation_id",
                                     "entity_type", "entity_id", "action", "before", "after"],
                    (ids.take("audit_events"), loaded, lead, oid, "indicator_dataset", did,
                     "loaded", None, json.dumps({"cycle": label, "source": "counts-template"})))
            n_actions = LARGE_ACTIONS if large else ACTIONS
            first_action = ids.take("actions", n_actions)
            this_actions = []
            for n in range(n_actions):
                aid = first_action + n
                this_actions.append(aid)
                owner = owners[n % len(owners)]
                begin = start + timedelta(days=int(rng.integers(0, 120)))
                due = begin + timedelta(days=int(rng.integers(60, 420)))
                pool = STATUSES_NOW if current else STATUSES_BEFORE
                status = pool[int(rng.integers(0, len(pool)))]
                last = min(TODAY, begin + timedelta(days=int(rng.integers(0, 300))))
                carried = previous_actions[n] if previous_actions and n < len(
                    previous_actions) // 3 else None
                out.add("actions", ["id", "plan_id", "theme_id", "title", "description",
                                    "owner_id", "lead_role", "partners", "start_date",
                                    "due_date", "status", "success_measure", "measure_unit",
                                    "is_draft", "carried_from_id", "version", "created_at",
                                    "updated_at", "last_activity_on"],
                        (aid, pid, theme_ids[n % themes_per_plan],
                         f"Action {n + 1}: {' '.join(WORDS[n % 20:n % 20 + 4])}",
                         _sentence(rng, 24), owner, "Head of service", "", begin, due, status,
                         "Fewer adverse results next year", "", False, carried, 1,
                         _at(begin), _at(last), last))
                if n % 5 < 3:
                    out.add("action_indicator_links", [
                        "id", "action_id", "indicator", "service_area", "baseline_rl",
                        "baseline_rating", "baseline_status", "data_as_at", "created_at"],
                        (ids.take("action_indicator_links"), aid, INDICATORS[n % 9],
                         ["all", "adults", "children"][n % 3], 0.6, "adverse", "calculated",
                         end, _at(begin)))
                out.add("audit_events", ["id", "occurred_at", "actor_id", "organisation_id",
                                         "entity_type", "entity_id", "action", "before",
                                         "after"],
                        (ids.take("audit_events"), _at(begin), lead, oid, "action", aid,
                         "created", None, json.dumps({"title": f"Action {n + 1}",
                                                      "status": "not_started"})))
                span = max(1, (last - begin).days)
                for u in range(UPDATES_PER_ACTION):
                    on = begin + timedelta(days=span * u // UPDATES_PER_ACTION)
                    new_status = status if u == UPDATES_PER_ACTION - 1 else None
                    out.add("progress_updates", ["id", "action_id", "author_id", "occurred_on",
                                                 "note", "new_status", "evidence_links",
                                                 "created_at"],
                            (ids.take("progress_updates"), aid, owner, on, _sentence(rng),
                             new_status, "[]", _at(on, 11)))
                    out.add("audit_events", ["id", "occurred_at", "actor_id",
                                             "organisation_id", "entity_type", "entity_id",
                                             "action", "before", "after"],
                            (ids.take("audit_events"), _at(on, 11), owner, oid,
                             "progress_update", aid, "added", None,
                             json.dumps({"occurred_on": on.isoformat()})))
                for e in range(AUDIT_PER_ACTION - 1 - UPDATES_PER_ACTION):
                    on = begin + timedelta(days=span * e // 7)
                    out.add("audit_events", ["id", "occurred_at", "actor_id",
                                             "organisation_id", "entity_type", "entity_id",
                                             "action", "before", "after"],
                            (ids.take("audit_events"), _at(on, 12), owner, oid, "action", aid,
                             "updated", json.dumps({"partners": ""}),
                             json.dumps({"partners": f"Team {e}"})))
                _comments(out, ids, rng, oid=oid, cid=cid, subject=("action", str(aid)),
                          writers=writers, advisors=advisors[group], notify=owner,
                          on=last, n=COMMENTS_PER_ACTION, action=aid, lead=lead)
            for r in range(RESULT_COMMENTS):
                _comments(out, ids, rng, oid=oid, cid=cid,
                          subject=("indicator", f"{INDICATORS[r]}:all"), writers=writers,
                          advisors=advisors[group], notify=lead, on=end, n=1, action=None,
                          lead=lead)
            cycles_left = total_cycles - (c * len(YEARS) + YEARS.index(year))
            extra = audit_left // cycles_left
            for e in range(extra):
                out.add("audit_events", ["id", "occurred_at", "actor_id", "organisation_id",
                                         "entity_type", "entity_id", "action", "before",
                                         "after"],
                        (ids.take("audit_events"), _at(start + timedelta(days=e % 300), 9),
                         lead, oid, "membership", None, "updated", json.dumps({"role": "viewer"}),
                         json.dumps({"role": "action_owner"})))
            audit_left -= extra
            previous_actions = this_actions
    out.flush()
    with connection.cursor() as cursor:
        for table, last in ids.next.items():
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",
                           (last,))
        cursor.execute("ANALYZE")
    return out.counts


COMMENT_COLUMNS = ["id", "organisation_id", "cycle_id", "subject_type", "subject_key",
                   "parent_id", "author_id", "posted_as", "visibility", "body", "needs_response",
                   "response_requested_at", "created_at"]
NOTIFICATION_COLUMNS = ["id", "user_id", "organisation_id", "kind", "actor_id", "comment_id",
                        "text", "excerpt", "link", "created_at", "read_at", "email_frequency"]


def _comments(out: Writer, ids: Ids, rng, *, oid: int, cid: int, subject: tuple[str, str],
              writers: list[int], advisors: list[int], notify: int, on: date, n: int,
              action: int | None, lead: int) -> None:
    """Comments on one subject: some internal, some shared, advisors' asking for a response."""
    parent = None
    for k in range(n):
        comment_id = ids.take("comments")
        author = writers[int(rng.integers(0, len(writers)))]
        advisor = author in advisors
        asks = advisor and k == 0 and rng.random() < 0.3  # about 1 action in 10 asks
        when = _at(on - timedelta(days=n - k), 14)
        out.add("comments", COMMENT_COLUMNS,
                (comment_id, oid, cid, subject[0], subject[1], parent if k % 3 == 2 else None,
                 author, "Advisor, IAG" if advisor else "EDI lead",
                 "shared" if advisor or k % 2 else "internal", _sentence(rng, 20), asks,
                 when if asks else None, when))
        if asks and rng.random() < 0.5:
            out.add("feedback_responses", ["id", "comment_id", "outcome", "reason", "action_id",
                                           "responder_id", "responded_at"],
                    (ids.take("feedback_responses"), comment_id, "accepted", _sentence(rng),
                     action, lead, when + timedelta(days=3)))
        if action is not None:
            out.add("notifications", NOTIFICATION_COLUMNS,
                    (ids.take("notifications"), notify, oid, "reply", author, comment_id,
                     "A new comment on your action", _sentence(rng, 8), "/", when,
                     when + timedelta(days=1) if k % 2 else None, "off"))
        if author != lead:  # the EDI lead hears of every comment of the organisation
            out.add("notifications", NOTIFICATION_COLUMNS,
                    (ids.take("notifications"), lead, oid, "feedback" if asks else "reply",
                     author, comment_id, "A new comment", _sentence(rng, 8), "/", when,
                     when + timedelta(days=2) if k % 3 else None, "off"))
        parent = comment_id


PUBLISHED = "2025-26"  # the year published: c000's public page and the national report


def publish(app) -> dict[str, int]:
    """Publish as the web pages do, through the services: c000's 2025-26 public page (prepared
    by its EDI lead with the figures and the plan, approved by its sponsor), every council's
    2025-26 data submitted by its EDI lead, and the 2025-26 national report published by the
    programme lead. Run again, each is prepared, submitted or published again."""
    from sqlalchemy import select

    from tracker.domain.publication import PARTS
    from tracker.extensions import db
    from tracker.models import Organisation, User
    from tracker.services import national as national_service
    from tracker.services import organisations as org_service
    from tracker.services import publication as publication_service
    from tracker.services.access import organisation_access

    threshold = app.config["DISCLOSURE_THRESHOLD"]
    with app.app_context():
        def user(email: str) -> User:
            return db.session.execute(select(User).where(User.email_key == email)).scalar_one()

        lead, sponsor = user("lead@c000.example.org"), user("sponsor@c000.example.org")
        access = organisation_access(user=lead, slug="c000")
        page = publication_service.prepare(
            actor=lead, access=access, cycle=org_service.get_cycle(access=access, label=PUBLISHED),
            choices=publication_service.Choices(  # the copy has no commitments to show
                parts=[part for part in PARTS if part != "commitments"], private_ids=[],
                embargo_until=None),
            threshold=threshold, today=TODAY)
        publication_service.approve(actor=sponsor, access=organisation_access(
            user=sponsor, slug="c000"), publication=page, version=page.version,
            threshold=threshold)
        submitted = 0
        for slug in db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)):
            council_lead = db.session.execute(select(User).where(
                User.email_key == f"lead@{slug}.example.org")).scalar_one_or_none()
            if council_lead is None:
                continue
            council = organisation_access(user=council_lead, slug=slug)
            national_service.submit_cycle(actor=council_lead, access=council,
                                          cycle=org_service.get_cycle(access=council,
                                                                      label=PUBLISHED))
            submitted += 1
        national_service.publish_report(actor=user("programme@national.example.org"),
                                        label=PUBLISHED, threshold=threshold)
        db.session.commit()
    return {"public pages": 1, "submissions": submitted, "national reports": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an EMPTY PostgreSQL database")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the councils (1.0: 149; 0.05: 7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--publish-only", action="store_true",
                        help="only publish (see publish()) in a copy filled before")
    args = parser.parse_args()
    os.environ.update({"TRACKER_CONFIG": "production", "DATABASE_URL": args.database_url,
                       "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48)})
    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.extensions import db

    started = time.perf_counter()
    app = create_app("production")
    if args.publish_only:
        for what, n in publish(app).items():
            print(f"{what:28} {n:>9,}")
        print(f"published in {time.perf_counter() - started:.1f} s")
        return
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        migrated = time.perf_counter()
        connection = db.engine.raw_connection()
        try:
            counts = generate(connection.driver_connection, scale=args.scale, seed=args.seed)
            connection.commit()
        finally:
            connection.close()
    filled = time.perf_counter()
    counts.update(publish(app))
    for table, n in sorted(counts.items()):
        print(f"{table:28} {n:>9,}")
    print(f"migrated in {migrated - started:.1f} s, filled in {filled - migrated:.1f} s, "
          f"published in {time.perf_counter() - filled:.1f} s (scale {args.scale})")


if __name__ == "__main__":
    main()
