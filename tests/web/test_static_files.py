"""Static files: fingerprinted URLs from url_for, a year's immutable caching for them, gzip, and
no-cache for any other name (deliberate/static_files.py)."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

import pytest
from flask import url_for

from deliberate import static_files

# Pages rendered and checked the same whatever the database: run once, on SQLite (Makefile, test-postgres).
pytestmark = pytest.mark.db_independent

STATIC = Path(static_files.__file__).parent / "static"
YEAR = "public, max-age=31536000, immutable"


def digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_url_for_adds_the_contents_hash(app):
    with app.test_request_context("/"):
        assert url_for("static", filename="css/app.css") == f"/static/css/app.{digest('css/app.css')}.css"
        assert url_for("static", filename="vendor/socket.io.min.js").endswith(f"/socket.io.min.{digest('vendor/socket.io.min.js')}.js")
        assert url_for("static", filename="no/such/file.js") == "/static/no/such/file.js"


def test_every_static_url_on_a_page_is_fingerprinted(client, network):
    html = client.get(f"/standards/{network['standard'].slug}").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert urls and all(re.search(r"\.[0-9a-f]{12}\.[a-z]+$", url) for url in urls), urls


def test_a_fingerprinted_file_is_kept_a_year_and_compressed(client):
    path = f"/static/css/app.{digest('css/app.css')}.css"
    plain = client.get(path)
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == YEAR
    assert plain.data == (STATIC / "css/app.css").read_bytes()
    assert plain.mimetype == "text/css" and "Accept-Encoding" in plain.headers["Vary"]
    assert "Set-Cookie" not in plain.headers and "Cookie" not in plain.headers["Vary"]
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Cache-Control"] == YEAR
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 2
    assert client.get(path, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_other_names_get_the_file_but_no_lasting_cache(client):
    for path in ("/static/css/app.css", "/static/css/app.000000000000.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-cache", path
        assert response.data == (STATIC / "css/app.css").read_bytes()
    for path in ("/static/css/nothing.000000000000.css", "/static/../config.py", "/static/css/"):
        assert client.get(path).status_code == 404, path


def test_a_changed_file_gets_a_new_fingerprint(tmp_path):
    now = [100.0]
    files = static_files._Files(str(tmp_path), clock=lambda: now[0])
    (tmp_path / "a.js").write_text("var a = 1;")
    first = files.get("a.js").digest
    (tmp_path / "a.js").write_text("var a = 2;")
    os.utime(tmp_path / "a.js", ns=(1, 1))  # a different stamp even within the clock's resolution
    # Within a second the cache answers without asking the disk; then it sees the change.
    assert files.get("a.js").digest == first
    now[0] += static_files.RECHECK_SECONDS
    assert files.get("a.js").digest != first


def test_a_page_asks_the_disk_about_each_static_file_at_most_once_a_second(tmp_path, monkeypatch):
    now = [100.0]
    files = static_files._Files(str(tmp_path), clock=lambda: now[0])
    (tmp_path / "a.js").write_text("var a = 1;")
    stats: list[str] = []
    real_stat = os.stat
    monkeypatch.setattr(static_files.os, "stat", lambda path: stats.append(path) or real_stat(path))
    for _ in range(5):
        assert files.get("a.js") is not None
    assert len(stats) == 1
    now[0] += static_files.RECHECK_SECONDS
    files.get("a.js")
    assert len(stats) == 2
    # A missing file is looked for each time (it may appear), and is never cached.
    assert files.get("b.js") is None and files.get("b.js") is None
    assert len(stats) == 4
    assert static_files.fingerprinted("js/a.js", "0123456789ab") == "js/a.0123456789ab.js"
    assert static_files.fingerprinted("LICENSE", "0123456789ab") == "LICENSE.0123456789ab"


def test_axe_core_is_not_served(client):
    """axe-core is a test-only dependency: the browser tests read it from node_modules."""
    assert not (STATIC / "vendor" / "axe.min.js").exists()
    assert client.get("/static/vendor/axe.min.js").status_code == 404
