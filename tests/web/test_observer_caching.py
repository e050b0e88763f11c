"""Observers' pages set no cookie and do not vary on it, so a shared cache can keep them; pages for
people signed in say ``Vary: Cookie``. The observer page cache (versions/pagecache.py) is on here,
as in production: a page served from it must not start a session either."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.standards import services as standards
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing
from deliberate.voting import services as voting

pytestmark = pytest.mark.parametrize("app_config", [{"OBSERVER_PAGE_CACHE": True, "WTF_CSRF_ENABLED": True}])


@pytest.fixture
def ratified(network) -> Version:
    standard = standards.get_standard(network["standard"].slug)
    version = versions.assemble_version(actor=network["steward"], standard=standard, summary="The founding text.")
    vote = versions.open_ratification_vote(actor=network["steward"], version=version, closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    db.session.expire_all()
    return db.session.get(Version, version.id)


def observer_paths(slug: str) -> list[str]:
    return [f"/standards/{slug}", f"/standards/{slug}/changelog", f"/standards/{slug}/v/1.0",
            f"/standards/{slug}/v/1.0.md", f"/standards/{slug}/feed.atom", "/feed.atom", "/standards/", "/"]


def vary(response) -> set[str]:
    return {value.strip().lower() for value in response.headers.get("Vary", "").split(",") if value.strip()}


def test_an_observers_pages_set_no_cookie_and_do_not_vary_on_it(app, network, ratified):
    for path in observer_paths(network["standard"].slug):
        for attempt in ("rendered", "from the page cache"):
            client = app.test_client()
            response = client.get(path)
            assert response.status_code == 200, (path, attempt)
            assert "Set-Cookie" not in response.headers, (path, attempt, response.headers.get("Set-Cookie"))
            assert "cookie" not in vary(response), (path, attempt, response.headers.get("Vary"))
            assert "csrf-placeholder" not in response.get_data(as_text=True)


def test_the_page_still_says_it_varies_on_the_language(app, network, ratified):
    response = app.test_client().get(f"/standards/{network['standard'].slug}")
    assert "accept-language" in vary(response)


def test_a_page_with_a_form_starts_a_session(app, network):
    response = app.test_client().get("/signin")
    assert response.headers.get("Set-Cookie", "").startswith("session=")
    assert "cookie" in vary(response)
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', response.get_data(as_text=True))


def test_a_signed_in_persons_pages_vary_on_the_cookie(app, network, ratified):
    from tests.conftest import TEST_PASSWORD

    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/signin").get_data(as_text=True)).group(1)
    signed_in = client.post("/signin", data={"email": network["delegate"].email, "password": TEST_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    for path in observer_paths(network["standard"].slug)[:3]:
        response = client.get(path)
        assert response.status_code == 200
        assert "cookie" in vary(response), path
        page = response.get_data(as_text=True)
        if path.endswith(".md"):
            continue
        # Their page carries their token (the footer's language picker, the sign-out form).
        assert re.search(r'name="csrf-token" content="[^"]+"', page), path


def test_an_observer_with_a_session_gets_vary_cookie(app, network):
    """Once an observer has a session (here: a language picked), their pages depend on it."""
    client = app.test_client()
    assert client.post("/language", data={"locale": "es", "next": "/"}).status_code == 302
    response = client.get(f"/standards/{network['standard'].slug}")
    assert '<html lang="es">' in response.get_data(as_text=True)
    assert "cookie" in vary(response)
    # A visitor without the cookie still gets the English page from the same cache.
    other = app.test_client().get(f"/standards/{network['standard'].slug}")
    assert '<html lang="en">' in other.get_data(as_text=True)
    assert "cookie" not in vary(other) and "Set-Cookie" not in other.headers


def test_an_observers_vote_pages_set_no_cookie_and_a_delegates_forms_keep_their_token(app, network, ratified):
    from tests.conftest import TEST_PASSWORD

    admission = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                                 rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    closed = ratified.vote_id
    for path in (f"/votes/{admission.id}", f"/votes/{closed}"):
        response = app.test_client().get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, (path, response.headers.get("Set-Cookie"))
        assert "cookie" not in vary(response), path
        assert 'name="csrf_token"' not in response.get_data(as_text=True), path
    # A delegate's ballot form still carries the session's token, and the ballot goes through.
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/signin").get_data(as_text=True)).group(1)
    assert client.post("/signin", data={"email": network["delegate"].email, "password": TEST_PASSWORD,
                                        "csrf_token": token}).status_code == 302
    page = client.get(f"/votes/{admission.id}").get_data(as_text=True)
    ballot = re.search(r'<form method="post" action="/votes/%d/ballot".*?</form>' % admission.id, page, re.S)
    assert ballot, "no ballot form for the delegate"
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', ballot.group(0)).group(1)
    cast = client.post(f"/votes/{admission.id}/ballot", data={"csrf_token": form_token, "coop": str(network["member"].id),
                                                                "choice": "for", "note": ""})
    assert cast.status_code == 302, cast.get_data(as_text=True)[:500]
