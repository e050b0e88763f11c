"""proxies between co-ops: the proxies table, the append-only proxy record, ballots.proxy_holder_coop_id

Revision ID: n1proxies001
Revises: m1terms00001
Create Date: 2026-12-07 02:10:00

A co-op's vote given to another co-op (deliberate/proxies, docs/proxies.md). The proxy record is a
hash chain like the witness log: triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE).
``ballots`` gains the co-op that cast a ballot by proxy: a plain added column, so SQLite adds it in
place (recreating ``ballots`` would drop its triggers and break the rows that refer to votes).
"""
import sqlalchemy as sa
from alembic import op

import deliberate.database
from deliberate.migrations.append_only import drop_append_only, make_append_only

# revision identifiers, used by Alembic.
revision = 'n1proxies001'
down_revision = 'm1terms00001'
branch_labels = None
depends_on = None

MESSAGE = "the proxy record is append-only: entries cannot be changed or removed"


def upgrade():
    op.create_table(
        'proxies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('giver_coop_id', sa.Integer(), nullable=False),
        sa.Column('holder_coop_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('standard_id', sa.Integer(), nullable=True),
        sa.Column('vote_id', sa.Integer(), nullable=True),
        sa.Column('ends_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('given_by_id', sa.Integer(), nullable=True),
        sa.Column('given_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('giver_coop_id <> holder_coop_id', name=op.f('ck_proxies_not_to_itself')),
        sa.CheckConstraint("scope IN ('network', 'standard', 'vote')", name=op.f('ck_proxies_scope_known')),
        sa.CheckConstraint("state IN ('offered', 'accepted', 'declined', 'revoked', 'expired')",
                           name=op.f('ck_proxies_state_known')),
        sa.CheckConstraint("(scope = 'network' AND standard_id IS NULL AND vote_id IS NULL)"
                           " OR (scope = 'standard' AND standard_id IS NOT NULL AND vote_id IS NULL)"
                           " OR (scope = 'vote' AND vote_id IS NOT NULL AND standard_id IS NULL)",
                           name=op.f('ck_proxies_scope_names_one')),
        sa.ForeignKeyConstraint(['giver_coop_id'], ['cooperatives.id'], name=op.f('fk_proxies_giver_coop_id_cooperatives')),
        sa.ForeignKeyConstraint(['holder_coop_id'], ['cooperatives.id'], name=op.f('fk_proxies_holder_coop_id_cooperatives')),
        sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_proxies_standard_id_standards')),
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_proxies_vote_id_votes')),
        sa.ForeignKeyConstraint(['given_by_id'], ['people.id'], name=op.f('fk_proxies_given_by_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_proxies_changed_by_id_people'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proxies')),
    )
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.create_index('ix_proxies_holder_state', ['holder_coop_id', 'state'], unique=False)
        batch_op.create_index('ix_proxies_giver_state', ['giver_coop_id', 'state'], unique=False)

    op.create_table(
        'proxy_record',
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('ref', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('prev', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_proxy_record')),
        sa.UniqueConstraint('hash', name=op.f('uq_proxy_record_hash')),
    )
    with op.batch_alter_table('proxy_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_record_ref'), ['ref'], unique=False)

    make_append_only("proxy_record", MESSAGE, style="refused")

    # A plain added column. SQLite adds it in place with its REFERENCES clause inline (it cannot add
    # a constraint to a table, and recreating "ballots" fails once rows refer to votes).
    if op.get_bind().dialect.name == 'postgresql':
        with op.batch_alter_table('ballots', schema=None) as batch_op:
            batch_op.add_column(sa.Column('proxy_holder_coop_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_ballots_proxy_holder_coop_id_cooperatives'), 'cooperatives',
                                        ['proxy_holder_coop_id'], ['id'])
    else:
        op.execute("ALTER TABLE ballots ADD COLUMN proxy_holder_coop_id INTEGER "
                   "CONSTRAINT fk_ballots_proxy_holder_coop_id_cooperatives REFERENCES cooperatives (id)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.batch_alter_table('ballots', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_ballots_proxy_holder_coop_id_cooperatives'), type_='foreignkey')
            batch_op.drop_column('proxy_holder_coop_id')
    else:
        op.execute("ALTER TABLE ballots DROP COLUMN proxy_holder_coop_id")
    drop_append_only("proxy_record")
    op.drop_table('proxy_record')
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.drop_index('ix_proxies_giver_state')
        batch_op.drop_index('ix_proxies_holder_state')
    op.drop_table('proxies')
