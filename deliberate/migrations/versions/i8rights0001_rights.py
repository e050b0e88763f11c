"""erasure, audit log (issue 8)

Revision ID: i8rights0001
Revises: i7webhooks01
Create Date: 2026-11-26 12:40:00

The audit log reads the existing events table; erasure needs only two timestamps.
"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'i8rights0001'
down_revision = 'i7webhooks01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', deliberate.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', deliberate.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
