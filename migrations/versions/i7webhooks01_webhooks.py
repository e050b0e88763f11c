"""webhooks, deliveries (issue 7)

Revision ID: i7webhooks01
Revises: i7tokens0001
Create Date: 2026-11-26 12:40:00

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = 'i7webhooks01'
down_revision = 'i7tokens0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
