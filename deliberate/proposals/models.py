"""Amendments: proposed changes to a standard, each draft an immutable snapshot."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person
from ..standards.models import Revision, Section, Standard
from ..translatable import N_
from .phases import ORDER_CHECK

AMENDMENT_KINDS = ("modify", "retitle", "insert", "delete", "move")
KIND_LABELS = {"modify": N_("Change the text"), "retitle": N_("Change the title"), "insert": N_("Add a new section"),
               "delete": N_("Remove a section"), "move": N_("Move a section"),
               # Not proposed through the amendment form: the policy page proposes it (deliberate/policies/).
               "policy": N_("Change the policy")}


class CompetingGroup(db.Model):
    """Amendments to the same section decided together (by ranked choice)."""

    __tablename__ = "competing_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    amendments: Mapped[list[Amendment]] = relationship(back_populates="group", order_by="Amendment.id")


class Amendment(db.Model):
    __tablename__ = "amendments"
    # The process's timestamps are ordered (phases.ordered): the database refuses any other order.
    __table_args__ = (CheckConstraint(ORDER_CHECK, name="phase_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    # None for an insertion until it is adopted (then the new section's id).
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    state_before_conflict: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    head_draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendment_drafts.id", use_alter=True, name="fk_amendments_head_draft_id_amendment_drafts"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("competing_groups.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    adopted_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its authors first opened it for discussion. Never opened, it stays private to them (and
    # the stewards) in every state a draft can reach: conflicted, withdrawn, superseded.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What kind of change it is for the policy ("principle", "guidance", "editorial"): the
    # section's kind, or "editorial" when its authors say it only fixes wording.
    change_kind: Mapped[str] = mapped_column(String(16), default="principle", server_default="principle")
    # The policy's terms for that kind (voting_policy.terms_for), copied when the amendment is
    # created and again when it is opened for discussion; never changed after (invariant 13).
    terms: Mapped[dict | None] = mapped_column(JSON)
    # Its last call (proposals.last_call): started, and when it ends; cleared when a change to the
    # text ends it early. When its (latest) vote opened; cleared when that vote is cancelled.
    last_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_call_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vote_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    standard: Mapped[Standard] = relationship()
    section: Mapped[Section | None] = relationship(foreign_keys=[section_id])
    head: Mapped[AmendmentDraft | None] = relationship(foreign_keys=[head_draft_id], lazy="joined", post_update=True)
    group: Mapped[CompetingGroup | None] = relationship(back_populates="amendments")
    author: Mapped[Person | None] = relationship(foreign_keys=[author_id], lazy="joined")
    coop: Mapped[Cooperative | None] = relationship(lazy="joined")
    coauthors: Mapped[list[Coauthor]] = relationship(back_populates="amendment", lazy="selectin",
                                                     order_by="Coauthor.id")

    @property
    def reference(self) -> str:
        return f"A{self.id}"

    @property
    def is_private(self) -> bool:
        """Never opened for discussion: only its authors and the stewards may see it."""
        return self.opened_at is None


class AmendmentDraft(db.Model):
    """One immutable state of an amendment's proposal, against a known base revision."""

    __tablename__ = "amendment_drafts"
    __table_args__ = (UniqueConstraint("amendment_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    base_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    proposed_title: Mapped[str] = mapped_column(String(200), default="")
    proposed_body: Mapped[str] = mapped_column(Text, default="")
    target_position: Mapped[int | None] = mapped_column(Integer)
    # A policy amendment (kind "policy"): the proposed stored policy, and the one it was written against.
    proposed_policy: Mapped[dict | None] = mapped_column(JSON)
    base_policy: Mapped[dict | None] = mapped_column(JSON)
    # created, edited, rebased (automatically, after the base moved), resolved (by a person)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    base: Mapped[Revision | None] = relationship(lazy="joined")
    author: Mapped[Person | None] = relationship(lazy="joined")
    coop: Mapped[Cooperative | None] = relationship(lazy="joined")


class Coauthor(db.Model):
    __tablename__ = "amendment_coauthors"
    __table_args__ = (UniqueConstraint("amendment_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="coauthors")
    person: Mapped[Person | None] = relationship(lazy="joined")
    coop: Mapped[Cooperative | None] = relationship(lazy="joined")


class Transition(db.Model):
    """Every change of an amendment's state, by whom and why: its public timeline."""

    __tablename__ = "amendment_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Person | None] = relationship(lazy="joined")
