"""Indexes for national scale, each justified by EXPLAIN ANALYZE on bench/national_data.py's copy

Measured on PostgreSQL 15 with 149 councils (459,000 progress updates, 231,735 comments, a
large council's EDI lead with 7,663 notifications), before -> after:

- ix_notifications_user_created (user_id, created_at, id): a person's latest 100 notifications
  (services/notifications.recent) sorted all 7,663 of that person's rows (top-N heapsort,
  9.5 ms); now an index scan backward that stops at 100 rows (0.14 ms), however many a person
  has.
- ix_progress_updates_occurred_on: the weekly sponsor summary's count of the week's progress
  updates per organisation joined and scanned all 459,000 updates (70.6 ms, 8,485 buffers);
  now it reads only the week's (0.11 ms; the copy has none dated that week, so this is the
  index lookup alone).
- ix_comments_organisation_created (organisation_id, created_at): the summary's count of the
  week's comments scanned every comment of the 149 organisations (63.8 ms); now a bitmap scan
  of the week's (17.6 ms here, where the copy puts 18,202 comments in that week).
- ix_comments_awaiting_response (organisation_id, response_requested_at) WHERE needs_response
  IS TRUE AND deleted_at IS NULL: "feedback waiting" for every organisation read all 231,735
  comments through the organisation index and filtered 166,695 away (124.7 ms); now the partial
  index holds only the comments that asked for a response (98.5 ms with the copy's 65,040 such
  comments, most of the rest being the hash of their 43,814 answers; the partial index stays
  as small as the feedback, not the conversation).

Revision ID: 0019_scale_indexes
Revises: 0018_plan_imports
Create Date: 2026-12-03 12:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_scale_indexes'
down_revision = '0018_plan_imports'
branch_labels = None
depends_on = None

AWAITING = "needs_response IS TRUE AND deleted_at IS NULL"


def upgrade():
    op.create_index('ix_notifications_user_created', 'notifications',
                    ['user_id', 'created_at', 'id'], unique=False)
    op.create_index(op.f('ix_progress_updates_occurred_on'), 'progress_updates', ['occurred_on'],
                    unique=False)
    op.create_index('ix_comments_organisation_created', 'comments',
                    ['organisation_id', 'created_at'], unique=False)
    op.create_index('ix_comments_awaiting_response', 'comments',
                    ['organisation_id', 'response_requested_at'], unique=False,
                    postgresql_where=sa.text(AWAITING), sqlite_where=sa.text(AWAITING))


def downgrade():
    op.drop_index('ix_comments_awaiting_response', table_name='comments')
    op.drop_index('ix_comments_organisation_created', table_name='comments')
    op.drop_index(op.f('ix_progress_updates_occurred_on'), table_name='progress_updates')
    op.drop_index('ix_notifications_user_created', table_name='notifications')
