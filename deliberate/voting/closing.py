"""Ending votes: closing one (its result computed once from its record, then acted on, or a
second call opened), cancelling, the outcome statement, and the scheduler's work (closing due votes,
batched turnouts of secret votes, reminders). The actor is passed explicitly, as in ``services``."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import limits, notices
from ..database import unit_of_work, utcnow
from ..errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..i18n import status_label
from ..limits import clean_text
from ..members.models import Cooperative, Delegation, Person
from ..realtime.events import record_event
from . import ledger, storage
from .models import Ballot, ElectorateMember, Vote
from .permissions import can_manage_votes
from .rules import Outcome, percent_text
from .rules import second_call as second_call_rule
from .services import SYSTEM, System, acting_id, create_vote, moment_text
from .subjects import SubjectHandler, get_handler

log = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(days=1)


# Closing and cancelling ----------------------------------------------------------------------

def check_can_close_early(actor: Person | None, vote: Vote) -> None:
    """Refuse closing a vote early to anyone but a steward, and once the vote has ended (closing
    it then would do nothing: the page says so instead)."""
    _check_can_close(actor)
    _check_open(vote)


def _check_can_close(actor: Person | None) -> None:
    if not can_manage_votes(actor):
        raise PermissionDenied(_("Only stewards can close a vote early."))


def _check_open(vote: Vote) -> None:
    if vote.state != "open":
        raise Conflict(_("This vote is already %(state)s.", state=status_label(vote.state)))


def close_vote(*, actor: Person | System | None, vote: Vote, now: datetime | None = None) -> Vote:
    """Close a vote: compute the result once from its record, store it, act on it.

    A steward may close early; the system (``SYSTEM`` or None: the scheduler, the CLI) only once
    the closing time has passed. Closing a vote that is no longer open does nothing.
    """
    return _close(actor, vote.id, now)[0]


def _close(actor: Any, vote_id: int, now: datetime | None) -> tuple[Vote, bool]:
    system = actor is None or actor is SYSTEM
    if not system:
        _check_can_close(actor)
    now = now or utcnow()
    with unit_of_work() as session:
        vote = storage.lock_vote(session, vote_id)
        if vote.state != "open":
            return vote, False
        if system and now < vote.closes_at:
            raise Conflict(_("This vote closes on %(value)s; it is not due yet.", value=moment_text(vote.closes_at)))
        outcome = ledger.replay(storage.entries(session, vote)).recompute()
        storage.append(session, vote, "closed", ledger.closed_data(outcome), now)
        # Set before the subject acts: a ratified version cites the head of the published record.
        vote.record_head = storage.published(vote, storage.entries(session, vote))[-1]["hash"]
        vote.close_error = vote.close_failed_at = None
        vote.closed_at, vote.closed_by_id = now, acting_id(actor)
        vote.result, vote.explanation, vote.passed = outcome.to_dict(), outcome.explanation, outcome.passed
        handler = get_handler(vote.subject_kind)
        subject = _load_subject(handler, vote)
        rule = vote.rule_obj
        second = None
        if subject is None:
            effect = notices.SUBJECT_GONE()
        elif outcome.failed_only_on_quorum and rule.second_call_quorum is not None and vote.second_call_of_id is None:
            electorate = [(m.coop, m.weight) for m in session.scalars(
                select(ElectorateMember).where(ElectorateMember.vote_id == vote.id).order_by(ElectorateMember.coop_id))]
            second = create_vote(session, handler, subject, rule=second_call_rule(rule), preset=vote.rule_preset,
                                  opens_at=now, closes_at=now + (vote.closes_at - vote.opens_at),
                                  actor_id=vote.closed_by_id, title=notices.SECOND_CALL_TITLE(title=vote.title), weights=None,
                                  now=now, second_call_of_id=vote.id, electorate=electorate, terms=vote.terms)
            handler.on_second_call(session, subject, vote, second)
            effect = notices.SECOND_CALL_EFFECT(vote=second.id, share=percent_text(rule.second_call_quorum))
        else:
            effect = _act_on(session, handler, subject, vote, outcome)
        vote.effect_note = effect
        vote.state = "closed"
        storage.publish(session, vote, "vote_closed", {"passed": outcome.passed, "explanation": outcome.explanation,
                                                       "second_call_id": second.id if second else None,
                                                       "record_head": vote.record_head}, acting_id(actor))
    return vote, True


def _load_subject(handler: SubjectHandler, vote: Vote) -> Any:
    """The vote's subject, or None if it has disappeared (closing and cancelling must still work)."""
    try:
        return handler.load(vote.subject_id)
    except NotFound:
        log.warning("vote %s: its subject %s:%s no longer exists", vote.id, vote.subject_kind, vote.subject_id)
        return None


def _act_on(session: Session, handler: SubjectHandler, subject: Any, vote: Vote, outcome: Outcome) -> str:
    """Run the subject's on_close in a savepoint: if it refuses, the vote still closes with its result
    (the events recorded in the savepoint go with it, realtime.events)."""
    try:
        with session.begin_nested():
            return handler.on_close(session, subject, vote, outcome) or ""
    except DomainError as error:
        log.warning("vote %s closed but its result could not be carried out: %s", vote.id, error.message)
        return notices.NOT_CARRIED_OUT(error=error.message)


def cancel_vote(*, actor: Person, vote: Vote, reason: str, now: datetime | None = None) -> Vote:
    """A steward cancels an open vote, e.g. because the text must change (a new vote is then
    opened on the new text). Its record stays published, without a result."""
    if not can_manage_votes(actor):
        raise PermissionDenied(_("Only stewards can cancel a vote."))
    reason = clean_text(reason, "reason", limits.VOTE_NOTE, required=_("Say why the vote is cancelled: everyone will see it."))
    now = now or utcnow()
    with unit_of_work() as session:
        current = storage.lock_vote(session, vote.id)
        _check_open(current)
        handler = get_handler(current.subject_kind)
        subject = _load_subject(handler, current)
        if subject is not None:
            handler.on_cancel(session, subject, current)
        _end(session, current, reason, now, actor.id)
    return current


def _end(session: Session, vote: Vote, reason: str, now: datetime, actor_id: int | None) -> None:
    """Cancel ``vote`` (locked, open): a final "cancelled" entry, so that its record says it ended."""
    storage.append(session, vote, "cancelled", ledger.cancelled_data(reason), now)
    vote.record_head = storage.published(vote, storage.entries(session, vote))[-1]["hash"]
    vote.close_error = vote.close_failed_at = None
    vote.cancel_reason, vote.closed_at, vote.closed_by_id = reason, now, actor_id
    vote.state = "cancelled"
    storage.publish(session, vote, "vote_cancelled", {"reason": reason, "record_head": vote.record_head}, actor_id)


def cancel_votes_on_subject(session: Session, subject_kind: str, subject_id: int, reason: str,
                            actor_id: int | None = None, now: datetime | None = None) -> list[int]:
    """Inside the caller's transaction: cancel the open votes on a subject (e.g. an amendment that
    became conflicted). The subject's on_cancel is not called: the caller changes the subject."""
    now = now or utcnow()
    cancelled = []
    for vote_id in list(session.scalars(select(Vote.id).where(Vote.subject_kind == subject_kind,
                                                               Vote.subject_id == subject_id, Vote.state == "open"))):
        vote = storage.lock_vote(session, vote_id)
        if vote.state != "open":
            continue
        _end(session, vote, reason[:limits.VOTE_NOTE], now, actor_id)
        cancelled.append(vote_id)
    return cancelled


def require_review_date(review_date: Any) -> None:
    """Refuse a review date that is not a date (a form passes what it could not read as one)."""
    if review_date is not None and not isinstance(review_date, date):
        raise InvalidInput(_("The review date is not a date."), field_errors={"review_date": [_("Use a date.")]})


def add_outcome_statement(*, actor: Person, vote: Vote, text: str, review_date: date | None = None) -> Vote:
    """After close, a steward states what the network makes of the outcome and when to review it."""
    if not can_manage_votes(actor):
        raise PermissionDenied(_("Only stewards can write the outcome statement."))
    statement = clean_text(text, "text", limits.STATEMENT, required=_("Write the outcome statement."))
    require_review_date(review_date)
    now = utcnow()
    with unit_of_work() as session:
        current = storage.lock_vote(session, vote.id)
        if current.state != "closed":
            raise Conflict(_("An outcome statement is written once the vote has closed."))
        if review_date is not None and review_date < current.closed_at.date():
            raise InvalidInput(_("The review date should come after the vote closed."),
                               field_errors={"review_date": [_("Choose a later date.")]})
        current.outcome_statement, current.review_date = statement, review_date
        current.statement_by_id, current.statement_at = actor.id, now
        storage.publish(session, current, "vote_outcome_stated",
                        {"review_date": review_date.isoformat() if review_date else None}, actor.id)
    return current


# Scheduled work ------------------------------------------------------------------------------

def close_due_votes(now: datetime | None = None) -> list[int]:
    """Close every open vote whose closing time has passed (each in its own transaction).
    Safe to run in several processes at once: a vote already closed is skipped. Returns the ids
    this call closed."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Vote.id).where(Vote.state == "open", Vote.closes_at <= now)
                                  .order_by(Vote.closes_at, Vote.id)))
    closed = []
    for vote_id in due:
        try:
            _vote, did_close = _close(SYSTEM, vote_id, now)
        except DomainError as error:
            _record_close_failure(vote_id, str(error.message), now)
            continue
        except Exception as error:  # one vote's failure must not keep the others open; the next run retries
            _record_close_failure(vote_id, f"{type(error).__name__}: {error}", now, exc_info=True)
            continue
        if did_close:
            closed.append(vote_id)
    return closed


def _record_close_failure(vote_id: int, message: str, now: datetime, exc_info: bool = False) -> None:
    """Keep why a due vote could not close on the vote (its page shows it to stewards); log it
    once per change of reason, not at every run of the scheduler."""
    message = message[:2_000]
    try:
        with unit_of_work() as session:
            vote = storage.lock_vote(session, vote_id)
            if vote.state != "open":
                return
            if vote.close_error == message:
                log.debug("vote %s still cannot close: %s", vote_id, message)
                return
            vote.close_error, vote.close_failed_at = message, now
    except Exception:
        log.exception("could not close vote %s (%s), nor record why", vote_id, message)
        return
    log.warning("could not close vote %s: %s", vote_id, message, exc_info=exc_info)


def publish_turnouts(now: datetime | None = None) -> list[int]:
    """Announce the turnout of the open secret votes whose turnout changed since the last batch:
    one ``turnout_changed`` event per vote and run, naming nobody. Called by the scheduler at
    each tick and by ``votes close-due``; a secret vote never announces single ballots. Returns
    the ids of the votes announced."""
    now = now or utcnow()
    counted = (select(func.count(Ballot.id)).where(Ballot.vote_id == Vote.id)).scalar_subquery()
    changed = list(db.session.scalars(select(Vote.id).where(
        Vote.state == "open", Vote.published_turnout.is_not(None),
        Vote.published_turnout != counted).order_by(Vote.id)))
    published = []
    for vote_id in changed:
        with unit_of_work() as session:
            vote = storage.lock_vote(session, vote_id)
            if vote.state != "open" or not vote.secret:
                continue
            counts = storage.count_turnout(session, vote)
            if counts["turnout"] == vote.published_turnout:
                continue
            vote.published_turnout = counts["turnout"]
            storage.publish(session, vote, "turnout_changed", counts, None)
            published.append(vote_id)
    return published


def send_reminders(now: datetime | None = None, before: timedelta = REMIND_BEFORE) -> int:
    """A day before close, remind the delegates of co-ops that have not voted (once per vote),
    with an event to each person's own room. Returns how many reminders were recorded."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Vote.id).where(
        Vote.state == "open", Vote.reminders_sent_at.is_(None), Vote.opens_at <= now,
        Vote.closes_at > now, Vote.closes_at <= now + before)))
    sent = 0
    for vote_id in due:
        with unit_of_work() as session:
            vote = storage.lock_vote(session, vote_id)
            if vote.state != "open" or vote.reminders_sent_at is not None:
                continue
            voted = select(Ballot.coop_id).where(Ballot.vote_id == vote.id)
            rows = session.execute(
                select(Delegation.person_id, ElectorateMember.coop_id)
                .join(Delegation, Delegation.coop_id == ElectorateMember.coop_id)
                .join(Cooperative, Cooperative.id == ElectorateMember.coop_id)
                .where(ElectorateMember.vote_id == vote.id, ElectorateMember.coop_id.not_in(voted),
                       Delegation.ended_at.is_(None), Cooperative.status == "member")
                .order_by(Delegation.person_id, ElectorateMember.coop_id)).all()
            for person_id, coop_id in rows:
                record_event(session, "vote_reminder", f"user:{person_id}",
                             {"vote_id": vote.id, "coop_id": coop_id, "title": vote.title,
                              "closes_at": vote.closes_at.isoformat()})
                sent += 1
            vote.reminders_sent_at = now
    return sent
