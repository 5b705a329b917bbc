"""Upload checks: a large upload read and checked by a job while a progress page waits

Revision ID: 0025_upload_checks
Revises: 0024_commitments
Create Date: 2026-12-03 15:16:06.707848

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0025_upload_checks'
down_revision = '0024_commitments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('upload_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'reading', 'done', 'mapping', 'failed', name='upload_check_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('request_number', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('problems', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_upload_checks_created_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cycle_id'], ['reporting_cycles.id'], name=op.f('fk_upload_checks_cycle_id_reporting_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['indicator_drafts.id'], name=op.f('fk_upload_checks_draft_id_indicator_drafts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_checks')),
    sa.UniqueConstraint('cycle_id', 'created_by_id', name=op.f('uq_upload_checks_cycle_id_created_by_id'))
    )
    with op.batch_alter_table('upload_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_checks_cycle_id'), ['cycle_id'], unique=False)



def downgrade():
    with op.batch_alter_table('upload_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_checks_cycle_id'))

    op.drop_table('upload_checks')
