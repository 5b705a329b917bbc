"""Plan spreadsheets previewed before they are imported

Revision ID: 0006_plan_import_drafts
Revises: 0005_conversation
Create Date: 2026-12-02 22:00:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base


revision = '0006_plan_import_drafts'
down_revision = '0005_conversation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_import_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('preview_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_import_drafts_created_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_plan_import_drafts_plan_id_action_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_import_drafts'))
    )
    with op.batch_alter_table('plan_import_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_import_drafts_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_import_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_import_drafts_plan_id'))
    op.drop_table('plan_import_drafts')
