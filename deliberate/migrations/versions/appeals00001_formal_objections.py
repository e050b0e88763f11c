"""formal objections and their hash-chained records (append-only in the database itself)

Revision ID: appeals00001
Revises: registry0001
Create Date: 2026-12-07 02:30:00

One row per formal objection to a decision (state, outcome, the council's reason), and its
record: one row per step, hash-chained (deliberate/appeals/record.py). Triggers refuse UPDATE and
DELETE (and, on PostgreSQL, TRUNCATE) on objection_records.
"""
import sqlalchemy as sa
from alembic import op

from deliberate.database import UTCDateTime
from deliberate.migrations.append_only import drop_append_only, make_append_only

# revision identifiers, used by Alembic.
revision = 'appeals00001'
down_revision = 'registry0001'
branch_labels = None
depends_on = None

MESSAGE = "the record of a formal objection is append-only: entries cannot be changed or removed"


def upgrade():
    op.create_table(
        'formal_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_kind', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('standard_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('coop_id', sa.Integer(), nullable=False),
        sa.Column('filed_by_id', sa.Integer(), nullable=True),
        sa.Column('issue', sa.Text(), nullable=False),
        sa.Column('rationale', sa.Text(), nullable=False),
        sa.Column('proposed_change', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('window_ends_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('filed_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('convened_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('finding', sa.String(length=16), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reverting_amendment_id', sa.Integer(), nullable=True),
        sa.Column('record_head', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['coop_id'], ['cooperatives.id'], name=op.f('fk_formal_objections_coop_id_cooperatives')),
        sa.ForeignKeyConstraint(['filed_by_id'], ['people.id'], name=op.f('fk_formal_objections_filed_by_id_people'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reverting_amendment_id'], ['amendments.id'],
                                name=op.f('fk_formal_objections_reverting_amendment_id_amendments')),
        sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_formal_objections_standard_id_standards')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_formal_objections')),
    )
    with op.batch_alter_table('formal_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_formal_objections_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_formal_objections_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_formal_objections_state'), ['state'], unique=False)
    op.create_table(
        'objection_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('prev', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['objection_id'], ['formal_objections.id'],
                                name=op.f('fk_objection_records_objection_id_formal_objections')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_records')),
        sa.UniqueConstraint('hash', name=op.f('uq_objection_records_hash')),
        sa.UniqueConstraint('objection_id', 'seq', name=op.f('uq_objection_records_objection_id')),
    )
    with op.batch_alter_table('objection_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_records_objection_id'), ['objection_id'], unique=False)
    make_append_only("objection_records", MESSAGE)


def downgrade():
    drop_append_only("objection_records")
    op.drop_table('objection_records')
    op.drop_table('formal_objections')
