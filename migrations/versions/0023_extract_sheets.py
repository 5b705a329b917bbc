"""Extract sheets: the sheet an organisation chose for an extract kind, and a held file's
fingerprint (so that a preview re-reads the very file it was computed from)

Revision ID: 0023_extract_sheets
Revises: 0022_library_entries
Create Date: 2026-12-03 15:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_extract_sheets'
down_revision = '0022_library_entries'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('extract_mappings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sheet', sa.String(length=255), nullable=True))
    with op.batch_alter_table('held_extracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('held_extracts', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
    with op.batch_alter_table('extract_mappings', schema=None) as batch_op:
        batch_op.drop_column('sheet')
