"""people's interface language (issue 9)

Revision ID: i9locale0001
Revises: i8rights0001
Create Date: 2026-11-26 12:40:00

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'i9locale0001'
down_revision = 'i8rights0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('locale')
