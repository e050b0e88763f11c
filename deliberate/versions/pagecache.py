"""A whole-page cache for what observers read most: a standard's public page, its changelog, its
versions and their downloads.

Every domain change writes a row to the events table in the same transaction (DESIGN.md), so
the highest event id is a validator for everything a page shows: a page rendered when the
newest event was N is still right for as long as N is the newest. A standard's pages need only
the events that can change them: those of the standard's own room (its sections, amendments'
lifecycle, versions, votes opening and closing, its discussion), of the network (co-ops joining
and changing status) and of the stewards' room (erasures, new co-ops). Ballots, objections and
comments on a vote, comments on an amendment and personal events (follows, notifications) never
show on those pages, so a busy vote elsewhere no longer empties the cache. Pages are cached per path and
event id, only for observers (nobody signed in, no flashed message waiting), only when the
render answered 200, and for at most ``TTL`` seconds as a safety net. Every page's footer shows the
witness log's head, so the log's newest entry is part of the validator too: a vote ending anywhere
renews the footer at once. Signed-in people always
get a fresh render (their page carries their own forms and permissions).

Per process and per app; several server processes each keep their own, all validated against
the same table. Off in tests unless ``OBSERVER_PAGE_CACHE`` is set (tests often change rows
directly, without events).
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import String, cast, func, literal, select

from ..extensions import db
from ..realtime.events import Event
from ..witness.models import WitnessEntry

TTL = 60.0
SIZE = 256
_KEY = "deliberate_observer_pages"


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: OrderedDict[tuple, tuple[float, bytes, list[tuple[str, str]]]] = OrderedDict()
        self.hits = self.misses = 0


def _store() -> _Store:
    return current_app.extensions.setdefault(_KEY, _Store())


def enabled() -> bool:
    return bool(current_app.config.get("OBSERVER_PAGE_CACHE", not current_app.testing))


def _for_observer() -> bool:
    return (request.method == "GET" and not getattr(current_user, "is_authenticated", False)
            and "_flashes" not in session)


# The rooms whose events can change a standard's pages, besides the standard's own.
_SHARED_SCOPES = ("network", "stewards")


def latest_standard_event_id(slug: str) -> tuple[int, int] | None:
    """The newest event that can change a page of the standard ``slug``, with the witness log's
    newest seq (None: no such standard).

    One query: the standard's id, the log's head seq, and the newest event id of each room that
    matters, each found through the index on ``scope`` whatever the number of events in other
    rooms."""
    from ..standards.models import Standard

    standard_id = select(Standard.id).where(Standard.slug == slug).scalar_subquery()
    own_scope = literal("standard:") + cast(standard_id, String)

    def newest(scope) -> Any:
        return select(Event.id).where(Event.scope == scope).order_by(Event.id.desc()).limit(1).scalar_subquery()

    # The footer shows the witness log's head, which any vote's end (in any room) moves: its
    # newest seq is part of the validator, read in the same query.
    witness_seq = select(func.max(WitnessEntry.seq)).scalar_subquery()
    found, witness, *newest_ids = db.session.execute(
        select(standard_id, witness_seq, newest(own_scope), *(newest(scope) for scope in _SHARED_SCOPES))).one()
    if found is None:
        return None
    return max((value or 0) for value in newest_ids), -1 if witness is None else witness


def observer_page(render: Callable[[], Any], *, standard: str) -> Any:
    """Serve ``render()``'s page of the standard ``standard`` (its slug) from the cache when an
    observer asks for it and none of the events that can change it happened since it was
    rendered; otherwise render it (and keep it, for observers)."""
    if not enabled() or not _for_observer():
        return render()
    validator = latest_standard_event_id(standard)
    if validator is None:  # no such standard: its view answers (404), nothing to keep
        return render()
    store = _store()
    # The host is part of the key: pages carry absolute links (citation lines, downloads).
    # So is the language: the same path is rendered in each interface language.
    key = (request.host_url, request.full_path, str(get_locale()), validator)
    now = time.monotonic()
    with store.lock:
        found = store.pages.get(key)
        if found is not None and now - found[0] < TTL:
            store.pages.move_to_end(key)
            store.hits += 1
            return _with_token(Response(found[1], headers=found[2]))
        store.misses += 1
    response = _render_without_token(render)
    if response.status_code == 200 and not response.direct_passthrough and "_flashes" not in session:
        body = response.get_data()
        headers = [(name, value) for name, value in response.headers
                   if name.lower() not in ("set-cookie", "content-length")]
        with store.lock:
            store.pages[key] = (now, body, headers)
            store.pages.move_to_end(key)
            while len(store.pages) > SIZE:
                store.pages.popitem(last=False)
    return _with_token(response)


# Pages carry a CSRF token (the language picker in the footer, the meta tag the scripts read), and
# a token belongs to one browser's session: a cached page must never hand one visitor's token to
# the next. So the page is rendered with a placeholder, kept that way, and each response gets the
# token of the session it is sent to.
_PLACEHOLDER = "csrf-placeholder-" + secrets.token_hex(16)


def _render_without_token(render: Callable[[], Any]) -> Response:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    setattr(g, field, _PLACEHOLDER)
    try:
        return current_app.make_response(render())
    finally:
        g.pop(field, None)


def _with_token(response: Response) -> Response:
    if response.direct_passthrough:
        return response
    body = response.get_data()
    placeholder = _PLACEHOLDER.encode()
    if placeholder in body:
        response.set_data(body.replace(placeholder, generate_csrf().encode()))
    return response


def stats() -> dict[str, int]:
    store = _store()
    return {"hits": store.hits, "misses": store.misses, "pages": len(store.pages)}
