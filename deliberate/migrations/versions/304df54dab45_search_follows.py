"""search index, follows and notification markers

The search index is a plain table (``search_documents``) plus a full-text index the models cannot
describe: on SQLite an FTS5 table ``search_fts`` (rowid = search_documents.id), on PostgreSQL a GIN
index on ``to_tsvector('deliberate_english', title || ' ' || body)`` (a text search configuration
made here: English stems, no stop words, accents folded when the unaccent extension is there). deliberate/search/schema.py names them
(and tells autogenerate to leave them alone). Existing rows are indexed here with their raw text;
``flask --app deliberate search reindex`` rebuilds the index with the Markdown removed.

Revision ID: 304df54dab45
Revises: 5ac82d638d24
Create Date: 2026-11-26 10:01:13.718696

"""
from alembic import op
import sqlalchemy as sa
import deliberate.database


# revision identifiers, used by Alembic.
revision = '304df54dab45'
down_revision = '5ac82d638d24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_search_documents_kind'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_documents_amendment_id'), ['amendment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_documents_standard_id'), ['standard_id'], unique=False)

    op.create_table('notification_markers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('last_seen_event_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notification_markers_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_markers')),
    sa.UniqueConstraint('person_id', name=op.f('uq_notification_markers_person_id'))
    )
    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('since_event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', deliberate.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_follows_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_follows_standard_id_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('person_id', 'standard_id', name=op.f('uq_follows_person_id'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_standard_id'), ['standard_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
                   "tokenize='porter unicode61 remove_diacritics 2')")
    elif dialect == "postgresql":
        # English stemming like SQLite's porter tokenizer, and like it without stop words (the
        # stock 'english' drops "own", "their", "not"...), accents folded where unaccent exists.
        bind = op.get_bind()
        unaccent = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")).scalar()
        if unaccent:
            op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH DICTIONARY deliberate_english_stem (TEMPLATE = snowball, LANGUAGE = english)")
        op.execute("CREATE TEXT SEARCH CONFIGURATION deliberate_english (COPY = english)")
        op.execute("ALTER TEXT SEARCH CONFIGURATION deliberate_english ALTER MAPPING FOR asciiword, asciihword, "
                   "hword_asciipart, word, hword, hword_part WITH "
                   + ("unaccent, " if unaccent else "") + "deliberate_english_stem")
        op.execute("CREATE INDEX ix_search_documents_fts ON search_documents "
                   "USING gin ((to_tsvector('deliberate_english'::regconfig, title || ' ' || body)))")
    _index_existing_rows(dialect)


def _index_existing_rows(dialect):
    bind = op.get_bind()
    columns = "kind, ref_id, standard_id, amendment_id, hidden, title, body, updated_at"
    for select in (
        "SELECT 'standard', id, id, NULL, :no, title, summary, created_at FROM standards",
        "SELECT 'section', s.id, s.standard_id, NULL, :no, r.title, r.body, r.created_at "
        "FROM sections s JOIN revisions r ON r.id = s.head_revision_id WHERE s.retired_at IS NULL",
        "SELECT 'amendment', a.id, a.standard_id, a.id, :no, a.title, a.summary || ' ' || a.rationale || "
        "CASE WHEN a.kind IN ('modify', 'retitle', 'insert') "
        "THEN ' ' || COALESCE(d.proposed_title, '') || ' ' || COALESCE(d.proposed_body, '') ELSE '' END, "
        "a.updated_at FROM amendments a LEFT JOIN amendment_drafts d ON d.id = a.head_draft_id",
        "SELECT 'comment', c.id, t.standard_id, CASE WHEN t.subject_kind = 'amendment' THEN t.subject_id END, "
        "c.hidden_at IS NOT NULL, t.title, c.body, COALESCE(c.edited_at, c.created_at) "
        "FROM comments c JOIN threads t ON t.id = c.thread_id",
    ):
        bind.execute(sa.text(f"INSERT INTO search_documents ({columns}) {select}"), {"no": False})
    if dialect == "sqlite":
        op.execute("INSERT INTO search_fts (rowid, title, body) SELECT id, title, body FROM search_documents")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX ix_search_documents_fts")
        op.execute("DROP TEXT SEARCH CONFIGURATION deliberate_english")
        op.execute("DROP TEXT SEARCH DICTIONARY deliberate_english_stem")
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_standard_id'))
        batch_op.drop_index(batch_op.f('ix_follows_person_id'))

    op.drop_table('follows')
    op.drop_table('notification_markers')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_documents_standard_id'))
        batch_op.drop_index(batch_op.f('ix_search_documents_amendment_id'))

    op.drop_table('search_documents')
