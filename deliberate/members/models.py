"""Co-ops, the people who act for them, and the tokens that let people in."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

COOP_KINDS = ("worker", "platform", "data", "consumer", "multi-stakeholder", "other")
COOP_STATUSES = ("applicant", "member", "suspended", "left")


class Person(UserMixin, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_steward: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped to sign a person out everywhere (password change, "sign out everywhere").
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person is erased (right to be forgotten): the row stays only so that its id is
    # never given to someone else; every personal field is emptied (deliberate/members/erasure.py).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Interface language picked by the person ("en", "es"); None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(16))

    delegations: Mapped[list[Delegation]] = relationship(back_populates="person", lazy="selectin",
                                                          order_by="Delegation.id")

    # The sign-in (members.sessions) this object was loaded for, in this request only: never
    # stored on the row. Flask-Login puts get_id() in the session and "keep me signed in" cookies.
    sign_in_id = None  # int | None
    sign_in_key = None  # str | None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def get_id(self) -> str:
        """``id:session_version:key``: the key names one sign-in, which signing out ends on the
        server (a copy of the cookie stops working); without one the id loads nobody."""
        return f"{self.id}:{self.session_version}:{self.sign_in_key or ''}"

    @property
    def active_delegations(self) -> list[Delegation]:
        return [d for d in self.delegations if d.ended_at is None]

    @property
    def coops(self) -> list[Cooperative]:
        return [d.coop for d in self.active_delegations]

    @property
    def acting_coops(self) -> list[Cooperative]:
        """The co-ops this person may act for now: active delegations of member co-ops."""
        return [c for c in self.coops if c.status == "member"]

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class Cooperative(db.Model):
    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="applicant")
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    member_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an applicant's application became public: the member co-ops were asked to vote on it.
    application_public_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegations: Mapped[list[Delegation]] = relationship(back_populates="coop", order_by="Delegation.id")

    @property
    def is_member(self) -> bool:
        return self.status == "member"

    def __repr__(self) -> str:
        return f"<Cooperative {self.slug}>"


class Delegation(db.Model):
    """A person named by a co-op to act for it."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("person_id", "coop_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="delegations")
    coop: Mapped[Cooperative] = relationship(back_populates="delegations", lazy="joined")


class Invitation(db.Model):
    """A single-use, expiring link that lets a person join as a delegate of a co-op."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # Only a hash is stored: a leaked database does not leak usable links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    coop: Mapped[Cooperative] = relationship(lazy="joined")


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignIn(db.Model):
    """One signed-in session (a browser), on the server: its cookie carries the key, the row only
    the key's SHA-256. Signing out deletes the row, so a copied session or "keep me signed in"
    cookie stops working; signing out everywhere (or a password change, a reset, erasure) deletes
    every row of the person."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
