"""Formal objections to decisions, and their hash-chained records.

``formal_objections`` holds one row per objection with its current state (derived from, and
always written together with, its record). ``objection_records`` holds the record's entries
exactly as record.make_entry built them; the database refuses UPDATE and DELETE on it (migration
appeals00001). People never appear in a record: erasing a person touches only ``filed_by_id``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person
from ..translatable import N_

STATE_LABELS = {"filed": N_("Filed"), "mediation": N_("In mediation"), "council": N_("Before a council"),
                "decided": N_("Decided by the council"), "settled": N_("Settled by the mediator's proposal"),
                "withdrawn": N_("Withdrawn")}


class FormalObjection(db.Model):
    __tablename__ = "formal_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What decision it objects to: a registered kind ("amendment", "version", "admission", …) and id.
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))  # the decision, as it read when the objection was filed
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    issue: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    proposed_change: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="filed", index=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the decision objected to was made
    window_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    convened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The council's outcome ("affirm" / "overturn") and finding ("upheld" / "overruled"), or the
    # mediator's proposal adopted by the short circuit ("settled"): copied from the record.
    outcome: Mapped[str | None] = mapped_column(String(16))
    finding: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    # The amendment proposed to undo an overturned adoption (never a rewrite of history).
    reverting_amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    record_head: Mapped[str] = mapped_column(String(64), default="")

    coop: Mapped[Cooperative] = relationship(lazy="joined")
    filed_by: Mapped[Person | None] = relationship(lazy="joined")

    @property
    def subject(self) -> str:
        return f"{self.subject_kind}:{self.subject_id}"

    @property
    def pending(self) -> bool:
        return self.state in ("filed", "mediation", "council")

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)  # English: pages translate it with _()

    def __repr__(self) -> str:
        return f"<FormalObjection {self.id} {self.subject} {self.state}>"


class ObjectionRecordEntry(db.Model):
    """One entry of an objection's record, exactly as record.make_entry built it."""

    __tablename__ = "objection_records"
    __table_args__ = (UniqueConstraint("objection_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("formal_objections.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[str] = mapped_column(String(40))  # as hashed
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def entry(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "at": self.at, "payload": self.payload, "prev": self.prev,
                "hash": self.hash}
