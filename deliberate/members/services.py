"""Member operations: one function per intention, the actor passed explicitly."""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..i18n import status_label
from ..limits import clean_text
from ..realtime.events import record_event
from . import permissions
from .models import COOP_KINDS, COOP_STATUSES, Cooperative, Delegation, Invitation, PasswordReset, Person
from .passwords import hash_password, needs_rehash, password_problem, verify_password
from .sessions import end_every_sign_in

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f-\x9f]{1,64}@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$")

# Links that are mailed: the mail feature registers its hook here (mail.init_app). A hook is called
# inside the transaction that issues the link, as hook(session, kind, data) with kind "invitation"
# (data: invitation_id, email, token) or "password_reset" (person_id, reset_id, token), so the
# mail exists exactly when the link does.
LINK_HOOKS: list[Callable[[Session, str, dict[str, Any]], None]] = []


def _link_issued(session: Session, kind: str, **data: Any) -> None:
    for hook in LINK_HOOKS:
        hook(session, kind, data)


# Which status changes a steward may make, and what each means in plain words.
COOP_TRANSITIONS: dict[str, set[str]] = {
    "applicant": {"member", "left"},
    "member": {"suspended", "left"},
    "suspended": {"member", "left"},
    "left": {"member"},
}


def new_token() -> tuple[str, str]:
    """A fresh url-safe token and the hash we store for it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "coop"


def normalise_email(email: str) -> str:
    email = (email or "").strip()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidInput(_("Please enter a valid email address."), field_errors={"email": [_("Not a valid email address.")]})
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _check_name(name: str, field: str = "name", limit: int = limits.NAME) -> str:
    return clean_text(name, field, limit, required=_("Please fill in the name."), multiline=False)


def _check_password(password: str) -> None:
    problem = password_problem(password or "", translate=_)
    if problem:
        raise InvalidInput(problem, field_errors={"password": [problem]})


# People -------------------------------------------------------------------------------------

def create_steward(*, email: str, name: str, password: str) -> Person:
    """Create a steward account (the command line's ``create-steward``)."""
    email = normalise_email(email)
    name = _check_name(name)
    _check_password(password)
    with unit_of_work() as session:
        if session.scalar(select(Person).where(func.lower(Person.email) == email.lower())):
            raise Conflict(_("An account with that email already exists."))
        person = Person(email=email, name=name, password_hash=hash_password(password), is_steward=True)
        session.add(person)
        session.flush()
        record_event(session, "steward_created", "stewards", {"person_id": person.id}, actor_id=None)
    return person


def find_person_by_email(email: str) -> Person | None:
    email = (email or "").strip() if isinstance(email, str) else ""
    if not email or limits.has_control_characters(email, multiline=False):
        return None  # no address holds one (normalise_email refuses them); PostgreSQL refuses NUL
    return db.session.scalar(select(Person).where(func.lower(Person.email) == email.lower()))


def authenticate(*, email: str, password: str) -> Person | None:
    """The person whose email and password match, or None (same time either way)."""
    person = find_person_by_email(email)
    if not verify_password(person.password_hash if person else None, password or ""):
        return None
    with unit_of_work():
        person.last_sign_in_at = utcnow()
        if needs_rehash(person.password_hash):
            person.password_hash = hash_password(password)
    return person


# Acting for a co-op -------------------------------------------------------------------------

def acting_coop(actor: Person, coop: Cooperative | None) -> Cooperative | None:
    """The co-op a delegate acts for; explicit when they have several. Stewards may act for none."""
    acting = actor.acting_coops
    if coop is None:
        if actor.is_steward:
            return None
        if len(acting) == 1:
            return acting[0]
        raise InvalidInput(_("Choose which co-op you are acting for."), field_errors={"coop": [_("Choose a co-op.")]})
    if coop.id not in {c.id for c in acting}:
        raise PermissionDenied(_("You can only act for a member co-op you are a delegate of."))
    return coop



# Co-ops -------------------------------------------------------------------------------------

def check_can_register_coop(actor: Person | None) -> None:
    if not permissions.can_manage_coops(actor):
        raise PermissionDenied(_("Only stewards can register co-ops."))


def check_can_change_coop_status(actor: Person | None) -> None:
    if not permissions.can_manage_coops(actor):
        raise PermissionDenied(_("Only stewards can change a co-op's status."))


def register_coop(*, actor: Person, name: str, country: str, kind: str, description: str = "",
                  website: str = "") -> Cooperative:
    """A steward registers a co-op; it starts as an applicant."""
    check_can_register_coop(actor)
    name = _check_name(name, limit=limits.COOP_NAME)
    country = (country or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = [_("Use the two-letter country code, for example ES or KE.")]
    if kind not in COOP_KINDS:
        errors["kind"] = [_("Choose one of: %(kinds)s.", kinds=", ".join(COOP_KINDS))]
    try:
        description = clean_text(description, "description", limits.COOP_DESCRIPTION)
    except InvalidInput as error:
        errors.update(error.field_errors)
    try:
        website = clean_text(website, "website", limits.WEBSITE, multiline=False)
    except InvalidInput as error:
        errors.update(error.field_errors)
    else:
        if website and not re.match(r"^https?://[^\s]+$", website):
            errors["website"] = [_("Use a full address starting with https://")]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), field_errors=errors)
    with unit_of_work() as session:
        if session.scalar(select(Cooperative).where(func.lower(Cooperative.name) == name.lower())):
            raise Conflict(_("A co-op with that name is already registered."), field_errors={"name": [_("Already registered.")]})
        base = slugify(name)
        slug, n = base, 2
        while session.scalar(select(Cooperative.id).where(Cooperative.slug == slug)):
            slug, n = f"{base}-{n}", n + 1
        coop = Cooperative(name=name, slug=slug, country=country, kind=kind, status="applicant",
                           description=description, website=website)
        session.add(coop)
        session.flush()
        record_event(session, "coop_registered", "stewards", {"coop_id": coop.id, "name": coop.name}, actor_id=actor.id)
    return coop


def change_coop_status(*, actor: Person, coop: Cooperative, status: str, reason: str = "") -> Cooperative:
    """Admit, suspend, reinstate or record the departure of a co-op."""
    check_can_change_coop_status(actor)
    if status not in COOP_STATUSES:
        raise InvalidInput(_("Unknown status %(status)r.", status=status))
    if status not in COOP_TRANSITIONS[coop.status]:
        raise Conflict(_("A co-op that is %(status)s cannot become %(status2)s.", status=status_label(coop.status), status2=status_label(status)))
    reason = clean_text(reason, "reason", limits.REASON, multiline=False)
    with unit_of_work() as session:
        coop = session.merge(coop)
        previous = coop.status
        coop.status = status
        if status == "member" and coop.member_since is None:
            coop.member_since = utcnow()
        record_event(session, "coop_status_changed", "network",
                     {"coop_id": coop.id, "from": previous, "to": status, "reason": reason},
                     actor_id=actor.id)
    return coop


# Ids of co-ops arrive as text from forms and sockets; anything else than a plain id in the
# column's range names no co-op (limits.parse_id).
def find_coop(value: object) -> Cooperative | None:
    """The co-op whose id a form or a client sent, or None for an empty value, something that is not
    a plain id, or an id no co-op has. Whether the person may act for it is the services' check."""
    coop_id = limits.parse_id(value.strip() if isinstance(value, str) else value)
    return db.session.get(Cooperative, coop_id) if coop_id is not None else None


def get_coop(slug: str) -> Cooperative:
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None:
        raise NotFound(_("No co-op by that name."))
    return coop


# Invitations --------------------------------------------------------------------------------

def check_can_invite_delegate(actor: Person | None, coop: Cooperative) -> None:
    if not permissions.can_invite_delegate(actor, coop):
        raise PermissionDenied(_("You cannot invite delegates for this co-op."))


def invite_delegate(*, actor: Person, coop: Cooperative, email: str = "", days: int = 14) -> tuple[Invitation, str]:
    """Create a single-use invitation link for a new delegate of ``coop``; returns it and its token."""
    check_can_invite_delegate(actor, coop)
    email = normalise_email(email) if email else None
    token, hashed = new_token()
    with unit_of_work() as session:
        invitation = Invitation(coop_id=coop.id, email=email, token_hash=hashed, invited_by_id=actor.id,
                                expires_at=utcnow() + timedelta(days=days))
        session.add(invitation)
        session.flush()
        record_event(session, "delegate_invited", "stewards", {"coop_id": coop.id, "invitation_id": invitation.id},
                     actor_id=actor.id)
        if email:
            _link_issued(session, "invitation", invitation_id=invitation.id, email=email, token=token)
    return invitation, token


def find_invitation(token: str) -> Invitation:
    """The open invitation for ``token``; refuses used and expired ones with a clear reason."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token or "")))
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Ask whoever invited you for a new one."))
    if invitation.used_at is not None:
        raise Gone(_("This invitation has already been used. If that was you, sign in instead."))
    if invitation.expires_at <= utcnow():
        raise Gone(_("This invitation has expired. Ask whoever invited you for a new one."))
    if invitation.coop.status not in ("applicant", "member"):
        raise Gone(_("This co-op cannot take new delegates right now."))
    return invitation


def accept_invitation(*, token: str, name: str, email: str, password: str, actor: Person | None = None) -> Person:
    """Use an invitation: create the account (or, signed in, add the delegation to ``actor``)."""
    invitation = find_invitation(token)
    coop_id, invitation_id = invitation.coop_id, invitation.id
    if actor is None:
        email = normalise_email(email)
        name = _check_name(name)
        _check_password(password)
        if invitation.email and invitation.email.lower() != email.lower():
            raise InvalidInput(_("This invitation was sent to another email address."),
                               field_errors={"email": [_("Use the address the invitation was sent to.")]})
    with unit_of_work() as session:
        # Claim the invitation with a conditional update so that two simultaneous uses cannot both win.
        claimed = session.execute(
            Invitation.__table__.update()
            .where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount
        if claimed != 1:
            raise Gone(_("This invitation has already been used."))
        if actor is None:
            if session.scalar(select(Person.id).where(func.lower(Person.email) == email.lower())):
                raise Conflict(_("An account with that email already exists. Sign in, then open the link again."),
                               field_errors={"email": [_("Already registered: sign in instead.")]})
            person = Person(email=email, name=name, password_hash=hash_password(password))
            session.add(person)
            session.flush()
        else:
            person = session.merge(actor)
        existing = session.scalar(select(Delegation).where(Delegation.person_id == person.id,
                                                           Delegation.coop_id == coop_id))
        if existing is None:
            session.add(Delegation(person_id=person.id, coop_id=coop_id))
        elif existing.ended_at is not None:
            existing.ended_at = None
        session.execute(Invitation.__table__.update().where(Invitation.id == invitation_id)
                        .values(used_by_id=person.id))
        record_event(session, "delegate_joined", "network", {"coop_id": coop_id, "person_id": person.id},
                     actor_id=person.id)
    return person


# Password reset -----------------------------------------------------------------------------

def request_password_reset(*, email: str, minutes: int = 60) -> str | None:
    """Create a reset token for the account with ``email`` and mail the link to it (the mail
    feature's hook; without one, the link is written to the log).

    Returns the token (None when there is no such account; the caller shows the same message
    either way so that nobody learns which addresses have accounts).
    """
    person = find_person_by_email(email)
    if person is None or person.email is None:
        log.info("Password reset asked for an unknown address")
        return None
    token, hashed = new_token()
    with unit_of_work() as session:
        reset = PasswordReset(person_id=person.id, token_hash=hashed, expires_at=utcnow() + timedelta(minutes=minutes))
        session.add(reset)
        session.flush()
        _link_issued(session, "password_reset", person_id=person.id, reset_id=reset.id, token=token)
    if not LINK_HOOKS:
        log.warning("Password reset for person %s: open /reset/%s within %s minutes", person.id, token, minutes)
    return token


def reset_password(*, token: str, password: str) -> Person:
    """Set a new password from a reset token; signs the person out of every other session."""
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or "")))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise Gone(_("This reset link is not valid any more. Ask for a new one."))
    _check_password(password)
    with unit_of_work() as session:
        claimed = session.execute(
            PasswordReset.__table__.update()
            .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount
        if claimed != 1:
            raise Gone(_("This reset link has already been used."))
        person = session.get(Person, reset.person_id)
        person.password_hash = hash_password(password)
        person.session_version += 1
        end_every_sign_in(session, person.id)
    return person


def load_person(user_id: str) -> Person | None:
    """Flask-Login's loader (members.sessions): ``id:session_version:key`` while that sign-in lasts."""
    from .sessions import load_person as load

    return load(user_id)
