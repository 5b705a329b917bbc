"""Chart images: each chart drawn once per version of its figures, kept under a content hash

Revision ID: 0017_chart_images
Revises: 0016_national_publications
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base


# revision identifiers, used by Alembic.
revision = '0017_chart_images'
down_revision = '0016_national_publications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chart_images',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('svg', sa.Text(), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_chart_images'))
    )
    # forget_old_charts removes the images drawn more than 90 days ago.
    op.create_index(op.f('ix_chart_images_created_at'), 'chart_images', ['created_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_chart_images_created_at'), table_name='chart_images')
    op.drop_table('chart_images')
