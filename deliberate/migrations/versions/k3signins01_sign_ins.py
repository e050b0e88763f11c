"""sign-ins: one row per signed-in session, so that signing out ends it on the server

Revision ID: k3signins01
Revises: l1public0001
Create Date: 2026-12-06 23:30:00

A session (and "keep me signed in") cookie carries ``person id:session version:key``; the row holds
the key's SHA-256. Signing out deletes the row. Cookies made before this revision carry no key:
everyone signs in once more after the upgrade.
"""
import sqlalchemy as sa
from alembic import op

import deliberate.database

# revision identifiers, used by Alembic.
revision = 'k3signins01'
down_revision = 'l1public0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_sign_ins_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_sign_ins_key_hash')),
    )
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_ins_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_ins_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_ins_created_at'))
        batch_op.drop_index(batch_op.f('ix_sign_ins_person_id'))
    op.drop_table('sign_ins')
