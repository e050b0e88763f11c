"""Turning an outbox row into a letter, when the worker sends it: the words in the reader's language
(their saved language; the inviter's for an invitation), plain text and HTML from the templates in
``templates/mail/``, absolute links under PUBLIC_URL.

A mail whose reason is gone by then (the reader turned the kind off or was erased, the reset link was
used, the invitation expired, the vote was cancelled) is not sent: :class:`Skip` says why.

Nothing here says who voted what: a closed vote's mail carries the result everyone can read (passed
or not, and its published explanation), and a vote mail names only the reader's own co-ops.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..database import utcnow
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, LANGUAGES, status_label
from ..members.models import Cooperative, Delegation, Invitation, PasswordReset, Person
from ..realtime.events import Event
from ..standards.models import Standard
from ..voting.models import Ballot, ElectorateMember, Vote
from . import kinds, message, tokens
from .models import MailSettings, OutboxMail


@dataclass(frozen=True)
class Skip:
    """The mail is not sent, and why (kept on the row)."""

    reason: str


# Links and settings -----------------------------------------------------------------------------

def public_base(config: Any) -> str:
    """Where the site is reached: PUBLIC_URL, else this server's own address (development)."""
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"http://{config['SERVER_NAME']}"
    return f"http://{config.get('SERVER_HOST', '127.0.0.1')}:{config.get('SERVER_PORT', 5000)}"


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` under PUBLIC_URL (no request needed)."""
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(endpoint, values, force_external=False)
    return public_base(current_app.config) + path + (f"#{anchor}" if anchor else "")


def sender(config: Any) -> str:
    return config.get("MAIL_FROM") or message.default_sender(config.get("PUBLIC_URL", ""),
                                                               config.get("NETWORK_NAME") or "Deliberate")


def network_name() -> str:
    return current_app.config.get("NETWORK_NAME") or "Deliberate"


def _language(code: str | None) -> str:
    return code if code in LANGUAGES else current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)


def _render(name: str, context: dict[str, Any]) -> str:
    # The templates straight from the environment: no context processors (they expect a request).
    return current_app.jinja_env.get_template(name).render(**context)


# Each kind --------------------------------------------------------------------------------------

@dataclass
class Draft:
    subject: str
    context: dict[str, Any]


def _vote(mail: OutboxMail) -> Vote | None:
    vote_id = (mail.params or {}).get("vote_id")
    return db.session.get(Vote, vote_id) if isinstance(vote_id, int) else None


def _standard_title(vote: Vote) -> str:
    if vote.standard_id is None:
        return ""
    return db.session.scalar(select(Standard.title).where(Standard.id == vote.standard_id)) or ""


def _my_coops(person: Person, vote: Vote, only: list[int] | None = None) -> list[str]:
    """The reader's own co-ops in the vote's electorate (never anyone else's)."""
    query = (select(Cooperative.name).join(ElectorateMember, ElectorateMember.coop_id == Cooperative.id)
             .join(Delegation, Delegation.coop_id == Cooperative.id)
             .where(ElectorateMember.vote_id == vote.id, Delegation.person_id == person.id, Delegation.ended_at.is_(None))
             .order_by(Cooperative.name))
    if only is not None:
        query = query.where(Cooperative.id.in_(only))
    return list(db.session.scalars(query))


def _vote_context(vote: Vote) -> dict[str, Any]:
    return {"vote": vote, "vote_title": vote.title, "standard_title": _standard_title(vote),
            "vote_url": absolute_url("votes.show", vote_id=vote.id), "secret": vote.secret,
            "opens_later": vote.opens_at > utcnow()}


def _vote_opened(mail: OutboxMail, person: Person | None) -> Draft | Skip:
    vote = _vote(mail)
    if vote is None or person is None:
        return Skip("The vote no longer exists.")
    if vote.state == "cancelled":
        return Skip("The vote was cancelled before this mail was sent.")
    return Draft(_("Vote opened: %(title)s", title=vote.title),
                 {**_vote_context(vote), "coops": _my_coops(person, vote)})


def _vote_closing(mail: OutboxMail, person: Person | None) -> Draft | Skip:
    vote = _vote(mail)
    if vote is None or person is None:
        return Skip("The vote no longer exists.")
    if vote.state != "open" or vote.closes_at <= utcnow():
        return Skip("The vote closed before this mail was sent.")
    coop_ids = [c for c in (mail.params or {}).get("coop_ids") or [] if isinstance(c, int)]
    # Only the reader's own co-ops: whether they have voted since the reminder is theirs to know.
    voted = set(db.session.scalars(select(Ballot.coop_id).where(Ballot.vote_id == vote.id, Ballot.coop_id.in_(coop_ids))))
    coop_ids = [c for c in coop_ids if c not in voted]
    if not coop_ids:
        return Skip("The reader's co-ops voted before this mail was sent.")
    return Draft(_("Closes within a day: %(title)s", title=vote.title),
                 {**_vote_context(vote), "coops": _my_coops(person, vote, coop_ids)})


def _vote_closed(mail: OutboxMail, person: Person | None) -> Draft | Skip:
    vote = _vote(mail)
    if vote is None or person is None or vote.state != "closed":
        return Skip("The vote no longer exists.")
    subject = (_("Vote closed: %(title)s (passed)", title=vote.title) if vote.passed
               else _("Vote closed: %(title)s (did not pass)", title=vote.title))
    # Only what the vote's page shows everyone: the result, its explanation, what it did.
    return Draft(subject, {**_vote_context(vote), "passed": bool(vote.passed),
                           "result_word": status_label("adopted" if vote.passed else "rejected"),
                           "explanation": vote.explanation, "effect": vote.effect_note})


def _invitation(mail: OutboxMail, _person: Person | None) -> Draft | Skip:
    params = mail.params or {}
    invitation = db.session.get(Invitation, params.get("invitation_id")) if isinstance(params.get("invitation_id"), int) else None
    if invitation is None or not params.get("token"):
        return Skip("The invitation no longer exists.")
    if invitation.used_at is not None or invitation.expires_at <= utcnow():
        return Skip("The invitation was used or has expired.")
    inviter = db.session.get(Person, invitation.invited_by_id) if invitation.invited_by_id else None
    return Draft(_("An invitation to join %(network)s as a delegate of %(coop)s", network=network_name(),
                   coop=invitation.coop.name),
                 {"coop": invitation.coop.name, "inviter": inviter.name if inviter and not inviter.is_erased else "",
                  "link": absolute_url("auth.join", token=params["token"]), "expires_at": invitation.expires_at})


def _password_reset(mail: OutboxMail, person: Person | None) -> Draft | Skip:
    params = mail.params or {}
    reset = db.session.get(PasswordReset, params.get("reset_id")) if isinstance(params.get("reset_id"), int) else None
    if person is None or reset is None or not params.get("token"):
        return Skip("The reset link no longer exists.")
    if reset.used_at is not None or reset.expires_at <= utcnow():
        return Skip("The reset link was used or has expired.")
    return Draft(_("Reset your password"), {"link": absolute_url("auth.reset", token=params["token"]),
                                            "expires_at": reset.expires_at,
                                            "forgot_url": absolute_url("auth.forgot")})


def _digest(mail: OutboxMail, person: Person | None) -> Draft | Skip:
    params = mail.params or {}
    if person is None:
        return Skip("The reader no longer exists.")
    ids = {key: [i for i in params.get(key) or [] if isinstance(i, int)]
           for key in ("needs_vote", "closing_soon", "results", "versions", "last_calls", "council_seats")}
    wanted = ids["needs_vote"] + ids["closing_soon"] + ids["results"]
    votes = {v.id: v for v in db.session.scalars(select(Vote).where(Vote.id.in_(wanted)))} if wanted else {}
    events = list(db.session.scalars(select(Event).where(Event.id.in_(ids["versions"])).order_by(Event.id))) \
        if ids["versions"] else []
    calls = list(db.session.scalars(select(Event).where(Event.id.in_(ids["last_calls"])).order_by(Event.id))) \
        if ids["last_calls"] else []
    seats = list(db.session.scalars(select(Event).where(Event.id.in_(ids["council_seats"]),
                                                        Event.scope == f"user:{person.id}").order_by(Event.id))) \
        if ids["council_seats"] else []
    events_and_calls = events + calls
    standards = {s.id: s for s in db.session.scalars(select(Standard).where(
        Standard.id.in_({e.payload.get("standard_id") for e in events_and_calls}
                        | {v.standard_id for v in votes.values()})))}

    def vote_item(vote: Vote) -> dict[str, Any]:
        standard = standards.get(vote.standard_id)
        return {"title": vote.title, "url": absolute_url("votes.show", vote_id=vote.id), "closes_at": vote.closes_at,
                "standard": standard.title if standard else "", "passed": bool(vote.passed),
                "result_word": status_label("adopted" if vote.passed else "rejected"), "explanation": vote.explanation}

    def version_item(event: Event) -> dict[str, Any] | None:
        standard = standards.get(event.payload.get("standard_id"))
        if standard is None:
            return None
        number = str(event.payload.get("number") or "")
        endpoint = ("versions.show", {"slug": standard.slug, "ref": number}) if number else ("standards.show", {"slug": standard.slug})
        return {"title": standard.title, "number": number, "url": absolute_url(endpoint[0], **endpoint[1]),
                "summary": str(event.payload.get("summary") or "")}

    def last_call_item(event: Event) -> dict[str, Any] | None:
        from ..proposals.models import Amendment

        standard = standards.get(event.payload.get("standard_id"))
        amendment = db.session.get(Amendment, event.payload.get("amendment_id")) \
            if isinstance(event.payload.get("amendment_id"), int) else None
        if standard is None or amendment is None or amendment.state != "open" or amendment.last_call_at is None:
            return None  # no longer in last call: withdrawn, changed, or already voted on
        return {"title": f"{amendment.reference} · {amendment.title}", "standard": standard.title,
                "ends_at": amendment.last_call_ends_at,
                "url": absolute_url("amendments.show", slug=standard.slug, amendment_id=amendment.id)}

    def council_seat_item(event: Event) -> dict[str, Any] | None:
        from ..appeals.models import FormalObjection

        objection_id = event.payload.get("objection_id")
        objection = db.session.get(FormalObjection, objection_id) if isinstance(objection_id, int) else None
        if objection is None or objection.state != "council":
            return None  # the council no longer sits: decided, settled or withdrawn
        return {"title": objection.title, "coop": str(event.payload.get("coop_name") or ""),
                "url": absolute_url("appeals.show", objection_id=objection.id)}

    sections = {
        "needs_vote": [vote_item(votes[i]) for i in ids["needs_vote"] if i in votes and votes[i].state == "open"],
        "closing_soon": [vote_item(votes[i]) for i in ids["closing_soon"] if i in votes and votes[i].state == "open"],
        "results": [vote_item(votes[i]) for i in ids["results"] if i in votes and votes[i].state == "closed"],
        "versions": [item for e in events if (item := version_item(e)) is not None],
        "last_calls": [item for e in calls if (item := last_call_item(e)) is not None],
        "council_seats": [item for e in seats if (item := council_seat_item(e)) is not None],
    }
    if not any(sections.values()):
        return Skip("Nothing in the digest is current any more.")
    daily = params.get("period") == "daily"
    subject = (_("Your daily summary from %(network)s", network=network_name()) if daily
               else _("Your weekly summary from %(network)s", network=network_name()))
    return Draft(subject, {**sections, "daily": daily})


COMPOSERS: dict[str, Callable[[OutboxMail, Person | None], Draft | Skip]] = {
    kinds.VOTE_OPENED: _vote_opened,
    kinds.VOTE_CLOSING: _vote_closing,
    kinds.VOTE_CLOSED: _vote_closed,
    kinds.INVITATION: _invitation,
    kinds.PASSWORD_RESET: _password_reset,
    kinds.DIGEST: _digest,
}


# The letter -------------------------------------------------------------------------------------

def _reader(mail: OutboxMail) -> tuple[Person | None, str, str] | Skip:
    """The reader, their address and their language; or why there is no one to send to."""
    if mail.kind == kinds.INVITATION:
        if not mail.address:
            return Skip("The invitation's address was removed.")
        ident = (mail.params or {}).get("invitation_id")
        invitation = db.session.get(Invitation, ident) if isinstance(ident, int) else None
        inviter = db.session.get(Person, invitation.invited_by_id) if invitation and invitation.invited_by_id else None
        return None, mail.address, _language(inviter.locale if inviter else None)
    person = db.session.get(Person, mail.person_id) if mail.person_id else None
    if person is None or person.is_erased or not person.email:
        return Skip("The reader has no address any more.")
    if kinds.is_optional(mail.kind):
        settings = db.session.scalar(select(MailSettings).where(MailSettings.person_id == person.id))
        if settings is not None and not settings.wants(mail.kind):
            return Skip("The reader turned this kind of mail off.")
    return person, person.email, _language(person.locale)


def compose(mail: OutboxMail, now: datetime | None = None) -> message.Letter | Skip:
    """The letter for ``mail`` (inside an app context), or why it is not sent."""
    reader = _reader(mail)
    if isinstance(reader, Skip):
        return reader
    person, address, language = reader
    config = current_app.config
    unsubscribe = (absolute_url("mail.unsubscribe", token=tokens.make(config["SECRET_KEY"], person.id, mail.kind))
                   if person is not None and kinds.is_optional(mail.kind) else None)
    with force_locale(language):
        draft = COMPOSERS[mail.kind](mail, person)
        if isinstance(draft, Skip):
            return draft
        context = {**draft.context, "subject": draft.subject, "network": network_name(), "language": language,
                   "reader": person.name if person is not None else "", "kind": mail.kind,
                   "unsubscribe_url": unsubscribe, "kind_label": _(kinds.LABELS[mail.kind]) if unsubscribe else "",
                   "settings_url": absolute_url("auth.account", _anchor="notifications") if person is not None else "",
                   "site_url": public_base(config) + "/"}
        text = _render(f"mail/{mail.kind}.txt", context)
        html = _render(f"mail/{mail.kind}.html", context)
    sent_by = sender(config)
    return message.Letter(sender=sent_by, to=address, subject=draft.subject, text=text, html=html,
                          message_id=message.message_id(mail.guid, sent_by), date=now or utcnow(),
                          language=language, kind=mail.kind, unsubscribe_url=unsubscribe)
