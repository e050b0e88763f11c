"""Static files: fingerprinted URLs, cached for a year, compressed.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.3f2a9c1b0d4e.css``: the
file's name with the first 12 hex digits of its content's SHA-256 before the extension. Templates
keep writing ``url_for('static', …)``; a ``url_defaults`` hook adds the fingerprint. A URL then
names one content for ever, so it is sent with ``Cache-Control: public, max-age=31536000,
immutable``: browsers and proxies keep it a year and never ask again, and a changed file gets a
new URL at once (the next page links to it).

When the app serves them itself (``make run``, or gunicorn without nginx), files are sent
gzip-compressed to clients that accept it (compressed once, kept in memory: the whole folder is a
few hundred kilobytes). Behind nginx, the site configuration (deploy/nginx/deliberate-locations.conf) serves
fingerprinted names straight from the package's static folder with the same headers and gzip, and
hands anything else to the app.

A fingerprint that is not the file's current one (a page rendered before an upgrade) still gets
the file, but with ``no-cache``, so nothing keeps the wrong content under that name; so does a
name without fingerprint (``/static/css/app.css``).
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from stat import S_ISREG

from flask import Flask, abort, current_app, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

HASH_LENGTH = 12
YEAR = 31_536_000
# name.0123456789ab.ext (or name.0123456789ab for a file without extension)
FINGERPRINTED = re.compile(r"^(?P<stem>.+?)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)?$")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
MIN_GZIP_BYTES = 512
# How long a file known to the cache is trusted without asking the disk again. Every
# ``url_for('static', …)`` of every page looks its file up; a ``stat`` each time was a system call
# per link, and under load each one made its thread queue again for the interpreter lock. An edited
# file (``make run``) still shows on the next page a second later.
RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class StaticFile:
    stamp: tuple[int, int]  # (mtime_ns, size): a changed file is read again
    digest: str
    body: bytes
    gzipped: bytes | None
    mimetype: str


class _Files:
    """The static folder's files, read on first use and again whenever one changes on disk."""

    def __init__(self, folder: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.files: dict[str, StaticFile] = {}
        self.checked: dict[str, float] = {}  # name -> when its stamp was last compared with the disk's
        self.clock = clock

    def get(self, name: str) -> StaticFile | None:
        now = self.clock()
        found = self.files.get(name)
        if found is not None and now - self.checked.get(name, -RECHECK_SECONDS) < RECHECK_SECONDS:
            return found
        path = safe_join(self.folder, name)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except (OSError, ValueError):  # ValueError: a NUL in the name (the static rule takes any text)
            return None
        if not S_ISREG(stat.st_mode):  # from the same stat: every url_for('static', …) of every page pays this
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if found is not None and found.stamp == stamp:
            self.checked[name] = now
            return found
        with open(path, "rb") as handle:
            body = handle.read()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        compress = mimetype.startswith(COMPRESSIBLE) and len(body) >= MIN_GZIP_BYTES
        file = StaticFile(stamp=stamp, digest=hashlib.sha256(body).hexdigest()[:HASH_LENGTH], body=body,
                          gzipped=gzip.compress(body, compresslevel=9, mtime=0) if compress else None,
                          mimetype=mimetype)
        with self.lock:
            self.files[name] = file
            self.checked[name] = now
        return file


def _files() -> _Files:
    return current_app.extensions["deliberate.static_files"]


def fingerprinted(filename: str, digest: str) -> str:
    """``css/app.css`` → ``css/app.<digest>.css`` (the hash goes before the last extension)."""
    folder, _, base = filename.rpartition("/")
    stem, dot, ext = base.rpartition(".")
    named = f"{stem}.{digest}.{ext}" if dot and stem else f"{base}.{digest}"
    return f"{folder}/{named}" if folder else named


def _add_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "filename" not in values:
        return
    file = _files().get(values["filename"])
    if file is not None:
        values["filename"] = fingerprinted(values["filename"], file.digest)


def send_static(filename: str) -> Response:
    """The static route's view (replaces Flask's)."""
    files = _files()
    immutable = False
    file = files.get(filename)
    if file is None:
        match = FINGERPRINTED.match(filename)
        if match is None:
            abort(404)
        file = files.get(match["stem"] + (match["ext"] or ""))
        if file is None:
            abort(404)
        immutable = match["hash"] == file.digest
    gzipped = file.gzipped is not None and request.accept_encodings["gzip"] > 0
    response = Response(file.gzipped if gzipped else file.body, mimetype=file.mimetype)
    if file.gzipped is not None:
        response.vary.add("Accept-Encoding")
    if gzipped:
        response.content_encoding = "gzip"
    response.set_etag(file.digest + ("-gzip" if gzipped else ""))
    if immutable:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Fingerprint every ``url_for('static', …)`` and serve the static route with this module's view."""
    app.extensions["deliberate.static_files"] = _Files(app.static_folder)
    app.url_defaults(_add_fingerprint)
    app.view_functions["static"] = send_static
