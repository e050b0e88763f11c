"""Objections and concerns in a vote: a co-op objects (consent votes) or logs a concern; its
delegates withdraw an objection; a steward resolves or upholds one.

Like every voting write, each takes the vote's row lock first and appends to the vote's record
(see services.py, which keeps ballots and the helpers shared with them)."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..i18n import status_label
from ..limits import clean_text
from ..members.models import Cooperative, Delegation, Person
from . import ledger, storage
from .models import ElectorateMember, Objection, Vote
from .permissions import can_manage_votes
from .services import SYSTEM, ballot_event, casting_member, check_accepting, pseudonym_for, upsert_ballot


def raise_objection(*, actor: Person, vote: Vote, coop: Cooperative | None = None, argument: str,
                    passage: str = "", paramount: bool = False, note: str = "",
                    now: datetime | None = None) -> Objection:
    """A co-op objects in a consent vote: its ballot becomes a standing objection, which blocks
    adoption until it is withdrawn or resolved. The argument is required; the passage is the
    part of the text it concerns."""
    now = now or utcnow()
    with unit_of_work() as session:
        current = storage.lock_vote(session, vote.id)
        member = casting_member(session, current, actor, coop)
        check_accepting(current, now)
        if current.method != "consent":
            raise Conflict(_("Objections belong to consent votes. In this vote, vote against instead."))
        argument = clean_text(argument, "argument", limits.ARGUMENT,
                          required=_("Say why your co-op objects: an objection needs its reasons."))
        passage = clean_text(passage, "passage", limits.PASSAGE)
        note = clean_text(note, "note", limits.BALLOT_NOTE)
        if session.scalar(select(Objection.id).where(Objection.vote_id == current.id, Objection.coop_id == member.coop_id,
                                                     Objection.kind == "objection",
                                                     Objection.status.in_(("standing", "upheld")))):
            raise Conflict(_("%(coop)s already has an objection standing in this vote. Withdraw it before raising another.", coop=member.coop.name))
        pseudonym = pseudonym_for(current, member, actor)
        entry = storage.append(session, current, "objection",
                               ledger.objection_data(member.voter, pseudonym, argument, secrets.token_hex(16)), now)
        upsert_ballot(session, current, member, actor, pseudonym, entry, now, choice="object", ranking=None, note=note)
        objection = Objection(vote_id=current.id, coop_id=member.coop_id, kind="objection", raised_by_id=actor.id,
                              passage=passage, argument=argument, paramount=bool(paramount), status="standing",
                              created_at=now)
        session.add(objection)
        session.flush()
        if not current.secret:  # a secret vote announces no objection: its time would tie it to a co-op
            storage.publish(session, current, "objection_raised", {"objection_id": objection.id, "paramount": objection.paramount,
                                                                   "coop_id": member.coop_id}, actor.id)
        ballot_event(session, current, actor)
    return objection


def log_concern(*, actor: Person, vote: Vote, coop: Cooperative | None = None, argument: str,
                passage: str = "", now: datetime | None = None) -> Objection:
    """Record a concern that does not block: kept with the vote for the next review."""
    now = now or utcnow()
    with unit_of_work() as session:
        current = storage.lock_vote(session, vote.id)
        member = casting_member(session, current, actor, coop)
        check_accepting(current, now)
        argument = clean_text(argument, "argument", limits.ARGUMENT, required=_("Describe the concern."))
        passage = clean_text(passage, "passage", limits.PASSAGE)
        concern = Objection(vote_id=current.id, coop_id=member.coop_id, kind="concern", raised_by_id=actor.id,
                            passage=passage, argument=argument, paramount=False, status="logged", created_at=now)
        session.add(concern)
        session.flush()
        if not current.secret:  # like ballots and objections, nothing per co-op is announced in a secret vote
            storage.publish(session, current, "concern_logged", {"objection_id": concern.id, "coop_id": member.coop_id},
                            actor.id)
    return concern


def _open_objection(session: Session, objection: Objection) -> tuple[Vote, Objection, ElectorateMember]:
    current = storage.lock_vote(session, objection.vote_id)
    fresh = session.get(Objection, objection.id, populate_existing=True)
    if fresh is None or fresh.vote_id != current.id:
        raise NotFound(_("No such objection."))
    if fresh.kind != "objection":
        raise Conflict(_("Concerns stay in the log; only objections are withdrawn or resolved."))
    member = session.scalar(select(ElectorateMember).where(ElectorateMember.vote_id == current.id,
                                                           ElectorateMember.coop_id == fresh.coop_id))
    return current, fresh, member


def withdraw_objection(*, actor: Person, objection: Objection, note: str = "", now: datetime | None = None) -> Objection:
    """A delegate of the objecting co-op withdraws its objection: it no longer blocks.

    Like casting, only while the co-op is a member: a suspended or departed co-op cannot unblock a
    consent vote by withdrawing (its objection stays as it was when it could still act)."""
    now = now or utcnow()
    with unit_of_work() as session:
        current, objection, member = _open_objection(session, objection)
        if actor is SYSTEM or not getattr(actor, "is_authenticated", False) or not session.scalar(
                select(Delegation.id).where(Delegation.person_id == actor.id, Delegation.coop_id == objection.coop_id,
                                            Delegation.ended_at.is_(None))):
            raise PermissionDenied(_("Only delegates of the co-op that objected can withdraw its objection."))
        if member.coop.status != "member":
            raise PermissionDenied(_("%(coop)s is %(status)s: it cannot withdraw its objection while it is not a member.",
                                     coop=member.coop.name, status=status_label(member.coop.status)))
        check_accepting(current, now)
        if objection.status not in ("standing", "upheld"):
            raise Conflict(_("This objection is already %(status)s.", status=status_label(objection.status)))
        note = clean_text(note, "note", limits.VOTE_NOTE)
        storage.append(session, current, "objection_resolved",
                       ledger.objection_resolved_data(member.voter, pseudonym_for(current, member, actor), "withdrawn",
                                                      None if current.secret else (note or None)), now)
        objection.status, objection.resolution_note = "withdrawn", note
        objection.resolved_at, objection.resolved_by_id = now, actor.id
        if not current.secret:
            storage.publish(session, current, "objection_resolved", {"objection_id": objection.id, "status": "withdrawn"},
                            actor.id)
    return objection


def _check_resolving_amendment(session: Session, vote: Vote, amendment_id: Any) -> None:
    """The amendment named as resolving an objection exists and amends the vote's standard (it
    goes into the permanent record). A vote on no standard (an admission) has none to name."""
    from ..proposals.models import Amendment  # proposals builds on voting, not the reverse

    amendment = None
    if isinstance(amendment_id, int) and limits.parse_id(amendment_id) is not None:
        amendment = session.get(Amendment, amendment_id)
    if amendment is None or vote.standard_id is None or amendment.standard_id != vote.standard_id:
        raise InvalidInput(_("There is no amendment %(id)s to this standard.", id=amendment_id),
                           field_errors={"amendment_id": [_("Give the number of an amendment to this standard.")]})


def resolve_objection(*, actor: Person, objection: Objection, upheld: bool = False, amendment_id: int | None = None,
                      note: str = "", now: datetime | None = None) -> Objection:
    """A steward records how an objection ended: resolved (by an amendment, linked by id, or as
    the note says; it then no longer blocks) or upheld (it stands and blocks)."""
    if not can_manage_votes(actor):
        raise PermissionDenied(_("Only stewards can resolve or uphold an objection."))
    now = now or utcnow()
    note = clean_text(note, "note", limits.VOTE_NOTE)
    with unit_of_work() as session:
        current, objection, member = _open_objection(session, objection)
        check_accepting(current, now)
        if upheld:
            if objection.status != "standing":
                raise Conflict(_("This objection is %(status)s: only a standing objection can be upheld.", status=status_label(objection.status)))
            if not note:
                raise InvalidInput(_("Say why the objection is upheld."), field_errors={"note": [_("This field is required.")]})
            objection.status = "upheld"
        else:
            if objection.status not in ("standing", "upheld"):
                raise Conflict(_("This objection is already %(status)s.", status=status_label(objection.status)))
            if amendment_id is None and not note:
                raise InvalidInput(_("Name the amendment that resolves the objection, or say how it was resolved."),
                                   field_errors={"amendment_id": [_("Give the amendment's number or a note.")]})
            if amendment_id is not None:
                _check_resolving_amendment(session, current, amendment_id)
            recorded = " ".join(filter(None, [f"Resolved by amendment {amendment_id}." if amendment_id else "", note]))
            storage.append(session, current, "objection_resolved",
                           ledger.objection_resolved_data(member.voter, None, "resolved", recorded), now)
            objection.status, objection.resolved_amendment_id = "resolved", amendment_id
        objection.resolution_note, objection.resolved_at, objection.resolved_by_id = note, now, actor.id
        storage.publish(session, current, "objection_resolved", {"objection_id": objection.id, "status": objection.status,
                                                                 "amendment_id": amendment_id}, actor.id)
    return objection
