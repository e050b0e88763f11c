"""Formal objections: filing, mediation, withdrawal, the council's draw, its votes and decision.

One function per intention, the actor explicit, one unit of work each. Every step appends one
entry (or a few) to the objection's hash-chained record (record.py) in the same transaction as the
state change and the event it publishes; the objection's row is locked first, so steps on one
objection are serialised and its record's ``seq`` stays contiguous.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..limits import clean_text
from ..members.models import Cooperative, Person
from ..members.services import acting_coop
from ..realtime.events import record_event
from ..voting.ledger import format_at, parse_at
from . import draw, permissions, record, states, tally
from .models import FormalObjection, ObjectionRecordEntry
from .subjects import Decision, get_decision_kind

ISSUE, TEXT = 2_000, 20_000  # the issue in a few lines; rationale, proposals, reasons, opinions


# Helpers -------------------------------------------------------------------------------------

def room(objection: FormalObjection) -> str:
    """Where the objection's events go (and its page listens): its standard's room, else the network's."""
    return f"standard:{objection.standard_id}" if objection.standard_id else "network"


def _locked(session: Session, objection_id: int) -> FormalObjection:
    # Lock the row alone (its joined co-op and person cannot be locked on PostgreSQL), then read it afresh.
    session.execute(select(FormalObjection.id).where(FormalObjection.id == objection_id).with_for_update())
    objection = session.get(FormalObjection, objection_id, populate_existing=True)
    if objection is None:
        raise NotFound(_("There is no such formal objection."))
    return objection


def entries(session: Session, objection_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(ObjectionRecordEntry).where(ObjectionRecordEntry.objection_id == objection_id)
                           .order_by(ObjectionRecordEntry.seq))
    return [row.entry() for row in rows]


def _append(session: Session, objection: FormalObjection, kind: str, payload: dict[str, Any],
            now: datetime) -> dict[str, Any]:
    last_row = session.scalar(select(ObjectionRecordEntry).where(ObjectionRecordEntry.objection_id == objection.id)
                              .order_by(ObjectionRecordEntry.seq.desc()).limit(1))
    last = last_row.entry() if last_row is not None else None
    at = now
    if last is not None and parse_at(last["at"]) > at:
        at = parse_at(last["at"])  # times never go back in a record
    entry = record.make_entry(last, kind, payload, format_at(at))
    session.add(ObjectionRecordEntry(objection_id=objection.id, **entry))
    objection.record_head = entry["hash"]
    session.flush()
    return entry


def _move(objection: FormalObjection, action: str) -> None:
    try:
        objection.state = states.next_state(objection.state, action)
    except states.TransitionError:
        raise Conflict(_("This formal objection is %(state)s: that cannot be done now.",
                         state=_(objection.state_label))) from None


def _publish(session: Session, objection: FormalObjection, kind: str, actor: Person | None,
             extra: dict[str, Any] | None = None) -> None:
    payload = {"objection_id": objection.id, "subject": objection.subject, "state": objection.state,
               "standard_id": objection.standard_id, "record_head": objection.record_head, **(extra or {})}
    record_event(session, kind, room(objection), payload, actor_id=actor.id if actor else None)


def _coop_slug(session: Session, coop_id: int) -> str:
    return session.get(Cooperative, coop_id).slug


def decision_for(session: Session, subject_kind: str, subject_id: int) -> Decision:
    return get_decision_kind(subject_kind).decision(session, subject_id)


def window_end(decision: Decision) -> datetime:
    return decision.decided_at + timedelta(days=decision.objection_days)


def parties(session: Session, objection: FormalObjection, decision: Decision) -> set[int]:
    """The co-ops party to the objection (see subjects.py): never on its council."""
    others = session.scalars(select(FormalObjection.coop_id).where(
        FormalObjection.subject_kind == objection.subject_kind, FormalObjection.subject_id == objection.subject_id,
        FormalObjection.state.in_(states.PENDING)))
    return {objection.coop_id} | set(decision.parties) | set(others)


def eligible_slugs(session: Session, excluded: set[int]) -> list[str]:
    """Member co-ops that may sit on the council, sorted by slug."""
    rows = session.execute(select(Cooperative.id, Cooperative.slug).where(Cooperative.status == "member")
                           .order_by(Cooperative.slug))
    return [slug for ident, slug in rows if ident not in excluded]


def council_size() -> int:
    from ..policies.queries import network_policy

    return int(network_policy()["council"]["size"])


def current_council(session: Session, objection: FormalObjection) -> list[str]:
    return record.replay(entries(session, objection.id)).council


def _council_coop(session: Session, actor: Person, objection: FormalObjection,
                  coop: Cooperative | None) -> Cooperative:
    """The co-op a council member's delegate acts for; PermissionDenied if it does not sit."""
    if not permissions.can_act_for_council(actor):
        raise PermissionDenied(_("Only delegates of the co-ops on the council can do this."))
    seated = set(current_council(session, objection))
    choices = [c for c in actor.acting_coops if c.slug in seated]
    if coop is not None:
        if coop.id not in {c.id for c in choices}:
            raise PermissionDenied(_("You can only act for a co-op on this council that you are a delegate of."))
        return coop
    if len(choices) == 1:
        return choices[0]
    if not choices:
        raise PermissionDenied(_("Only delegates of the co-ops on the council can do this."))
    raise InvalidInput(_("Choose which co-op you are acting for."), field_errors={"coop": [_("Choose a co-op.")]})


# Filing and mediation ------------------------------------------------------------------------

def refuse_filing() -> None:
    raise PermissionDenied(_("Only delegates of member co-ops can file a formal objection."))


def check_can_file(actor: Person | None) -> None:
    """Refuse filing (and its form) to anyone but a delegate of a member co-op."""
    if not permissions.can_file(actor):
        refuse_filing()


def file_objection(*, actor: Person, subject_kind: str, subject_id: int, issue: str, rationale: str,
                   proposed_change: str, coop: Cooperative | None = None, now: datetime | None = None,
                   within: Session | None = None) -> FormalObjection:
    """A member co-op's delegate files a formal objection to a decision, within the period its
    terms give (``objection_days`` after the decision).

    ``within``: another service's open unit of work, for a user action that files an objection as
    one of its steps (escalating a question on a declaration): the objection is then written in
    that transaction, committed or rolled back with the rest."""
    check_can_file(actor)
    coop = acting_coop(actor, coop)
    if coop is None:
        refuse_filing()
    issue = clean_text(issue, "issue", ISSUE, required=_("Say what the issue is."))
    rationale = clean_text(rationale, "rationale", TEXT, required=_("Say why: the reasons everyone will read."))
    proposed_change = clean_text(proposed_change, "proposed_change", TEXT,
                                 required=_("Say what you propose instead."))
    now = now or utcnow()
    if within is not None:
        return _file(within, actor, coop, subject_kind, subject_id, issue, rationale, proposed_change, now)
    with unit_of_work() as session:
        objection = _file(session, actor, coop, subject_kind, subject_id, issue, rationale, proposed_change, now)
    return objection


def _file(session: Session, actor: Person, coop: Cooperative, subject_kind: str, subject_id: int, issue: str,
          rationale: str, proposed_change: str, now: datetime) -> FormalObjection:
    decision = decision_for(session, subject_kind, subject_id)
    ends = window_end(decision)
    if now > ends:
        raise Conflict(_("The period for formal objections to this decision ended on %(date)s.",
                         date=ends.strftime("%Y-%m-%d")))
    objection = FormalObjection(subject_kind=decision.kind, subject_id=decision.subject_id,
                                standard_id=decision.standard_id, title=decision.title[:limits.VOTE_TITLE],
                                coop_id=coop.id, filed_by_id=actor.id, issue=issue, rationale=rationale,
                                proposed_change=proposed_change, state="filed", decided_at=decision.decided_at,
                                window_ends_at=ends, filed_at=now)
    session.add(objection)
    session.flush()
    _append(session, objection, "filed", {
        "objection": objection.id, "subject": objection.subject, "decision": decision.title,
        "decision_outcome": decision.outcome, "decided_at": format_at(decision.decided_at),
        "window_ends_at": format_at(ends), "coop": coop.slug, "issue": issue, "rationale": rationale,
        "proposed_change": proposed_change}, now)
    _publish(session, objection, "objection_filed", actor, {"coop": coop.slug, "title": objection.title})
    # The co-ops whose decision it is (an amendment's authors, an admitted co-op…) hear of it at once.
    _tell_delegates(session, objection, "objection_filed_against", Cooperative.id.in_(sorted(set(decision.parties) - {coop.id})),
                    actor, {"by": coop.name})
    return objection


def add_mediation_note(*, actor: Person, objection: FormalObjection, note: str,
                       now: datetime | None = None) -> FormalObjection:
    """A steward records a step of mediation (a meeting, what was said, what was agreed)."""
    if not permissions.can_mediate(actor):
        raise PermissionDenied(_("Only stewards can mediate a formal objection."))
    note = clean_text(note, "note", TEXT, required=_("Write the note: everyone will read it."))
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        _move(objection, "mediate")
        _append(session, objection, "mediation_note", {"by": "steward", "note": note}, now)
        _publish(session, objection, "objection_mediated", actor)
    return objection


def put_proposal(*, actor: Person, objection: FormalObjection, text: str,
                 now: datetime | None = None) -> FormalObjection:
    """A steward, as mediator, puts a proposal to settle the objection. Once a council sits it
    votes on the latest proposal: 80% yes and no nay within two weeks adopt it (tally.py)."""
    if not permissions.can_mediate(actor):
        raise PermissionDenied(_("Only stewards can mediate a formal objection."))
    text = clean_text(text, "text", TEXT, required=_("Write the proposal."))
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        _move(objection, "propose")
        entry = _append(session, objection, "proposal", {"by": "steward", "text": text}, now)
        _publish(session, objection, "objection_proposal", actor, {"question": f"proposal:{entry['seq']}"})
    return objection


def withdraw_objection(*, actor: Person, objection: FormalObjection, note: str = "",
                       now: datetime | None = None) -> FormalObjection:
    """The filing co-op withdraws its objection (at any time before it is decided or settled)."""
    if not permissions.can_withdraw(actor, objection):
        raise PermissionDenied(_("Only the co-op that filed this objection can withdraw it."))
    note = clean_text(note, "note", limits.REASON)
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        _move(objection, "withdraw")
        objection.ended_at = now
        _append(session, objection, "withdrawn", {"by": _coop_slug(session, objection.coop_id), "note": note}, now)
        _publish(session, objection, "objection_withdrawn", actor)
    return objection


# The council -------------------------------------------------------------------------------------

def convene_council(*, actor: Person, objection: FormalObjection, now: datetime | None = None) -> FormalObjection:
    """A steward convenes the council after mediation: drawn at random among the member co-ops not
    party to the objection, from a seed made of the witness log's head and the record's head."""
    from ..witness import services as witness

    if not permissions.can_mediate(actor):
        raise PermissionDenied(_("Only stewards can convene a council."))
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        _move(objection, "convene")
        decision = decision_for(session, objection.subject_kind, objection.subject_id)
        excluded = parties(session, objection, decision)
        eligible = eligible_slugs(session, excluded)
        if not eligible:
            raise Conflict(_("No member co-op is free to sit on the council: every one is party to the objection."))
        size = council_size()
        found = witness.head(session)
        witness_head = found[1] if found else draw.GENESIS
        record_head = objection.record_head
        seed = draw.derive_seed(witness_head, record_head)
        order = draw.draw_order(seed, eligible)
        council = draw.seated(order, size)
        party_slugs = sorted(session.scalars(select(Cooperative.slug).where(Cooperative.id.in_(sorted(excluded)))))
        objection.convened_at = now
        _append(session, objection, "council_drawn", {
            "witness_head": witness_head, "witness_seq": found[0] if found else None, "record_head": record_head,
            "seed": seed, "parties": party_slugs, "eligible": eligible, "size": size, "order": order,
            "council": council}, now)
        _publish(session, objection, "council_drawn", actor, {"council": council, "seed": seed})
        _tell_seated(session, objection, council, actor)
    return objection


def _tell_seated(session: Session, objection: FormalObjection, slugs: list[str], actor: Person | None) -> None:
    """Each delegate of a co-op just seated on the council is told (the council has two weeks to
    act, and nobody watches an objection they did not file)."""
    _tell_delegates(session, objection, "council_seat", Cooperative.slug.in_(slugs), actor)


def _tell_delegates(session: Session, objection: FormalObjection, kind: str, coops: Any, actor: Person | None,
                    extra: dict[str, Any] | None = None) -> None:
    """A ``kind`` event in the own room of each delegate of the co-ops ``coops`` selects: a notification."""
    from ..members.models import Delegation

    rows = session.execute(
        select(Delegation.person_id, Cooperative.slug, Cooperative.name).join(Cooperative, Cooperative.id == Delegation.coop_id)
        .where(coops, Delegation.ended_at.is_(None)).order_by(Delegation.person_id, Cooperative.slug))
    for person_id, slug, name in rows:
        record_event(session, kind, f"user:{person_id}",
                     {"objection_id": objection.id, "coop": slug, "coop_name": name, "title": objection.title,
                      "standard_id": objection.standard_id, **(extra or {})}, actor_id=actor.id if actor else None)


def _question_open(entries_: list[dict[str, Any]], question: str, objection: FormalObjection,
                   now: datetime) -> None:
    kind, _sep, ident = question.partition(":")
    if kind not in tally.QUESTION_KINDS or not ident:
        raise InvalidInput(_("That is not a question before the council."), field_errors={"question": [_("Unknown question.")]})
    if kind == "proposal":
        latest = [e for e in entries_ if e["kind"] == "proposal"]
        if not latest or str(latest[-1]["seq"]) != ident:
            raise Conflict(_("Only the mediator's latest proposal can be voted on."))
        if tally.short_circuit([], {}, _put_at(latest[-1], objection), now).status == "lapsed":
            raise Conflict(_("The two weeks to adopt the mediator's proposal have passed: the council decides."))
    elif kind == "decision":
        drafts = [e for e in entries_ if e["kind"] == "decision_draft"]
        if not any(str(e["seq"]) == ident for e in drafts):
            raise InvalidInput(_("There is no such draft decision."), field_errors={"question": [_("Unknown question.")]})
    elif kind == "dismiss":
        if ident not in record.replay(entries_).council:
            raise Conflict(_("That co-op does not sit on the council."))


def _put_at(proposal: dict[str, Any], objection: FormalObjection) -> datetime:
    """When a proposal was put to the council: when it was written, or when the council was
    drawn if it was written before."""
    at = parse_at(proposal["at"])
    return max(at, objection.convened_at) if objection.convened_at else at


def _settle(session: Session, objection: FormalObjection, question: str, actor: Person, now: datetime) -> None:
    """Apply what the ballots on ``question`` decide, if they decide it now."""
    log = entries(session, objection.id)
    state = record.replay(log)
    votes = state.ballots.get(question, {})
    kind, _sep, ident = question.partition(":")
    if kind == "dismiss":
        if tally.dismissal(state.council, ident, votes).passed:
            before = state.council
            state.dismissed.append(ident)
            _append(session, objection, "member_dismissed", {"coop": ident, "question": question,
                                                             "council": state.council}, now)
            _publish(session, objection, "council_member_dismissed", actor, {"coop": ident, "council": state.council})
            _tell_seated(session, objection, [slug for slug in state.council if slug not in before], actor)
    elif kind == "proposal":
        proposal = next(e for e in log if str(e["seq"]) == ident)
        counted = tally.short_circuit(state.council, votes, _put_at(proposal, objection), now)
        if counted.passed:
            _move(objection, "short_circuit")
            objection.outcome, objection.reason, objection.ended_at = "settled", proposal["payload"]["text"], now
            _append(session, objection, "short_circuit", {"question": question, "yes": counted.yes,
                                                          "abstain": counted.abstain, "council": state.council}, now)
            _publish(session, objection, "objection_settled", actor)
    elif kind == "decision":
        counted = tally.decision(state.council, votes)
        if counted.passed:
            draft = next(e for e in log if str(e["seq"]) == ident)["payload"]
            _move(objection, "decide")
            objection.outcome, objection.finding, objection.reason = draft["outcome"], draft["finding"], draft["reason"]
            objection.ended_at = now
            _append(session, objection, "decided", {"question": question, "outcome": draft["outcome"],
                                                    "finding": draft["finding"], "reason": draft["reason"],
                                                    "yes": counted.yes, "no": counted.no,
                                                    "abstain": counted.abstain, "council": state.council}, now)
            _publish(session, objection, "objection_decided", actor, {"outcome": draft["outcome"],
                                                                      "finding": draft["finding"]})


def cast_council_ballot(*, actor: Person, objection: FormalObjection, question: str, choice: str,
                        reason: str = "", coop: Cooperative | None = None, now: datetime | None = None
                        ) -> FormalObjection:
    """A council member's delegate votes yes, no or abstain on a question before the council:
    ``proposal:<seq>`` (the short circuit), ``dismiss:<slug>`` or ``decision:<seq>``. The co-op's
    last ballot counts; the question is settled as soon as its rule is met."""
    if choice not in tally.CHOICES:
        raise InvalidInput(_("Choose yes, no or abstain."), field_errors={"choice": [_("Not a choice.")]})
    reason = clean_text(reason, "reason", limits.BALLOT_NOTE)
    question = (question or "").strip()
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        voter = _council_coop(session, actor, objection, coop)
        _move(objection, "ballot")
        log = entries(session, objection.id)
        _question_open(log, question, objection, now)
        if question == f"dismiss:{voter.slug}":
            raise Conflict(_("A co-op does not vote on its own dismissal."))
        _append(session, objection, "ballot", {"question": question, "coop": voter.slug, "choice": choice,
                                               "reason": reason}, now)
        _publish(session, objection, "council_ballot", actor, {"question": question, "coop": voter.slug,
                                                               "choice": choice})
        _settle(session, objection, question, actor, now)
    return objection


def move_dismissal(*, actor: Person, objection: FormalObjection, member: str, reason: str,
                   coop: Cooperative | None = None, now: datetime | None = None) -> FormalObjection:
    """A council member moves to dismiss another (its yes ballot, with the reason everyone reads)."""
    reason = clean_text(reason, "reason", limits.BALLOT_NOTE, required=_("Say why the member should be dismissed."))
    return cast_council_ballot(actor=actor, objection=objection, question=f"dismiss:{member}", choice="yes",
                               reason=reason, coop=coop, now=now)


def draft_decision(*, actor: Person, objection: FormalObjection, outcome: str, finding: str, reason: str,
                   coop: Cooperative | None = None, now: datetime | None = None) -> dict[str, Any]:
    """A council member's delegate writes a decision for the council to vote on: affirm or
    overturn the decision, the objection upheld or overruled, and the written reason. Its own
    co-op's yes ballot goes with it. Returns the draft's record entry."""
    if outcome not in ("affirm", "overturn"):
        raise InvalidInput(_("Choose affirm or overturn."), field_errors={"outcome": [_("Choose one.")]})
    if finding not in ("upheld", "overruled"):
        raise InvalidInput(_("Say whether the objection is upheld or overruled."),
                           field_errors={"finding": [_("Choose one.")]})
    if outcome == "overturn" and finding == "overruled":
        raise InvalidInput(_("A decision overturned upholds the objection."), field_errors={"finding": [_("Choose upheld.")]})
    reason = clean_text(reason, "reason", TEXT, required=_("Write the council's reason: everyone will read it."))
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        voter = _council_coop(session, actor, objection, coop)
        _move(objection, "draft_decision")
        draft = _append(session, objection, "decision_draft", {"coop": voter.slug, "outcome": outcome,
                                                               "finding": finding, "reason": reason}, now)
        question = f"decision:{draft['seq']}"
        _append(session, objection, "ballot", {"question": question, "coop": voter.slug, "choice": "yes",
                                               "reason": ""}, now)
        _publish(session, objection, "council_decision_drafted", actor, {"question": question, "coop": voter.slug})
        _settle(session, objection, question, actor, now)
    return draft


def write_minority_opinion(*, actor: Person, objection: FormalObjection, text: str,
                           coop: Cooperative | None = None, now: datetime | None = None) -> FormalObjection:
    """A council member's delegate publishes a minority opinion once the council has decided."""
    text = clean_text(text, "text", TEXT, required=_("Write the opinion."))
    now = now or utcnow()
    with unit_of_work() as session:
        objection = _locked(session, objection.id)
        voter = _council_coop(session, actor, objection, coop)
        _move(objection, "minority_opinion")
        _append(session, objection, "minority_opinion", {"coop": voter.slug, "text": text}, now)
        _publish(session, objection, "minority_opinion_written", actor, {"coop": voter.slug})
    return objection


# After an overturn ---------------------------------------------------------------------------------

def propose_reverting_amendment(*, actor: Person, objection: FormalObjection):
    """A steward proposes the amendment that restores the text an overturned amendment replaced:
    an ordinary draft amendment, decided like any other (history is never rewritten)."""
    from ..proposals import services as proposals
    from ..proposals.models import Amendment
    from ..standards.models import Revision, Section

    if not permissions.can_mediate(actor):
        raise PermissionDenied(_("Only stewards can propose the reverting amendment."))
    session = db.session
    current = session.get(FormalObjection, objection.id, populate_existing=True)
    if current is None:
        raise NotFound(_("There is no such formal objection."))
    if current.outcome != "overturn" or current.subject_kind != "amendment":
        raise Conflict(_("Only an overturned amendment can be reverted."))
    if current.reverting_amendment_id is not None:
        raise Conflict(_("The reverting amendment was already proposed."))
    amendment = session.get(Amendment, current.subject_id)
    if amendment is None or amendment.state != "adopted":
        raise Conflict(_("Only an adopted amendment can be reverted."))
    standard = amendment.standard
    summary = _("Restores the text as it was before %(ref)s, whose adoption the council overturned "
                "(formal objection %(id)s).", ref=amendment.reference, id=current.id)[:limits.AMENDMENT_SUMMARY]
    section = session.get(Section, amendment.section_id) if amendment.section_id else None
    if amendment.kind in ("modify", "retitle"):
        adopted = session.get(Revision, amendment.adopted_revision_id) if amendment.adopted_revision_id else None
        previous = session.get(Revision, adopted.parent_id) if adopted is not None and adopted.parent_id else None
        if previous is None or section is None:
            raise Conflict(_("The text before this amendment cannot be found."))
        values: dict[str, Any] = dict(kind="modify", section=section, proposed_title=previous.title,
                                      proposed_body=previous.body)
    elif amendment.kind == "insert" and section is not None and section.retired_at is None:
        values = dict(kind="delete", section=section)
    elif amendment.kind == "delete" and section is not None and section.head is not None:
        values = dict(kind="insert", proposed_title=section.head.title, proposed_body=section.head.body,
                      target_position=section.position)
    else:
        raise Conflict(_("This amendment cannot be reverted in one click: propose the change by hand."))
    reverting = proposals.propose_amendment(actor=actor, standard=standard, summary=summary,
                                            rationale=current.reason, **values)
    with unit_of_work() as session:
        objection = _locked(session, current.id)
        objection.reverting_amendment_id = reverting.id
        _publish(session, objection, "reverting_amendment_proposed", actor, {"amendment_id": reverting.id})
    return reverting


# Blocking ratification -------------------------------------------------------------------------

def pending_against_version(session: Session, version: Any) -> list[FormalObjection]:
    """Pending formal objections against ``version`` itself or an amendment it includes."""
    ids = [int(i) for i in (version.amendment_ids or [])]
    conditions = [(FormalObjection.subject_kind == "version") & (FormalObjection.subject_id == version.id)]
    if ids:
        conditions.append((FormalObjection.subject_kind == "amendment") & FormalObjection.subject_id.in_(ids))
    return list(session.scalars(select(FormalObjection).where(FormalObjection.state.in_(states.PENDING),
                                                              or_(*conditions)).order_by(FormalObjection.id)))


def refuse_if_objection_pending(session: Session, version: Any) -> None:
    """Conflict naming the first pending formal objection against one of the version's changes."""
    pending = pending_against_version(session, version)
    if pending:
        first = pending[0]
        raise Conflict(_("Version %(number)s cannot be ratified while formal objection %(id)s against "
                         "“%(title)s” is pending: it must be decided or withdrawn first.",
                         number=version.number, id=first.id, title=first.title))
