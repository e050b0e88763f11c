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

Two levels. :func:`observer_page`, inside the view, keeps the page's body and serves it to any
observer (one with a session cookie too: a language picked); Flask's hooks then run as for any
page. :class:`ObserverPages`, a WSGI middleware in front of Flask, keeps the whole finished
response (the hooks' headers included: security headers, ``Vary``) of a page rendered for a
request without a session or remember-me cookie and without credentials, and answers the next
such request for the same address and language with it, after the same one-query validation,
without going through Flask at all: no session to open, no user to load, no CSRF or rate-limit
check, no locale negotiation beyond the request's own ``Accept-Language``. A request with either
cookie never reaches that copy, and a copy is only ever made from a response that set no cookie
and did not vary on it, so a signed-in person never gets an observer's page and an observer never
gets theirs. Those copies carry an ``ETag``: a browser asking again with ``If-None-Match`` gets a
304 while nothing changed (a signed-in person's request goes to Flask, which renders in full).
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import String, bindparam, cast, func, literal, select
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_etags

from ..extensions import db
from ..realtime.events import Event
from ..witness.models import WitnessEntry

TTL = 60.0
SIZE = 256
_KEY = "deliberate_observer_pages"
# Set by the middleware on a request it may keep the answer of: a dict (Flask-SocketIO hands Flask a
# copy of the environ, which shares it), where observer_page puts (standard, validator, locale,
# route) when the answer is an observer's page.
_ELIGIBLE = "deliberate.observer_pages"


@dataclass(frozen=True)
class _Finished:
    """A finished response kept by the middleware."""

    at: float
    standard: str
    validator: tuple[int, int]
    body: bytes
    headers: list[tuple[str, str]]  # without X-Request-ID, with Content-Length and ETag
    etag: str  # unquoted
    route: str


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: OrderedDict[tuple, tuple[float, bytes, list[tuple[str, str]]]] = OrderedDict()
        self.finished: OrderedDict[tuple, _Finished] = OrderedDict()
        self.hits = self.misses = 0


def _store_of(app: Flask) -> _Store:
    return app.extensions.setdefault(_KEY, _Store())


def _store() -> _Store:
    return _store_of(current_app)


def _enabled_for(app: Flask) -> bool:
    return bool(app.config.get("OBSERVER_PAGE_CACHE", not app.testing))


def enabled() -> bool:
    return _enabled_for(current_app)


def _for_observer() -> bool:
    return (request.method == "GET" and not getattr(current_user, "is_authenticated", False)
            and "_flashes" not in session)


def _keep(pages: OrderedDict, key: tuple, value: Any) -> None:
    pages[key] = value
    pages.move_to_end(key)
    while len(pages) > SIZE:
        pages.popitem(last=False)


# The rooms whose events can change a standard's pages, besides the standard's own.
_SHARED_SCOPES = ("network", "stewards")
_statement: Any = None


def _validator_statement() -> Any:
    """The validating query, built once (its SQL is then compiled once per dialect and reused)."""
    global _statement
    if _statement is None:
        from ..standards.models import Standard

        standard_id = select(Standard.id).where(Standard.slug == bindparam("slug")).scalar_subquery()
        own_scope = literal("standard:") + cast(standard_id, String)

        def newest(scope) -> Any:
            return select(Event.id).where(Event.scope == scope).order_by(Event.id.desc()).limit(1).scalar_subquery()

        # The footer shows the witness log's head, which any vote's end (in any room) moves: its
        # newest seq is part of the validator, read in the same query.
        witness_seq = select(func.max(WitnessEntry.seq)).scalar_subquery()
        _statement = select(standard_id, witness_seq, newest(own_scope), *(newest(scope) for scope in _SHARED_SCOPES))
    return _statement


def _validator(row: Any) -> tuple[int, int] | None:
    found, witness, *newest_ids = row
    if found is None:
        return None
    return max((value or 0) for value in newest_ids), -1 if witness is None else witness


def latest_standard_event_id(slug: str) -> tuple[int, int] | None:
    """The newest event that can change a page of the standard ``slug``, with the witness log's
    newest seq (None: no such standard).

    One query: the standard's id, the log's head seq, and the newest event id of each room that
    matters, each found through the index on ``scope`` whatever the number of events in other
    rooms."""
    return _validator(db.session.execute(_validator_statement(), {"slug": slug}).one())


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
    locale = str(get_locale())
    key = (request.host_url, request.full_path, locale, validator)
    now = time.monotonic()
    with store.lock:
        found = store.pages.get(key)
        if found is not None and now - found[0] < TTL:
            store.pages.move_to_end(key)
            store.hits += 1
            _mark(standard, validator, locale)
            return _with_token(Response(found[1], headers=found[2]))
        store.misses += 1
    response = _render_without_token(render)
    if response.status_code == 200 and not response.direct_passthrough and "_flashes" not in session:
        body = response.get_data()
        headers = [(name, value) for name, value in response.headers
                   if name.lower() not in ("set-cookie", "content-length")]
        with store.lock:
            _keep(store.pages, key, (now, body, headers))
        _mark(standard, validator, locale)
    return _with_token(response)


def _mark(standard: str, validator: tuple[int, int], locale: str) -> None:
    """Tell the middleware the answer is an observer's page it may keep, finished."""
    slot = request.environ.get(_ELIGIBLE)
    if slot is not None:
        rule = request.url_rule
        slot["rendered"] = (standard, validator, locale, rule.rule if rule is not None else "(unmatched)")


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
    return {"hits": store.hits, "misses": store.misses, "pages": len(store.pages) + len(store.finished)}


# The middleware -----------------------------------------------------------------------------------

_LOCALES_KEPT = 512


class ObserverPages:
    """WSGI middleware: finished observers' pages, answered without Flask (see the module's doc)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        from ..i18n import DEFAULT_LOCALE, LANGUAGES

        self.app = app
        self.wsgi_app = wsgi_app
        self.store = _store_of(app)
        self.cookies = tuple(f"{app.config.get(name, default)}=".encode("latin-1") for name, default in
                             (("SESSION_COOKIE_NAME", "session"), ("REMEMBER_COOKIE_NAME", "remember_token")))
        self.languages = list(LANGUAGES)
        self.default_locale = DEFAULT_LOCALE
        self.locales: dict[str | None, str] = {}
        self.engine: Any = None
        self.metrics: Any = None

    def __getattr__(self, name: str) -> Any:
        # Transparent to what it wraps: Flask-SocketIO's middleware exposes its Engine.IO app as
        # ``app.wsgi_app.engineio_app`` (the socket manager, used to disconnect a room's sockets).
        return getattr(self.__dict__["wsgi_app"], name)

    # Which requests ------------------------------------------------------------------------------

    def _eligible(self, environ: dict) -> bool:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ:
            return False
        cookies = environ.get("HTTP_COOKIE")
        if cookies:  # conservative: any mention of either cookie's name goes to Flask
            raw = cookies.encode("latin-1", "replace")
            if any(name in raw for name in self.cookies):
                return False
        return _enabled_for(self.app)

    def _locale(self, header: str | None) -> str:
        """The interface language of a request without a session (i18n.select_locale's last step)."""
        found = self.locales.get(header)
        if found is None:
            found = parse_accept_header(header, LanguageAccept).best_match(self.languages) or self.default_locale
            if len(self.locales) >= _LOCALES_KEPT:
                self.locales.clear()
            self.locales[header] = found
        return found

    def _key(self, environ: dict) -> tuple:
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
        return (scheme, host, environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""), self._locale(environ.get("HTTP_ACCEPT_LANGUAGE")))

    def _current(self, standard: str) -> tuple[int, int] | None:
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        with self.engine.connect() as connection:
            return _validator(connection.execute(_validator_statement(), {"slug": standard}).one())

    # Answering -----------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self._eligible(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = self._key(environ)
        found = self.store.finished.get(key)
        if found is not None and time.monotonic() - found.at < TTL and self._current(found.standard) == found.validator:
            with self.store.lock:
                self.store.hits += 1
                if key in self.store.finished:
                    self.store.finished.move_to_end(key)  # least recently used goes first
            return self._answer(found, environ, start_response, started)
        slot: dict[str, Any] = {}
        environ[_ELIGIBLE] = slot
        kept: dict[str, Any] = {}

        def finish(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            if exc_info is None and status.startswith("200 ") and _keepable(slot.get("rendered"), key, headers):
                kept.update(status=status, headers=headers)
                return _no_write
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, finish)
        if not kept:
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        standard, validator, _locale, route = slot["rendered"]
        etag = hashlib.sha256(body).hexdigest()[:32]
        headers = [(name, value) for name, value in kept["headers"]
                   if name.lower() not in ("content-length", "etag", "x-request-id")]
        headers += [("Content-Length", str(len(body))), ("ETag", f'"{etag}"')]
        finished = _Finished(at=time.monotonic(), standard=standard, validator=validator, body=body, headers=headers,
                             etag=etag, route=route)
        with self.store.lock:
            _keep(self.store.finished, key, finished)
        request_id = [(name, value) for name, value in kept["headers"] if name.lower() == "x-request-id"]
        start_response(kept["status"], headers + request_id)
        return [body]

    def _answer(self, found: _Finished, environ: dict, start_response: Callable, started: float) -> Iterable[bytes]:
        from ..ops.logs import REQUEST_ID_HEADER, is_sane_request_id

        incoming = environ.get("HTTP_X_REQUEST_ID")
        request_id = incoming if is_sane_request_id(incoming) else secrets.token_hex(16)
        asked = environ.get("HTTP_IF_NONE_MATCH")
        if asked and parse_etags(asked).contains(found.etag):
            status, body = 304, b""
            headers = [(n, v) for n, v in found.headers if n.lower() not in ("content-length", "content-type")]
            start_response("304 Not Modified", [*headers, (REQUEST_ID_HEADER, request_id)])
        else:
            status, body = 200, found.body
            start_response("200 OK", [*found.headers, (REQUEST_ID_HEADER, request_id)])
        self._count(request_id, found.route, status, time.perf_counter() - started)
        return [body] if body else []

    def _count(self, request_id: str, route: str, status: int, seconds: float) -> None:
        """The request's metrics and access line, as Flask's hooks would have written them (ops/)."""
        from ..ops.logs import write_access_line

        if self.metrics is None:
            from ..ops.metrics import metrics_of

            self.metrics = metrics_of(self.app) or False
        if self.metrics:
            self.metrics.observe("GET", route, status, seconds)
        write_access_line(request_id, "GET", route, status, seconds)


def _no_write(data: bytes) -> None:  # pragma: no cover - Flask never uses write()
    raise RuntimeError("observer pages: write() is not supported")


def _keepable(rendered: tuple | None, key: tuple, headers: list[tuple[str, str]]) -> bool:
    """An observer's page, rendered in the language the middleware expects, that set no cookie and
    does not vary on one."""
    if rendered is None or rendered[2] != key[-1]:
        return False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie" or (lowered == "vary" and "cookie" in value.lower()):
            return False
    return True


def init_app(app: Flask) -> None:
    """Put the middleware in front of the app (inside anything later wrapped around it, such as
    ProxyFix, so that it sees the client's scheme and host)."""
    app.wsgi_app = ObserverPages(app, app.wsgi_app)
