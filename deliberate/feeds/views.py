"""Atom feeds: ``/feed.atom`` for the network, ``/standards/<slug>/feed.atom`` per standard.

Both list new ratified versions; ``?votes=1`` adds votes opened, closed and cancelled, and formal
objections filed, withdrawn, settled or decided (a closed or
cancelled vote's entry names its ballot record's last head and its witness log entry; a cancelled
one, the reason given). Every feed links the network's
witness log with its head. Feeds are what an
observer sees, whoever asks, and answer conditional requests (ETag) so readers poll cheaply.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request, url_for

from ..extensions import db
from ..standards.models import Standard
from ..standards.services import get_standard, list_standards
from ..witness import services as witness
from . import atom
from .links import version_number, version_url
from .queries import FeedItem, feed_items

bp = Blueprint("feeds", __name__)

# Used only when the network has nothing at all yet (Atom requires an updated time).
_BEGINNING = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _with_votes() -> bool:
    return request.args.get("votes", "") in ("1", "true", "yes", "on")


def _tag(specific: str) -> str:
    """Entry and feed ids: stable ``tag:`` URIs under the network's domain name."""
    config = current_app.config
    authority = config.get("FEED_TAG_AUTHORITY") or config.get("SERVER_NAME") or request.host
    return atom.tag_uri(authority.split(":", 1)[0], str(config.get("FEED_TAG_DATE", "2026")), specific)


def _author() -> str:
    return current_app.config.get("NETWORK_NAME") or "Deliberate"


def _entry(item: FeedItem, witnessed: dict[int, dict] | None = None) -> atom.Entry:
    event, standard, vote = item.event, item.standard, item.vote
    payload = item.payload
    if event.kind == "version_ratified":
        number = version_number(payload)
        # The standard's title as the version records it (titles can change later).
        named = payload.get("title") if isinstance(payload.get("title"), str) else ""
        summary = payload.get("summary") if isinstance(payload.get("summary"), str) else ""
        version = f"version {number}" if number else "a new version"
        return atom.Entry(
            id=_tag(f"standard/{standard.id}/version/{payload.get('version_id') or number or event.id}"),
            title=" ".join(filter(None, [named or standard.title, number, "ratified"])),
            updated=event.created_at, published=event.created_at, category="version",
            link=version_url(standard, payload, external=True),
            summary=summary or f"The member co-ops ratified {version} of {standard.title}.")
    if event.kind == "last_call_started":
        return _last_call_entry(item)
    if item.objection is not None:
        return _objection_entry(item)
    link = url_for("votes.show", vote_id=vote.id, _external=True)
    if event.kind == "vote_opened":
        return atom.Entry(
            id=_tag(f"vote/{vote.id}/opened"), title=f"Vote opened: {vote.title}", updated=event.created_at,
            published=event.created_at, link=link, category="vote",
            summary=f"Member co-ops can vote until {vote.closes_at:%-d %B %Y, %H:%M} UTC.")
    # The record's closing head goes out where readers keep copies; the witness entry chains it.
    entry = (witnessed or {}).get(vote.id)
    head = payload.get("record_head") or (entry["payload"]["record_head"] if entry else "")
    anchors = [f"Ballot record head: {head}." if head else "",
               f"Witness log entry {entry['seq']}: {entry['hash']}." if entry else ""]
    if event.kind == "vote_cancelled":
        reason = payload.get("reason") if isinstance(payload.get("reason"), str) else ""
        ending, title = "cancelled", f"Vote cancelled: {vote.title}"
        said = f"The vote was cancelled: {reason}" if reason else "The vote was cancelled."
    else:
        result = "passed" if payload.get("passed") else "did not pass"
        ending, title = "closed", f"Vote closed: {vote.title} ({result})"
        said = str(payload.get("explanation") or vote.explanation or "")
    return atom.Entry(
        id=_tag(f"vote/{vote.id}/{ending}"), title=title, updated=event.created_at,
        published=event.created_at, link=link, category="vote",
        summary=" ".join(filter(None, [said, *anchors])),
        related_link=url_for("votes.record", vote_id=vote.id, _external=True), related_type="application/x-ndjson",
        related_title=f"Ballot record (its last entry's hash: {head})" if head else "Ballot record")


# How a formal objection ended, as its feed entry's title says it.
_OBJECTION_ENDS = {"objection_filed": "filed", "objection_withdrawn": "withdrawn", "objection_settled": "settled",
                   "objection_decided": "decided"}


def _objection_entry(item: FeedItem) -> atom.Entry:
    event, objection, payload = item.event, item.objection, item.payload
    step = _OBJECTION_ENDS[event.kind]
    title = f"Formal objection {step}: {objection.title}"
    if step == "filed":
        summary = f"{objection.coop.name} objects formally to this decision: {objection.title}."
    elif step == "decided":
        overturned = payload.get("outcome") == "overturn"
        title += " (the decision is overturned)" if overturned else " (the decision is affirmed)"
        finding = "upheld" if payload.get("finding") == "upheld" else "overruled"
        summary = (f"A council of member co-ops not party to it {'overturned' if overturned else 'affirmed'} the "
                   f"decision; the objection is {finding}.")
    elif step == "settled":
        summary = "The council adopted the mediator's proposal."
    else:
        summary = f"{objection.coop.name} withdrew its formal objection."
    head = payload.get("record_head") if isinstance(payload.get("record_head"), str) else ""
    return atom.Entry(
        id=_tag(f"objection/{objection.id}/{step}"), title=title, updated=event.created_at, published=event.created_at,
        category="objection", link=url_for("appeals.show", objection_id=objection.id, _external=True),
        summary=" ".join(filter(None, [summary, f"Record head: {head}." if head else ""])),
        related_link=url_for("appeals.record_file", objection_id=objection.id, _external=True),
        related_type="application/x-ndjson", related_title="The objection's record")


def _last_call_entry(item: FeedItem) -> atom.Entry:
    event, standard, payload = item.event, item.standard, item.payload
    amendment_id = payload.get("amendment_id")
    reference = payload.get("reference") if isinstance(payload.get("reference"), str) else f"A{amendment_id}"
    title = payload.get("title") if isinstance(payload.get("title"), str) else ""
    ends = payload.get("ends_at") if isinstance(payload.get("ends_at"), str) else ""
    try:
        until = f" until {datetime.fromisoformat(ends):%-d %B %Y, %H:%M} UTC" if ends else ""
    except ValueError:
        until = ""
    return atom.Entry(
        id=_tag(f"amendment/{amendment_id}/last-call/{event.id}"), title=f"Last call: {reference} {title}".strip(),
        updated=event.created_at, published=event.created_at, category="last-call",
        link=url_for("amendments.show", slug=standard.slug, amendment_id=amendment_id, _external=True),
        summary=f"Last call on {reference}, a proposed change to {standard.title}: member co-ops can raise concerns "
                f"or propose a competing change{until}. Then it can be put to a vote.")


def _entries(items: list[FeedItem]) -> list[atom.Entry]:
    closed = [i.vote.id for i in items if i.event.kind in ("vote_closed", "vote_cancelled") and i.vote is not None]
    witnessed = witness.vote_entries(db.session, closed)
    return [_entry(i, witnessed) for i in items]


def _witness() -> dict[str, str]:
    head = witness.head(db.session)
    return {"witness_link": url_for("witness.log", _external=True), "witness_head": head[1] if head else ""}


def _respond(feed: atom.Feed) -> Response:
    response = Response(atom.render(feed), content_type=atom.CONTENT_TYPE)
    response.last_modified = feed.updated
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.add_etag()
    return response.make_conditional(request)


def _updated(items: list[FeedItem], fallback: datetime) -> datetime:
    """The feed changes with its items and with the witness log's head it carries: a reader asking
    "anything since?" (If-Modified-Since) must get the new head, not a 304."""
    latest = max((i.event.created_at for i in items), default=fallback)
    witnessed = witness.latest_at(db.session)
    return max(latest, witnessed) if witnessed is not None else latest


@bp.get("/feed.atom")
def network():
    votes = _with_votes()
    items = feed_items(votes=votes)
    standards = list_standards()
    fallback = max((s.created_at for s in standards), default=_BEGINNING)
    return _respond(atom.Feed(
        id=_tag("network/feed" + ("/with-votes" if votes else "")),
        title=f"{_author()}: new versions" + (" and votes" if votes else ""),
        subtitle="Standards ratified by the member co-ops" + (", and the votes deciding them" if votes else "") + ".",
        updated=_updated(items, fallback), author=_author(), generator="Deliberate",
        self_link=url_for("feeds.network", votes=1 if votes else None, _external=True),
        alternate_link=url_for("standards.index", _external=True),
        entries=_entries(items), **_witness()))


@bp.get("/standards/<slug>/feed.atom")
def standard(slug: str):
    found: Standard = get_standard(slug)
    votes = _with_votes()
    items = feed_items(standard=found, votes=votes)
    return _respond(atom.Feed(
        id=_tag(f"standard/{found.id}/feed" + ("/with-votes" if votes else "")),
        title=f"{found.title}: new versions" + (" and votes" if votes else ""),
        subtitle=f"Ratified versions of {found.title}" + (", and the votes on it" if votes else "") + ".",
        updated=_updated(items, found.created_at), author=_author(), generator="Deliberate",
        self_link=url_for("feeds.standard", slug=found.slug, votes=1 if votes else None, _external=True),
        alternate_link=url_for("standards.show", slug=found.slug, _external=True),
        entries=_entries(items), **_witness()))
