"""The shared text being co-edited, and each client's server-side sync state, kept durably."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class SharedDraft(db.Model):
    """The live text of one document ("section:5", "amendment:7") while people co-edit it."""

    __tablename__ = "shared_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_key: Mapped[str] = mapped_column(String(40), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # The saved revision (section) or amendment draft the live text started from.
    base_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # person id -> co-op id (or None) of everyone who typed since the last save.
    contributors: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncSession(db.Model):
    """One browser tab's server shadow, backup shadow and edit stack (sync.ServerSession)."""

    __tablename__ = "sync_sessions"
    __table_args__ = (UniqueConstraint("shared_draft_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shared_draft_id: Mapped[int] = mapped_column(ForeignKey("shared_drafts.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    state: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
