"""An organisation's commitments, their goals (linked to plan themes by name) and indicator
targets (a relative likelihood to reach by a cycle, from a baseline cycle's figure)

Revision ID: 0024_commitments
Revises: 0023_extract_sheets
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0024_commitments'
down_revision = '0023_extract_sheets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_commitments_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
    sa.UniqueConstraint('organisation_id', 'title', name=op.f('uq_commitments_organisation_id_title'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('commitment_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('themes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_goals_commitment_id_commitments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_goals'))
    )
    with op.batch_alter_table('commitment_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_goals_commitment_id'), ['commitment_id'], unique=False)

    op.create_table('indicator_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=8), nullable=False),
    sa.Column('service_area', sa.String(length=10), nullable=False),
    sa.Column('target_rl', sa.Float(), nullable=False),
    sa.Column('by_cycle', sa.String(length=20), nullable=False),
    sa.Column('baseline_cycle_id', sa.Integer(), nullable=False),
    sa.Column('baseline_rl', sa.Float(), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target_rl > 0', name=op.f('ck_indicator_targets_target_positive')),
    sa.ForeignKeyConstraint(['baseline_cycle_id'], ['reporting_cycles.id'], name=op.f('fk_indicator_targets_baseline_cycle_id_reporting_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['commitment_goals.id'], name=op.f('fk_indicator_targets_goal_id_commitment_goals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_targets')),
    sa.UniqueConstraint('goal_id', 'indicator', 'service_area', name=op.f('uq_indicator_targets_goal_id_indicator_service_area'))
    )
    with op.batch_alter_table('indicator_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_targets_baseline_cycle_id'), ['baseline_cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_targets_goal_id'), ['goal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('indicator_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_targets_goal_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_targets_baseline_cycle_id'))

    op.drop_table('indicator_targets')
    with op.batch_alter_table('commitment_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_goals_commitment_id'))

    op.drop_table('commitment_goals')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_organisation_id'))

    op.drop_table('commitments')
