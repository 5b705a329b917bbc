"""The intervention library edited by administrators (new entries, changes and retirements of
the shipped ones, by key)

Revision ID: 0022_library_entries
Revises: 0021_api_tokens
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0022_library_entries'
down_revision = '0021_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('library_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('theme', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('indicators', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('success_measure', sa.Text(), nullable=False),
    sa.Column('guidance_url', sa.String(length=500), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_library_entries_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_entries')),
    sa.UniqueConstraint('key', name=op.f('uq_library_entries_key'))
    )


def downgrade():
    op.drop_table('library_entries')
