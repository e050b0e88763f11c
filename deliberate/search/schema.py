"""The parts of the search index that the models do not describe, named in one place.

SQLite keeps the words in an FTS5 virtual table (plus the shadow tables FTS5 makes for itself);
PostgreSQL in a GIN expression index. The migration creates them; :func:`include_name` tells
Alembic's autogenerate (``migrations/env.py``) and the models-match-migrations test to leave
them alone, since a model cannot declare them.
"""
from __future__ import annotations

FTS_TABLE = "search_fts"
# Shadow tables FTS5 creates next to the virtual table (see https://sqlite.org/fts5.html).
FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")
PG_INDEX = "ix_search_documents_fts"
# Made by the migration: English stems without stop words, accents folded (unaccent, when installed).
PG_CONFIG = "deliberate_english"
# The expression the PostgreSQL index is built on (the migration writes it unqualified); queries
# must use exactly this expression for the planner to use the index.
PG_VECTOR = f"to_tsvector('{PG_CONFIG}'::regconfig, search_documents.title || ' ' || search_documents.body)"
# Porter stemming over Unicode words, accents folded: the closest match to deliberate_english.
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


def is_index_object(name: str | None, type_: str) -> bool:
    """True for the FTS5 tables and the PostgreSQL expression index."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or any(name == FTS_TABLE + suffix for suffix in FTS_SHADOW_SUFFIXES)
    if type_ == "index":
        return name == PG_INDEX
    return False


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic ``include_name`` hook: compare everything except the hand-made search index."""
    return not is_index_object(name, type_)

