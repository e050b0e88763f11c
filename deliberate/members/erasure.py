"""The right to be forgotten and the right to a copy: erase a person, export what we hold on them.

Erasure keeps the person's row as an empty tombstone (``erased_at`` set, every personal field
cleared) so that its id is never given to anyone else: a new account must not inherit an old
session cookie ("id:session_version") or an old per-vote delegate pseudonym. Every other table
that points at the person is then treated as if the row had been deleted: ``ON DELETE CASCADE``
rows go (delegations, follows, sessions, tokens…), every other reference is cleared, so what the
person wrote stays, credited to "a former delegate of X" (X is the co-op stored on the record).

The ballot records (``vote_ledger``) never name people: they hold co-op ids (or receipts) and a
per-vote pseudonym of the delegate, so erasure does not touch them and ``deliberate verify`` keeps
passing (docs/rights.md).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from ..database import unit_of_work, utcnow
from ..errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..realtime.events import Event, record_event
from . import permissions, rights
from .models import Delegation, Invitation, PasswordReset, Person
from .passwords import verify_password
from .sessions import end_every_sign_in

# Why a steward erased someone: a category only, never the person's words or details.
ERASURE_REASONS: dict[str, Any] = {
    "request": _l("The person asked the stewards to erase their account"),
    "no_access": _l("The person can no longer sign in and asked through their co-op"),
    "deceased": _l("The person has died and their co-op asked"),
    "legal": _l("A legal obligation"),
    "other": _l("Another reason, recorded by the secretariat outside the platform"),
}
COMMENT_CHOICES = ("anonymise", "remove")
EXPORT_FORMAT = "deliberate-personal-data/1"


def _password_error() -> InvalidInput:
    return InvalidInput(_("That is not your current password."),
                        field_errors={"password": [_("That is not your current password.")]})


def _choice(comments: str) -> bool:
    if comments not in COMMENT_CHOICES:
        raise InvalidInput(_("Choose what happens to your comments."),
                           field_errors={"comments": [_("Choose to keep them without your name, or remove them.")]})
    return comments == "remove"


def erase_self(*, actor: Person, password: str, comments: str) -> int:
    """A person erases their own account, confirming with their password. Returns their id."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.is_erased:
        raise PermissionDenied(_("Sign in to erase your account."))
    remove = _choice(comments)
    if not verify_password(actor.password_hash, password or ""):
        raise _password_error()
    return _erase(actor.id, by="self", remove_comments=remove, reason=None, actor_id=None)


def erase_person(*, actor: Person, person_id: int, reason: str, comments: str = "anonymise") -> int:
    """A steward erases a person on their request (or their co-op's), with a reason category."""
    if not permissions.can_erase_people(actor):
        raise PermissionDenied(_("Only stewards can erase other people's accounts."))
    if person_id == actor.id:
        raise Conflict(_("To erase your own account, use your account page."))
    if reason not in ERASURE_REASONS:
        raise InvalidInput(_("Choose a reason."), field_errors={"reason": [_("Choose one of the reasons listed.")]})
    remove = _choice(comments)
    return _erase(person_id, by="steward", remove_comments=remove, reason=reason, actor_id=actor.id)


def _erase(person_id: int, *, by: str, remove_comments: bool, reason: str | None, actor_id: int | None) -> int:
    with unit_of_work() as session:
        # Lock the row: two erasures (or an erasure and a sign-in) never interleave.
        session.execute(select(Person.id).where(Person.id == person_id).with_for_update())
        person = session.scalars(select(Person).where(Person.id == person_id)
                                 .execution_options(populate_existing=True)).first()
        if person is None:
            raise NotFound(_("There is no such person."))
        if person.erased_at is not None:
            raise Gone(_("This account has already been erased."))
        email = person.email
        with rights.erasing(rights.ErasureRequest(person_id=person.id, by=by, remove_comments=remove_comments)):
            for hook in list(rights.ERASURE_HOOKS):
                hook(person)
        session.flush()
        end_every_sign_in(session, person.id)  # and disconnect their open sockets once committed
        _forget_references(session, person.id)
        if email:
            # Invitations addressed to them: the address goes, the invitation (its co-op, dates) stays.
            session.execute(update(Invitation).where(Invitation.email == email).values(email=None))
        now = utcnow()
        session.execute(update(Person).where(Person.id == person.id).values(
            email=None, name="", password_hash=None, is_steward=False, last_sign_in_at=None,
            created_at=now, erased_at=now, session_version=Person.session_version + 1,
            **({"locale": None} if hasattr(Person, "locale") else {})))
        session.expire(person)
        payload: dict[str, Any] = {"person_id": person_id, "by": by}
        if reason:
            payload["reason"] = reason
        record_event(session, "person_erased", "stewards", payload, actor_id=actor_id)
    return person_id


def _references(table: Table) -> list[tuple[Any, bool]]:
    """The columns of ``table`` that point at people.id, and whether their rows go with the person."""
    found = []
    for fk in table.foreign_keys:
        if fk.column.table.name == "people" and fk.column.name == "id" and table.name != "people":
            goes = (fk.ondelete or "").upper() == "CASCADE" or not fk.parent.nullable
            found.append((fk.parent, goes))
    return found


def _forget_references(session: Session, person_id: int) -> None:
    """Do what deleting the person's row would do, for every table (including packages added later)."""
    # The person's own notices (events addressed to "user:<id>") are theirs: they go.
    kept_events = select(Event.id).where(Event.scope == f"user:{person_id}")
    referenced = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == "events":
                    referenced.update(session.scalars(select(column).where(column.in_(kept_events))))
    session.execute(delete(Event).where(Event.scope == f"user:{person_id}", Event.id.not_in(referenced or {0})))
    # Children first, so that a row that goes never leaves a dangling reference behind.
    for table in reversed(db.metadata.sorted_tables):
        for column, goes in _references(table):
            if goes:
                session.execute(delete(table).where(column == person_id))
            else:
                session.execute(update(table).where(column == person_id).values({column.name: None}))


# Data export ---------------------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_person(*, actor: Person) -> dict[str, Any]:
    """Everything the platform holds about ``actor``, as JSON-able data (their own copy)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.is_erased:
        raise PermissionDenied(_("Sign in to download your data."))
    session = db.session
    person = session.get(Person, actor.id)
    delegations = session.scalars(select(Delegation).where(Delegation.person_id == person.id)
                                  .order_by(Delegation.id)).all()
    sent = session.scalars(select(Invitation).where(Invitation.invited_by_id == person.id).order_by(Invitation.id))
    resets = session.scalars(select(PasswordReset).where(PasswordReset.person_id == person.id)
                             .order_by(PasswordReset.id))
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": person.id, "name": person.name, "email": person.email,
            "steward": person.is_steward, "language": getattr(person, "locale", None),
            "account_created_at": _iso(person.created_at), "last_sign_in_at": _iso(person.last_sign_in_at),
            "password": "stored only as an argon2id hash, which is not included",
        },
        "delegations": [{"coop": d.coop.name, "coop_slug": d.coop.slug, "since": _iso(d.created_at),
                         "ended_at": _iso(d.ended_at)} for d in delegations],
        "invitations_sent": [{"coop": i.coop.name, "email": i.email, "created_at": _iso(i.created_at),
                              "expires_at": _iso(i.expires_at), "used_at": _iso(i.used_at)} for i in sent],
        "password_resets": [{"asked_at": _iso(r.created_at), "used_at": _iso(r.used_at)} for r in resets],
    }
    for section, hook in sorted(rights.EXPORT_HOOKS.items()):
        data[section] = hook(person)
    return data
