"""Upload check sheets: a check may read a preview's workbook again from another sheet

Revision ID: 0026_upload_check_sheets
Revises: 0025_upload_checks
Create Date: 2026-12-03 15:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_upload_check_sheets'
down_revision = '0025_upload_checks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('upload_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sheet_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('sheet', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('upload_checks', schema=None) as batch_op:
        batch_op.drop_column('sheet')
        batch_op.drop_column('sheet_kind')
