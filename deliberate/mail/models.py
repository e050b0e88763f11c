"""The outbox of mails to send, and each person's mail settings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

MAIL_STATUSES = ("pending", "sent", "failed", "cancelled")


class OutboxMail(db.Model):
    """One mail to one reader, written in the transaction of the change it tells about.

    The row holds what the mail is about (``kind`` and ``params``: ids, and the link's token for an
    invitation or a password reset); the worker composes the words when it sends, in the reader's
    language then. A token is removed from ``params`` once the mail is finished.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Message-ID's left part: the same on every attempt.
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The reader; None for an invitation, addressed to ``address`` (no account yet).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    address: Mapped[str | None] = mapped_column(String(254))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # One mail per thing and reader ("vote_opened:12:5", "digest:5:2031-03-09T07:00"): a second is never queued.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Failed tries in a row (the backoff's exponent) and 5xx refusals (MAIL_MAX_ATTEMPTS of them: failed).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker that claimed the mail holds it until then; after that (it crashed) another may.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.kind} {self.status}>"


class MailSettings(db.Model):
    """What mail a person wants (no row: every kind on, the default digest), and how far their last
    digest went."""

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    vote_opened: Mapped[bool] = mapped_column(Boolean, default=True)
    vote_closing: Mapped[bool] = mapped_column(Boolean, default=True)
    vote_closed: Mapped[bool] = mapped_column(Boolean, default=True)
    # "daily", "weekly" or "off"; None: the installation's default (MAIL_DIGEST_DEFAULT).
    digest: Mapped[str | None] = mapped_column(String(8))
    # The last digest made (sent, or empty and skipped): the next one starts there.
    digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_event_id: Mapped[int] = mapped_column(Integer, default=0)
    digest_closing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def wants(self, kind: str) -> bool:
        """Whether the person wants this optional kind of mail (the digest: unless it is off)."""
        if kind == "digest":
            return self.digest != "off"
        return bool(getattr(self, kind, True))
