"""Upload check examined: what a background check found for the mapping page (headers, samples,
unknown labels), so that the page does not read a large file again

Revision ID: 0029_upload_check_examined
Revises: 0028_audit_latest_index
Create Date: 2026-12-03 16:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0029_upload_check_examined'
down_revision = '0028_audit_latest_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('upload_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'examined', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                               'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('upload_checks', schema=None) as batch_op:
        batch_op.drop_column('examined')
