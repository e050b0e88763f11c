"""The worker job "mail": make the digests that are due, then send every mail that is due, then
forget finished mails older than MAIL_LOG_DAYS.

Safe with several workers: a mail is claimed in its own short transaction (PostgreSQL:
``SELECT … FOR UPDATE SKIP LOCKED``; SQLite: the write transaction begins immediately) by setting
``claimed_until`` and a random ``claim_token``; the result is recorded only by the holder of the
token. A worker that dies while sending leaves a claim that expires, and the mail is tried again
(with the same Message-ID).

Where mails go: over SMTP when SMTP_HOST is set; without it, outside production, into the log
(links included: the development fallback); in production without it, nowhere: they stay queued
(the app says so when it starts) and go out once SMTP_HOST is set.
"""
from __future__ import annotations

import logging
import random
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, or_, select

from ..database import is_postgres, unit_of_work, utcnow
from ..extensions import db
from . import compose, schedule
from .message import build
from .models import OutboxMail

log = logging.getLogger(__name__)

DEFAULT_WORKER_SECONDS = 10.0
MAX_PER_PASS = 500
# Digests are looked for at most this often (the hour they go out at is kept within it).
DIGEST_CHECK_SECONDS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Removed from a mail's params once it is finished: the link's token must not outlive its mail.
_SECRET_PARAMS = ("token",)


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    username: str
    password: str
    security: str
    timeout: float
    max_refusals: int
    base: float
    cap: float
    production: bool
    jitter: float = schedule.DEFAULT_JITTER

    @property
    def mode(self) -> str:
        """"smtp", "log" (development without SMTP_HOST) or "hold" (production without it)."""
        if self.host:
            return "smtp"
        return "hold" if self.production else "log"

    @property
    def lease(self) -> timedelta:
        """How long a claim holds: longer than composing and sending one mail can take."""
        return timedelta(seconds=self.timeout * 4 + 60)

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        return cls(host=config.get("SMTP_HOST", ""), port=int(config.get("SMTP_PORT", 587)),
                   username=config.get("SMTP_USERNAME", ""), password=config.get("SMTP_PASSWORD", ""),
                   security=config.get("SMTP_SECURITY", "starttls"), timeout=float(config.get("SMTP_TIMEOUT_SECONDS", 15)),
                   max_refusals=int(config.get("MAIL_MAX_ATTEMPTS", schedule.DEFAULT_MAX_REFUSALS)),
                   base=float(config.get("MAIL_RETRY_BASE_SECONDS", schedule.DEFAULT_BASE_SECONDS)),
                   cap=float(config.get("MAIL_RETRY_MAX_SECONDS", schedule.DEFAULT_CAP_SECONDS)),
                   production=config.get("ENV_NAME") == "production")


@dataclass(frozen=True)
class Claim:
    mail_id: int
    token: str


@dataclass
class PassReport:
    digests: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    # The SMTP server could not be reached: the pass stopped there.
    outage: str = ""

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed + self.cancelled


# Transports ---------------------------------------------------------------------------------------

class SMTPTransport:
    """One SMTP session for a pass, opened at the first mail and reused for the next ones."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
            if s.username:
                connection.login(s.username, s.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> tuple[str, str]:
        """(outcome, what went wrong): schedule.SENT, OUTAGE, DEFERRED or REFUSED."""
        fresh = self.connection is None
        try:
            if self.connection is None:
                self.connection = self._connect()
            return self._send(message)
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            if not fresh:  # the server dropped the session we kept: try once on a new one
                return self.send(message)
            return schedule.OUTAGE, f"The mail server closed the connection: {error}"
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            return schedule.OUTAGE, f"The mail server refused the sign-in (check SMTP_USERNAME and SMTP_PASSWORD): {error.smtp_code}"
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return schedule.OUTAGE, f"Could not reach the mail server {self.settings.host}:{self.settings.port}: " \
                                    f"{error.__class__.__name__}: {error}"

    def _send(self, message: EmailMessage) -> tuple[str, str]:
        assert self.connection is not None
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        try:
            self.connection.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            return schedule.classify_reply(code), f"The mail server refused the address: {code} {_text(reply)}"
        except smtplib.SMTPDataError as error:
            return schedule.classify_reply(error.smtp_code), f"The mail server refused the mail: {error.smtp_code} {_text(error.smtp_error)}"
        except smtplib.SMTPSenderRefused as error:
            # About the sender (MAIL_FROM), so about every mail: an outage of ours, not this mail's fault.
            self.close()
            return schedule.OUTAGE, f"The mail server refused the sender {sender}: {error.smtp_code} {_text(error.smtp_error)}"
        return schedule.SENT, ""

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


class LogTransport:
    """Development without SMTP_HOST: each mail is written to the log (its links with it) and counts as sent."""

    def send(self, message: EmailMessage) -> tuple[str, str]:
        text = message.get_body(("plain",))
        # The log is how the reader gets this mail's link here: the log filter keeps it (never in production).
        log.warning("Mail (not sent: no SMTP_HOST) to %s: %s\n%s", message["To"], message["Subject"],
                    text.get_content() if text is not None else "", extra={"deliberate_keep_links": True})
        return schedule.SENT, ""

    def close(self) -> None:
        pass


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _CONTROL.sub(" ", str(value))[:200]


def transport_for(settings: Settings) -> SMTPTransport | LogTransport | None:
    if settings.mode == "smtp":
        return SMTPTransport(settings)
    return LogTransport() if settings.mode == "log" else None


# Claiming and recording -----------------------------------------------------------------------------

def claim_next(now: datetime, lease: timedelta) -> Claim | None:
    """Claim the most overdue pending mail, or None if nothing is due."""
    with unit_of_work() as session:
        query = (select(OutboxMail)
                 .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now,
                        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
                 .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(1))
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        mail = session.scalars(query.execution_options(populate_existing=True)).first()
        if mail is None:
            return None
        token = secrets.token_hex(16)
        mail.claimed_until, mail.claim_token = now + lease, token
        return Claim(mail.id, token)


def _scrubbed(params: dict[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (params or {}).items() if key not in _SECRET_PARAMS}


def record(claim: Claim, outcome: str, error: str, now: datetime, settings: Settings,
           rand: float | None = None) -> str:
    """Write what happened to a claimed mail: "sent", "retrying", "failed", "cancelled" (``outcome``
    "skip": not sent, ``error`` says why) or "lost" (the claim expired and another worker took it)."""
    with unit_of_work() as session:
        mail = session.scalars(select(OutboxMail).where(OutboxMail.id == claim.mail_id,
                                                        OutboxMail.claim_token == claim.token)
                               .with_for_update().execution_options(populate_existing=True)).first()
        if mail is None or mail.status != "pending":
            return "lost"
        mail.claimed_until, mail.claim_token = None, None
        mail.last_error = _CONTROL.sub(" ", error or "")[:300]
        if outcome == "skip":
            mail.status, mail.finished_at, mail.next_attempt_at = "cancelled", now, None
            mail.params = _scrubbed(mail.params)
            return "cancelled"
        mail.attempts += 1
        decision = schedule.decide(outcome, mail.failures, mail.refusals, now, base=settings.base, cap=settings.cap,
                                   max_refusals=settings.max_refusals, jitter=settings.jitter,
                                   rand=random.random() if rand is None else rand)
        mail.refusals = decision.refusals
        if decision.status == "pending":
            mail.failures += 1
            mail.next_attempt_at = decision.retry_at
            return "retrying"
        mail.status, mail.finished_at, mail.next_attempt_at = decision.status, now, None
        mail.params = _scrubbed(mail.params)
        if decision.status == "failed":
            log.warning("mail %s (%s) failed after %d refusals: %s", mail.id, mail.kind, mail.refusals, mail.last_error)
            return "failed"
        mail.failures = 0
        return "sent"


# A pass ------------------------------------------------------------------------------------------------

def _letter(claim: Claim, now: datetime):
    mail = db.session.get(OutboxMail, claim.mail_id)
    try:
        return compose.compose(mail, now) if mail is not None else compose.Skip("The mail was removed.")
    finally:
        db.session.rollback()  # end the read before recording


def deliver_due(now: datetime | None = None, limit: int = MAX_PER_PASS, settings: Settings | None = None,
                transport: Any = None) -> PassReport:
    """One pass (inside an app context): send every mail due at ``now`` (default: the clock)."""
    settings = settings or Settings.from_config(current_app.config)
    report = PassReport()
    transport = transport or transport_for(settings)
    if transport is None:  # production without SMTP_HOST: mails wait
        return report
    fixed = now
    try:
        for _ in range(limit):
            moment = fixed or utcnow()
            claim = claim_next(moment, settings.lease)
            if claim is None:
                break
            try:
                letter = _letter(claim, moment)
            except Exception as error:  # a mail that cannot be composed is a bug: counted as a refusal
                log.exception("could not compose mail %s", claim.mail_id)
                outcome, error_text = schedule.REFUSED, f"Could not compose the mail: {error.__class__.__name__}: {error}"
            else:
                if isinstance(letter, compose.Skip):
                    outcome, error_text = "skip", letter.reason
                else:
                    outcome, error_text = transport.send(build(letter))
            result = record(claim, outcome, error_text, fixed or utcnow(), settings)
            if result in ("sent", "retrying", "failed", "cancelled"):
                setattr(report, result, getattr(report, result) + 1)
            if outcome == schedule.OUTAGE:
                report.outage = error_text
                break  # the server is away: the other mails wait for the next pass
    finally:
        transport.close()
    return report


def prune(now: datetime | None = None, days: int | None = None) -> int:
    """Delete finished mails older than ``days`` (MAIL_LOG_DAYS; 0 keeps them all)."""
    days = int(current_app.config.get("MAIL_LOG_DAYS", 30)) if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    with unit_of_work() as session:
        removed = session.execute(delete(OutboxMail).where(OutboxMail.status != "pending",
                                                           OutboxMail.finished_at < cutoff)).rowcount
    return removed or 0


def _digests_due_check(app: Flask, now: datetime | None) -> bool:
    """Look for due digests at most every DIGEST_CHECK_SECONDS of this process (or at every given ``now``)."""
    if now is not None:
        return True
    moment = utcnow()
    last = app.extensions.get("deliberate.mail.digests_checked_at")
    if last is not None and (moment - last).total_seconds() < DIGEST_CHECK_SECONDS:
        return False
    app.extensions["deliberate.mail.digests_checked_at"] = moment
    return True


def tick(app: Flask, now: datetime | None = None) -> PassReport:
    from .digests import queue_digests

    with app.app_context():
        try:
            digests = queue_digests(now) if _digests_due_check(app, now) else 0
            report = deliver_due(now)
            report.digests = digests
            prune(now)
        finally:
            db.session.remove()
    if report.outage:
        log.warning("mail: the SMTP server could not be reached; mails wait and are retried: %s", report.outage)
    if report.attempted:
        log.info("mail: %d sent, %d to retry, %d failed, %d not needed any more", report.sent, report.retrying,
                 report.failed, report.cancelled)
    return report


def interval(app: Flask) -> float:
    try:
        return max(float(app.config.get("MAIL_WORKER_SECONDS", DEFAULT_WORKER_SECONDS)), 0.0)
    except (TypeError, ValueError):
        return DEFAULT_WORKER_SECONDS
