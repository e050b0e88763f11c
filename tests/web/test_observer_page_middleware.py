"""Observers' finished pages answered before Flask (versions/pagecache.ObserverPages): the same
bytes and headers as Flask's answer, an ETag and 304, never to or from anyone with a session, a
fresh request id, renewed by the events that change the page."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.discussions import services as discussions
from deliberate.extensions import db
from deliberate.standards import services as standards
from deliberate.versions import pagecache
from deliberate.versions import services as versions
from deliberate.voting import closing
from deliberate.voting import services as voting

pytestmark = pytest.mark.parametrize("app_config", [{"OBSERVER_PAGE_CACHE": True, "WTF_CSRF_ENABLED": True}])
PER_REQUEST = {"x-request-id", "date"}


@pytest.fixture
def slug(network):
    standard = standards.get_standard(network["standard"].slug)
    version = versions.assemble_version(actor=network["steward"], standard=standard, summary="The founding text.")
    vote = versions.open_ratification_vote(actor=network["steward"], version=version, closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    db.session.expire_all()
    return standard.slug


def stats(app):
    with app.test_request_context():
        return pagecache.stats()


def headers_of(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers if name.lower() not in PER_REQUEST}


def test_a_kept_page_is_the_rendered_page_with_its_headers(app, slug):
    for path in (f"/standards/{slug}", f"/standards/{slug}/changelog", f"/standards/{slug}/v/1.0",
                 f"/standards/{slug}/v/1.0.html"):
        rendered = app.test_client().get(path)
        before = stats(app)
        kept = app.test_client().get(path)
        assert stats(app)["hits"] == before["hits"] + 1, path
        assert kept.status_code == 200 and kept.data == rendered.data, path
        assert headers_of(kept) == headers_of(rendered), path
        headers = headers_of(kept)
        assert headers["etag"].startswith('"') and "set-cookie" not in headers
        assert "default-src" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
        assert "accept-language" in headers["vary"].lower() and "cookie" not in headers["vary"].lower()
        assert int(headers["content-length"]) == len(kept.data)


def test_if_none_match_gets_a_304_until_the_page_changes(app, network, slug):
    path = f"/standards/{slug}"
    client = app.test_client()
    etag = client.get(path).headers["ETag"]
    assert client.get(path).headers["ETag"] == etag  # the same bytes, the same tag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Content-Security-Policy" in again.headers
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    discussions.post_comment(actor=network["delegate"], subject_kind="standard", subject_id=network["standard"].id,
                             body="A new word on the whole standard.")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "A new word on the whole standard." in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def sign_in(app, person):
    from tests.conftest import TEST_PASSWORD

    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/signin").get_data(as_text=True)).group(1)
    assert client.post("/signin", data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": token}).status_code == 302
    return client


def test_a_signed_in_person_never_gets_an_observers_copy_and_theirs_is_never_kept(app, network, slug):
    path = f"/standards/{slug}"
    observer = app.test_client()
    observer_page = observer.get(path).get_data(as_text=True)
    etag = observer.get(path).headers["ETag"]
    delegate = sign_in(app, network["delegate"])
    delegate.get("/")  # the welcome message
    for _ in range(2):
        mine = delegate.get(path, headers={"If-None-Match": etag})
        assert mine.status_code == 200 and "ETag" not in mine.headers
        page = mine.get_data(as_text=True)
        assert page != observer_page and re.search(r'name="csrf-token" content="[^"]+"', page)
        assert "cookie" in mine.headers["Vary"].lower()
    # And an observer after them still gets the observer's page, without anyone's token or session.
    after = app.test_client().get(path)
    assert after.get_data(as_text=True) == observer_page and "Set-Cookie" not in after.headers
    assert not re.search(r'name="csrf[-_]token"', observer_page)


def test_a_session_cookie_goes_to_flask_even_for_an_observer(app, slug):
    path = f"/standards/{slug}"
    app.test_client().get(path)
    client = app.test_client()
    assert client.post("/language", data={"locale": "es", "next": "/"}).status_code == 302
    response = client.get(path)
    assert '<html lang="es">' in response.get_data(as_text=True)
    assert "cookie" in response.headers["Vary"].lower() and "ETag" not in response.headers


def test_each_language_is_kept_apart(app, slug):
    path = f"/standards/{slug}"
    for _ in range(2):
        spanish = app.test_client().get(path, headers={"Accept-Language": "es-ES,es;q=0.9"})
        english = app.test_client().get(path, headers={"Accept-Language": "en-GB"})
        assert '<html lang="es">' in spanish.get_data(as_text=True)
        assert '<html lang="en">' in english.get_data(as_text=True)
        assert spanish.headers["ETag"] != english.headers["ETag"]


def test_each_answer_has_its_own_request_id_and_access_line(app, slug, caplog):
    path = f"/standards/{slug}"
    client = app.test_client()
    client.get(path)
    with caplog.at_level(logging.INFO, logger="deliberate.access"):
        first, second = client.get(path), client.get(path)
        echoed = client.get(path, headers={"X-Request-ID": "abc123def456"})
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert echoed.headers["X-Request-ID"] == "abc123def456"
    lines = [r for r in caplog.records if r.name == "deliberate.access"]
    assert len(lines) == 3 and all(getattr(r, "route", "") == "/standards/<slug>" for r in lines)


def test_https_answers_keep_hsts_and_are_kept_apart_from_http(app, slug):
    path = f"/standards/{slug}"
    for _ in range(2):
        secure = app.test_client().get(path, base_url="https://localhost")
        plain = app.test_client().get(path)
        assert "Strict-Transport-Security" in secure.headers
        assert "Strict-Transport-Security" not in plain.headers


def test_only_gets_of_observer_pages_are_kept(app, slug):
    client = app.test_client()
    for path in ("/", "/standards/", f"/standards/{slug}/changelog.jsonl", "/standards/no-such-standard"):
        for _ in range(2):
            assert "ETag" not in client.get(path).headers, path
    assert client.head(f"/standards/{slug}").status_code == 200
    kept = app.extensions[pagecache._KEY].finished
    assert not kept
    client.get(f"/standards/{slug}")
    assert [key[3] for key in kept] == [f"/standards/{slug}"]
