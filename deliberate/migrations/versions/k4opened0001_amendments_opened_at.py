"""amendments.opened_at: a draft never opened stays private whatever state it reaches

Revision ID: k4opened0001
Revises: k3signins01
Create Date: 2026-12-06 23:45:00

Privacy used to follow the state alone ("draft"), so a private draft became public when it turned
conflicted, was withdrawn or was superseded. Filled from each amendment's first "open" transition;
amendments in a state only an opened one reaches, without such a transition, count as opened when
they were created.
"""
import sqlalchemy as sa
from alembic import op

import deliberate.database

# revision identifiers, used by Alembic.
revision = 'k4opened0001'
down_revision = 'k3signins01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', deliberate.database.UTCDateTime(timezone=True), nullable=True))
    op.execute("""
        UPDATE amendments SET opened_at = (
            SELECT MIN(t.created_at) FROM amendment_transitions t
            WHERE t.amendment_id = amendments.id AND t.action = 'open')
    """)
    op.execute("""
        UPDATE amendments SET opened_at = created_at
        WHERE opened_at IS NULL AND (state IN ('open', 'voting', 'adopted', 'rejected')
               OR (state = 'conflicted' AND (state_before_conflict IS NULL OR state_before_conflict <> 'draft')))
    """)


def downgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
