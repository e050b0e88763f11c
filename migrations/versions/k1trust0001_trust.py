"""trust (issue 14): record heads, batched turnout, close errors, receipts, append-only triggers

Revision ID: k1trust0001
Revises: j1events0001
Create Date: 2026-12-06 20:30:00

The ORM already refuses to change or delete a record entry, but only for code that goes through
it. These triggers refuse UPDATE and DELETE on ``vote_ledger`` (and TRUNCATE on PostgreSQL) for
every client of the database, raw SQL included. A superuser can still drop them: that is what
the receipts and the witness log are for (docs/ballot-record.md).
"""
import sqlalchemy as sa
from alembic import op

import deliberate.database

# revision identifiers, used by Alembic.
revision = 'k1trust0001'
down_revision = 'j1events0001'
branch_labels = None
depends_on = None

MESSAGE = "vote_ledger is append-only: ballot records are never changed or deleted"


def upgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_head', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('published_turnout', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('close_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('close_failed_at', deliberate.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('delegate_pseudonym', existing_type=sa.String(length=40), nullable=True)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION vote_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
            END
            $$""")
        op.execute("CREATE TRIGGER vote_ledger_append_only BEFORE UPDATE OR DELETE ON vote_ledger "
                   "FOR EACH ROW EXECUTE FUNCTION vote_ledger_append_only()")
        op.execute("CREATE TRIGGER vote_ledger_no_truncate BEFORE TRUNCATE ON vote_ledger "
                   "FOR EACH STATEMENT EXECUTE FUNCTION vote_ledger_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER vote_ledger_no_{action.lower()} BEFORE {action} ON vote_ledger "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({action} refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS vote_ledger_no_truncate ON vote_ledger")
        op.execute("DROP TRIGGER IF EXISTS vote_ledger_append_only ON vote_ledger")
        op.execute("DROP FUNCTION IF EXISTS vote_ledger_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS vote_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS vote_ledger_no_delete")
    op.execute("UPDATE ballots SET delegate_pseudonym = '' WHERE delegate_pseudonym IS NULL")
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('receipt_hash')
        batch_op.alter_column('delegate_pseudonym', existing_type=sa.String(length=40), nullable=False,
                              existing_server_default=None)
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('close_failed_at')
        batch_op.drop_column('close_error')
        batch_op.drop_column('published_turnout')
        batch_op.drop_column('record_head')
