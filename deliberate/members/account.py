"""Account changes a person makes for themselves: password, email, signing out everywhere.

Each one that changes how the person signs in asks for their current password (the views also
require a fresh sign-in, see ``members.fresh``). Changing the password, or signing out
everywhere, bumps ``Person.session_version`` and ends every sign-in (``members.sessions``): every
session and "keep me signed in" cookie made before stops working, the person's open sockets are
disconnected, and API tokens made before stop working too.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..database import unit_of_work
from ..errors import Conflict, InvalidInput, PermissionDenied
from .models import Person
from .passwords import hash_password, verify_password
from .services import _check_password, normalise_email
from .sessions import end_every_sign_in


def _signed_in(actor: Person | None) -> Person:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.is_erased:
        raise PermissionDenied(_("Please sign in first."))
    return actor


def _confirm(actor: Person, password: str, field: str = "current_password") -> None:
    if not verify_password(actor.password_hash, password or ""):
        raise InvalidInput(_("That is not your current password."),
                           field_errors={field: [_("That is not your current password.")]})


def check_password(*, actor: Person, password: str) -> None:
    """Confirm the signed-in person's password (a fresh sign-in); InvalidInput if it is wrong."""
    _confirm(_signed_in(actor), password, field="password")


def change_password(*, actor: Person, current_password: str, new_password: str) -> Person:
    """Set a new password; every other session is signed out (the caller signs this one in again)."""
    actor = _signed_in(actor)
    _confirm(actor, current_password)
    try:
        _check_password(new_password)
    except InvalidInput as error:
        raise InvalidInput(error.message, field_errors={"new_password": [error.message]}) from None
    with unit_of_work() as session:
        person = session.get(Person, actor.id)
        person.password_hash = hash_password(new_password)
        person.session_version += 1
        end_every_sign_in(session, person.id)
    return person


def change_email(*, actor: Person, password: str, email: str) -> Person:
    """Use another email address to sign in (and for password resets)."""
    actor = _signed_in(actor)
    _confirm(actor, password)
    try:
        email = normalise_email(email)
    except InvalidInput as error:
        raise InvalidInput(error.message, field_errors={"email": [error.message]}) from None
    with unit_of_work() as session:
        taken = session.scalar(select(Person.id).where(func.lower(Person.email) == email.lower(),
                                                       Person.id != actor.id))
        if taken:
            raise Conflict(_("Another account uses that address."), field_errors={"email": [_("Already in use.")]})
        person = session.get(Person, actor.id)
        person.email = email
    return person


def sign_out_everywhere(*, actor: Person) -> Person:
    """End every session of the person, on every device, including this one."""
    actor = _signed_in(actor)
    with unit_of_work() as session:
        person = session.get(Person, actor.id)
        person.session_version += 1
        end_every_sign_in(session, person.id)
    return person
