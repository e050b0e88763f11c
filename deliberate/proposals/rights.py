"""The amendments' part in a person's data export: what they proposed, co-authored and drafted.

On erasure amendments and their drafts stay (they are the standard's public history, and other
co-authors may carry them on); the person becomes "a former delegate of X" (members.erasure
clears every reference to them). Registered by ``proposals.init_app``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..members.models import Person
from .models import Amendment, AmendmentDraft, Coauthor, Transition


def export_amendments(person: Person) -> list[dict[str, Any]]:
    """Amendments the person proposed or co-authored, each with the drafts they wrote."""
    session = db.session
    coauthored = {c.amendment_id: c for c in session.scalars(select(Coauthor).where(Coauthor.person_id == person.id))}
    drafted = set(session.scalars(select(AmendmentDraft.amendment_id).where(AmendmentDraft.author_id == person.id)))
    amendments = session.scalars(select(Amendment).where(
        (Amendment.author_id == person.id) | Amendment.id.in_(set(coauthored) | drafted)).order_by(Amendment.id)).all()
    drafts: dict[int, list[AmendmentDraft]] = {}
    for draft in session.scalars(select(AmendmentDraft).where(AmendmentDraft.author_id == person.id)
                                 .order_by(AmendmentDraft.id)):
        drafts.setdefault(draft.amendment_id, []).append(draft)
    steps: dict[int, list[Transition]] = {}
    for step in session.scalars(select(Transition).where(Transition.actor_id == person.id).order_by(Transition.id)):
        steps.setdefault(step.amendment_id, []).append(step)
    return [{
        "reference": a.reference,
        "standard_id": a.standard_id,
        "role": "author" if a.author_id == person.id else ("co-author" if a.id in coauthored else "drafted"),
        "coop": a.coop.name if a.coop else None,
        "kind": a.kind,
        "state": a.state,
        "title": a.title,
        "summary": a.summary,
        "rationale": a.rationale,
        "created_at": a.created_at.isoformat(),
        "your_drafts": [{"number": d.number, "reason": d.reason, "note": d.note, "proposed_title": d.proposed_title,
                         "proposed_body": d.proposed_body, "created_at": d.created_at.isoformat()}
                        for d in drafts.get(a.id, [])],
        "your_steps": [{"action": s.action, "from": s.from_state, "to": s.to_state, "note": s.note,
                        "at": s.created_at.isoformat()} for s in steps.get(a.id, [])],
    } for a in amendments]
