"""Making the digests that are due: each person's in a transaction of their own, with their mail
settings row locked, so that two workers never make the same digest twice (and the outbox's
dedupe key refuses a second copy anyway).

The facts (open votes, votes closed and versions ratified since the oldest mark) are read once per
pass; :mod:`deliberate.mail.digest` chooses each person's part of them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..database import unit_of_work, utcnow
from ..extensions import db
from ..follows.models import Follow
from ..members.models import Cooperative, Delegation, Person
from ..realtime.events import Event
from ..realtime.rooms import can_join
from ..voting.models import Ballot, ElectorateMember, Vote
from . import digest, outbox
from .models import MailSettings

log = logging.getLogger(__name__)


@dataclass
class Facts:
    latest_event_id: int
    votes: list[digest.VoteFact] = field(default_factory=list)
    versions: list[digest.VersionFact] = field(default_factory=list)
    last_calls: list[digest.LastCallFact] = field(default_factory=list)
    council_seats: list[digest.CouncilSeatFact] = field(default_factory=list)


@dataclass(frozen=True)
class Due:
    person_id: int
    choice: str
    last: datetime
    event_id: int


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def locked_settings(session: Session, person_id: int) -> MailSettings:
    """The person's settings row, created with the defaults if missing, locked for this transaction."""
    session.execute(_insert(session)(MailSettings).values(
        person_id=person_id, vote_opened=True, vote_closing=True, vote_closed=True, digest=None,
        digest_event_id=0, updated_at=utcnow()).on_conflict_do_nothing(index_elements=["person_id"]))
    return session.scalars(select(MailSettings).where(MailSettings.person_id == person_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _readers():
    """People who can get a digest: an address, and a co-op they act for or a standard they follow."""
    acting = exists().where(Delegation.person_id == Person.id, Delegation.ended_at.is_(None))
    following = exists().where(Follow.person_id == Person.id)
    return (select(Person.id, Person.created_at, MailSettings.digest, MailSettings.digest_at, MailSettings.digest_event_id)
            .outerjoin(MailSettings, MailSettings.person_id == Person.id)
            .where(Person.email.is_not(None), Person.erased_at.is_(None), or_(acting, following))
            .order_by(Person.id))


def due_people(now: datetime, default: str, hour: int) -> list[Due]:
    """Everyone whose digest is due at ``now``."""
    due = []
    for person_id, created_at, choice, last, event_id in db.session.execute(_readers()):
        choice = choice or default
        last = last or created_at
        if digest.is_due(last, choice, hour, now):
            due.append(Due(person_id, choice, last, event_id or 0))
    return due


def _vote_ids(kind: str, after: int, upto: int) -> dict[int, int]:
    """Vote id → event id of the ``kind`` events (in a vote's room) with an id in (after, upto]."""
    found = {}
    for event_id, scope in db.session.execute(select(Event.id, Event.scope).where(
            Event.kind == kind, Event.scope.like("vote:%"), Event.id > after, Event.id <= upto)):
        ident = scope.partition(":")[2]
        if ident.isdigit():
            found[int(ident)] = event_id
    return found


def read_facts(oldest_event_id: int) -> Facts:
    """Open votes, votes closed, versions ratified, last calls started and council seats given after
    ``oldest_event_id``, as of now."""
    latest = db.session.scalar(select(func.max(Event.id))) or 0
    facts = Facts(latest)
    closed = _vote_ids("vote_closed", oldest_event_id, latest)
    votes = list(db.session.scalars(select(Vote).where(or_(Vote.state == "open", Vote.id.in_(list(closed) or [0])))
                                    .order_by(Vote.id)))
    if votes:
        ids = [v.id for v in votes]
        opened = {int(scope.partition(":")[2]): event_id for event_id, scope in db.session.execute(
            select(Event.id, Event.scope).where(Event.kind == "vote_opened", Event.scope.in_(
                [f"vote:{v.id}" for v in votes if v.state == "open"] or ["-"])))}
        electorate: dict[int, set[int]] = {}
        for vote_id, coop_id in db.session.execute(select(ElectorateMember.vote_id, ElectorateMember.coop_id)
                                                   .where(ElectorateMember.vote_id.in_(ids))):
            electorate.setdefault(vote_id, set()).add(coop_id)
        voted: dict[int, set[int]] = {}
        for vote_id, coop_id in db.session.execute(select(Ballot.vote_id, Ballot.coop_id).where(Ballot.vote_id.in_(ids))):
            voted.setdefault(vote_id, set()).add(coop_id)
        for vote in votes:
            members = frozenset(electorate.get(vote.id, ()))
            facts.votes.append(digest.VoteFact(
                id=vote.id, standard_id=vote.standard_id, closes_at=vote.closes_at, state=vote.state,
                opened_event_id=opened.get(vote.id, 0), closed_event_id=closed.get(vote.id),
                closed_at=vote.closed_at, electorate=members, waiting=members - voted.get(vote.id, set())))
    for event_id, payload in db.session.execute(select(Event.id, Event.payload).where(
            Event.kind == "version_ratified", Event.scope.like("standard:%"), Event.id > oldest_event_id,
            Event.id <= latest)):
        standard_id = (payload or {}).get("standard_id")
        if isinstance(standard_id, int):
            facts.versions.append(digest.VersionFact(event_id, standard_id))
    for event_id, payload in db.session.execute(select(Event.id, Event.payload).where(
            Event.kind == "last_call_started", Event.scope.like("standard:%"), Event.id > oldest_event_id,
            Event.id <= latest)):
        standard_id = (payload or {}).get("standard_id")
        if isinstance(standard_id, int):
            facts.last_calls.append(digest.LastCallFact(event_id, standard_id))
    for event_id, scope in db.session.execute(select(Event.id, Event.scope).where(
            Event.kind == "council_seat", Event.scope.like("user:%"), Event.id > oldest_event_id,
            Event.id <= latest)):
        person_id = scope.partition(":")[2]
        if person_id.isdigit():
            facts.council_seats.append(digest.CouncilSeatFact(event_id, int(person_id)))
    db.session.rollback()  # end the read: each digest then writes in its own transaction
    return facts


def _reader(session: Session, person: Person) -> digest.Reader:
    coops = session.scalars(select(Delegation.coop_id).join(Cooperative, Cooperative.id == Delegation.coop_id)
                            .where(Delegation.person_id == person.id, Delegation.ended_at.is_(None),
                                   Cooperative.status == "member"))
    follows = session.execute(select(Follow.standard_id, Follow.since_event_id).where(Follow.person_id == person.id))
    return digest.Reader(coop_ids=frozenset(coops),
                         follows={s: since for s, since in follows if can_join(person, f"standard:{s}")})


def make_digest(person_id: int, facts: Facts, now: datetime, default: str, hour: int) -> bool:
    """Make ``person_id``'s digest if it is (still) due; True when a mail was queued."""
    with unit_of_work() as session:
        settings = locked_settings(session, person_id)
        person = session.get(Person, person_id)
        if person is None or person.is_erased or not person.email:
            return False
        choice = settings.digest or default
        last = settings.digest_at or person.created_at
        if not digest.is_due(last, choice, hour, now):
            return False  # another worker has just made it
        due = digest.due_at(last, choice, hour)
        mark = digest.Mark(since=last, event_id=settings.digest_event_id or 0,
                           closing_until=settings.digest_closing_until, first=settings.digest_at is None)
        reader = _reader(session, person)
        # Votes of followed standards only if the person may read them (a vote's room may be closed to them).
        votes = [v for v in facts.votes if reader.coop_ids & v.electorate or can_join(person, f"vote:{v.id}")]
        chosen = digest.select(reader, votes, facts.versions, mark, now, digest.due_at(now, choice, hour),
                               facts.latest_event_id,
                               [c for c in facts.last_calls if can_join(person, f"standard:{c.standard_id}")],
                               [seat for seat in facts.council_seats if seat.person_id == person.id])
        if not chosen.is_empty:
            outbox.queue_digest(session, person.id, {**chosen.as_params(), "period": choice}, due, now)
        settings.digest_at = chosen.mark.since
        settings.digest_event_id = chosen.mark.event_id
        settings.digest_closing_until = chosen.mark.closing_until
        return not chosen.is_empty


def queue_digests(now: datetime | None = None) -> int:
    """Make every digest due at ``now`` (inside an app context); returns how many were queued."""
    now = now or utcnow()
    config = current_app.config
    default, hour = config.get("MAIL_DIGEST_DEFAULT", "weekly"), int(config.get("MAIL_DIGEST_HOUR", 7))
    due = due_people(now, default, hour)
    if not due:
        db.session.rollback()
        return 0
    facts = read_facts(min(d.event_id for d in due))
    made = 0
    for person in due:
        try:
            made += make_digest(person.person_id, facts, now, default, hour)
        except Exception:  # one person's digest must not stop the others'; the next pass retries
            log.exception("could not make the digest of person %s", person.person_id)
    return made
