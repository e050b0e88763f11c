"""A comment's text through the HTML form and the JSON API (the Socket.IO entry point is in
tests/realtime/test_socket_text.py): control characters are refused with a 4xx naming the field
and never stored; a comment that shows nothing (spaces and zero-width characters only) is empty.
One cleaner decides for all three (``limits.clean_text``, called by ``discussions.services``)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberate.discussions.models import Comment
from deliberate.extensions import db

CONTROL = {"nul": "I agree\x00", "bell": "I\x07 agree", "escape": "I agree \x1b[31m", "c1": "I agree\x85",
           "delete": "I agree\x7f", "lone surrogate": "I agree \ud800"}
# Nothing to read: spaces, and the characters that show nothing (U+200B zero width space, U+200C
# and U+200D joiners, U+2060 word joiner, U+FEFF byte order mark), alone or mixed.
INVISIBLE = {"zwsp": "\u200b", "zwnj": "\u200c", "zwj": "\u200d", "word joiner": "\u2060", "bom": "\ufeff",
             "mixed": " \u200b\u200c\u200d\u2060\ufeff\u00a0\t\n ", "many": "\u200b" * 500}


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Comment.id)))


@pytest.fixture
def standard_comments(network, login):
    client = login(network["delegate"])
    return client, f"/discussions/standard/{network['standard'].id}/comments"


# A form body is UTF-8: a lone surrogate cannot be sent in one (invalid bytes arrive as U+FFFD).
FORM_CONTROL = {name: text for name, text in CONTROL.items() if name != "lone surrogate"}


@pytest.mark.parametrize("text", FORM_CONTROL.values(), ids=list(FORM_CONTROL))
@pytest.mark.parametrize("field", ["body", "quote"])
def test_the_form_refuses_control_characters(standard_comments, field, text):
    client, path = standard_comments
    before = _count()
    data = {"body": "I agree.", field: text}
    response = client.post(path, data=data)
    assert response.status_code in (400, 422), response.status_code
    assert "control character" in response.get_data(as_text=True)
    assert _count() == before


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=list(INVISIBLE))
def test_the_form_refuses_a_comment_that_shows_nothing(standard_comments, text):
    client, path = standard_comments
    before = _count()
    response = client.post(path, data={"body": text})
    assert response.status_code in (400, 422), response.status_code
    assert _count() == before


def test_the_form_keeps_zero_width_characters_inside_words(standard_comments):
    client, path = standard_comments
    assert client.post(path, data={"body": "co\u00adop\u200bera\u200dtive"}).status_code == 302
    assert db.session.scalar(select(Comment.body).order_by(Comment.id.desc())) == "co\u00adop\u200bera\u200dtive"


@pytest.fixture
def api_comments(app, network):
    from deliberate.api import tokens
    from tests.conftest import TEST_PASSWORD

    raw = tokens.create_token(actor=network["delegate"], name="t", scopes=["read", "write"], password=TEST_PASSWORD)[1]
    client = app.test_client()

    def post(**body):
        return client.post(f"/api/v1/discussions/standard/{network['standard'].id}/comments", json=body,
                           headers={"Authorization": f"Bearer {raw}"})

    return post


@pytest.mark.parametrize("text", CONTROL.values(), ids=list(CONTROL))
@pytest.mark.parametrize("field", ["body", "quote"])
def test_the_api_refuses_control_characters(api_comments, field, text):
    before = _count()
    response = api_comments(**{"body": "I agree.", field: text})
    assert response.status_code == 422, response.status_code
    assert field in response.get_json()["error"]["fields"]
    assert _count() == before


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=list(INVISIBLE))
def test_the_api_refuses_a_comment_that_shows_nothing(api_comments, text):
    before = _count()
    response = api_comments(body=text)
    assert response.status_code == 422, response.status_code
    assert "body" in response.get_json()["error"]["fields"]
    assert _count() == before
