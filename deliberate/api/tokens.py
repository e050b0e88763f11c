"""Personal access tokens: create, list, revoke, and find the person a token acts for.

A token is ``dlb_`` followed by 43 url-safe characters (256 random bits). It is shown once, when
it is made; only its SHA-256 is stored, so a leaked database leaks no usable token. A token
stops working when it is revoked, when its person signs out everywhere or changes their password
(both bump ``Person.session_version``, which the token remembers), and when the person is
erased (their tokens are deleted).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..members.models import Person
from ..members.passwords import verify_password
from .models import SCOPES, ApiToken

PREFIX = "dlb_"
MAX_NAME = limits.TOKEN_NAME
MAX_ACTIVE_TOKENS = 20
# Recording every use would make every API read a write; once a minute is enough to be useful.
LAST_USED_EVERY = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def looks_like_token(raw: str) -> bool:
    return raw.startswith(PREFIX) and 20 <= len(raw) <= 100 and raw.isascii()


def _clean_name(name: Any) -> str:
    return limits.clean_text(name, "name", MAX_NAME, multiline=False,
                             required=_("Give the token a name, so that you know later what uses it."),
                             too_long=lambda _n: _("Keep the name under %(MAX_NAME)s characters.", MAX_NAME=MAX_NAME))


def _clean_scopes(scopes: Any) -> str:
    chosen = [s for s in SCOPES if s in set(scopes or ())]
    unknown = set(scopes or ()) - set(SCOPES)
    if unknown or not chosen:
        raise InvalidInput(_("Choose what the token may do: read, write, vote."),
                           field_errors={"scopes": [_("Choose at least one of read, write, vote.")]})
    return " ".join(chosen)


def list_tokens(person: Person) -> list[ApiToken]:
    """The person's tokens, newest first (revoked ones included, marked)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id)
                                   .order_by(ApiToken.id.desc())))


def create_token(*, actor: Person, name: str, scopes: list[str], password: str | None = None,
                 fresh: bool = False) -> tuple[ApiToken, str]:
    """Make a token for ``actor``; returns it and the token itself (shown once, never again).

    The person confirms with their password unless they have just signed in (``fresh``).
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to make an API token."))
    name, scope_text = _clean_name(name), _clean_scopes(scopes)
    if not fresh and not verify_password(actor.password_hash, password or ""):
        raise InvalidInput(_("That is not your password."), field_errors={"password": [_("Not your password.")]})
    raw = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work() as session:
        person = session.get(Person, actor.id)
        active = [t for t in session.scalars(select(ApiToken).where(ApiToken.person_id == person.id,
                                                                    ApiToken.revoked_at.is_(None)))
                  if t.session_version == person.session_version]
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise Conflict(_("You have %(MAX_ACTIVE_TOKENS)s tokens already: revoke one you no longer use first.", MAX_ACTIVE_TOKENS=MAX_ACTIVE_TOKENS))
        token = ApiToken(person_id=person.id, name=name, prefix=raw[:8], token_hash=hash_token(raw),
                         scopes=scope_text, session_version=person.session_version, created_at=utcnow())
        session.add(token)
        session.flush()
    return token, raw


def revoke_token(*, actor: Person, token_id: int) -> ApiToken:
    """The token's owner revokes it: it stops working at once and cannot be revived."""
    with unit_of_work() as session:
        token = session.get(ApiToken, token_id)
        if token is None or actor is None or token.person_id != getattr(actor, "id", None):
            raise NotFound(_("You have no token with that number."))
        if token.revoked_at is not None:
            raise Conflict(_("This token is already revoked."))
        token.revoked_at = utcnow()
    return token


def authenticate(raw: str, now: datetime | None = None) -> ApiToken | None:
    """The active token matching ``raw`` (its person loaded), or None. Records when it was used."""
    if not looks_like_token(raw):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not token.is_active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        token_id = token.id
        with unit_of_work() as session:
            fresh = session.get(ApiToken, token_id)
            if fresh is not None:
                fresh.last_used_at = now
        token = db.session.get(ApiToken, token_id)
    return token


# Rights: erasure deletes a person's tokens; the export lists them (never their hashes) ----------

def _erase_tokens(person: Person) -> None:
    for token in db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id)):
        db.session.delete(token)


def _export_tokens(person: Person) -> list[dict[str, Any]]:
    return [{"name": t.name, "prefix": t.prefix, "scopes": t.scope_list,
             "created_at": t.created_at.isoformat(),
             "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
             "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None} for t in list_tokens(person)]
