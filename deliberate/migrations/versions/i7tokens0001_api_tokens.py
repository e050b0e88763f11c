"""API personal access tokens (issue 7)

Revision ID: i7tokens0001
Revises: 706637e28d2f
Create Date: 2026-11-26 12:40:00

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'i7tokens0001'
down_revision = '706637e28d2f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.String(length=64), nullable=False),
        sa.Column('session_version', sa.Integer(), nullable=False),
        sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_api_tokens_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_person_id'))
    op.drop_table('api_tokens')
