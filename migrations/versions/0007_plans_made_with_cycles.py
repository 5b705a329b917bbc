"""Every cycle has its plan and its annual review: opening them never writes

Until now a cycle's plan (with the default themes) and its annual review were made the first
time someone opened them, which raced when two people did so at once. They are now made with
the cycle; this makes those of the cycles that have none yet.

Revision ID: 0007_plans_made_with_cycles
Revises: 0006_plan_import_drafts
Create Date: 2026-12-03 10:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import tracker.models.base

revision = '0007_plans_made_with_cycles'
down_revision = '0006_plan_import_drafts'
branch_labels = None
depends_on = None

# The default themes as they were when this migration was written (tracker/domain/plans.py).
DEFAULT_THEMES = (
    "Governance and accountability",
    "Data quality and availability",
    "Workforce diversity and recruitment",
    "Leadership",
    "Anti-racism",
    "Disciplinaries and fitness to practise",
    "Bullying and harassment",
)


def upgrade():
    connection = op.get_bind()
    now = datetime.now(UTC)
    cycles = sa.table('reporting_cycles', sa.column('id', sa.Integer))
    plans = sa.table('action_plans', sa.column('id', sa.Integer), sa.column('cycle_id', sa.Integer),
                     sa.column('created_at', tracker.models.base.UTCDateTime(timezone=True)))
    themes = sa.table('plan_themes', sa.column('plan_id', sa.Integer), sa.column('name', sa.String),
                      sa.column('position', sa.Integer), sa.column('retired', sa.Boolean))
    reviews = sa.table('annual_reviews', sa.column('cycle_id', sa.Integer),
                       sa.column('summary', sa.Text), sa.column('version', sa.Integer),
                       sa.column('created_at', tracker.models.base.UTCDateTime(timezone=True)))
    without_plan = connection.execute(
        sa.select(cycles.c.id).where(~sa.exists().where(plans.c.cycle_id == cycles.c.id))
    ).scalars().all()
    for cycle_id in without_plan:
        connection.execute(plans.insert().values(cycle_id=cycle_id, created_at=now))
        plan_id = connection.execute(
            sa.select(plans.c.id).where(plans.c.cycle_id == cycle_id)).scalar_one()
        connection.execute(themes.insert(), [
            {"plan_id": plan_id, "name": name, "position": i, "retired": False}
            for i, name in enumerate(DEFAULT_THEMES)])
    without_review = connection.execute(
        sa.select(cycles.c.id).where(~sa.exists().where(reviews.c.cycle_id == cycles.c.id))
    ).scalars().all()
    if without_review:
        connection.execute(reviews.insert(), [
            {"cycle_id": cycle_id, "summary": "", "version": 1, "created_at": now}
            for cycle_id in without_review])


def downgrade():
    pass  # the rows made are ordinary plans and reviews: nothing to undo
