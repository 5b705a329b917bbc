"""An index for an organisation's latest audit event by number, justified by EXPLAIN ANALYZE

The *Reports* page says whether a kept board pack or report may be out of date by comparing the
number of the organisation's latest audit event with the one it was made at
(services/documents.latest_change: max(id) WHERE organisation_id = ...). On PostgreSQL 15 with
bench/national_data.py's copy (851,405 audit events; the large council's 27,500), warm, that
walked the primary key backwards over every other organisation's later events (225.5 ms);
with ix_audit_events_organisation_latest (organisation_id, id) it is one backward index-only
step (0.07 ms). (Migration 0027's index on (organisation_id, occurred_at) answers the latest
time, not the latest number.)

Revision ID: 0028_audit_latest_index
Revises: 0027_advisor_indexes
Create Date: 2026-12-03 16:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028_audit_latest_index'
down_revision = '0027_advisor_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_events_organisation_latest', 'audit_events',
                    ['organisation_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_events_organisation_latest', table_name='audit_events')
