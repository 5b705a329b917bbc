"""Data versions: a count per organisation of the audited changes to what its pages show

Kept pages (tracker/kept_pages.py) are kept under this version. It is counted in the
transaction that makes the change, just before it commits, so that two changes committing in
either order each move it (the latest audit event's number would not: an event numbered
earlier can commit later). Row 0 counts the changes to what organisations share. No rows to
start with: a missing row is version 0.

Revision ID: 0032_data_versions
Revises: 0031_plan_tally_index
Create Date: 2026-12-04 01:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032_data_versions'
down_revision = '0031_plan_tally_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_versions',
        sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_data_versions')),
    )


def downgrade():
    op.drop_table('data_versions')
