"""API: proxies between co-ops — list a co-op's proxies (public, as its page), and give, accept,
decline and revoke them (``vote`` scope: a proxy decides who casts the co-op's ballot).

Each write calls the same service as the proxies page (deliberate/proxies/services.py), which
checks who may; docs/proxies.md describes proxies."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..members import services as members
from ..members.models import Cooperative
from ..proxies import queries, services
from ..proxies.models import Proxy
from ..proxies.states import SCOPES
from ..standards.models import Standard
from ..voting.models import Vote
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from
from .openapi import operation, path_id, path_slug
from .present import coop_ref, when
from .schemas import COMPONENTS, DATETIME, ID, MAX_ID, STRING, nullable, obj, ref, text

COOP = path_slug("coop_slug", "The co-op's slug, e.g. `kazi-riders`.")
PROXY = path_id("proxy_id", "The proxy's number.")
STATES = ["offered", "accepted", "declined", "revoked", "expired"]

COMPONENTS.update({
    "Proxy": obj({
        "id": ID, "giver": ref("CoopRef"), "holder": ref("CoopRef"),
        "scope": {"type": "string", "enum": list(SCOPES),
                  "description": "`network` (every vote), `standard` (votes on one standard) or `vote` (one vote)."},
        "standard": nullable({**STRING, "description": "The standard's slug, for the `standard` scope."}),
        "vote_id": nullable({**ID, "description": "The vote, for the `vote` scope."}),
        "state": {"type": "string", "enum": STATES,
                  "description": "offered (waiting for the holder's answer), accepted (it counts), declined, "
                                 "revoked (by the giver) or expired (past `ends_at`)."},
        "ends_at": DATETIME, "given_at": DATETIME, "changed_at": nullable(DATETIME)}),
    "CoopProxies": obj({
        "coop": ref("CoopRef"),
        "max_per_coop": {"type": "integer", "minimum": 0,
                         "description": "How many co-ops' votes one co-op may hold (the network's rules; 0: off)."},
        "given": {"type": "array", "items": ref("Proxy"), "description": "The proxies the co-op gave, newest first."},
        "held": {"type": "array", "items": ref("Proxy"),
                 "description": "The proxies given to the co-op (offered to it or held by it), newest first."}}),
    "NewProxy": obj({
        "holder": {**text(80, 1), "description": "The slug of the member co-op that will hold your co-op's vote."},
        "scope": {"type": "string", "enum": list(SCOPES)},
        "ends_at": {**DATETIME, "description": "Until when (at most a year from now)."},
        "standard": nullable({**text(80), "description": "The standard's slug (scope `standard`)."}),
        "vote_id": nullable({"type": "integer", "minimum": 1, "maximum": MAX_ID,
                             "description": "The open vote (scope `vote`)."}),
    }, required=["holder", "scope", "ends_at"]),
})


def present(proxy: Proxy) -> dict[str, Any]:
    standard = db.session.get(Standard, proxy.standard_id) if proxy.standard_id else None
    return {"id": proxy.id, "giver": coop_ref(proxy.giver), "holder": coop_ref(proxy.holder), "scope": proxy.scope,
            "standard": standard.slug if standard else None, "vote_id": proxy.vote_id, "state": proxy.state,
            "ends_at": when(proxy.ends_at), "given_at": when(proxy.given_at), "changed_at": when(proxy.changed_at)}


def _coop(slug: str) -> Cooperative:
    coop = members.get_coop(slug)
    if not queries.can_see_proxies_page(current_person(), coop):
        raise NotFound(_("There is no co-op at this address."))
    return coop


@operation(bp, "GET", "/coops/{coop_slug}/proxies", summary="List a co-op's proxies", tag="Proxies", params=(COOP,),
           response=(200, ref("CoopProxies"), "The proxies the co-op gave and those given to it."))
def list_proxies(coop_slug: str) -> dict[str, Any]:
    """Proxies are public, as the network's proxy record is (`/proxies/record.jsonl`)."""
    coop = _coop(coop_slug)
    given, held = queries.coop_proxies(coop)
    return {"coop": coop_ref(coop), "max_per_coop": services.max_per_coop(),
            "given": [present(p) for p in given], "held": [present(p) for p in held]}


def _named(model, column, value, field: str, message: str):
    if value is None or value == "":
        return None
    found = db.session.scalar(select(model).where(column == value))
    if found is None:
        raise InvalidInput(message, field_errors={field: [message]})
    return found


@operation(bp, "POST", "/coops/{coop_slug}/proxies", summary="Give your co-op's vote", tag="Proxies", scope="vote",
           token="required", params=(COOP,), body="NewProxy", errors=(409,),
           response=(201, ref("Proxy"), "The proxy, offered: it counts once a delegate of the holder accepts it."),
           example={"holder": "dades-comunes", "scope": "standard", "standard": "platform-co-op-principles",
                    "ends_at": "2027-06-30T00:00:00+00:00"})
def give_proxy(coop_slug: str, body: dict[str, Any]):
    """A delegate of a member co-op offers its vote to another member co-op, for every vote of the
    network, the votes on one standard, or one open vote, until a date."""
    giver = _coop(coop_slug)
    services.check_can_give(current_person(), giver)
    holder = coop_from(body, "holder")
    standard = _named(Standard, Standard.slug, body.get("standard"), "standard", _("There is no standard with that slug."))
    vote = _named(Vote, Vote.id, body.get("vote_id"), "vote_id", _("There is no vote with that number."))
    proxy = services.give_proxy(actor=current_person(), giver=giver, holder=holder, scope=body["scope"],
                                ends_at=datetime.fromisoformat(body["ends_at"]), standard=standard, vote=vote)
    return present(db.session.get(Proxy, proxy.id)), 201


def _change(proxy_id: int, service) -> dict[str, Any]:
    proxy = service(actor=current_person(), proxy=services.get_proxy(proxy_id))
    return present(db.session.get(Proxy, proxy.id))


@operation(bp, "POST", "/proxies/{proxy_id}/accept", summary="Accept a proxy", tag="Proxies", scope="vote",
           token="required", params=(PROXY,), errors=(409,),
           response=(200, ref("Proxy"), "The proxy, accepted: your co-op now holds the giver's vote."))
def accept_proxy(proxy_id: int):
    """A delegate of the holder accepts an offered proxy (refused past the network's limit)."""
    return _change(proxy_id, services.accept_proxy)


@operation(bp, "POST", "/proxies/{proxy_id}/decline", summary="Decline a proxy", tag="Proxies", scope="vote",
           token="required", params=(PROXY,), errors=(409,), response=(200, ref("Proxy"), "The proxy, declined."))
def decline_proxy(proxy_id: int):
    """A delegate of the holder declines an offered proxy: it never counts."""
    return _change(proxy_id, services.decline_proxy)


@operation(bp, "POST", "/proxies/{proxy_id}/revoke", summary="Revoke a proxy", tag="Proxies", scope="vote",
           token="required", params=(PROXY,), errors=(409,),
           response=(200, ref("Proxy"), "The proxy, revoked: your co-op votes for itself again."))
def revoke_proxy(proxy_id: int):
    """A delegate of the giver takes its vote back, at any time. Ballots already cast by proxy stay
    counted until your co-op casts its own."""
    return _change(proxy_id, services.revoke_proxy)
