"""declaration_questions.objection_id: the formal objection an escalated question became

Revision ID: govapi000001
Revises: n1phases0001
Create Date: 2026-12-07 03:00:00

Escalating a question on a declaration files a formal objection (subject
``declaration_question:<id>``) in the same transaction; the question keeps the objection's id so
that its page links to it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'govapi000001'
down_revision = 'n1phases0001'
branch_labels = None
depends_on = None


FK = 'fk_declaration_questions_objection_id_formal_objections'


def upgrade():
    # A plain added column: SQLite adds it in place with its REFERENCES clause inline (no table
    # rebuild, which would drop anything attached to the table), as n1proxies001 does.
    if op.get_bind().dialect.name == 'postgresql':
        with op.batch_alter_table('declaration_questions', schema=None) as batch_op:
            batch_op.add_column(sa.Column('objection_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(FK), 'formal_objections', ['objection_id'], ['id'])
    else:
        op.execute(f"ALTER TABLE declaration_questions ADD COLUMN objection_id INTEGER "
                   f"CONSTRAINT {FK} REFERENCES formal_objections (id)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.batch_alter_table('declaration_questions', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(FK), type_='foreignkey')
            batch_op.drop_column('objection_id')
    else:
        op.execute("ALTER TABLE declaration_questions DROP COLUMN objection_id")
