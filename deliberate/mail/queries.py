"""Reading the outbox and the settings: counts for monitoring, a person's choices for their page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from .models import MailSettings, OutboxMail


def pending_count() -> int:
    """How many mails are not sent yet (waiting, or being retried): the outbox's backlog (metrics)."""
    return db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.status == "pending")) or 0


def failed_count() -> int:
    """How many mails were given up after repeated refusals (still kept, MAIL_LOG_DAYS)."""
    return db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.status == "failed")) or 0


def recent_failures(limit: int = 20) -> list[OutboxMail]:
    """The latest failed mails, newest first (what a steward looks at)."""
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.status == "failed")
                                   .order_by(OutboxMail.finished_at.desc(), OutboxMail.id.desc()).limit(limit)))


@dataclass(frozen=True)
class OutboxState:
    """What a steward sees: the backlog, the failures, and why the oldest waiting mail waits."""

    pending: int
    failed: int
    oldest_pending: OutboxMail | None
    failures: list[OutboxMail]
    mode: str  # "smtp", "log" or "hold" (sender.Settings.mode)


def outbox_state(limit: int = 20) -> OutboxState:
    from .sender import Settings

    oldest = db.session.scalar(select(OutboxMail).where(OutboxMail.status == "pending")
                               .order_by(OutboxMail.created_at, OutboxMail.id).limit(1))
    return OutboxState(pending_count(), failed_count(), oldest, recent_failures(limit),
                       Settings.from_config(current_app.config).mode)


@dataclass(frozen=True)
class Choices:
    """What mail a person gets (their saved settings, or the defaults)."""

    vote_opened: bool = True
    vote_closing: bool = True
    vote_closed: bool = True
    digest: str = "weekly"


def choices_of(person) -> Choices:
    default = current_app.config.get("MAIL_DIGEST_DEFAULT", "weekly")
    settings = db.session.scalar(select(MailSettings).where(MailSettings.person_id == person.id))
    if settings is None:
        return Choices(digest=default)
    return Choices(settings.vote_opened, settings.vote_closing, settings.vote_closed, settings.digest or default)
