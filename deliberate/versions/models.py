"""Versions of a standard (immutable once decided), their section snapshots and the changelog."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Person
from .numbering import sort_key

VERSION_STATES = ("candidate", "ratified", "failed")
# Once decided, only these may still be written on a failed version (nothing on a ratified one).
_DECIDED = ("ratified", "failed")


class Version(db.Model):
    """A numbered snapshot of the whole standard. A candidate until its vote decides it: then
    ratified (published, immutable) or failed (kept as it was; a new candidate may follow)."""

    __tablename__ = "versions"
    # A failed candidate keeps its number; the next attempt at the same number is attempt 2.
    __table_args__ = (
        UniqueConstraint("standard_id", "number", "attempt", name="uq_versions_standard_id_number_attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    number: Mapped[str] = mapped_column(String(24))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default="candidate", index=True)
    # initial, major, minor or patch; and why, in plain words (a JSON list of sentences).
    level: Mapped[str] = mapped_column(String(16))
    level_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    level_overridden: Mapped[bool] = mapped_column(default=False)
    # The standard's title when the version was assembled (part of the hashed text).
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the canonical text (document.render): the citation hash, the vote's text hash.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The adopted amendments this version brings in (ids, oldest first).
    amendment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The ratified version it was assembled on (None for the first).
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ratified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it was decided: "Ratified by vote 12.", "Not ratified by vote 9: …", "Withdrawn by a steward: …".
    decision_note: Mapped[str] = mapped_column(Text, default="")

    created_by: Mapped[Person | None] = relationship()
    sections: Mapped[list[VersionSection]] = relationship(order_by="VersionSection.position", viewonly=True)

    @property
    def is_ratified(self) -> bool:
        return self.state == "ratified"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return sort_key(self.number)

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def __repr__(self) -> str:
        return f"<Version {self.number} ({self.state}) of standard {self.standard_id}>"


class VersionSection(db.Model):
    """One section of a version, copied from the working draft when the version was assembled."""

    __tablename__ = "version_sections"
    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_version_sections_version_id_key"),
                      UniqueConstraint("version_id", "position", name="uq_version_sections_version_id_position"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The revision of the section this text is (its history and authors are there).
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))


class ChangelogEntry(db.Model):
    """One entry of a standard's hash-chained changelog, stored exactly as chain.make_entry built it."""

    __tablename__ = "changelog_entries"
    __table_args__ = (UniqueConstraint("standard_id", "seq", name="uq_changelog_entries_standard_id_seq"),
                      UniqueConstraint("version_id", name="uq_changelog_entries_version_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    hash: Mapped[str] = mapped_column(String(64))


# Immutability --------------------------------------------------------------------------------

def _committed(target, name: str) -> Any:
    history = inspect(target).attrs[name].history
    before = history.deleted or history.unchanged
    return before[0] if before else None


@event.listens_for(Version, "before_update")
def _decided_versions_never_change(_mapper, _connection, target: Version) -> None:
    state = _committed(target, "state")
    if state in _DECIDED:
        changed = sorted(a.key for a in inspect(target).attrs if a.history.has_changes())
        raise ValueError(f"Version {target.number} is {state}: {changed} cannot change. Corrections are new versions.")


@event.listens_for(VersionSection, "before_update")
@event.listens_for(ChangelogEntry, "before_update")
def _snapshots_are_immutable(_mapper, _connection, target) -> None:
    raise ValueError(f"{type(target).__name__} {target.id} is immutable")


@event.listens_for(Version, "before_delete")
@event.listens_for(VersionSection, "before_delete")
@event.listens_for(ChangelogEntry, "before_delete")
def _never_deleted(_mapper, _connection, target) -> None:
    raise ValueError(f"{type(target).__name__} {target.id} is part of the public record and is never deleted")
