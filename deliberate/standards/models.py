"""A standard grows as ordered sections; each section's text is a chain of immutable revisions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative, Person

MATURITIES = ("draft", "candidate", "ratified")
SECTION_KINDS = ("principle", "guidance", "editorial")


class Standard(db.Model):
    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    maturity: Mapped[str] = mapped_column(String(16), default="draft")
    # Which rule presets decide what; filled in by the voting work (a dict, shown to everyone).
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the standard is for the platform: None for an ordinary standard; "network-rules" for the
    # one holding the network's own rules (its policy is the network's; deliberate/policies/netrules.py).
    role: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sections: Mapped[list[Section]] = relationship(
        order_by="Section.position",
        primaryjoin="and_(Section.standard_id == Standard.id, Section.retired_at.is_(None))", viewonly=True)
    all_sections: Mapped[list[Section]] = relationship(order_by="Section.position", viewonly=True)


class Section(db.Model):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("standard_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    # A stable id used in permalinks; it never changes when sections are retitled or moved.
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="principle")
    head_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True, name="fk_sections_head_revision_id_revisions"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when an adopted amendment removes the section; its history stays readable.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    standard: Mapped[Standard] = relationship()
    head: Mapped[Revision | None] = relationship(foreign_keys=[head_revision_id], lazy="joined",
                                                 post_update=True)

    @property
    def title(self) -> str:
        return self.head.title if self.head else ""

    @property
    def body(self) -> str:
        return self.head.body if self.head else ""


class Revision(db.Model):
    """An immutable snapshot of one section's title and text. Never edited in place."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("section_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    # The adopted amendment this revision comes from, if any (provenance).
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", use_alter=True, name="fk_revisions_amendment_id_amendments"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Person | None] = relationship(lazy="joined")
    coop: Mapped[Cooperative | None] = relationship(lazy="joined")
    credits: Mapped[list[RevisionCredit]] = relationship(lazy="selectin", order_by="RevisionCredit.id")


@event.listens_for(Revision, "before_update")
def _revisions_are_immutable(_mapper, _connection, target: Revision) -> None:
    raise ValueError(f"Revision {target.id} is immutable: create a new revision instead")


class RevisionCredit(db.Model):
    """A co-author of a revision that several people wrote together (live co-editing)."""

    __tablename__ = "revision_credits"
    __table_args__ = (UniqueConstraint("revision_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))

    person: Mapped[Person | None] = relationship(lazy="joined")
    coop: Mapped[Cooperative | None] = relationship(lazy="joined")
