"""amendments.change_kind and .terms, votes.terms: the policy's terms copied into each process

Revision ID: m1terms00001
Revises: k4opened0001
Create Date: 2026-12-07 01:45:00

An amendment's kind of change is its section's kind (insertions: "principle"); the terms of
processes that started before policies had terms stay NULL (they were decided by the rule stored
on their vote, which never changes).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'm1terms00001'
down_revision = 'k4opened0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_kind', sa.String(length=16), server_default='principle', nullable=False))
        batch_op.add_column(sa.Column('terms', sa.JSON(), nullable=True))
    op.execute("""
        UPDATE amendments SET change_kind = (
            SELECT s.kind FROM sections s WHERE s.id = amendments.section_id)
        WHERE section_id IS NOT NULL
    """)
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms', sa.JSON(), nullable=True))


def downgrade():
    # SQLite drops these plain columns in place: recreating a table fails once others refer to its rows.
    with op.batch_alter_table('votes', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('terms')
    with op.batch_alter_table('amendments', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('terms')
        batch_op.drop_column('change_kind')
