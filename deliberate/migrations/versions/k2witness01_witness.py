"""witness log: the witness_entries table, append-only in the database itself

Revision ID: k2witness01
Revises: j1events0001
Create Date: 2026-12-06 20:30:00

One row per ended vote and per ratified version, hash-chained (deliberate/witness/chain.py).
Triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on the table, so only an
INSERT can change it; see docs/witness.md for what that does and does not stop.
"""
import sqlalchemy as sa
from alembic import op

from deliberate.migrations.append_only import drop_append_only, make_append_only

# revision identifiers, used by Alembic.
revision = 'k2witness01'
down_revision = 'k1trust0001'
branch_labels = None
depends_on = None

MESSAGE = "the witness log is append-only: entries cannot be changed or removed"


def upgrade():
    op.create_table(
        'witness_entries',
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('ref', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('prev', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_witness_entries')),
        sa.UniqueConstraint('hash', name=op.f('uq_witness_entries_hash')),
        sa.UniqueConstraint('kind', 'ref', name=op.f('uq_witness_entries_kind')),
    )
    make_append_only("witness_entries", MESSAGE)


def downgrade():
    drop_append_only("witness_entries")
    op.drop_table('witness_entries')
