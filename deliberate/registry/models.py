"""The registry's rows: declarations (with their per-section claims), questions on them, and the
hash-chained public record of both (``registry_entries``: append-only in the database itself)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person
from ..standards.models import Standard
from ..versions.models import Version


class Declaration(db.Model):
    """A co-op's public statement about one ratified version: its stance and, per section, whether
    it meets it. Never changed: a newer declaration (a re-affirmation) supersedes it."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    stance: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    # The delegate who made it for the co-op (cleared when that person is erased: the page then
    # says "a former delegate of X"; the record holds only a pseudonym).
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The co-op's earlier declaration this one re-affirms on a newer version (None for a first one).
    reaffirms_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    # The hash of its entry in the registry's record.
    entry_hash: Mapped[str] = mapped_column(String(64), default="")

    coop: Mapped[Cooperative] = relationship(lazy="joined")
    standard: Mapped[Standard] = relationship()
    version: Mapped[Version] = relationship(lazy="joined")
    declared_by: Mapped[Person | None] = relationship(lazy="joined")
    claims: Mapped[list[DeclarationClaim]] = relationship(order_by="DeclarationClaim.position", lazy="selectin",
                                                          viewonly=True)

    def claim_map(self) -> dict[str, dict[str, Any]]:
        return {c.key: {"status": c.status, "justification": c.justification, "evidence_url": c.evidence_url,
                        "carried": c.carried} for c in self.claims}


class DeclarationClaim(db.Model):
    """Where the co-op stands on one section of the version it declared."""

    __tablename__ = "declaration_claims"
    __table_args__ = (UniqueConstraint("declaration_id", "key", name="uq_declaration_claims_declaration_id_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    justification: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    # Carried over unchanged from the declaration it re-affirms (the section's text did not change).
    carried: Mapped[bool] = mapped_column(Boolean, default=False)


class DeclarationQuestion(db.Model):
    """A member co-op's public question on a declaration, and the declaring co-op's answer."""

    __tablename__ = "declaration_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    section_key: Mapped[str | None] = mapped_column(String(80))
    reasons: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The formal objection the escalation filed (subject "declaration_question:<id>"), same transaction.
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("formal_objections.id"))

    declaration: Mapped[Declaration] = relationship(lazy="joined")
    coop: Mapped[Cooperative] = relationship(lazy="joined")
    asked_by: Mapped[Person | None] = relationship(foreign_keys=[asked_by_id], lazy="joined")
    answered_by: Mapped[Person | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")
    escalated_by: Mapped[Person | None] = relationship(foreign_keys=[escalated_by_id], lazy="joined")

    @property
    def state(self) -> str:
        """open (waiting for an answer), answered, or escalated (taken to the formal objection process)."""
        if self.escalated_at is not None:
            return "escalated"
        return "answered" if self.answered_at is not None else "open"


class RegistryEntry(db.Model):
    """One entry of the registry's record exactly as chain.make_entry built it."""

    __tablename__ = "registry_entries"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_registry_entries_kind"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[str] = mapped_column(String(40))
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def entry(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "ref": self.ref, "at": self.at, "payload": self.payload,
                "prev": self.prev, "hash": self.hash}


@event.listens_for(DeclarationClaim, "before_update")
@event.listens_for(RegistryEntry, "before_update")
def _immutable(_mapper, _connection, target) -> None:
    raise ValueError(f"{type(target).__name__} is part of the public record and never changes")


@event.listens_for(Declaration, "before_update")
def _declarations_keep_their_words(_mapper, _connection, target: Declaration) -> None:
    from sqlalchemy import inspect

    changed = {a.key for a in inspect(target).attrs if a.history.has_changes()}
    # Only two things may be written after the insert: the record's hash (same transaction), and
    # the delegate's reference when that person is erased.
    if changed - {"entry_hash", "declared_by_id", "declared_by"}:
        raise ValueError(f"Declaration {target.id} is part of the public record: {sorted(changed)} cannot change")
