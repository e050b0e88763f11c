"""co-ops: application_public_at, when an applicant's application became public (its admission vote opened)

Revision ID: l1public0001
Revises: l1mail000001
Create Date: 2026-12-06 22:50:00

An applicant co-op is seen only by stewards and its own delegates, until the member co-ops are
asked to vote on admitting it: from then on its application is a public record, like the vote.
"""
import sqlalchemy as sa
from alembic import op

from deliberate.database import UTCDateTime

revision = 'l1public0001'
down_revision = 'l1mail000001'
branch_labels = None
depends_on = None


def upgrade():
    # An added column needs no copy of the table (a copy would trip the foreign keys to it).
    with op.batch_alter_table('cooperatives', recreate='never') as batch:
        batch.add_column(sa.Column('application_public_at', UTCDateTime(timezone=True), nullable=True))
    # Applicants that already have an admission vote: public since that vote opened.
    op.execute("UPDATE cooperatives SET application_public_at = (SELECT MIN(votes.opens_at) FROM votes "
               "WHERE votes.subject_kind = 'admission' AND votes.subject_id = cooperatives.id)")


def downgrade():
    with op.batch_alter_table('cooperatives', recreate='never') as batch:  # SQLite 3.35+ drops a column in place
        batch.drop_column('application_public_at')
