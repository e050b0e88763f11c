"""Votes, their frozen electorate, the co-ops' ballots, objections and the append-only record.

The services in ``services.py`` are the only writers. A vote's rule, electorate and record are
fixed when it opens; once it is closed or cancelled only its outcome statement and review date
may still be written (the listeners at the bottom refuse anything else, whoever tries).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person
from ..translatable import N_
from .rules import Outcome, Rule

VOTE_STATES = ("open", "closed", "cancelled")
OBJECTION_KINDS = ("objection", "concern")
# Objections: standing -> withdrawn | resolved | upheld; upheld -> withdrawn. Concerns are "logged".
OBJECTION_STATUSES = ("standing", "withdrawn", "resolved", "upheld", "logged")

CHOICE_LABELS = {
    "for": N_("For"), "against": N_("Against"), "abstain": N_("Abstain"),
    "consent": N_("Consent"), "stand_aside": N_("Stand aside"), "object": N_("Object"),
}

# What may still be written on a vote after it has closed or been cancelled.
_WRITABLE_AFTER_CLOSE = frozenset({"outcome_statement", "review_date", "statement_by_id", "statement_at"})


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (Index("ix_votes_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What is decided: a registered subject kind ("admission", "amendment", "group", "version") and its id.
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # The exact text voted on, frozen at opening; its SHA-256 is in the record's "opened" entry.
    text: Mapped[str] = mapped_column(Text, default="")
    text_hash: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    rule_preset: Mapped[str] = mapped_column(String(32))
    # The policy's terms for this kind of change when the vote opened (policy.terms_for): which
    # kind of change it decides and why this rule; None for votes opened before policies had terms.
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Ranked votes: [[id, label], ...] without the status quo (the rules module adds it).
    alternatives: Mapped[list | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Random bytes (hex) keying receipts and delegate pseudonyms: never shown, never exported.
    secret_key: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # What closing did to the subject ("Kazi Riders is now a member"), or why it could not.
    effect_note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    outcome_statement: Mapped[str] = mapped_column(Text, default="")
    review_date: Mapped[date | None] = mapped_column(Date)
    statement_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    second_call_of_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Hash of the last entry of the published record (sealed for a secret vote), set when the vote
    # ends: the head the webhooks, the feeds and the witness log carry.
    record_head: Mapped[str | None] = mapped_column(String(64))
    # A secret vote's record is published sealed, except one that ended before sealing existed (its
    # casting order was already public: re-sealing it would break the copies others kept).
    record_sealed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Secret votes: the turnout last announced in a batch (services.publish_turnouts), never live.
    published_turnout: Mapped[int | None] = mapped_column(Integer)
    # Why the last attempt to close this due vote failed (cleared when it closes), for the stewards.
    close_error: Mapped[str | None] = mapped_column(Text)
    close_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    opened_by: Mapped[Person | None] = relationship(foreign_keys=[opened_by_id])

    @property
    def rule_obj(self) -> Rule:
        return Rule.from_dict(self.rule)

    @property
    def outcome(self) -> Outcome | None:
        return Outcome.from_dict(self.result) if self.result is not None else None

    @property
    def secret(self) -> bool:
        return bool(self.rule.get("secret"))

    @property
    def live_totals(self) -> bool:
        # Never for a secret vote (refused at opening; a vote opened before that shows none either).
        return bool(self.rule.get("live_totals")) and not self.secret

    @property
    def method(self) -> str:
        return self.rule["method"]

    @property
    def alternative_labels(self) -> dict[str, str]:
        return {ident: label for ident, label in (self.alternatives or [])}

    @property
    def key_bytes(self) -> bytes:
        return bytes.fromhex(self.secret_key)

    def accepts_ballots_at(self, moment: datetime) -> bool:
        return self.state == "open" and self.opens_at <= moment < self.closes_at

    def __repr__(self) -> str:
        return f"<Vote {self.id} {self.subject_kind}:{self.subject_id} {self.state}>"


class ElectorateMember(db.Model):
    """A co-op that may vote, frozen when the vote opens (the member co-ops then)."""

    __tablename__ = "vote_electorate"
    __table_args__ = (UniqueConstraint("vote_id", "coop_id", name="uq_vote_electorate_vote_id_coop_id"),
                      UniqueConstraint("vote_id", "voter", name="uq_vote_electorate_vote_id_voter"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    # How the record names this co-op: "coop-<slug>", or its receipt ("r-…") in a secret vote.
    voter: Mapped[str] = mapped_column(String(128))

    coop: Mapped[Cooperative] = relationship(lazy="joined")


class Ballot(db.Model):
    """A co-op's counted ballot: one row per co-op and vote, replaced in place until close."""

    __tablename__ = "ballots"
    # The target of cast_ballot's upsert: at most one counted ballot per co-op and vote.
    __table_args__ = (UniqueConstraint("vote_id", "coop_id", name="uq_ballots_vote_id_coop_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    choice: Mapped[str | None] = mapped_column(String(16))
    ranking: Mapped[list | None] = mapped_column(JSON)
    # The co-op's mandate: a note or link to its own internal decision.
    note: Mapped[str] = mapped_column(Text, default="")
    # The delegate who cast it; NULL once that person is erased (the pseudonym stays in the record).
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # NULL in a secret vote: its record names no delegate.
    delegate_pseudonym: Mapped[str | None] = mapped_column(String(40))
    receipt: Mapped[str | None] = mapped_column(String(40))
    # Hash of the record entry of the counted ballot: the co-op can find it in the export.
    entry_hash: Mapped[str] = mapped_column(String(64))
    # The co-op's receipt: ledger.ballot_receipt of that entry's data (the same in the sealed
    # record of a secret vote); `deliberate verify RECORD --receipt HASH` finds it.
    receipt_hash: Mapped[str | None] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The co-op whose delegate cast this ballot by proxy for coop_id (deliberate/proxies); NULL for
    # a ballot the co-op cast itself, which always replaces a proxy's (docs/proxies.md).
    proxy_holder_coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))

    coop: Mapped[Cooperative] = relationship(lazy="joined", foreign_keys=[coop_id])
    cast_by: Mapped[Person | None] = relationship(lazy="joined")
    proxy_holder: Mapped[Cooperative | None] = relationship(lazy="joined", foreign_keys=[proxy_holder_coop_id])


class Objection(db.Model):
    """A consent objection (blocks while standing) or a concern (never blocks, kept for review)."""

    __tablename__ = "vote_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="objection")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    passage: Mapped[str] = mapped_column(Text, default="")
    argument: Mapped[str] = mapped_column(Text)
    paramount: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="standing")
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    # The amendment that resolved it (an id only: amendments live in another package).
    resolved_amendment_id: Mapped[int | None] = mapped_column(Integer)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    coop: Mapped[Cooperative] = relationship(lazy="joined")
    raised_by: Mapped[Person | None] = relationship(foreign_keys=[raised_by_id], lazy="joined")

    @property
    def blocks(self) -> bool:
        return self.kind == "objection" and self.status in ("standing", "upheld")


class LedgerEntry(db.Model):
    """One entry of a vote's hash-chained record, stored exactly as ledger.make_entry built it."""

    __tablename__ = "vote_ledger"
    __table_args__ = (UniqueConstraint("vote_id", "seq", name="uq_vote_ledger_vote_id_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    hash: Mapped[str] = mapped_column(String(64))


# Immutability --------------------------------------------------------------------------------

def _changed(target) -> set[str]:
    state = inspect(target)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _committed(target, name: str) -> Any:
    history = inspect(target).attrs[name].history
    before = history.deleted or history.unchanged
    return before[0] if before else None


@event.listens_for(Vote, "before_update")
def _closed_votes_never_change(_mapper, _connection, target: Vote) -> None:
    if _committed(target, "state") in ("closed", "cancelled"):
        changed = _changed(target) - _WRITABLE_AFTER_CLOSE
        if changed:
            raise ValueError(f"Vote {target.id} is {_committed(target, 'state')}: {sorted(changed)} cannot change")


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(ElectorateMember, "before_update")
def _append_only(_mapper, _connection, target) -> None:
    raise ValueError(f"{type(target).__name__} {target.id} is append-only")


@event.listens_for(Ballot, "before_update")
def _ballots_change_only_through_the_upsert(_mapper, _connection, target: Ballot) -> None:
    # Erasing a person may clear who cast it; anything else goes through services.cast_ballot.
    if _changed(target) - {"cast_by_id", "cast_by"}:
        raise ValueError(f"Ballot {target.id} can only be replaced by casting a new ballot")


@event.listens_for(Vote, "before_delete")
@event.listens_for(Ballot, "before_delete")
@event.listens_for(LedgerEntry, "before_delete")
@event.listens_for(ElectorateMember, "before_delete")
def _never_deleted(_mapper, _connection, target) -> None:
    raise ValueError(f"{type(target).__name__} {target.id} is part of a vote's record and is never deleted")
