"""The search index: one row per searchable thing, kept in step with its source by indexing.py.

The words live in ``title`` and ``body`` (plain text, Markdown removed). Who may read a row is
decided when searching, from ``standard_id``, ``amendment_id`` (set for an amendment and for the
comments on it: a draft's words are private to its authors and the stewards) and ``hidden``
(a comment a steward hid).

The full-text index itself is made outside these models by the migration: on SQLite an FTS5
table ``search_fts`` whose rowid is ``search_documents.id``; on PostgreSQL a GIN index on
``to_tsvector('deliberate_english', title || ' ' || body)``. See :mod:`deliberate.search.schema`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

DOCUMENT_KINDS = ("standard", "section", "amendment", "comment")


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The id of the standard, section, amendment or comment (no foreign key: one column, four tables).
    ref_id: Mapped[int] = mapped_column(Integer)
    standard_id: Mapped[int | None] = mapped_column(Integer, index=True)
    amendment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
