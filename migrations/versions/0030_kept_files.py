"""Kept files: a results workbook made once per version of its figures, kept under a content hash

Revision ID: 0030_kept_files
Revises: 0029_upload_check_examined
Create Date: 2026-12-03 17:50:00

"""
import sqlalchemy as sa
from alembic import op

import tracker.models.base

# revision identifiers, used by Alembic.
revision = '0030_kept_files'
down_revision = '0029_upload_check_examined'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_files',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_kept_files'))
    )
    # forget_old_charts removes the files made more than 90 days ago, as it does the charts.
    op.create_index(op.f('ix_kept_files_created_at'), 'kept_files', ['created_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_kept_files_created_at'), table_name='kept_files')
    op.drop_table('kept_files')
