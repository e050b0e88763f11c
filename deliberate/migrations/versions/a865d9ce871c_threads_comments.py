"""threads, comments and comment edits (discussions)

Revision ID: a865d9ce871c
Revises: 5a8b9ad94f8c
Create Date: 2026-11-26 09:40:27.087968

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'a865d9ce871c'
# Planned on a355281b9141; it follows the votes migration (same parent) to keep a single head.
down_revision = '5a8b9ad94f8c'
branch_labels = None
depends_on = None


def upgrade():
    # No circular foreign keys here: comments refer to threads and to themselves (replies) only.
    op.create_table('threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_threads_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_threads_standard_id_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threads')),
    sa.UniqueConstraint('subject_kind', 'subject_id', 'title', name=op.f('uq_threads_subject_kind'))
    )
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_threads_standard_id'), ['standard_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('coop_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('quote', sa.String(length=1000), nullable=True),
    sa.Column('anchor', sa.JSON(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', deliberate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('posted_event_id', sa.Integer(), nullable=True),
    sa.Column('last_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_comments_author_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperatives.id'], name=op.f('fk_comments_coop_id_cooperatives')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['people.id'], name=op.f('fk_comments_hidden_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_event_id'], ['events.id'], name=op.f('fk_comments_last_event_id_events')),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments')),
    sa.ForeignKeyConstraint(['posted_event_id'], ['events.id'], name=op.f('fk_comments_posted_event_id_events')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_comments_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('author_id', 'client_id', name=op.f('uq_comments_author_id'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_thread_id'), ['thread_id'], unique=False)

    op.create_table('comment_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_edits_comment_id_comments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_edits'))
    )
    with op.batch_alter_table('comment_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_edits_comment_id'), ['comment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_edits_comment_id'))

    op.drop_table('comment_edits')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_thread_id'))
        batch_op.drop_index(batch_op.f('ix_comments_parent_id'))

    op.drop_table('comments')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_threads_standard_id'))

    op.drop_table('threads')
