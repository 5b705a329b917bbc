"""The job queue (procrastinate) on PostgreSQL

Revision ID: 0008_job_queue
Revises: 0007_plans_made_with_cycles
Create Date: 2026-12-03 10:00:00

Procrastinate keeps its jobs in tables, functions and triggers of its own. This migration
creates them from the schema of the procrastinate release pinned in pyproject.toml, kept beside
the migrations (migrations/procrastinate/), so that a database built today and one built after
an upgrade of the package are the same. Upgrading procrastinate to a release that changes its
schema needs a new migration that runs that release's SQL migrations (procrastinate ships them
in procrastinate/sql/migrations/); tests/integration/test_jobs.py fails until it exists.

On SQLite (the embedded default) jobs run in the web process and nothing is created.
"""
from pathlib import Path

from alembic import op


revision = '0008_job_queue'
down_revision = '0007_plans_made_with_cycles'
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).resolve().parent.parent / "procrastinate" / "schema-3.10.0.sql"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Run as one script on the driver's own connection (in Alembic's transaction): no
    # parameters, so neither SQLAlchemy nor psycopg reads its colons or percent signs.
    op.get_bind().connection.driver_connection.execute(SCHEMA.read_text(encoding="utf-8"))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
               "procrastinate_jobs, procrastinate_workers CASCADE")
    op.execute("""
        DO $$
        DECLARE routine regprocedure;
        BEGIN
          FOR routine IN SELECT oid::regprocedure FROM pg_proc
                         WHERE proname LIKE 'procrastinate\\_%' LOOP
            EXECUTE 'DROP ROUTINE ' || routine || ' CASCADE';
          END LOOP;
        END $$""")
    op.execute("DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
               "procrastinate_job_status CASCADE")
