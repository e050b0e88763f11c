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
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION witness_entries_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER witness_entries_no_change BEFORE UPDATE OR DELETE ON witness_entries "
                    "FOR EACH ROW EXECUTE FUNCTION witness_entries_append_only()")
        op.execute("CREATE TRIGGER witness_entries_no_truncate BEFORE TRUNCATE ON witness_entries "
                    "FOR EACH STATEMENT EXECUTE FUNCTION witness_entries_append_only()")
    else:
        for action in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER witness_entries_no_{action.lower()} BEFORE {action} ON witness_entries "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS witness_entries_no_truncate ON witness_entries")
        op.execute("DROP TRIGGER IF EXISTS witness_entries_no_change ON witness_entries")
        op.execute("DROP FUNCTION IF EXISTS witness_entries_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS witness_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS witness_entries_no_delete")
    op.drop_table('witness_entries')
