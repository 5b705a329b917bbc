"""Invitations: an EDI lead adds people by an e-mailed invitation, never an account directly

Revision ID: 0015_invitations
Revises: 0014_prepared_documents
Create Date: 2026-12-03 11:49:51.482519

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base


# revision identifiers, used by Alembic.
revision = '0015_invitations'
down_revision = '0014_prepared_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('edi_lead', 'action_owner', 'sponsor', 'viewer', name='invitation_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_email_key'), ['email_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_email_key'))

    op.drop_table('invitations')
