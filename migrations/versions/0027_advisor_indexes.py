"""Indexes for the advisors' home at national scale, each justified by EXPLAIN ANALYZE

Measured on PostgreSQL 15 with bench/national_data.py's copy (149 councils, 851,405 audit
events, 231,735 comments; an IAG that 100 councils share with), warm, before -> after:

- ix_audit_events_organisation_occurred (organisation_id, occurred_at), in place of the index
  on organisation_id alone (which it covers): the last activity of the advisor's 100 councils
  grouped every one of their audit events (max(occurred_at) ... GROUP BY organisation_id,
  160.7 ms as the home page asked it; 21.4 ms as a correlated max per council, which walked
  the occurred_at index backwards for each); now one backward index-only step per council
  (1.4 ms).
- ix_comments_awaiting_response gains INCLUDE (id, visibility, created_at) on PostgreSQL:
  the feedback awaiting a response of 100 councils read 5,061 rows from the heap (4,729
  buffers, 31.8 ms) to check visibility and the time asked; now an index-only scan (2.4 ms).
  SQLite has no INCLUDE: its index is as before.

Revision ID: 0027_advisor_indexes
Revises: 0026_upload_check_sheets
Create Date: 2026-12-03 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_advisor_indexes'
down_revision = '0026_upload_check_sheets'
branch_labels = None
depends_on = None

AWAITING = "needs_response IS TRUE AND deleted_at IS NULL"


def upgrade():
    op.create_index('ix_audit_events_organisation_occurred', 'audit_events',
                    ['organisation_id', 'occurred_at'], unique=False)
    op.drop_index('ix_audit_events_organisation_id', table_name='audit_events')
    op.drop_index('ix_comments_awaiting_response', table_name='comments')
    op.create_index('ix_comments_awaiting_response', 'comments',
                    ['organisation_id', 'response_requested_at'], unique=False,
                    postgresql_where=sa.text(AWAITING), sqlite_where=sa.text(AWAITING),
                    postgresql_include=['id', 'visibility', 'created_at'])


def downgrade():
    op.drop_index('ix_comments_awaiting_response', table_name='comments')
    op.create_index('ix_comments_awaiting_response', 'comments',
                    ['organisation_id', 'response_requested_at'], unique=False,
                    postgresql_where=sa.text(AWAITING), sqlite_where=sa.text(AWAITING))
    op.create_index('ix_audit_events_organisation_id', 'audit_events', ['organisation_id'],
                    unique=False)
    op.drop_index('ix_audit_events_organisation_occurred', table_name='audit_events')
