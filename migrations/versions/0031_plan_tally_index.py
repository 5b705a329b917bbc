"""The index on a plan's actions covers what the plans' tallies count, justified by EXPLAIN ANALYZE

The advisor's home counts the latest plan of every council their advisory groups follow
(services/homes.plan_tallies: statuses, overdue, due soon, no update for 60 days, GROUP BY
cycle and status). On PostgreSQL 15 with bench/national_data.py's copy (45,900 actions; an IAG
that 100 councils share with, 6,240 actions in their latest plans), warm, the statement read
every one of those actions from the heap through ix_actions_plan_id (875 buffers; 6.4 ms, or
4.6 ms once the status is tested per group rather than per row). With ix_actions_plan_id
(plan_id) INCLUDE (is_draft, status, due_date, last_activity_on, theme_id) it is an
index-only scan (heap fetches 0; 3.5 ms). theme_id is there for the EDI lead's and the
sponsor's tally by theme (services/homes.glance), which joins the themes on it.

The index keeps its name and key (plan_id): every lookup of a plan's actions uses it as before.
SQLite has no INCLUDE: its index is as before.

Revision ID: 0031_plan_tally_index
Revises: 0030_kept_files
Create Date: 2026-12-03 19:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031_plan_tally_index'
down_revision = '0030_kept_files'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_actions_plan_id', table_name='actions')
    op.create_index('ix_actions_plan_id', 'actions', ['plan_id'], unique=False,
                    postgresql_include=['is_draft', 'status', 'due_date', 'last_activity_on',
                                        'theme_id'])


def downgrade():
    op.drop_index('ix_actions_plan_id', table_name='actions')
    op.create_index('ix_actions_plan_id', 'actions', ['plan_id'], unique=False)
