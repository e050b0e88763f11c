"""Queueing mails in the transaction of the change they tell about (the outbox).

Two ways in, both inside the caller's transaction, so that a mail exists exactly when its cause
does (a rollback, or the rollback of the savepoint the event was recorded in, takes the mail with
it; a commit makes both durable, and the worker is woken to send):

- a listener on the events table: ``vote_opened`` and ``vote_closed`` (in the vote's room) queue a
  mail to each delegate of the co-ops in the vote's electorate; ``vote_reminder`` (the scheduler's
  reminder to a person's own room, voting.closing.send_reminders) queues the "closes within a day"
  mail to that person. The voting services are not touched.
- a hook the members services call when they issue a link that is mailed: an invitation with an
  address, a password reset (``members.services.LINK_HOOKS``, registered by ``mail.init_app``).

A person who turned a kind off gets no row; the worker checks the settings again when it sends.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

from ..database import utcnow
from ..members.models import Delegation, Person
from ..realtime.events import Event
from ..voting.models import ElectorateMember
from . import kinds
from .models import MailSettings, OutboxMail

_wake = threading.Event()
WAKE_KEY = "mail_wake"


def wake() -> None:
    """Ask the mail job (if this process runs one) to send now."""
    _wake.set()


def row(kind: str, *, person_id: int | None, params: dict[str, Any], dedupe_key: str | None,
        now: datetime, address: str | None = None) -> dict[str, Any]:
    """The values of a new outbox row, due at once."""
    return {"guid": str(uuid.uuid4()), "kind": kind, "person_id": person_id, "address": address, "params": params,
            "dedupe_key": dedupe_key, "status": "pending", "attempts": 0, "failures": 0, "refusals": 0,
            "next_attempt_at": now, "created_at": now, "last_error": ""}


def _mark_wake(target: Any) -> None:
    session = object_session(target)
    if session is not None:
        session.info[WAKE_KEY] = True


# From events ------------------------------------------------------------------------------------

def _electorate_delegates(connection: Connection, vote_id: int, kind: str) -> list[int]:
    """People who act for a co-op of the vote's electorate, can receive mail and did not turn ``kind`` off."""
    turned_off = (select(MailSettings.id).where(MailSettings.person_id == Person.id,
                                                getattr(MailSettings, kind).is_(False)).exists())
    return list(connection.scalars(
        select(Person.id).distinct()
        .join(Delegation, Delegation.person_id == Person.id)
        .join(ElectorateMember, ElectorateMember.coop_id == Delegation.coop_id)
        .where(ElectorateMember.vote_id == vote_id, Delegation.ended_at.is_(None), Person.email.is_not(None),
               Person.erased_at.is_(None), ~turned_off)
        .order_by(Person.id)))


def _queue_new(connection: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert the rows whose dedupe key is not queued yet."""
    keys = [r["dedupe_key"] for r in rows]
    if not keys:
        return 0
    taken = set(connection.scalars(select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(keys))))
    fresh = [r for r in rows if r["dedupe_key"] not in taken]
    if fresh:
        connection.execute(insert(OutboxMail.__table__), fresh)
    return len(fresh)


def _vote_mail(kind: str) -> Callable[[Connection, Event], int]:
    def queue(connection: Connection, event: Event) -> int:
        # Vote events are recorded in the vote's room and again in its standard's: mail once.
        vote_id = (event.payload or {}).get("vote_id")
        if not event.scope.startswith("vote:") or not isinstance(vote_id, int):
            return 0
        now = utcnow()
        return _queue_new(connection, [row(kind, person_id=person_id, params={"vote_id": vote_id},
                                           dedupe_key=f"{kind}:{vote_id}:{person_id}", now=now)
                                       for person_id in _electorate_delegates(connection, vote_id, kind)])
    return queue


def _reminder_mail(connection: Connection, event: Event) -> int:
    """The scheduler reminds each delegate of a co-op that has not voted, once per co-op: one mail per
    person and vote, naming each of their co-ops that has not voted."""
    room, _sep, ident = event.scope.partition(":")
    payload = event.payload or {}
    vote_id, coop_id = payload.get("vote_id"), payload.get("coop_id")
    if room != "user" or not ident.isdigit() or not isinstance(vote_id, int) or not isinstance(coop_id, int):
        return 0
    person_id = int(ident)
    wanted = connection.execute(
        select(Person.id, MailSettings.vote_closing).outerjoin(MailSettings, MailSettings.person_id == Person.id)
        .where(Person.id == person_id, Person.email.is_not(None), Person.erased_at.is_(None))).first()
    if wanted is None or wanted.vote_closing is False:
        return 0
    key = f"{kinds.VOTE_CLOSING}:{vote_id}:{person_id}"
    queued = connection.execute(select(OutboxMail.id, OutboxMail.params, OutboxMail.status)
                                .where(OutboxMail.dedupe_key == key)).first()
    if queued is not None:
        coops = list((queued.params or {}).get("coop_ids") or [])
        if queued.status == "pending" and coop_id not in coops:
            connection.execute(update(OutboxMail.__table__).where(OutboxMail.id == queued.id)
                               .values(params={**queued.params, "coop_ids": [*coops, coop_id]}))
        return 0
    return _queue_new(connection, [row(kinds.VOTE_CLOSING, person_id=person_id,
                                       params={"vote_id": vote_id, "coop_ids": [coop_id]}, dedupe_key=key,
                                       now=utcnow())])


EVENT_MAILS: dict[str, Callable[[Connection, Event], int]] = {
    "vote_opened": _vote_mail(kinds.VOTE_OPENED),
    "vote_closed": _vote_mail(kinds.VOTE_CLOSED),
    "vote_reminder": _reminder_mail,
}


@sa_event.listens_for(Event, "after_insert")
def _mails_for_event(_mapper: Mapper, connection: Connection, target: Event) -> None:
    queue = EVENT_MAILS.get(target.kind)
    if queue is not None and queue(connection, target):
        _mark_wake(target)


# From the members services' links -----------------------------------------------------------------

def queue_link(session: Session, kind: str, data: dict[str, Any]) -> None:
    """``members.services.LINK_HOOKS`` entry: mail an invitation to its address, a reset link to its
    person. The token travels in the row until the mail is finished (then it is removed)."""
    now = utcnow()
    if kind == "invitation" and data.get("email"):
        values = row(kinds.INVITATION, person_id=None, address=data["email"], now=now,
                     params={"invitation_id": data["invitation_id"], "token": data["token"]},
                     dedupe_key=f"invitation:{data['invitation_id']}")
    elif kind == "password_reset":
        values = row(kinds.PASSWORD_RESET, person_id=data["person_id"], now=now,
                     params={"reset_id": data["reset_id"], "token": data["token"]},
                     dedupe_key=f"password_reset:{data['reset_id']}")
    else:
        return
    session.add(OutboxMail(**values))
    session.info[WAKE_KEY] = True


def queue_digest(session: Session, person_id: int, params: dict[str, Any], due: datetime, now: datetime) -> OutboxMail:
    """A digest for ``person_id`` (the digests service, in its transaction)."""
    mail = OutboxMail(**row(kinds.DIGEST, person_id=person_id, params=params, now=now,
                            dedupe_key=f"digest:{person_id}:{due.strftime('%Y-%m-%dT%H:%M')}"))
    session.add(mail)
    session.info[WAKE_KEY] = True
    return mail


@sa_event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(WAKE_KEY, False):
        wake()


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(WAKE_KEY, None)
