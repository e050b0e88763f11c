"""What a vote looks like to one person: the read model behind the vote page and the API.

``vote_page(vote, person, now)`` gathers everything once (rule, turnout, outcome, electorate,
the ballots and objections this person may see, their own co-ops' ballots and receipts, what they
may do) and applies the rules of ``permissions`` in one place; the page and the API only present
it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..database import utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..members.models import Cooperative, Person
from ..policies.presenting import basis
from . import admission, charts, ledger, permissions, storage
from .models import Ballot, ElectorateMember, LedgerEntry, Objection, Vote
from .rules import PRESET_LABELS, PRESETS, STATUS_QUO, Outcome, Rule
from .subjects import TextPart, get_handler
from .wording import describe_rule

# Reading -------------------------------------------------------------------------------------

def get_vote(vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(_("No vote with that number."))
    return vote


def list_rooms() -> list[str]:
    """The rooms where votes are announced (opened, closed, cancelled): the network's (admissions)
    and each standard's (everything about a standard), for the list of votes to follow."""
    from ..standards.models import Standard

    return ["network", *(f"standard:{ident}" for ident in db.session.scalars(select(Standard.id).order_by(Standard.id)))]


def list_votes() -> dict[str, list[Vote]]:
    """Open votes (closing soonest first), then closed and cancelled ones (latest first)."""
    votes = list(db.session.scalars(select(Vote).order_by(Vote.id.desc())))
    return {
        "open": sorted((v for v in votes if v.state == "open"), key=lambda v: (v.closes_at, v.id)),
        "closed": sorted((v for v in votes if v.state == "closed"), key=lambda v: v.closed_at, reverse=True),
        "cancelled": [v for v in votes if v.state == "cancelled"],
    }


def votes_on(subject_kind: str, subject_id: int) -> list[Vote]:
    return list(db.session.scalars(select(Vote).where(Vote.subject_kind == subject_kind, Vote.subject_id == subject_id)
                                   .order_by(Vote.id)))


def second_call_of(vote: Vote) -> Vote | None:
    """The vote that called this one's question a second time, if any."""
    return db.session.scalar(select(Vote).where(Vote.second_call_of_id == vote.id))


def turnouts(votes: Sequence[Vote]) -> dict[int, int]:
    """Vote id -> number of co-ops that have voted (for an open secret vote: the last batched count)."""
    ids = [v.id for v in votes]
    if not ids:
        return {}
    rows = db.session.execute(select(Ballot.vote_id, func.count(Ballot.id)).where(Ballot.vote_id.in_(ids))
                              .group_by(Ballot.vote_id)).all()
    counts = {**dict.fromkeys(ids, 0), **{vote_id: count for vote_id, count in rows}}
    for vote in votes:
        if _withheld(vote):
            counts[vote.id] = vote.published_turnout or 0
    return counts


def electorate_sizes(votes: Sequence[Vote]) -> dict[int, int]:
    """Vote id -> number of co-ops in its frozen electorate, in one query."""
    ids = [v.id for v in votes]
    if not ids:
        return {}
    rows = db.session.execute(select(ElectorateMember.vote_id, func.count(ElectorateMember.id))
                              .where(ElectorateMember.vote_id.in_(ids)).group_by(ElectorateMember.vote_id)).all()
    return {**dict.fromkeys(ids, 0), **dict(rows)}


def _withheld(vote: Vote) -> bool:
    """An open secret vote shows only the turnout announced by the last batch (publish_turnouts)."""
    return vote.state == "open" and vote.secret


def turnout(vote: Vote) -> dict[str, int]:
    """{"turnout", "electorate"}: for an open secret vote, the turnout of the last batch."""
    counts = storage.count_turnout(db.session, vote)
    if _withheld(vote):
        counts["turnout"] = vote.published_turnout or 0
    return counts


def electorate(vote: Vote) -> list[ElectorateMember]:
    return list(db.session.scalars(select(ElectorateMember).where(ElectorateMember.vote_id == vote.id)
                                   .order_by(ElectorateMember.coop_id)))


def ballots(vote: Vote) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id).order_by(Ballot.coop_id)))


def objections(vote: Vote) -> list[Objection]:
    """The vote's objections and concerns: in the order they were raised, except in a secret vote,
    where an objection is a co-op's ballot and its place in that order would tell when it was cast
    (listed by their words instead; their times are not shown either, see permissions.can_see_times)."""
    order = (Objection.argument, Objection.id) if vote.secret else (Objection.id,)
    return list(db.session.scalars(select(Objection).where(Objection.vote_id == vote.id).order_by(*order)))


def get_objection(vote: Vote, objection_id: int) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.vote_id != vote.id:
        raise NotFound(_("No such objection in this vote."))
    return objection


def ledger_entries(vote: Vote) -> list[dict[str, Any]]:
    """The record as stored, in casting order. Not for publication: see published_record."""
    return storage.entries(db.session, vote)


def published_record(vote: Vote) -> list[dict[str, Any]]:
    """The record as published once the vote ended (sealed if secret: ballots sorted by voter,
    their times set to the end); its last hash is ``vote.record_head``. Conflict while open."""
    if vote.state == "open":
        raise Conflict(_("The ballot record is published when the vote closes."))
    return storage.published(vote, ledger_entries(vote))


def export_ledger(vote: Vote) -> str:
    """The vote's record as JSON lines (what ``deliberate verify`` checks): the published record
    of an ended vote; the stored record of an open one (for the operator's command only)."""
    return ledger.dumps_jsonl(ledger_entries(vote) if vote.state == "open" else published_record(vote))


def running_outcome(vote: Vote) -> Outcome:
    """What the record gives right now (the stored result once closed)."""
    if vote.result is not None:
        return Outcome.from_dict(vote.result)
    return ledger.replay(ledger_entries(vote)).recompute()


def voting_members(person: Person | None, vote: Vote) -> list[ElectorateMember]:
    """The electorate entries of the co-ops ``person`` is an active delegate of (any status)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    coop_ids = {d.coop_id for d in person.active_delegations}
    return [m for m in electorate(vote) if m.coop_id in coop_ids]


def waiting_for(person: Person | None, now: datetime | None = None) -> list[tuple[Vote, Cooperative]]:
    """Open votes accepting ballots in which a co-op ``person`` acts for has not voted yet."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    coop_ids = [c.id for c in person.acting_coops]
    if not coop_ids:
        return []
    now = now or utcnow()
    voted = select(Ballot.id).where(Ballot.vote_id == ElectorateMember.vote_id, Ballot.coop_id == ElectorateMember.coop_id)
    rows = db.session.execute(
        select(Vote, Cooperative).join(ElectorateMember, ElectorateMember.vote_id == Vote.id)
        .join(Cooperative, Cooperative.id == ElectorateMember.coop_id)
        .where(Vote.state == "open", Vote.opens_at <= now, Vote.closes_at > now,
               ElectorateMember.coop_id.in_(coop_ids), ~voted.exists())
        .order_by(Vote.closes_at, Vote.id, Cooperative.name)).all()
    return [(vote, coop) for vote, coop in rows]


@dataclass(frozen=True)
class SubjectChoice:
    value: str  # "kind:id", as /votes/new?subject= takes it
    label: str


def subject_choices() -> list[tuple[str, list[SubjectChoice]]]:
    """What the stewards could put to a vote now, by kind of subject (the kind's label first):
    every registered kind's candidates that pass its checks and have no open vote."""
    from ..errors import DomainError
    from .subjects import get_handler, registered_kinds

    open_votes = {(kind, ident) for kind, ident in db.session.execute(select(Vote.subject_kind, Vote.subject_id).where(Vote.state == "open"))}
    groups = []
    for kind in registered_kinds():
        handler = get_handler(kind)
        choices = []
        for subject in handler.candidates():
            if (kind, subject.id) in open_votes:
                continue
            try:
                handler.check_can_open(subject)
                choices.append(SubjectChoice(f"{kind}:{subject.id}", handler.title(subject)))
            except DomainError:
                continue
        if choices:
            groups.append((str(handler.label), choices))
    return groups


def admissible_coops() -> list[Cooperative]:
    """Applicant co-ops with no open admission vote (for the stewards' list)."""
    open_on = select(Vote.subject_id).where(Vote.subject_kind == "admission", Vote.state == "open")
    return list(db.session.scalars(select(Cooperative).where(Cooperative.status.in_(admission.ADMISSIBLE),
                                                             Cooperative.id.not_in(open_on))
                                   .order_by(Cooperative.name)))


# The vote page ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MyBallot:
    """One of the person's co-ops in the electorate, its counted ballot and its receipt."""

    member: ElectorateMember
    ballot: Ballot | None
    can_vote: bool
    # The hash of the counted ballot's entry in the record: its proof that the ballot is in it.
    receipt_hash: str | None


@dataclass(frozen=True)
class ShownObjection:
    """An objection or a concern as this person sees it."""

    objection: Objection
    named: bool  # False: "a co-op" (a secret vote, and not one of the person's co-ops)
    can_withdraw: bool = False
    can_resolve: bool = False
    timed: bool = True  # False: its times are not shown (a secret vote)

    @property
    def coop_name(self) -> str | None:
        return self.objection.coop.name if self.named else None


@dataclass(frozen=True)
class OutsideElectorate:
    """One of the person's co-ops that is not in the vote's electorate, and why in plain words."""

    coop: Cooperative
    reason: str


def _outside_electorate(person: Person | None, vote: Vote, electorate: Sequence[ElectorateMember]) -> list[OutsideElectorate]:
    """The person's co-ops that cannot vote here because the electorate (the members when the
    vote opened) does not include them: an applicant, admitted since, suspended or left."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    inside = {m.coop_id for m in electorate}
    outside = []
    for coop in person.coops:
        if coop.id in inside:
            continue
        if coop.status == "member" and coop.member_since is not None and coop.member_since > vote.opens_at:
            reason = _("%(coop)s became a member after this vote opened. A vote's electorate is the member co-ops on the day it "
                       "opened, so %(coop)s votes from the next vote on.", coop=coop.name)
        elif coop.status == "member":
            reason = _("%(coop)s was not a member co-op when this vote opened, so it is not in its electorate.", coop=coop.name)
        elif coop.status == "applicant":
            reason = _("%(coop)s has applied to join the network. Only member co-ops vote; it can vote once the members "
                       "admit it.", coop=coop.name)
        elif coop.status == "suspended":
            reason = _("%(coop)s is suspended: a suspended co-op does not vote until the network lifts the suspension.",
                       coop=coop.name)
        else:
            reason = _("%(coop)s has left the network, and only member co-ops vote.", coop=coop.name)
        outside.append(OutsideElectorate(coop, reason))
    return outside


@dataclass
class VotePage:
    """Everything the vote page and the API show of one vote to one person."""

    vote: Vote
    now: datetime
    rule: Rule
    rule_text: str
    preset_label: str
    adjusted: bool
    turnout: dict[str, int]
    turnout_batched: bool  # the turnout shown is the scheduler's batched figure (open secret votes)
    outcome: Outcome | None  # the result once closed, running totals where shown, else None
    rows: list[tuple[str, int, str]] | None
    labels: dict[str, str]
    electorate: list[ElectorateMember]
    ballots: dict[int, Ballot]  # co-op id -> ballot: only where who voted what is shown
    objection_status: dict[int, str]  # co-op id -> status of its objection, beside the shown ballots
    my_ballots: list[MyBallot]
    my_coop_ids: frozenset[int]
    outside_electorate: list[OutsideElectorate]
    objections: list[ShownObjection]
    concerns: list[ShownObjection]
    second_call: Vote | None
    record_head: str | None  # hash of the last entry of the published record (once it is published)
    entry_count: int
    close_error: str | None  # why the due vote could not close (stewards only)
    accepting: bool
    can_cast: bool
    can_manage: bool
    can_see_ballots: bool
    can_download: bool
    voted_text: list[TextPart]  # the frozen text as people read it (its subject's handler says how)
    basis: str | None = None  # "Decided under the rule X because this is a change of kind Y."
    policy_slug: str | None = None  # the standard whose policy page explains it (None: the network's)

    @property
    def closed(self) -> bool:
        return self.vote.state == "closed"

    @property
    def running(self) -> bool:
        return self.outcome is not None and not self.closed

    @property
    def winner_label(self) -> str:
        if self.closed and self.outcome is not None and self.outcome.winner:
            return self.labels.get(self.outcome.winner, self.outcome.winner)
        return ""

    @property
    def result_word(self) -> str:
        return ledger.result_word(self.outcome) if self.closed and self.outcome is not None else ""

    @property
    def has_ballot(self) -> bool:
        return any(mine.ballot is not None for mine in self.my_ballots)


def _delegated(person: Person | None, electorate: Sequence[ElectorateMember]) -> list[ElectorateMember]:
    """The electorate entries of the co-ops ``person`` is an active delegate of (any status)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    coop_ids = {d.coop_id for d in person.active_delegations}
    return [m for m in electorate if m.coop_id in coop_ids]


def my_coop_ids(person: Person | None, vote: Vote) -> frozenset[int]:
    """The co-ops of the vote's electorate ``person`` is a delegate of."""
    return frozenset(m.coop_id for m in _delegated(person, electorate(vote)))


def _batched(vote: Vote) -> bool:
    return vote.secret and vote.state == "open" and vote.published_turnout is not None


def shown_turnout(vote: Vote, voted: int, electorate_size: int) -> dict[str, int]:
    """The turnout everyone sees. In an open secret vote it is the batched figure the scheduler
    publishes (``published_turnout``), so that its changes do not follow each ballot."""
    if _batched(vote):
        voted = vote.published_turnout
    return {"turnout": voted, "electorate": electorate_size}


def _labels(vote: Vote) -> dict[str, str]:
    return {**vote.alternative_labels, STATUS_QUO: _("The status quo")}


def _outcome(vote: Vote, person: Person | None) -> Outcome | None:
    if vote.state == "closed":
        return vote.outcome
    if permissions.can_see_running_totals(person, vote):
        return running_outcome(vote)
    return None


def _rows(vote: Vote, outcome: Outcome | None, labels: dict[str, str]) -> list[tuple[str, int, str]] | None:
    if outcome is None:
        return None
    return charts.outcome_rows(vote.method, outcome.counts, outcome.details, electorate_size=outcome.electorate_size,
                               turnout=outcome.turnout, labels=labels, translate=_)


def _my_ballots(person: Person | None, vote: Vote, mine: Sequence[ElectorateMember], by_coop: dict[int, Ballot],
                now: datetime) -> list[MyBallot]:
    shown = []
    for member in mine:
        ballot = by_coop.get(member.coop_id)
        receipt = ballot.receipt_hash if ballot is not None else None
        shown.append(MyBallot(member=member, ballot=ballot, can_vote=permissions.can_cast_for(member, vote, now),
                              receipt_hash=receipt))
    return shown


def _objections(person: Person | None, vote: Vote, recorded: Sequence[Objection], mine: frozenset[int],
                now: datetime) -> tuple[list[ShownObjection], list[ShownObjection]]:
    objections, concerns = [], []
    timed = permissions.can_see_objection_times(vote)
    for item in recorded:
        named = permissions.can_see_objection_coop(person, vote, item, mine)
        if item.kind == "objection":
            objections.append(ShownObjection(
                item, named, can_withdraw=permissions.can_withdraw_objection(person, vote, item, mine, now),
                can_resolve=permissions.can_resolve_objection(person, vote, item, now), timed=timed))
        else:
            concerns.append(ShownObjection(item, named, timed=timed))
    return objections, concerns


def _record_head(vote: Vote) -> tuple[str | None, int]:
    """The published record's head and length, once it is published."""
    if vote.state == "open":
        return None, 0
    # Stored as the vote ended: a secret vote's record is published sealed (re-chained).
    count = db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.vote_id == vote.id))
    return vote.record_head, count or 0


def _close_error(vote: Vote, person: Person | None) -> str | None:
    """Why the open, due vote could not close (the scheduler keeps trying): for the stewards."""
    if vote.state != "open" or not permissions.can_see_close_error(person, vote):
        return None
    return vote.close_error or None


def vote_page(vote: Vote, person: Person | None, now: datetime, every_ballot: list[Ballot] | None = None) -> VotePage:
    """The vote as ``person`` (None or anonymous: anyone) may see it at ``now``. ``every_ballot``:
    the vote's ballots (:func:`ballots`) when the caller has read them for another part of its page."""
    rule = vote.rule_obj
    labels = _labels(vote)
    outcome = _outcome(vote, person)
    members = electorate(vote)
    all_ballots = {b.coop_id: b for b in (ballots(vote) if every_ballot is None else every_ballot)}
    mine = _delegated(person, members)
    mine_ids = frozenset(m.coop_id for m in mine)
    recorded = objections(vote)
    see_ballots = permissions.can_see_ballots(person, vote)
    shown, concerns = _objections(person, vote, recorded, mine_ids, now)
    head, count = _record_head(vote)
    return VotePage(
        vote=vote, now=now, rule=rule, rule_text=describe_rule(rule),
        preset_label=_(PRESET_LABELS[vote.rule_preset]) if vote.rule_preset in PRESET_LABELS else _("a rule set in full"),
        adjusted=vote.rule_preset in PRESETS and PRESETS[vote.rule_preset] != rule,
        turnout=shown_turnout(vote, len(all_ballots), len(members)), turnout_batched=_batched(vote),
        outcome=outcome, rows=_rows(vote, outcome, labels), labels=labels, electorate=members,
        ballots=all_ballots if see_ballots else {},
        objection_status={o.coop_id: o.status for o in recorded if o.kind == "objection"} if see_ballots else {},
        my_ballots=_my_ballots(person, vote, mine, all_ballots, now), my_coop_ids=mine_ids,
        outside_electorate=_outside_electorate(person, vote, members) if vote.state == "open" else [],
        objections=shown, concerns=concerns, second_call=second_call_of(vote),
        record_head=head, entry_count=count,
        close_error=_close_error(vote, person),
        accepting=vote.accepts_ballots_at(now), can_cast=permissions.can_cast(person, vote, now, mine),
        can_manage=permissions.can_manage_votes(person), can_see_ballots=see_ballots,
        can_download=permissions.can_download_record(person, vote),
        voted_text=get_handler(vote.subject_kind).readable_text(vote.text),
        basis=basis(vote.terms), policy_slug=_standard_slug(vote))


def _standard_slug(vote: Vote) -> str | None:
    from ..standards.models import Standard

    return db.session.scalar(select(Standard.slug).where(Standard.id == vote.standard_id)) if vote.standard_id else None


def record_download(vote: Vote) -> Response:
    """The ballot record as a JSON-lines download (the page's link and the API): published once
    the vote has closed or been cancelled, exactly as ``deliberate verify`` checks it."""
    if not permissions.can_download_record(None, vote):
        raise Conflict(_("The ballot record is published when the vote closes."))
    response = Response(export_ledger(vote), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = f'attachment; filename="vote-{vote.id}.jsonl"'
    return response


def text_download(vote: Vote) -> Response:
    """The exact text voted on, byte for byte what its fingerprint (``text_hash``) covers, so that
    anyone can check it with ``sha256sum``. As public as the vote page that shows it."""
    response = Response(vote.text.encode("utf-8"), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="vote-{vote.id}-text.txt"'
    return response


def ballot_for(page: VotePage, coop_id: int) -> MyBallot | None:
    """The person's entry for one co-op (after casting for it)."""
    return next((mine for mine in page.my_ballots if mine.member.coop_id == coop_id), None)

