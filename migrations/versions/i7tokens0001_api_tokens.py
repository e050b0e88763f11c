"""API personal access tokens (issue 7)

Revision ID: i7tokens0001
Revises: 706637e28d2f
Create Date: 2026-11-26 12:40:00

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'i7tokens0001'
down_revision = '706637e28d2f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
