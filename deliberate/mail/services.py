"""Mail settings: a person chooses what mail they get (account page), or turns one kind off from
a mail's one-click unsubscribe link; and the mail feature's part in a person's rights."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..database import unit_of_work, utcnow
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..members.models import Person
from . import kinds, permissions, tokens
from .digests import locked_settings
from .models import MailSettings, OutboxMail


def save_settings(*, actor: Person, vote_opened: bool, vote_closing: bool, vote_closed: bool,
                  digest: str) -> MailSettings:
    """Save which mails ``actor`` wants: each vote mail on or off, the digest daily, weekly or off."""
    if digest not in kinds.DIGEST_CHOICES:
        raise InvalidInput(_("Choose how often you get the summary."),
                           field_errors={"digest": [_("Choose every day, every week or never.")]})
    with unit_of_work() as session:
        settings = locked_settings(session, actor.id)
        settings.vote_opened, settings.vote_closing, settings.vote_closed = bool(vote_opened), bool(vote_closing), bool(vote_closed)
        settings.digest = digest
        settings.updated_at = utcnow()
    return settings


def read_unsubscribe_token(token: str) -> tuple[Person, str]:
    """The person and the kind of mail a genuine unsubscribe link is for; NotFound otherwise."""
    found = tokens.read(current_app.config["SECRET_KEY"], token)
    person = db.session.get(Person, found[0]) if found else None
    if found is None or person is None or person.is_erased:
        raise NotFound(_("This unsubscribe link is not valid. You can choose what mail you get on your account page."))
    return person, found[1]


def unsubscribe(*, token: str) -> tuple[Person, str]:
    """Turn off the one kind of mail the signed ``token`` names, for the person it names (no sign-in:
    the token is the authority, RFC 8058). Doing it twice changes nothing."""
    person, kind = read_unsubscribe_token(token)
    with unit_of_work() as session:
        settings = locked_settings(session, person.id)
        if kind == kinds.DIGEST:
            settings.digest = "off"
        else:
            setattr(settings, kind, False)
        settings.updated_at = utcnow()
    return person, kind


def check_can_see_outbox(actor: Person | None) -> None:
    if not permissions.can_see_outbox(actor):
        raise PermissionDenied(_("Only stewards can see how mail is being sent."))


# A person's rights ----------------------------------------------------------------------------------

def erase_mail(person: Person) -> None:
    """Mails addressed to the person's address without an account (invitations) go; their own mails
    and settings go with the person's row (the foreign keys cascade)."""
    if person.email:
        db.session.execute(delete(OutboxMail).where(OutboxMail.address == person.email)
                           .execution_options(synchronize_session=False))


def export_mail(person: Person) -> dict[str, Any]:
    """The person's mail settings and the mails kept for them (kind, status, dates: never tokens)."""
    settings = db.session.scalar(select(MailSettings).where(MailSettings.person_id == person.id))
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.person_id == person.id).order_by(OutboxMail.id))
    return {
        "settings": {"vote_opened": settings.vote_opened, "vote_closing": settings.vote_closing,
                     "vote_closed": settings.vote_closed, "digest": settings.digest,
                     "last_digest_at": settings.digest_at.isoformat() if settings.digest_at else None}
        if settings else None,
        "mails": [{"kind": m.kind, "status": m.status, "created_at": m.created_at.isoformat(),
                   "finished_at": m.finished_at.isoformat() if m.finished_at else None} for m in mails],
    }
