"""Threads about a subject (a standard, a section, an amendment or a vote) and their comments.

A thread points at its subject through ``(subject_kind, subject_id)`` rather than a foreign key
per kind, so that votes (and later kinds) get threads without a schema change here. Each
subject has one default thread (an empty title) and may have further titled threads.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import limits
from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person

SUBJECT_KINDS = ("standard", "section", "amendment", "vote")
BODY_LIMIT = limits.COMMENT_BODY
QUOTE_LIMIT = limits.QUOTE
REASON_LIMIT = limits.REASON
TITLE_LIMIT = limits.TITLE
CLIENT_ID_LIMIT = 64


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        # One default thread (title "") per subject, and no two threads with the same title on it;
        # also what makes two first comments arriving together share one default thread. Its
        # index serves "the threads of this subject" too.
        UniqueConstraint("subject_kind", "subject_id", "title"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    # The standard the subject belongs to (None for a vote on a co-op's admission).
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_default(self) -> bool:
        return self.title == ""


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # A client-made id is unique per author: a retried post finds the comment it already made.
        UniqueConstraint("author_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    # None once the author is erased: the comment stays, "a former delegate of X" wrote it.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The co-op the author spoke for (None for a steward speaking as steward).
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    body: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(String(QUOTE_LIMIT))
    # Where the quote sits: {"section_key", "revision_id", "paragraph", "start", "end"} for a
    # section, {"draft_id", "start", "end"} for an amendment (offsets in the source text).
    anchor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_id: Mapped[str | None] = mapped_column(String(CLIENT_ID_LIMIT))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(REASON_LIMIT))
    # Set when the author, erasing their account, chose to remove their words (body emptied).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The event that announced it (a retried post acknowledges with the same id) and the latest
    # event about it (clients ignore a replayed event older than what they already show).
    posted_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    last_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))

    thread: Mapped[Thread] = relationship(lazy="joined")
    author: Mapped[Person | None] = relationship(foreign_keys=[author_id], lazy="joined")
    coop: Mapped[Cooperative | None] = relationship(lazy="joined")
    hidden_by: Mapped[Person | None] = relationship(foreign_keys=[hidden_by_id], lazy="joined")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentEdit(db.Model):
    """An earlier wording of a comment: the body as it was until ``edited_at``."""

    __tablename__ = "comment_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
