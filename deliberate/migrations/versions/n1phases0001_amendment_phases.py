"""amendments.last_call_at, .last_call_ends_at, .vote_opened_at and the CHECK that orders them

Revision ID: n1phases0001
Revises: n1netrules01
Create Date: 2026-12-07 02:00:00

The phases of an amendment (proposals/phases.py): its last call and when its vote opened. The
database refuses timestamps out of order: opened ≤ last call ≤ its end ≤ vote opened ≤ decided.
``vote_opened_at`` is filled from the latest "start_vote" step of amendments being voted on or
decided by a vote (where that keeps the order).

SQLite adds a CHECK only by recreating the table, and dropping ``amendments`` fails while other
rows refer to it with foreign keys enforced. So on SQLite this step runs as SQLite's documented
procedure for such changes (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys
off (possible only outside a transaction: the step commits the steps before it first), the table
recreated in one transaction, ``PRAGMA foreign_key_check`` before committing, foreign keys back on.
"""
import sqlalchemy as sa
from alembic import op

import deliberate.database

# revision identifiers, used by Alembic.
revision = 'n1phases0001'
down_revision = 'n1netrules01'
branch_labels = None
depends_on = None

CHECK_NAME = 'ck_amendments_phase_order'
# As deliberate.proposals.phases.ORDER_CHECK when this revision was written (a migration keeps its own copy).
ORDER_CHECK = (
    "((last_call_at IS NULL AND last_call_ends_at IS NULL)"
    " OR (last_call_at IS NOT NULL AND last_call_ends_at IS NOT NULL"
    " AND opened_at IS NOT NULL AND opened_at <= last_call_at AND last_call_at <= last_call_ends_at))"
    " AND (vote_opened_at IS NULL OR (opened_at IS NOT NULL AND opened_at <= vote_opened_at"
    " AND (last_call_ends_at IS NULL OR last_call_ends_at <= vote_opened_at)))"
    " AND (decided_at IS NULL OR ((opened_at IS NULL OR opened_at <= decided_at)"
    " AND (last_call_at IS NULL OR last_call_at <= decided_at)"
    " AND (vote_opened_at IS NULL OR vote_opened_at <= decided_at)))"
)


def _sqlite_without_foreign_keys(work):
    """Run ``work`` in a transaction of its own with SQLite's foreign keys off, then check them."""
    bind = op.get_bind()
    enforced = bind.exec_driver_sql("PRAGMA foreign_keys").scalar()
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        work()
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"recreating amendments broke foreign keys: {broken[:5]}")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
        bind.exec_driver_sql("BEGIN")
        raise
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    bind.exec_driver_sql("BEGIN")  # Alembic records the revision, then commits


def _upgrade():
    with op.batch_alter_table('amendments', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('last_call_at', deliberate.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_call_ends_at', deliberate.database.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('vote_opened_at', deliberate.database.UTCDateTime(timezone=True),
                                      nullable=True))
    # Opened after it was decided cannot be: such a row (none is known) counts as opened when decided.
    op.execute("UPDATE amendments SET opened_at = decided_at "
               "WHERE decided_at IS NOT NULL AND opened_at IS NOT NULL AND decided_at < opened_at")
    op.execute("""
        UPDATE amendments SET vote_opened_at = (
            SELECT MAX(t.created_at) FROM amendment_transitions t
            WHERE t.amendment_id = amendments.id AND t.action = 'start_vote')
        WHERE state IN ('voting', 'adopted', 'rejected') AND opened_at IS NOT NULL
    """)
    op.execute("UPDATE amendments SET vote_opened_at = NULL WHERE vote_opened_at IS NOT NULL "
               "AND (vote_opened_at < opened_at OR (decided_at IS NOT NULL AND decided_at < vote_opened_at))")
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('amendments', schema=None, recreate='always') as batch_op:
            batch_op.create_check_constraint(op.f(CHECK_NAME), ORDER_CHECK)
    else:
        op.create_check_constraint(op.f(CHECK_NAME), 'amendments', ORDER_CHECK)


def _downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('amendments', schema=None, recreate='always') as batch_op:
            batch_op.drop_constraint(op.f(CHECK_NAME), type_='check')
    else:
        op.drop_constraint(op.f(CHECK_NAME), 'amendments', type_='check')
    with op.batch_alter_table('amendments', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('vote_opened_at')
        batch_op.drop_column('last_call_ends_at')
        batch_op.drop_column('last_call_at')


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_without_foreign_keys(_upgrade)
    else:
        _upgrade()


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_without_foreign_keys(_downgrade)
    else:
        _downgrade()
