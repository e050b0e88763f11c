"""mail: the outbox and each person's mail settings (issue 20)

Revision ID: l1mail000001
Revises: k2witness01
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'l1mail000001'
down_revision = 'k2witness01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=254), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_mail_outbox_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_mail_outbox_dedupe_key')),
    sa.UniqueConstraint('guid', name=op.f('uq_mail_outbox_guid'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_person_id'), ['person_id'], unique=False)

    op.create_table('mail_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('vote_opened', sa.Boolean(), nullable=False),
    sa.Column('vote_closing', sa.Boolean(), nullable=False),
    sa.Column('vote_closed', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.String(length=8), nullable=True),
    sa.Column('digest_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('digest_event_id', sa.Integer(), nullable=False),
    sa.Column('digest_closing_until', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_mail_settings_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_settings')),
    sa.UniqueConstraint('person_id', name=op.f('uq_mail_settings_person_id'))
    )


def downgrade():
    op.drop_table('mail_settings')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_person_id'))
        batch_op.drop_index('ix_mail_outbox_due')

    op.drop_table('mail_outbox')
