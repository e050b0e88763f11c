"""Personal access tokens for the JSON API: only a hash of each token is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..members.models import Person

SCOPES = ("read", "write", "vote")


class ApiToken(db.Model):
    """A token a person made for a script or an app; it acts as that person, within its scopes."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the token ("dlb_AbC1"), shown so that a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 (hex) of the whole token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated, from SCOPES.
    scopes: Mapped[str] = mapped_column(String(64))
    # The person's session_version when the token was made: signing out everywhere or changing
    # the password bumps it, and every older token stops working.
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="joined")

    @property
    def scope_list(self) -> list[str]:
        return [s for s in SCOPES if s in self.scopes.split()]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes.split()

    @property
    def is_active(self) -> bool:
        return (self.revoked_at is None and self.person is not None
                and self.person.session_version == self.session_version and self.person.password_hash is not None)
