"""Following actions and indicator results; notifications of what is followed and of actions
turning at risk or off track

Revision ID: 0020_follows
Revises: 0019_scale_indexes
Create Date: 2026-12-03 12:50:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.models.base

# revision identifiers, used by Alembic.
revision = '0020_follows'
down_revision = '0019_scale_indexes'
branch_labels = None
depends_on = None

OLD_KINDS = ['mention', 'reply', 'response', 'feedback', 'owner', 'reminder', 'weekly']
NEW_KINDS = [*OLD_KINDS, 'followed', 'trouble']
CHECKED = (('notifications', 'notification_kind'),
           ('notification_preferences', 'preference_kind'))


def _kinds(kinds):
    for table, name in CHECKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='check')
            batch_op.create_check_constraint(name, sa.column('kind').in_(kinds))


def upgrade():
    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.Enum('action', 'indicator', 'review', name='follow_subject', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject_key', sa.String(length=40), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_follows_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('user_id', 'organisation_id', 'subject_type', 'subject_key', name=op.f('uq_follows_user_id_organisation_id_subject_type_subject_key'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_user_id'), ['user_id'], unique=False)
    _kinds(NEW_KINDS)


def downgrade():
    op.execute(sa.text("DELETE FROM notifications WHERE kind IN ('followed', 'trouble')"))
    op.execute(sa.text("DELETE FROM notification_preferences WHERE kind IN ('followed', 'trouble')"))
    _kinds(OLD_KINDS)
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_user_id'))
    op.drop_table('follows')
