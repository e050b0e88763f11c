"""The witness log's rows: one per ended vote and per ratified version, never changed (the
database refuses UPDATE and DELETE on the table, see migration k2witness01)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class WitnessEntry(db.Model):
    """One entry exactly as chain.make_entry built it: ``entry()`` gives back the hashed dict."""

    __tablename__ = "witness_entries"
    # A vote ends once and a version is ratified once: one entry each.
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The time exactly as hashed (ISO-8601 UTC text), so the entry rebuilds byte for byte.
    at: Mapped[str] = mapped_column(String(40))
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def entry(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "ref": self.ref, "at": self.at, "payload": self.payload,
                "prev": self.prev, "hash": self.hash}
