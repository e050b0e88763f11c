"""registry: declarations, their claims, questions, and the registry's append-only record

Revision ID: registry0001
Revises: n1proxies001
Create Date: 2026-12-07 01:50:00

Declarations of co-ops about ratified versions (deliberate/registry/), and the hash-chained
record of declarations, questions, answers and escalations. Triggers refuse UPDATE and DELETE
(and, on PostgreSQL, TRUNCATE) on registry_entries, as on witness_entries.
"""
import sqlalchemy as sa
from alembic import op

from deliberate.database import UTCDateTime
from deliberate.migrations.append_only import drop_append_only, make_append_only

# revision identifiers, used by Alembic.
revision = 'registry0001'
down_revision = 'n1proxies001'
branch_labels = None
depends_on = None

MESSAGE = "the registry record is append-only: entries cannot be changed or removed"


def upgrade():
    op.create_table(
        'declarations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coop_id', sa.Integer(), nullable=False),
        sa.Column('standard_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('stance', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('declared_by_id', sa.Integer(), nullable=True),
        sa.Column('declared_at', UTCDateTime(), nullable=False),
        sa.Column('reaffirms_id', sa.Integer(), nullable=True),
        sa.Column('entry_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['coop_id'], ['cooperatives.id'], name=op.f('fk_declarations_coop_id_cooperatives')),
        sa.ForeignKeyConstraint(['declared_by_id'], ['people.id'], name=op.f('fk_declarations_declared_by_id_people'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reaffirms_id'], ['declarations.id'],
                                name=op.f('fk_declarations_reaffirms_id_declarations')),
        sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_declarations_standard_id_standards')),
        sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_declarations_version_id_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_declarations')),
    )
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declarations_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declarations_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declarations_version_id'), ['version_id'], unique=False)
    op.create_table(
        'declaration_claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('justification', sa.Text(), nullable=False),
        sa.Column('evidence_url', sa.String(length=500), nullable=False),
        sa.Column('carried', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'],
                                name=op.f('fk_declaration_claims_declaration_id_declarations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_claims')),
        sa.UniqueConstraint('declaration_id', 'key', name='uq_declaration_claims_declaration_id_key'),
    )
    with op.batch_alter_table('declaration_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_claims_declaration_id'), ['declaration_id'], unique=False)
    op.create_table(
        'declaration_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('declaration_id', sa.Integer(), nullable=False),
        sa.Column('coop_id', sa.Integer(), nullable=False),
        sa.Column('section_key', sa.String(length=80), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('asked_by_id', sa.Integer(), nullable=True),
        sa.Column('asked_at', UTCDateTime(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', UTCDateTime(), nullable=True),
        sa.Column('escalated_by_id', sa.Integer(), nullable=True),
        sa.Column('escalated_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['people.id'],
                                name=op.f('fk_declaration_questions_answered_by_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['asked_by_id'], ['people.id'],
                                name=op.f('fk_declaration_questions_asked_by_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['coop_id'], ['cooperatives.id'],
                                name=op.f('fk_declaration_questions_coop_id_cooperatives')),
        sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'],
                                name=op.f('fk_declaration_questions_declaration_id_declarations')),
        sa.ForeignKeyConstraint(['escalated_by_id'], ['people.id'],
                                name=op.f('fk_declaration_questions_escalated_by_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_questions')),
    )
    with op.batch_alter_table('declaration_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_questions_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_questions_declaration_id'), ['declaration_id'], unique=False)
    op.create_table(
        'registry_entries',
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('ref', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('prev', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_registry_entries')),
        sa.UniqueConstraint('hash', name=op.f('uq_registry_entries_hash')),
        sa.UniqueConstraint('kind', 'ref', name='uq_registry_entries_kind'),
    )
    make_append_only("registry_entries", MESSAGE)


def downgrade():
    drop_append_only("registry_entries")
    op.drop_table('registry_entries')
    with op.batch_alter_table('declaration_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_questions_declaration_id'))
        batch_op.drop_index(batch_op.f('ix_declaration_questions_coop_id'))
    op.drop_table('declaration_questions')
    with op.batch_alter_table('declaration_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_claims_declaration_id'))
    op.drop_table('declaration_claims')
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declarations_version_id'))
        batch_op.drop_index(batch_op.f('ix_declarations_standard_id'))
        batch_op.drop_index(batch_op.f('ix_declarations_coop_id'))
    op.drop_table('declarations')
