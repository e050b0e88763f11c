"""versions: ratified versions with their section snapshots, and the hash-chained changelog

Revision ID: 5ac82d638d24
Revises: a865d9ce871c
Create Date: 2026-11-26 10:00:29.455282

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = '5ac82d638d24'
down_revision = 'a865d9ce871c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('level_reasons', sa.JSON(), nullable=False),
    sa.Column('level_overridden', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('amendment_ids', sa.JSON(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('vote_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ratified_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_versions_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_id'], ['versions.id'], name=op.f('fk_versions_previous_id_versions')),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_versions_standard_id_standards')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_versions_vote_id_votes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_versions')),
    sa.UniqueConstraint('standard_id', 'number', 'attempt', name='uq_versions_standard_id_number_attempt')
    )
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_versions_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_versions_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_versions_vote_id'), ['vote_id'], unique=False)

    op.create_table('changelog_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('entry', sa.JSON(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_changelog_entries_standard_id_standards')),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_changelog_entries_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changelog_entries')),
    sa.UniqueConstraint('standard_id', 'seq', name='uq_changelog_entries_standard_id_seq'),
    sa.UniqueConstraint('version_id', name='uq_changelog_entries_version_id')
    )
    with op.batch_alter_table('changelog_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changelog_entries_standard_id'), ['standard_id'], unique=False)

    op.create_table('version_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_version_sections_revision_id_revisions')),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_version_sections_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_sections')),
    sa.UniqueConstraint('version_id', 'key', name='uq_version_sections_version_id_key'),
    sa.UniqueConstraint('version_id', 'position', name='uq_version_sections_version_id_position')
    )
    with op.batch_alter_table('version_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_sections_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('version_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_sections_version_id'))

    op.drop_table('version_sections')
    with op.batch_alter_table('changelog_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changelog_entries_standard_id'))

    op.drop_table('changelog_entries')
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_versions_vote_id'))
        batch_op.drop_index(batch_op.f('ix_versions_state'))
        batch_op.drop_index(batch_op.f('ix_versions_standard_id'))

    op.drop_table('versions')
