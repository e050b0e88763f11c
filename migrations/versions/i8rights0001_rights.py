"""erasure, audit log (issue 8)

Revision ID: i8rights0001
Revises: i7webhooks01
Create Date: 2026-11-26 12:40:00

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
    pass


def downgrade():
    pass
