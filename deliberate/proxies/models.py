"""Proxies between co-ops and the network's proxy record.

A proxy's row holds its terms (never changed after it is given) and its state (changed only by
``proxies.services``); every change also appends an entry to ``proxy_record``, a hash chain the
database keeps append-only (triggers, migration n1proxies001) and anyone can check offline
(chain.verify).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Cooperative
from .resolution import ProxyTerms


class Proxy(db.Model):
    """A member co-op's vote given to another member co-op, for a scope and until an end date."""

    __tablename__ = "proxies"
    __table_args__ = (
        CheckConstraint("giver_coop_id <> holder_coop_id", name="not_to_itself"),
        CheckConstraint("scope IN ('network', 'standard', 'vote')", name="scope_known"),
        CheckConstraint("state IN ('offered', 'accepted', 'declined', 'revoked', 'expired')", name="state_known"),
        CheckConstraint("(scope = 'network' AND standard_id IS NULL AND vote_id IS NULL)"
                        " OR (scope = 'standard' AND standard_id IS NOT NULL AND vote_id IS NULL)"
                        " OR (scope = 'vote' AND vote_id IS NOT NULL AND standard_id IS NULL)", name="scope_names_one"),
        Index("ix_proxies_holder_state", "holder_coop_id", "state"),
        Index("ix_proxies_giver_state", "giver_coop_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    giver_coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    holder_coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    scope: Mapped[str] = mapped_column(String(16))
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"))
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="offered")
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who accepted or declined it (a delegate of the holder), or revoked it (of the giver), and when.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    giver: Mapped[Cooperative] = relationship(foreign_keys=[giver_coop_id], lazy="joined")
    holder: Mapped[Cooperative] = relationship(foreign_keys=[holder_coop_id], lazy="joined")

    def terms(self) -> ProxyTerms:
        """What resolution reads."""
        return ProxyTerms(id=self.id, giver=self.giver_coop_id, holder=self.holder_coop_id, scope=self.scope,
                          ends_at=self.ends_at, state=self.state, standard_id=self.standard_id, vote_id=self.vote_id)

    def __repr__(self) -> str:
        return f"<Proxy {self.id} {self.giver_coop_id}->{self.holder_coop_id} {self.scope} {self.state}>"


_TERMS = frozenset({"giver_coop_id", "holder_coop_id", "scope", "standard_id", "vote_id", "ends_at", "given_at"})


@event.listens_for(Proxy, "before_update")
def _terms_never_change(_mapper, _connection, target: Proxy) -> None:
    from sqlalchemy import inspect

    changed = {attr.key for attr in inspect(target).attrs if attr.history.has_changes()}
    if changed & _TERMS:
        raise ValueError(f"Proxy {target.id}: its terms never change (give a new proxy instead)")


@event.listens_for(Proxy, "before_delete")
def _never_deleted(_mapper, _connection, target: Proxy) -> None:
    raise ValueError(f"Proxy {target.id} is in the proxy record and is never deleted")


class ProxyRecordEntry(db.Model):
    """One entry of the proxy record exactly as chain.make_entry built it."""

    __tablename__ = "proxy_record"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The time exactly as hashed (ISO-8601 UTC text), so the entry rebuilds byte for byte.
    at: Mapped[str] = mapped_column(String(40))
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def entry(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "ref": self.ref, "at": self.at, "payload": self.payload,
                "prev": self.prev, "hash": self.hash}
