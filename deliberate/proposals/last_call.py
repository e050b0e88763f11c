"""Last call, and the phase rules the other amendment operations follow (docs/governance.md).

- :func:`start_last_call`: the authors (or a steward; only stewards when the terms say
  ``last_call_by == "stewards"``) start it once the minimum discussion has passed; it is announced
  to every member co-op (the standard's room, which the feed and followers read, and each delegate
  of a member co-op who does not follow the standard) and ends ``last_call_days`` later.
- A change to the text during or after the last call (an edit, a resolved conflict) ends it: the
  amendment goes back to discussion and needs a new last call (:func:`text_changed`). The IETF
  does the same when a document changes substantively during its last call: the co-ops were
  called on a text, and a vote must be on the text they were called on.
- :func:`check_vote_may_open` (called by the vote subjects' ``check_can_open``) refuses a vote
  before the discussion and last call have passed, unless the kind is urgent, and says from when.
- :func:`check_may_join_group`: an amendment joins a competing group only until its last call ends.
- :func:`open_due_votes`: the worker job "phases" opens, as SYSTEM, the votes whose terms say
  ``vote_opened_by == "automatic"`` once their last call has ended.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..database import unit_of_work, utcnow
from ..errors import Conflict, DomainError, PermissionDenied
from ..extensions import db
from ..i18n import format_datetime
from ..members.models import Cooperative, Delegation, Person
from ..members.permissions import is_steward
from ..realtime.events import record_event
from . import permissions
from .models import Amendment, Transition
from .phases import PhaseView, Step, Times, earliest_vote, has_last_call, last_call_end, phase_of, timeline

log = logging.getLogger(__name__)

# Events: the announcement (standard's room: live pages, feed, followers' notifications, digest)
# and the personal copy every other delegate of a member co-op receives.
STARTED = "last_call_started"
ANNOUNCED = "last_call_announced"
ENDED_BY_CHANGE = "last_call_ended"


def view(amendment: Amendment, now: datetime | None = None) -> PhaseView:
    """The amendment's phase, seen now."""
    from .services import current_terms

    return phase_of(amendment.state, current_terms(amendment), Times.of(amendment), now or utcnow())


def may_start(person: Person | None, amendment: Amendment, terms: dict[str, Any]) -> bool:
    """Who may start a last call: stewards always (they facilitate); the authors unless the terms
    reserve it to stewards."""
    if is_steward(person):
        return True
    return terms.get("last_call_by", "authors") == "authors" and permissions.is_author(person, amendment)


def check_can_start(actor: Person | None, amendment: Amendment, now: datetime | None = None) -> None:
    """Refuse, with the reason, a last call that cannot start now."""
    from .services import current_terms

    now = now or utcnow()
    terms = current_terms(amendment)
    if not may_start(actor, amendment, terms):
        if terms.get("last_call_by") == "stewards":
            raise PermissionDenied(_("Only stewards can start the last call of this kind of change."))
        raise PermissionDenied(_("Only the amendment's authors or a steward can start its last call."))
    seen = phase_of(amendment.state, terms, Times.of(amendment), now)
    if amendment.state != "open":
        raise Conflict(_("Only an amendment open for discussion can go to last call."))
    if not has_last_call(terms):
        raise Conflict(_("This kind of change has no last call: it can go to a vote once discussed."))
    if seen.phase == "last_call":
        raise Conflict(_("The last call is already running, until %(when)s.", when=format_datetime(seen.ends_at)))
    if seen.phase == "ready":
        raise Conflict(_("The last call is over: the amendment can be put to a vote."))
    if not seen.can_start_last_call:
        raise Conflict(_("The discussion lasts at least %(days)s days: the last call can start from %(when)s.",
                         days=terms.get("discussion_days", 0), when=format_datetime(seen.last_call_from)))


def start_last_call(*, actor: Person, amendment: Amendment, now: datetime | None = None) -> Amendment:
    """Start the amendment's last call: announced to every member co-op, it ends after the
    policy's ``last_call_days``."""
    from .services import _locked, current_terms, publish

    now = now or utcnow()
    check_can_start(actor, amendment, now)
    with unit_of_work() as session:
        amendment = _locked(session, amendment.id)
        check_can_start(actor, amendment, now)
        terms = current_terms(amendment)
        amendment.last_call_at, amendment.last_call_ends_at = now, last_call_end(terms, now)
        amendment.updated_at = now
        session.add(Transition(amendment_id=amendment.id, action="last_call", from_state=amendment.state,
                               to_state=amendment.state, actor_id=actor.id))
        session.flush()
        extra = {"title": amendment.title, "reference": amendment.reference,
                 "last_call_at": now.isoformat(), "ends_at": amendment.last_call_ends_at.isoformat()}
        publish(session, amendment, STARTED, actor, extra)
        for person_id in _delegates_to_tell(session, amendment, actor):
            record_event(session, ANNOUNCED, f"user:{person_id}",
                         {"amendment_id": amendment.id, "standard_id": amendment.standard_id, **extra},
                         actor_id=actor.id)
    return amendment


def _delegates_to_tell(session, amendment: Amendment, actor: Person) -> list[int]:
    """Every delegate of a member co-op, but the actor and those who follow the standard (the
    standard's event already reaches them)."""
    from ..follows.models import Follow

    followers = select(Follow.person_id).where(Follow.standard_id == amendment.standard_id)
    return list(session.scalars(
        select(Delegation.person_id).join(Cooperative, Cooperative.id == Delegation.coop_id)
        .where(Delegation.ended_at.is_(None), Cooperative.status == "member", Delegation.person_id != actor.id,
               Delegation.person_id.not_in(followers))
        .distinct().order_by(Delegation.person_id)))


def text_changed(session, amendment: Amendment, actor: Person | None) -> None:
    """The amendment's text changed (an edit, a resolved conflict): a last call started on the
    old text ends, and the amendment is back in discussion (its minimum discussion has passed, so
    a new last call may start at once). Called inside the caller's transaction."""
    if amendment.last_call_at is None:
        return
    amendment.last_call_at = amendment.last_call_ends_at = None
    session.add(Transition(amendment_id=amendment.id, action="end_last_call", from_state=amendment.state,
                           to_state=amendment.state, actor_id=actor.id if actor else None))
    session.flush()
    from .services import publish

    publish(session, amendment, ENDED_BY_CHANGE, actor, {"reason": "text_changed"})


def on_transition(amendment: Amendment, action: str, to_state: str, now: datetime) -> None:
    """Keep the phase timestamps with the state (called by ``services.transition``): a vote that
    opens records when, and cuts short a last call still running (urgent kinds); leaving the vote
    without a decision clears it."""
    if to_state == "voting" and action == "start_vote":
        if amendment.last_call_ends_at is not None and amendment.last_call_ends_at > now:
            amendment.last_call_ends_at = max(now, amendment.last_call_at)
        amendment.vote_opened_at = max(now, amendment.last_call_ends_at or now, amendment.opened_at or now)
    elif to_state in ("open", "conflicted", "draft"):
        amendment.vote_opened_at = None


def check_vote_may_open(amendment: Any, now: datetime | None = None) -> None:
    """Refuse a vote before the minimum discussion and the last call have passed (unless the
    kind is urgent), saying from when it becomes possible."""
    from .services import current_terms

    now = now or utcnow()
    terms = current_terms(amendment)
    times = Times.of(amendment)
    seen = phase_of(amendment.state, terms, times, now)
    if seen.can_open_vote or amendment.state != "open":
        return
    earliest = earliest_vote(terms, times, now)
    when = format_datetime(earliest) if earliest else ""
    if seen.phase == "last_call":
        raise Conflict(_("%(reference)s is in its last call until %(when)s: the vote can open from then.",
                         reference=amendment.reference, when=when))
    if has_last_call(terms) and amendment.last_call_at is None:
        raise Conflict(_("%(reference)s has not had its last call yet: the discussion lasts at least %(discussion)s "
                         "days and the last call %(last_call)s days, so the vote can open from %(when)s at the "
                         "earliest.", reference=amendment.reference, discussion=terms.get("discussion_days", 0),
                         last_call=terms.get("last_call_days", 0), when=when))
    raise Conflict(_("%(reference)s is still in discussion: the vote can open from %(when)s.",
                     reference=amendment.reference, when=when))


def check_may_join_group(amendment: Amendment, now: datetime | None = None) -> None:
    """An amendment joins a group of competing amendments only until its last call ends."""
    now = now or utcnow()
    if amendment.last_call_ends_at is not None and amendment.last_call_ends_at <= now:
        raise Conflict(_("%(reference)s's last call ended on %(when)s: competing amendments can no longer be grouped "
                         "with it.", reference=amendment.reference, when=format_datetime(amendment.last_call_ends_at)))


def default_closes_at(terms: dict[str, Any], now: datetime | None = None) -> datetime:
    """When a vote opened now closes by default: after the policy's ``voting_days``."""
    return (now or utcnow()) + timedelta(days=int(terms.get("voting_days") or 14))


@dataclass(frozen=True)
class Process:
    """What the amendment page's "Process" box shows (and the API carries): the phase, its dates,
    and what may happen now and by whom."""

    seen: PhaseView
    steps: list[Step]
    terms: dict[str, Any]
    may_start_last_call: bool  # the reader, now
    has_last_call: bool


def process(amendment: Amendment, person: Person | None, now: datetime | None = None) -> Process:
    """The read model of the amendment's process for ``person`` at ``now``."""
    from .services import current_terms

    now = now or utcnow()
    terms = current_terms(amendment)
    times = Times.of(amendment)
    seen = phase_of(amendment.state, terms, times, now)
    return Process(seen=seen, steps=timeline(amendment.state, terms, times, now), terms=terms,
                   may_start_last_call=seen.can_start_last_call and may_start(person, amendment, terms),
                   has_last_call=has_last_call(terms))


# The worker job "phases" ------------------------------------------------------------------------

def due_automatic(now: datetime) -> list[tuple[str, int]]:
    """Subjects ("amendment"/"group", id) whose vote opens by itself and is due at ``now``."""
    from .services import current_terms

    # Open amendments whose last call has ended, or that have none (a kind without a last call is
    # ready once its discussion has lasted long enough).
    candidates = db.session.scalars(select(Amendment).where(
        Amendment.state == "open", or_(Amendment.last_call_at.is_(None), Amendment.last_call_ends_at <= now))
        .order_by(Amendment.id))
    due: list[tuple[str, int]] = []
    for amendment in candidates:
        terms = current_terms(amendment)
        if terms.get("vote_opened_by") != "automatic":
            continue
        if phase_of(amendment.state, terms, Times.of(amendment), now).phase != "ready":
            continue
        subject = ("group", amendment.group_id) if amendment.group_id is not None else ("amendment", amendment.id)
        if subject not in due:
            due.append(subject)
    return due


def open_due_votes(now: datetime | None = None) -> list[int]:
    """Open the votes that open by themselves once their last call has ended. Safe with several
    workers: ``open_vote`` takes the subject's lock and refuses a second vote, and a subject not
    ready (a group member still in its last call) is left for a later pass."""
    from ..voting import services as voting
    from ..voting.subjects import get_handler

    now = now or utcnow()
    opened = []
    for kind, subject_id in due_automatic(now):
        try:
            handler = get_handler(kind)
            terms = handler.terms(handler.load(subject_id))
            vote = voting.open_vote(actor=voting.SYSTEM, subject_kind=kind, subject_id=subject_id,
                                    closes_at=default_closes_at(terms, utcnow()))
        except DomainError as error:  # opened by another worker meanwhile, or not ready yet
            log.debug("automatic vote on %s:%s not opened: %s", kind, subject_id, error.message)
            db.session.rollback()
            continue
        opened.append(vote.id)
    return opened


def interval(app) -> float:
    """Seconds between passes of the job "phases": PHASES_SECONDS, else the vote scheduler's."""
    from ..voting import scheduler

    value = app.config.get("PHASES_SECONDS")
    if value is None:
        return scheduler.interval(app)
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return scheduler.interval(app)


def tick(app, now: datetime | None = None) -> dict[str, object]:
    """One pass of the job "phases"."""
    with app.app_context():
        try:
            opened = open_due_votes(now)
        finally:
            db.session.remove()
    if opened:
        log.info("phases: opened votes %s when their last call ended", opened)
    return {"opened": opened}
