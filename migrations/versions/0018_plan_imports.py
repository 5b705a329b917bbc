"""Plan imports remembered (which row added which action), so the same file imported again adds nothing twice

Revision ID: 0018_plan_imports
Revises: 0017_chart_images
Create Date: 2026-12-03 12:11:19.766548

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0018_plan_imports'
down_revision = '0017_chart_images'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('file_digest', sa.String(length=64), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_plan_imports_imported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_plan_imports_plan_id_action_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_imports'))
    )
    with op.batch_alter_table('plan_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_imports_plan_id'), ['plan_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_imports_plan_id'))

    op.drop_table('plan_imports')
