"""Read models of formal objections, shared by the pages and the API (no writes)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..database import utcnow
from ..errors import NotFound
from ..extensions import db
from ..members.models import Cooperative
from ..standards.models import Standard
from ..translatable import N_
from ..voting.ledger import parse_at
from . import permissions, record, states, tally
from .models import FormalObjection
from .services import entries
from .subjects import get_decision_kind

STEP_LABELS = {
    "filed": N_("Filed"), "mediation_note": N_("Mediation note"), "proposal": N_("Mediator's proposal"),
    "withdrawn": N_("Withdrawn"), "council_drawn": N_("Council drawn"), "ballot": N_("Council ballot"),
    "member_dismissed": N_("Council member dismissed"), "short_circuit": N_("Mediator's proposal adopted"),
    "decision_draft": N_("Draft decision"), "decided": N_("Council decision"),
    "minority_opinion": N_("Minority opinion"),
}


def step_label(kind: str) -> str:
    return _(STEP_LABELS[kind]) if kind in STEP_LABELS else kind


def get_objection(objection_id: int) -> FormalObjection:
    objection = db.session.get(FormalObjection, objection_id)
    if objection is None:
        raise NotFound(_("There is no such formal objection."))
    return objection


def list_objections(standard: Standard | None = None, limit: int = 200) -> list[FormalObjection]:
    query = select(FormalObjection).order_by(FormalObjection.filed_at.desc(), FormalObjection.id.desc()).limit(limit)
    if standard is not None:
        query = query.where(FormalObjection.standard_id == standard.id)
    return list(db.session.scalars(query))


def objections_on(kind: str, subject_id: int) -> list[FormalObjection]:
    """The formal objections to one decided thing (its page lists them, an overturn first)."""
    rows = db.session.scalars(select(FormalObjection).where(FormalObjection.subject_kind == kind,
                                                            FormalObjection.subject_id == subject_id)
                              .order_by(FormalObjection.id))
    return sorted(rows, key=lambda o: (o.outcome != "overturn", o.id))


def subject_link(objection: FormalObjection) -> tuple[str, dict[str, Any]] | None:
    try:
        return get_decision_kind(objection.subject_kind).decision(db.session, objection.subject_id).link
    except Exception:  # noqa: BLE001 (a decision that can no longer be described is shown unlinked)
        db.session.rollback()
        return None


@dataclass
class Question:
    """A question before the council, with its count so far."""

    key: str
    kind: str
    label: str
    counted: tally.Tally
    deadline: datetime | None = None
    votes: dict[str, str] = field(default_factory=dict)


@dataclass
class ObjectionView:
    objection: FormalObjection
    entries: list[dict[str, Any]]
    link: tuple[str, dict[str, Any]] | None
    coops: dict[str, Cooperative]
    council: list[str]
    order: list[str]
    dismissed: list[str]
    seed: str | None
    questions: list[Question]
    proposal: dict[str, Any] | None
    decision: dict[str, Any] | None
    opinions: list[dict[str, Any]]
    problems: list[str]
    my_council_coops: list[Cooperative]
    can_mediate: bool
    can_withdraw: bool
    can_revert: bool

    @property
    def can_vote(self) -> bool:
        return bool(self.my_council_coops) and self.objection.state == "council"

    @property
    def can_write_opinion(self) -> bool:
        return bool(self.my_council_coops) and self.objection.state == "decided"


def _questions(log: list[dict[str, Any]], state: record.Replay, objection: FormalObjection,
               now: datetime) -> list[Question]:
    questions = []
    if objection.state != "council":
        return questions
    proposals = [e for e in log if e["kind"] == "proposal"]
    if proposals:
        key = f"proposal:{proposals[-1]['seq']}"
        put = parse_at(proposals[-1]["at"])
        put = max(put, objection.convened_at) if objection.convened_at else put
        counted = tally.short_circuit(state.council, state.ballots.get(key, {}), put, now)
        questions.append(Question(key, "proposal", _("Adopt the mediator's proposal (80% yes and no nay)"), counted,
                                  deadline=put + timedelta(days=tally.SHORT_CIRCUIT_DAYS),
                                  votes=state.ballots.get(key, {})))
    for e in log:
        if e["kind"] == "decision_draft":
            key = f"decision:{e['seq']}"
            questions.append(Question(key, "decision", _("Draft decision %(seq)s", seq=e["seq"]),
                                      tally.decision(state.council, state.ballots.get(key, {})),
                                      votes=state.ballots.get(key, {})))
    for key, votes in state.ballots.items():
        if key.startswith("dismiss:") and key[8:] in state.council:
            questions.append(Question(key, "dismiss", _("Dismiss %(coop)s from the council", coop=key[8:]),
                                      tally.dismissal(state.council, key[8:], votes), votes=votes))
    return questions


def view(objection: FormalObjection, viewer: Any, now: datetime | None = None) -> ObjectionView:
    now = now or utcnow()
    log = entries(db.session, objection.id)
    state = record.replay(log)
    drawn = next((e for e in log if e["kind"] == "council_drawn"), None)
    slugs = set(state.order) | {objection.coop.slug}
    coops = {c.slug: c for c in db.session.scalars(select(Cooperative).where(Cooperative.slug.in_(sorted(slugs))))}
    proposals = [e for e in log if e["kind"] == "proposal"]
    decided = next((e for e in log if e["kind"] == "decided"), None)
    acting = list(getattr(viewer, "acting_coops", []) or []) if getattr(viewer, "is_authenticated", False) else []
    mine = [c for c in acting if c.slug in state.council]
    return ObjectionView(
        objection=objection, entries=log, link=subject_link(objection), coops=coops, council=state.council,
        order=state.order, dismissed=state.dismissed, seed=drawn["payload"]["seed"] if drawn else None,
        questions=_questions(log, state, objection, now), proposal=proposals[-1] if proposals else None,
        decision=decided, opinions=[e for e in log if e["kind"] == "minority_opinion"],
        problems=record.verify(log), my_council_coops=mine,
        can_mediate=permissions.can_mediate(viewer) and states.is_pending(objection.state),
        can_withdraw=permissions.can_withdraw(viewer, objection) and states.is_pending(objection.state),
        can_revert=(permissions.can_mediate(viewer) and objection.outcome == "overturn"
                    and objection.subject_kind == "amendment" and objection.reverting_amendment_id is None))


def as_json(objection: FormalObjection) -> dict[str, Any]:
    """An objection for the API (everything in it is public)."""
    from ..voting.ledger import format_at

    def at(value: datetime | None) -> str | None:
        return format_at(value) if value is not None else None

    return {"id": objection.id, "subject": objection.subject, "subject_kind": objection.subject_kind,
            "subject_id": objection.subject_id, "standard_id": objection.standard_id, "title": objection.title,
            "coop": objection.coop.slug, "issue": objection.issue, "rationale": objection.rationale,
            "proposed_change": objection.proposed_change, "state": objection.state,
            "decided_at": at(objection.decided_at), "window_ends_at": at(objection.window_ends_at),
            "filed_at": at(objection.filed_at), "convened_at": at(objection.convened_at),
            "ended_at": at(objection.ended_at), "outcome": objection.outcome, "finding": objection.finding,
            "reason": objection.reason, "reverting_amendment_id": objection.reverting_amendment_id,
            "record_head": objection.record_head, "record_url": f"/objections/{objection.id}/record.jsonl"}
