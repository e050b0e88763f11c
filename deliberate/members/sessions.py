"""Sign-ins held on the server: signing out ends the session for every copy of its cookie.

Flask's session is a signed cookie kept by the browser: clearing it on sign-out leaves any copy of it
(and of the "keep me signed in" cookie) as good as before. So each sign-in is a row (``SignIn``):
the cookies carry ``person id:session version:key`` (``Person.get_id``), the row only the key's
SHA-256, and the user loader (:func:`load_person`) accepts an id only while its row exists, the
person's session version is unchanged and the sign-in is younger than the longest a cookie lives
(``PERMANENT_SESSION_LIFETIME`` or ``REMEMBER_COOKIE_DURATION``, 14 days by default: after that
one signs in again).

- signing out (:func:`end_sign_in`) deletes the row of this sign-in;
- signing out everywhere, changing or resetting the password, and erasure delete every row of the
  person (:func:`end_every_sign_in`, inside the caller's unit of work) and bump the version.

Open Socket.IO connections go with them: each authenticated socket is in the rooms
``sign_in:<row id>`` and ``user:<person id>`` (realtime/handlers.py), which are disconnected on
the server, in every process, once the change commits (realtime/disconnect.py).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..database import unit_of_work, utcnow
from ..extensions import db
from ..limits import parse_id
from ..realtime.disconnect import disconnect_after_commit
from .models import Person, SignIn

DEFAULT_LIFETIME = timedelta(days=14)
_MAX_KEY_LENGTH = 100


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def lifetime() -> timedelta:
    """How long a sign-in lasts at most: as long as the longest-lived of its cookies."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return DEFAULT_LIFETIME
    config = current_app.config
    durations = [config.get("PERMANENT_SESSION_LIFETIME"), config.get("REMEMBER_COOKIE_DURATION")]
    return max([d for d in durations if isinstance(d, timedelta)] or [DEFAULT_LIFETIME])


def start_sign_in(person: Person, *, now: datetime | None = None) -> Person:
    """Record a new sign-in of ``person`` (whose password, invitation or reset was just checked by
    its service) and return the person ready for ``flask_login.login_user``. Sign-ins past their
    lifetime, anyone's, are removed on the way."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    with unit_of_work() as session:
        session.execute(delete(SignIn).where(SignIn.created_at < now - lifetime()))
        row = SignIn(person_id=person.id, key_hash=_key_hash(key), created_at=now)
        session.add(row)
        session.flush()
        row_id = row.id
    person.sign_in_key, person.sign_in_id = key, row_id
    return person


def end_sign_in(person: Person | None) -> None:
    """Sign ``person`` out of the sign-in they are using (the one their cookie names): the row goes,
    so copies of the cookie stop working, and that sign-in's sockets are disconnected."""
    sign_in_id = getattr(person, "sign_in_id", None)
    if person is None or sign_in_id is None:
        return
    with unit_of_work() as session:
        session.execute(delete(SignIn).where(SignIn.id == sign_in_id, SignIn.person_id == person.id))
        disconnect_after_commit(session, f"sign_in:{sign_in_id}")
    person.sign_in_key = person.sign_in_id = None


def end_every_sign_in(session: Session, person_id: int) -> None:
    """Inside the caller's unit of work: delete every sign-in of the person and disconnect all their
    sockets once it commits (signing out everywhere, a new password, erasure)."""
    session.execute(delete(SignIn).where(SignIn.person_id == person_id))
    disconnect_after_commit(session, f"user:{person_id}")


def load_person(user_id: str) -> Person | None:
    """Flask-Login's user loader: the person an ``id:version:key`` names while that sign-in lasts."""
    parts = user_id.split(":") if isinstance(user_id, str) else []
    if len(parts) != 3 or not parts[2] or len(parts[2]) > _MAX_KEY_LENGTH:
        return None
    person_id, version, key = parse_id(parts[0]), parse_id(parts[1]), parts[2]
    if person_id is None or version is None:
        return None
    found = db.session.execute(
        select(SignIn.id, SignIn.created_at, Person).join(Person, Person.id == SignIn.person_id)
        .where(SignIn.key_hash == _key_hash(key), SignIn.person_id == person_id)).first()
    if found is None:
        return None
    sign_in_id, created_at, person = found
    if person.session_version != version or person.password_hash is None or person.erased_at is not None:
        return None
    if created_at < utcnow() - lifetime():
        return None
    person.sign_in_key, person.sign_in_id = key, sign_in_id
    return person
