"""standards.role (the Network rules standard) and amendment_drafts.proposed_policy / base_policy

Revision ID: n1netrules01
Revises: appeals00001
Create Date: 2026-12-07 02:00:00

A standard with ``role = 'network-rules'`` holds the network's own rules: its ``policy`` column is
the network's stored policy, and its sections are that policy in plain words. At most one standard
has each role (a unique index: NULLs do not collide). A policy amendment (``amendments.kind =
'policy'``) carries the proposed policy on its draft, with the policy it was written against.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'n1netrules01'
down_revision = 'appeals00001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_standards_role'), ['role'], unique=True)
    with op.batch_alter_table('amendment_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_policy', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('base_policy', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('amendment_drafts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('base_policy')
        batch_op.drop_column('proposed_policy')
    with op.batch_alter_table('standards', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_standards_role'))
        batch_op.drop_column('role')
