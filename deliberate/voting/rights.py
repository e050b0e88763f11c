"""Voting's part in a person's data export: the ballots they cast for their co-ops, and objections.

On erasure nothing in a vote's record changes: the record names co-ops (or receipts) and a
per-vote delegate pseudonym, never a person, so ``deliberate verify`` still passes. The ballot
rows lose their link to the person ("cast by a former delegate of X"), done by members.erasure.
Registered by ``voting.init_app``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..members.models import Person
from .models import Ballot, Objection, Vote


def export_ballots(person: Person) -> list[dict[str, Any]]:
    """Each co-op ballot the person cast (as it stands now: a colleague may have changed it since)."""
    session = db.session
    ballots = session.scalars(select(Ballot).where(Ballot.cast_by_id == person.id).order_by(Ballot.id)).all()
    votes = {v.id: v for v in session.scalars(select(Vote).where(Vote.id.in_({b.vote_id for b in ballots})))} \
        if ballots else {}
    return [{
        "vote_id": b.vote_id,
        "vote": votes[b.vote_id].title if b.vote_id in votes else None,
        "coop": b.coop.name,
        "choice": b.choice,
        "ranking": b.ranking,
        "note": b.note,
        "delegate_pseudonym_in_record": b.delegate_pseudonym,
        "receipt": b.receipt,
        # The co-op's proof: `deliberate verify RECORD --receipt HASH` finds it in the published record.
        "receipt_hash": b.receipt_hash,
        "record_entry_hash": b.entry_hash,
        "cast_at": b.cast_at.isoformat(),
        "updated_at": b.updated_at.isoformat(),
    } for b in ballots]


def export_objections(person: Person) -> list[dict[str, Any]]:
    objections = db.session.scalars(select(Objection).where(Objection.raised_by_id == person.id)
                                    .order_by(Objection.id))
    return [{"vote_id": o.vote_id, "coop": o.coop.name, "kind": o.kind, "passage": o.passage, "argument": o.argument,
             "status": o.status, "raised_at": o.created_at.isoformat()} for o in objections]
