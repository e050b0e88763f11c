"""Webhook operations: register, turn off and on, rotate the secret, ping, delete; and the hook that
turns domain events into deliveries.

Deliveries are created in the same transaction as the event they announce: a mapper hook on the
events table inserts one ``webhook_deliveries`` row per active webhook that subscribed to the
event, through the flush's own connection. If the service rolls back (or the savepoint the event
was recorded in does), the deliveries vanish with it; once it commits, they are durable, and the
worker (delivery.py) is woken to send them. The voting and versions services are not touched.
"""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

from .. import limits, notices
from ..database import unit_of_work, utcnow
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..members.models import Cooperative, Person
from ..realtime.events import Event
from . import payloads, permissions, signing
from .models import Webhook, WebhookAttempt, WebhookDelivery

MAX_DESCRIPTION = limits.WEBHOOK_DESCRIPTION
MAX_HOOKS_PER_OWNER = 20
# Why a webhook is off (Webhook.disabled_reason; the pages word them).
DISABLED_BY_HAND = "by_hand"
DISABLED_AFTER_FAILURES = "failures"

# Domain event kind -> webhook event type (signing.EVENT_TYPES the other way round).
_TYPE_OF_KIND = {kind: name for name, kind in signing.EVENT_TYPES.items()}


def _url_message(error: signing.UnsafeURL) -> str:
    messages = {
        "empty": _("Give the address that should receive the events."),
        "too_long": _("The address is too long (at most %(n)s characters).", n=format_decimal(signing.MAX_URL_LENGTH)),
        "spaces": _("The address cannot contain spaces."),
        "invalid": _("That is not a valid web address."),
        "scheme": _("The address must start with https:// (or http://)."),
        "no_host": _("The address must name a host, like https://example.org/hooks."),
        "credentials": _("Leave user names and passwords out of the address: check the signature instead."),
        "port": _("That port cannot receive deliveries."),
        "local": _("Local addresses cannot receive webhooks on this server."),
        "private": _("Private and local network addresses cannot receive webhooks on this server."),
    }
    return messages.get(error.code, str(error))


def new_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return signing.SECRET_PREFIX + secrets.token_urlsafe(32)


def _check_events(events: list[str] | tuple[str, ...] | None) -> list[str]:
    chosen = [e for e in signing.EVENT_TYPES if e in set(events or ())]
    unknown = set(events or ()) - set(signing.EVENT_TYPES)
    if unknown or not chosen:
        raise InvalidInput(_("Choose at least one event."), field_errors={"events": [_("Choose at least one event.")]})
    return chosen


def _check_description(description: str | None) -> str:
    return limits.clean_text(description, "description", MAX_DESCRIPTION, multiline=False,
                             too_long=lambda _n: _("At most %(n)s characters.", n=MAX_DESCRIPTION))


def _require(actor: Person | None, hook: Webhook) -> None:
    if not permissions.can_manage_hook(actor, hook):
        # The same answer as for a webhook that does not exist: others cannot tell.
        raise NotFound(_("No webhook with that number."))


def _locked(session: Session, hook: Webhook) -> Webhook:
    row = session.scalar(select(Webhook).where(Webhook.id == hook.id).with_for_update(of=Webhook)
                         .execution_options(populate_existing=True))
    if row is None:
        raise NotFound(_("No webhook with that number."))
    return row


# Registering and managing -----------------------------------------------------------------------

def create_webhook(*, actor: Person, coop: Cooperative | None, url: str, events: list[str],
                   description: str = "", allow_private: bool = False, now: datetime | None = None) -> Webhook:
    """Register ``url`` for ``events``: for ``coop`` (its delegates, stewards) or the network (stewards).

    The signing secret is generated here; ``webhook.secret`` shows it to the owners.
    """
    if not permissions.can_create_hook(actor, coop):
        if coop is None:
            raise PermissionDenied(_("Only stewards can register network-wide webhooks."))
        raise PermissionDenied(_("Only delegates of a member co-op can register its webhooks."))
    try:
        url = signing.check_url(url, allow_private=allow_private)
    except signing.UnsafeURL as error:
        message = _url_message(error)
        raise InvalidInput(message, field_errors={"url": [message]}) from None
    chosen = _check_events(events)
    description = _check_description(description)
    now = now or utcnow()
    with unit_of_work() as session:
        owner = Webhook.coop_id.is_(None) if coop is None else Webhook.coop_id == coop.id
        count = len(session.scalars(select(Webhook.id).where(owner)).all())
        if count >= MAX_HOOKS_PER_OWNER:
            raise InvalidInput(_("There can be at most %(n)s webhooks here: delete one you no longer use.",
                                 n=MAX_HOOKS_PER_OWNER))
        hook = Webhook(coop_id=coop.id if coop else None, url=url, events=chosen, description=description,
                       secret=new_secret(), active=True, disabled_reason="", consecutive_failures=0,
                       created_by_id=actor.id, created_at=now)
        session.add(hook)
    return hook


def set_active(*, actor: Person, webhook: Webhook, active: bool) -> Webhook:
    """Turn a webhook off (its waiting deliveries are cancelled) or back on (failures forgotten)."""
    _require(actor, webhook)
    with unit_of_work() as session:
        hook = _locked(session, webhook)
        if active and not hook.active:
            hook.active, hook.disabled_reason, hook.consecutive_failures = True, "", 0
        elif not active and hook.active:
            hook.active, hook.disabled_reason = False, DISABLED_BY_HAND
            cancel_pending(session, hook.id, notices.TURNED_OFF())
    return hook


def cancel_pending(session: Session, webhook_id: int, reason: str, now: datetime | None = None) -> None:
    """Mark the webhook's waiting deliveries cancelled (the caller's transaction)."""
    session.execute(update(WebhookDelivery)
                    .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending")
                    .values(status="cancelled", next_attempt_at=None, finished_at=now or utcnow(),
                            last_error=reason[:300])
                    .execution_options(synchronize_session=False))


def rotate_secret(*, actor: Person, webhook: Webhook) -> Webhook:
    """Give the webhook a new signing secret (the old one stops working at once)."""
    _require(actor, webhook)
    with unit_of_work() as session:
        hook = _locked(session, webhook)
        hook.secret = new_secret()
    return hook


def delete_webhook(*, actor: Person, webhook: Webhook) -> None:
    """Delete the webhook with its delivery log."""
    _require(actor, webhook)
    with unit_of_work() as session:
        hook = _locked(session, webhook)
        delivery_ids = select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == hook.id)
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
        session.delete(hook)


def send_ping(*, actor: Person, webhook: Webhook, now: datetime | None = None) -> WebhookDelivery:
    """Queue a test ping to the webhook: sent once by the worker, never retried."""
    _require(actor, webhook)
    now = now or utcnow()
    with unit_of_work() as session:
        hook = _locked(session, webhook)
        if not hook.active:
            raise InvalidInput(_("Turn the webhook on before sending a ping."))
        delivery = WebhookDelivery(guid=str(uuid.uuid4()), webhook_id=hook.id, event_id=None,
                                   event_type=signing.PING, body=payloads.ping_body(hook.id, hook.events, now),
                                   status="pending", attempts=0, retries=False, next_attempt_at=now,
                                   created_at=now, last_error="")
        session.add(delivery)
        session.info["webhooks_wake"] = True
    return delivery


# Reading ------------------------------------------------------------------------------------------

def get_webhook(webhook_id: int, actor: Person | None) -> Webhook:
    """The webhook, if ``actor`` may manage it; NotFound otherwise (whether or not it exists)."""
    hook = db.session.get(Webhook, webhook_id)
    if hook is None or not permissions.can_manage_hook(actor, hook):
        raise NotFound(_("No webhook with that number."))
    return hook


def hooks_of(coop: Cooperative | None) -> list[Webhook]:
    """The webhooks of a co-op, or the network-wide ones (None), oldest first."""
    owner = Webhook.coop_id.is_(None) if coop is None else Webhook.coop_id == coop.id
    return list(db.session.scalars(select(Webhook).where(owner).order_by(Webhook.id)))


def all_coop_hooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).where(Webhook.coop_id.is_not(None))
                                   .order_by(Webhook.coop_id, Webhook.id)))


def deliveries_of(webhook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def attempts_of(deliveries: list[WebhookDelivery]) -> dict[int, list[WebhookAttempt]]:
    """Each delivery's attempts, first attempt first."""
    found: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if found:
        for attempt in db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(list(found)))
                                          .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)):
            found[attempt.delivery_id].append(attempt)
    return found


# Events become deliveries ----------------------------------------------------------------------------

def _subscribers(connection: Connection, event_type: str) -> list[int]:
    """Active webhooks subscribed to ``event_type``: the network's, and those of member co-ops."""
    rows = connection.execute(
        select(Webhook.id, Webhook.events).outerjoin(Cooperative, Cooperative.id == Webhook.coop_id)
        .where(Webhook.active.is_(True), or_(Webhook.coop_id.is_(None), Cooperative.status == "member"))
        .order_by(Webhook.id)).all()
    return [row.id for row in rows if event_type in (row.events or [])]


@sa_event.listens_for(Event, "after_insert")
def _deliveries_for_event(_mapper: Mapper, connection: Connection, target: Event) -> None:
    event_type = _TYPE_OF_KIND.get(target.kind)
    # Vote events are recorded twice (the vote's room and its standard's): announce them once.
    if event_type is None or (target.kind.startswith("vote_") and not target.scope.startswith("vote:")):
        return
    hook_ids = _subscribers(connection, event_type)
    if not hook_ids:
        return
    body = payloads.event_body(connection, target, event_type)
    now = utcnow()
    connection.execute(insert(WebhookDelivery.__table__), [
        {"guid": str(uuid.uuid4()), "webhook_id": hook_id, "event_id": target.id, "event_type": event_type,
         "body": body, "status": "pending", "attempts": 0, "retries": True, "next_attempt_at": now,
         "created_at": now, "last_error": ""} for hook_id in hook_ids])
    session = object_session(target)
    if session is not None:
        session.info["webhooks_wake"] = True


@sa_event.listens_for(Session, "after_commit")
def _wake_worker_after_commit(session: Session) -> None:
    if session.info.pop("webhooks_wake", False):
        from .delivery import wake

        wake()


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("webhooks_wake", None)


# A person's rights -----------------------------------------------------------------------------------

def _forget_creator(person: Person) -> None:
    """Erasure keeps the co-op's webhooks working and drops who registered them."""
    db.session.execute(update(Webhook).where(Webhook.created_by_id == person.id).values(created_by_id=None)
                       .execution_options(synchronize_session=False))


def _export_created(person: Person) -> list[dict[str, Any]]:
    """The webhooks this person registered (never their secrets)."""
    hooks = db.session.scalars(select(Webhook).where(Webhook.created_by_id == person.id).order_by(Webhook.id))
    return [{"id": h.id, "owner": h.coop.name if h.coop else "network", "url": h.url, "events": list(h.events),
             "description": h.description, "active": h.active, "created_at": h.created_at.isoformat()}
            for h in hooks]
