"""Voting operations: one function per intention, the actor passed explicitly.

Every write takes the vote's row lock first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
write transactions already begin immediately), so the record of one vote is appended to by one
transaction at a time and its ``seq`` stays contiguous. The counted ballot of a co-op is written
with an upsert on ``(vote_id, coop_id)``: whatever happens, one row per co-op, the last one wins.
The result is computed once, at close, by replaying the stored record (``ledger.replay``): what
is stored is exactly what ``deliberate verify`` recomputes from the export.
"""
from __future__ import annotations

import secrets
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import limits, notices
from ..database import id_of, is_postgres, unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, PermissionDenied
from ..i18n import format_datetime
from ..limits import clean_text
from ..members.models import Cooperative, Delegation, Person
from . import ledger, storage
from .models import Ballot, ElectorateMember, LedgerEntry, Objection, Vote
from .permissions import can_open_votes
from .rules import CHOICES, PRESETS, BallotInput, Rule, RuleError, check_ballot, options_for
from .subjects import SubjectHandler, get_handler

MAX_DURATION = timedelta(days=366)
SUBJECT_LOCK_KEY = 7_401_203  # PostgreSQL advisory lock namespace: one opening per subject at a time


class System:
    """The platform acting by itself: the scheduler closing a due vote, a policy opening one."""

    id = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = System()


# Small helpers -------------------------------------------------------------------------------

def moment_text(moment: datetime) -> str:
    """A moment for a message, in the reader's language ("26 Nov 2026, 14:30 UTC")."""
    return format_datetime(moment)


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise InvalidInput(_("Times must include their time zone."), field_errors={field: [_("Give the time in UTC.")]})
    return moment


def acting_id(actor: Any) -> int | None:
    return None if actor is None or actor is SYSTEM else actor.id


def ballot_event(session: Session, vote: Vote, actor: Person, turnout: Mapping[str, int] | None = None) -> None:
    """A public vote announces each ballot (turnout, and totals if live). A secret vote does not:
    the moment of a ballot, seen with who is on the page, would tie a co-op to it; its turnout
    goes out in batches instead (publish_turnouts). ``turnout``: {"turnout", "electorate"} when
    the caller knows them (cast_ballot), else they are counted."""
    if vote.secret:
        return
    payload: dict[str, Any] = dict(turnout) if turnout is not None else storage.count_turnout(session, vote)
    if vote.live_totals:
        payload["totals"] = ledger.replay(storage.entries(session, vote)).recompute().counts
    storage.publish(session, vote, "ballot_cast", payload, actor.id)


# Rules ---------------------------------------------------------------------------------------

def build_rule(preset: str | None = None, overrides: Mapping[str, Any] | None = None) -> tuple[Rule, str]:
    """A rule from a preset (or "custom"), with fields set in full or adjusted.

    Overrides that are None or "" keep the preset's value. Returns (rule, preset name);
    InvalidInput names the field that does not work.
    """
    preset = preset or "custom"
    if preset != "custom" and preset not in PRESETS:
        raise InvalidInput(_("There is no rule preset called %(preset)r.", preset=preset), field_errors={"rule_preset": [_("Choose a preset.")]})
    data: dict[str, Any] = PRESETS[preset].to_dict() if preset != "custom" else {}
    for name, value in (overrides or {}).items():
        if value is not None and value != "":
            data[name] = value
    try:
        rule = Rule.from_dict(data)
    except RuleError as error:
        message = rule_problem(error)
        raise InvalidInput(message, field_errors={error.field or "rule_preset": [message]}) from None
    return rule, preset


# What a steward may get wrong in a rule's fields, in the steward's language (rules.py says it in
# English, for the record's verifier).
_FRACTION_PROBLEMS = {
    "quorum": _l("Write the quorum as a fraction such as 2/3."),
    "threshold": _l("Write the threshold as a fraction such as 2/3."),
    "second_call_quorum": _l("Write the second-call quorum as a fraction such as 1/4."),
}
_RULE_PROBLEMS = {
    "threshold_range": _l("A supermajority needs more than 1/2 and at most 1, such as 2/3."),
    "threshold_method": _l("Only a supermajority has a threshold: choose that method, or leave the threshold empty."),
    "quorum_range": _l("The quorum must be more than 0 and at most 1, such as 1/3."),
    "basis_method": _l("Only majority and supermajority votes can count against the whole electorate."),
    "second_call_without_quorum": _l("A second-call quorum lowers the quorum: set a quorum too."),
    "second_call_range": _l("The second-call quorum must be more than 0 and lower than the quorum (%(quorum)s)."),
}


def rule_problem(error: RuleError) -> str:
    """What is wrong with a rule, in the reader's language (rules.py's English when it has no wording)."""
    if error.code == "fraction" and error.field in _FRACTION_PROBLEMS:
        return str(_FRACTION_PROBLEMS[error.field])
    if error.code in _RULE_PROBLEMS:
        return str(_RULE_PROBLEMS[error.code]) % error.params
    return _("The rule does not work: %(error)s.", error=error)


# Opening -------------------------------------------------------------------------------------

def check_can_open_vote(actor: Person | System | None) -> None:
    """Refuse opening a vote (and its form) to anyone but a steward or the system."""
    if not (actor is SYSTEM or can_open_votes(actor)):
        raise PermissionDenied(_("Only stewards can open a vote."))


def open_vote(*, actor: Person | System, subject_kind: str, subject_id: int, closes_at: datetime,
              rule_preset: str | None = None, rule: Mapping[str, Any] | None = None,
              opens_at: datetime | None = None, secret: bool | None = None, live_totals: bool | None = None,
              second_call_quorum: str | None = None, title: str | None = None,
              weights: Mapping[int, int] | None = None, now: datetime | None = None) -> Vote:
    """Open a vote on a registered subject: freeze its rule, electorate and text in the record.

    The rule starts from ``rule_preset`` (default: the subject's, from the standard's policy);
    ``rule`` holds Rule fields (as in Rule.to_dict) that adjust it, or, without a preset, set
    the rule in full. ``secret``, ``live_totals`` and ``second_call_quorum`` adjust it too; None
    and "" keep the value of ``rule`` or the preset. A rule is kept as given or refused, never
    changed: a keyword that contradicts a field of ``rule`` is refused, and so is a secret vote
    with live totals. ``weights`` (co-op id -> weight) only for weighted rules.
    ``actor`` is a steward, or ``SYSTEM`` when a policy opens the vote by itself.
    """
    check_can_open_vote(actor)
    now = now or utcnow()
    _aware(closes_at, "closes_at")
    _aware(opens_at, "opens_at")
    handler = get_handler(subject_kind)
    subject = handler.load(subject_id)
    terms = handler.terms(subject)
    preset = "custom" if rule and not rule_preset else (rule_preset or handler.rule_preset(subject))
    given = _rule_as_given(rule, secret=secret, live_totals=live_totals, second_call_quorum=second_call_quorum)
    if terms and terms.get("quorum") and preset == terms.get("rule") and given.get("quorum") in (None, ""):
        given["quorum"] = terms["quorum"]  # the policy sets this kind's quorum apart from its preset
    rule_obj, preset = build_rule(preset, given)
    if rule_obj.secret and rule_obj.weighted:
        raise InvalidInput(_("A secret vote cannot be weighted: the weights published in its record would name the co-ops."),
                           field_errors={"secret": [_("Make the vote public, or give every co-op one vote.")]})
    if rule_obj.secret and rule_obj.live_totals:
        raise InvalidInput(_("A secret vote cannot show running totals: they would tell who voted how."),
                           field_errors={"live_totals": [_("Turn off live totals, or make the vote public.")]})
    opens_at = now if opens_at is None or opens_at < now else opens_at
    if closes_at is None:
        raise InvalidInput(_("Say when the vote closes."), field_errors={"closes_at": [_("This field is required.")]})
    if closes_at <= opens_at:
        raise InvalidInput(_("The vote must close after it opens."), field_errors={"closes_at": [_("Choose a later time.")]})
    if closes_at - opens_at > MAX_DURATION:
        raise InvalidInput(_("A vote can stay open for a year at most."), field_errors={"closes_at": [_("Choose an earlier time.")]})
    if title is not None:
        # Titles the platform makes (from an amendment's or a standard's title) are cut, not refused.
        title = clean_text(title, "title", limits.MAX_TEXT, multiline=False)[:limits.VOTE_TITLE]
    with unit_of_work() as session:
        if is_postgres(session):
            session.execute(sql_text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                            {"ns": SUBJECT_LOCK_KEY, "key": (zlib.crc32(subject_kind.encode()) ^ subject_id) & 0x7FFFFFFF})
        subject = handler.load(subject_id)
        handler.check_can_open(subject)
        if session.scalar(select(Vote.id).where(Vote.subject_kind == subject_kind, Vote.subject_id == subject_id,
                                                Vote.state == "open")):
            raise Conflict(_("A vote on this is already open."))
        vote = create_vote(session, handler, subject, rule=rule_obj, preset=preset, opens_at=opens_at,
                            closes_at=closes_at, actor_id=acting_id(actor), title=title, weights=weights, now=now,
                            terms=handler.terms(subject))
    return vote


def _rule_as_given(rule: Mapping[str, Any] | None, **keywords: Any) -> dict[str, Any]:
    """``rule`` with the keywords that are set added; InvalidInput if one contradicts ``rule``."""
    given = dict(rule or {})
    for name, value in keywords.items():
        if value is None or value == "":
            continue
        if given.get(name) is not None and given[name] != "" and _rule_value(given[name]) != _rule_value(value):
            raise InvalidInput(_("The rule says %(name)s is %(given)s but the vote was asked for %(value)s: say it once.",
                                 name=name, given=given[name], value=value),
                               field_errors={name: [_("This contradicts the rule given.")]})
        given[name] = value
    return given


def _rule_value(value: Any) -> Any:
    """A rule field's value compared by meaning ("1/4" and Fraction(1, 4) are the same)."""
    if isinstance(value, bool) or value is None:
        return value
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return value


def create_vote(session: Session, handler: SubjectHandler, subject: Any, *, rule: Rule, preset: str,
                 opens_at: datetime, closes_at: datetime, actor_id: int | None, title: str | None,
                 weights: Mapping[int, int] | None, now: datetime, second_call_of_id: int | None = None,
                 electorate: Sequence[tuple[Cooperative, int]] | None = None,
                 terms: Mapping[str, Any] | None = None) -> Vote:
    subject_id = subject.id
    alternatives = handler.alternatives(subject)
    alternative_ids = [ident for ident, _label in alternatives] if alternatives else None
    try:
        options_for(rule, alternative_ids)
    except RuleError as error:
        raise InvalidInput(_("This rule cannot decide this question: %(error)s.", error=error),
                           field_errors={"rule_preset": [str(error)]}) from None
    if electorate is None:
        coops = list(session.scalars(select(Cooperative).where(Cooperative.status == "member").order_by(Cooperative.id)))
        if rule.weighted:
            missing = [c.name for c in coops if not (weights or {}).get(c.id)]
            if missing:
                raise InvalidInput(_("A weighted vote needs a weight for every member co-op; missing: %(missing)s.", missing=', '.join(missing)))
            electorate = [(c, int(weights[c.id])) for c in coops]  # type: ignore[index]
        else:
            electorate = [(c, 1) for c in coops]
    if not electorate:
        raise Conflict(_("There are no member co-ops to vote yet."))
    text_voted = handler.frozen_text(subject)
    key = secrets.token_bytes(32)
    vote = Vote(subject_kind=handler.kind, subject_id=subject_id, standard_id=handler.standard_id(subject),
                title=(title or handler.title(subject))[:limits.VOTE_TITLE], text=text_voted, text_hash=ledger.hash_text(text_voted),
                rule=rule.to_dict(), rule_preset=preset, terms=dict(terms) if terms else None,
                alternatives=[[ident, label] for ident, label in alternatives] if alternatives else None,
                state="open", opens_at=opens_at, closes_at=closes_at, secret_key=key.hex(), opened_by_id=actor_id,
                second_call_of_id=second_call_of_id, created_at=now, published_turnout=0 if rule.secret else None)
    session.add(vote)
    session.flush()
    refs = {coop.id: f"coop-{coop.slug}" for coop, _weight in electorate}
    for coop, weight in electorate:
        voter = ledger.receipt(key, vote.id, refs[coop.id]) if rule.secret else refs[coop.id]
        session.add(ElectorateMember(vote_id=vote.id, coop_id=coop.id, weight=weight if rule.weighted else 1, voter=voter))
    opened = ledger.opened_data(vote.id, {"kind": handler.kind, "id": subject_id}, rule,
                                {refs[coop.id]: weight for coop, weight in electorate}, alternative_ids,
                                vote.text_hash, opens_at, closes_at, rule.secret,
                                secret_key=key if rule.secret else None)
    storage.append(session, vote, "opened", opened, now)
    if second_call_of_id is None:
        # A second call decides a subject already under vote: the closing vote calls the
        # handler's on_second_call instead (on_open would refuse a subject already "voting").
        handler.on_open(session, subject, vote)
    storage.publish(session, vote, "vote_opened", {"title": vote.title, "subject_kind": vote.subject_kind,
                                                   "subject_id": vote.subject_id, "closes_at": closes_at.isoformat()}, actor_id)
    return vote


# Ballots -------------------------------------------------------------------------------------

def casting_member(session: Session, vote: Vote, actor: Any, coop: Cooperative | None) -> ElectorateMember:
    """The electorate entry of the co-op ``actor`` casts for: explicit when they have several."""
    if actor is None or actor is SYSTEM or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in as a delegate of a member co-op to vote."))
    members = list(session.scalars(
        select(ElectorateMember).join(Delegation, Delegation.coop_id == ElectorateMember.coop_id)
        .where(ElectorateMember.vote_id == vote.id, Delegation.person_id == actor.id, Delegation.ended_at.is_(None))
        .order_by(ElectorateMember.coop_id)))
    if coop is not None:
        chosen = [m for m in members if m.coop_id == coop.id]
        if not chosen:
            if session.scalar(select(Delegation.id).where(Delegation.person_id == actor.id, Delegation.coop_id == coop.id,
                                                          Delegation.ended_at.is_(None))):
                raise PermissionDenied(_("%(coop)s is not in this vote's electorate: only the co-ops that were members when it opened can vote.",
                                         coop=coop.name))
            raise PermissionDenied(_("You can only vote for a co-op you are a delegate of."))
        members = chosen
    if not members:
        raise PermissionDenied(_("Only delegates of the co-ops in this vote's electorate can vote."))
    eligible = [m for m in members if m.coop.status == "member"]
    if not eligible:
        raise PermissionDenied(_("%(coop)s is %(status)s: it cannot vote while it is not a member.", coop=members[0].coop.name, status=members[0].coop.status))
    if len(eligible) > 1:
        raise InvalidInput(_("Choose which co-op you are voting for."), field_errors={"coop": [_("Choose a co-op.")]})
    return eligible[0]


def check_accepting(vote: Vote, now: datetime) -> None:
    if vote.state == "cancelled":
        raise Conflict(_("This vote was cancelled."))
    if vote.state == "closed":
        raise Conflict(_("This vote is closed: ballots can no longer be cast or changed."))
    if now < vote.opens_at:
        raise Conflict(_("Voting opens on %(value)s.", value=moment_text(vote.opens_at)))
    if now >= vote.closes_at:
        raise Conflict(_("Voting closed on %(value)s.", value=moment_text(vote.closes_at)))


def _checked_choice(vote: Vote, choice: str | None, ranking: Sequence[str] | None
                    ) -> tuple[str | None, list[str] | None]:
    method = vote.method
    if method == "ranked":
        if choice:
            raise InvalidInput(_("Rank the options instead of choosing one."), field_errors={"ranking": [_("Rank the options.")]})
        if ranking is None:
            raise InvalidInput(_("Rank at least one option, or choose to abstain."),
                               field_errors={"ranking": [_("Rank at least one option.")]})
        ranking = tuple(str(item) for item in ranking)
        options = options_for(vote.rule_obj, [ident for ident, _label in vote.alternatives or []])
        try:
            check_ballot(vote.rule_obj, BallotInput(voter="your co-op", ranking=ranking), options)
        except RuleError as error:
            raise InvalidInput(_("That ranking does not work: %(value)s.", value=str(error).removeprefix('ballot from your co-op: ')),
                               field_errors={"ranking": [str(error)]}) from None
        return None, list(ranking)
    if ranking:
        raise InvalidInput(_("This vote is not ranked: choose one answer."), field_errors={"choice": [_("Choose one.")]})
    if choice == "object":
        raise InvalidInput(_("To object, give your co-op's reasons in the objection part of the form."),
                           field_errors={"argument": [_("Say why your co-op objects.")]})
    if choice not in CHOICES[method]:
        raise InvalidInput(_("Choose how your co-op votes."), field_errors={"choice": [_("Choose one answer.")]})
    return choice, None


def upsert_ballot(session: Session, vote: Vote, member: ElectorateMember, actor: Person, pseudonym: str | None,
                   entry: LedgerEntry, now: datetime, *, choice: str | None, ranking: list[str] | None,
                   note: str, proxy_holder_coop_id: int | None = None) -> Ballot:
    """INSERT … ON CONFLICT (vote_id, coop_id) DO UPDATE: one counted ballot per co-op, the last wins.

    The row keeps the co-op's receipt for the entry just appended (its latest, the counted one).
    ``proxy_holder_coop_id``: the co-op that cast it by proxy (proxies.services.cast_by_proxy);
    None for the co-op's own ballot, which so clears a proxy's mark."""
    table = Ballot.__table__
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = insert(Ballot).values(
        vote_id=vote.id, coop_id=member.coop_id, choice=choice, ranking=ranking, note=note, cast_by_id=actor.id,
        delegate_pseudonym=pseudonym, receipt=member.voter if vote.secret else None, entry_hash=entry.hash,
        receipt_hash=ledger.ballot_receipt(entry.entry["data"]), cast_at=now, updated_at=now,
        proxy_holder_coop_id=proxy_holder_coop_id)
    replaced = ("choice", "ranking", "note", "cast_by_id", "delegate_pseudonym", "receipt", "entry_hash",
                "receipt_hash", "updated_at", "proxy_holder_coop_id")
    statement = statement.on_conflict_do_update(index_elements=[table.c.vote_id, table.c.coop_id],
                                                set_={name: statement.excluded[name] for name in replaced})
    # The row comes back from the upsert itself (RETURNING): no second read under the vote's lock.
    return session.scalars(statement.returning(Ballot), execution_options={"populate_existing": True}).one()


def _end_objections(session: Session, vote: Vote, coop_id: int, now: datetime, note: str) -> None:
    for objection in session.scalars(select(Objection).where(
            Objection.vote_id == vote.id, Objection.coop_id == coop_id, Objection.kind == "objection",
            Objection.status.in_(("standing", "upheld")))):
        objection.status, objection.resolution_note, objection.resolved_at = "withdrawn", note, now


def pseudonym_for(vote: Vote, member: ElectorateMember, actor: Person) -> str | None:
    """How the record names the delegate: per (vote, co-op, person), so a delegate of two co-ops
    does not show that both voted alike; nobody at all in a secret vote."""
    if vote.secret:
        return None
    return ledger.delegate_pseudonym(vote.key_bytes, vote.id, member.voter, actor.id)


def cast_ballot(*, actor: Person, vote: Vote, coop: Cooperative | None = None, choice: str | None = None,
                ranking: Sequence[str] | None = None, note: str = "", now: datetime | None = None) -> Ballot:
    """Cast or change a co-op's ballot. Only a delegate of a member co-op of the electorate, while
    the vote accepts ballots. ``coop`` may be omitted when the delegate acts for only one.

    Consent objections go through :func:`objections.raise_objection` (they need a reason).
    """
    now = now or utcnow()
    with unit_of_work() as session:
        # Who casts, and what, is checked before the vote's row is locked: every ballot of the vote
        # queues on that lock, so it is held for the record's append alone. None of it changes while
        # the vote is open (electorate, method, key); its state is checked again under the lock.
        current = storage.read_vote(session, id_of(vote))
        member = casting_member(session, current, actor, coop)
        check_accepting(current, now)
        choice, ranking = _checked_choice(current, choice, ranking)
        note = clean_text(note, "note", limits.BALLOT_NOTE)
        pseudonym = pseudonym_for(current, member, actor)
        # A secret vote's record carries no free text: a mandate note could name the co-op.
        recorded_note = None if current.secret else (note or None)
        data = ledger.ballot_data(member.voter, pseudonym, choice, ranking, recorded_note, secrets.token_hex(16))
        electorate = None if current.secret else storage.electorate_size(session, current)
        # Under the lock: the record's head and the turnout (one statement), the append, the upsert;
        # the event's turnout follows from what was read (tests/integration/test_ballot_statements.py).
        current = storage.lock_vote(session, current.id)
        check_accepting(current, now)
        head = storage.ballot_head(session, current, member.coop_id)
        entry = storage.append(session, current, "ballot", data, now, last=head.last)
        ballot = upsert_ballot(session, current, member, actor, pseudonym, entry, now,
                                choice=choice, ranking=ranking, note=note)
        if current.method == "consent":
            _end_objections(session, current, member.coop_id, now, notices.REPLACED_BY_BALLOT())
        if electorate is not None:
            ballot_event(session, current, actor, {"turnout": head.turnout_after, "electorate": electorate})
    return ballot
