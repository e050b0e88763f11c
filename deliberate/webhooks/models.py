"""Webhooks, their deliveries, and every attempt to send one."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person

DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")


class Webhook(db.Model):
    """A URL that receives the events it subscribed to: a co-op's (``coop_id``) or the network's (None)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept readable (not hashed): every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str] = mapped_column(String(300), default="")
    # Deliveries that failed (gave up) in a row; a success resets it.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    coop: Mapped[Cooperative | None] = relationship(lazy="joined")
    created_by: Mapped[Person | None] = relationship(lazy="joined")

    @property
    def is_network(self) -> bool:
        return self.coop_id is None

    def __repr__(self) -> str:
        return f"<Webhook {self.id}>"


class WebhookDelivery(db.Model):
    """One event for one webhook: the body is fixed when the event happens; attempts re-sign it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The X-Deliberate-Delivery header: the same on every attempt, so receivers can ignore repeats.
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # No retries for pings; the configured schedule otherwise.
    retries: Mapped[bool] = mapped_column(Boolean, default=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker that claimed the delivery holds it until then; after that (it crashed) another may.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(300), default="")

    webhook: Mapped[Webhook] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.status}>"


class WebhookAttempt(db.Model):
    """One try at sending a delivery: what came back and what happens next."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(300), default="")
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # The retry this failure scheduled (None: delivered, or given up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
