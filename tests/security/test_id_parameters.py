"""Ids and numbers sent in query strings, forms and JSON bodies: a number out of range, or written in
other digits ("١٢" Arabic-Indic, "１２" fullwidth: Python's ``int()`` reads both as 12), is refused
with a clear 4xx and nothing stored; never a 500 and never read as another id.
"""
from __future__ import annotations

import pytest

from tests.authz_world import every_row
from tests.conftest import TEST_PASSWORD

BAD = {"2^31": str(2**31), "2^63": str(2**63), "zero": "0", "negative": "-1", "arabic-indic 12": "١٢",
       "fullwidth 12": "１２", "superscript 2": "²", "underscore": "1_2"}


def _digits_elsewhere(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def _unchanged(before: dict) -> list[str]:
    after = every_row()
    # Signing in writes the person's last sign-in time (and a session row); a token its last use.
    return sorted(t for t in before if before[t] != after[t] and t not in ("people", "sign_ins", "api_tokens"))


# Query strings ---------------------------------------------------------------------------------

QUERIES = {
    "amendment draft": "/standards/{std}/amendments/{amendment}?draft={bad}",
    "version attempt": "/standards/{std}/v/{ref}?attempt={bad}",
    "compare from": "/standards/{std}/s/{key}/compare?from={bad}&to=1",
    "blame revision": "/standards/{std}/s/{key}/blame?r={bad}",
}


@pytest.mark.parametrize("bad", BAD.values(), ids=list(BAD))
@pytest.mark.parametrize("where", QUERIES, ids=list(QUERIES))
def test_query_string_ids_are_refused_cleanly(authz_world, authz_client, where, bad):
    response = authz_client("delegate").get(QUERIES[where].format(bad=bad, **authz_world["ids"]))
    assert 400 <= response.status_code < 500, (where, bad, response.status_code)


def test_a_draft_number_in_other_digits_is_not_read_as_that_draft(authz_world, authz_client):
    client = authz_client("delegate")
    path = "/standards/{std}/amendments/{amendment}".format(**authz_world["ids"])
    assert client.get(path + "?draft=1").status_code == 200
    assert client.get(path + "?draft=" + _digits_elsewhere(1)).status_code == 422


# Forms -------------------------------------------------------------------------------------------

def _forms(ids: dict) -> dict:
    """(role, path, data, field) for each form that carries an id or a number."""
    std, key = ids["std"], ids["key"]
    return {
        "section base revision": ("steward", f"/standards/{std}/s/{key}/edit",
                                  {"title": "Member ownership", "body": "Members own it, together.", "message": "Say together."},
                                  "base_revision_id"),
        "amendment base revision": ("delegate", f"/standards/{std}/amendments/new",
                                    {"kind": "modify", "section": key, "summary": "Plainer words.",
                                     "proposed_title": "Member ownership", "proposed_body": "Members own the co-op."},
                                    "base_revision_id"),
        "amendment insert position": ("delegate", f"/standards/{std}/amendments/new",
                                      {"kind": "insert", "summary": "A new principle.", "proposed_title": "Open books",
                                       "proposed_body": "We publish our accounts."}, "target_position"),
        "amendment expected draft": ("delegate", f"/standards/{std}/amendments/{ids['amendment']}/edit",
                                     {"summary": "Plainer still.", "proposed_title": "Member ownership",
                                      "proposed_body": "The members own the platform, together."}, "expected_draft_id"),
        "grouped amendments": ("steward", f"/standards/{std}/amendments/group", {"title": "Ownership wording"},
                               "amendments"),
        "comment parent": ("delegate", f"/discussions/standard/{ids['std_id']}/comments", {"body": "I agree."},
                           "parent_id"),
        "comment topic": ("delegate", f"/discussions/standard/{ids['std_id']}/comments", {"body": "I agree."},
                          "thread_id"),
        "section position": ("steward", f"/standards/{std}/sections/new",
                             {"title": "Open books", "kind": "principle", "body": "We publish our accounts."}, "position"),
        "co-op": ("delegate", f"/discussions/standard/{ids['std_id']}/comments", {"body": "I agree."}, "coop"),
    }


FORMS = list(_forms({k: 1 for k in ("std", "key", "amendment", "std_id")}))


@pytest.mark.parametrize("bad", BAD.values(), ids=list(BAD))
@pytest.mark.parametrize("form", FORMS)
def test_form_ids_are_refused_cleanly_and_nothing_is_stored(authz_world, authz_client, form, bad):
    role, path, data, field = _forms(authz_world["ids"])[form]
    if form == "section position" and bad == "0":
        pytest.skip("a position, not an id: 0 puts the new section first")
    client = authz_client(role)
    before = every_row()
    response = client.post(path, data={**data, field: bad})
    assert 400 <= response.status_code < 500, (form, bad, response.status_code)
    assert not _unchanged(before), (form, bad)


def test_a_parent_comment_in_other_digits_is_not_read_as_that_comment(authz_world, authz_client):
    from sqlalchemy import select

    from deliberate.discussions.models import Comment
    from deliberate.extensions import db

    client = authz_client("delegate")
    comment = authz_world["ids"]["comment"]
    path = f"/discussions/standard/{authz_world['ids']['std_id']}/comments"
    assert client.post(path, data={"body": "Not a reply.", "parent_id": _digits_elsewhere(comment)}).status_code == 422
    assert client.post(path, data={"body": "A reply.", "parent_id": str(comment)}).status_code == 302
    replies = db.session.scalars(select(Comment.body).where(Comment.parent_id == comment)).all()
    assert replies == ["A reply."]


# The JSON API ------------------------------------------------------------------------------------

@pytest.fixture
def token(app, authz_world):
    from deliberate.api import tokens
    from deliberate.extensions import db
    from deliberate.members.models import Person

    person = db.session.get(Person, authz_world["person_ids"]["delegate"])
    return tokens.create_token(actor=person, name="ids", scopes=["read", "write", "vote"], password=TEST_PASSWORD)[1]


JSON_BAD = [2**31, 2**63, 2**70, 0, -1, "١٢", "12", 12.5, True]


@pytest.mark.parametrize("bad", JSON_BAD, ids=[repr(b) for b in JSON_BAD])
@pytest.mark.parametrize("field", ["parent_id", "thread_id"])
def test_api_comment_ids_are_refused_with_422(app, authz_world, token, field, bad):
    before = every_row()
    response = app.test_client().post(f"/api/v1/discussions/standard/{authz_world['ids']['std_id']}/comments",
                                      json={"body": "I agree.", field: bad}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, (field, bad, response.status_code)
    assert not _unchanged(before)


@pytest.mark.parametrize("bad", JSON_BAD, ids=[repr(b) for b in JSON_BAD])
def test_api_base_revision_is_refused_with_422(app, authz_world, token, bad):
    before = every_row()
    response = app.test_client().post(
        f"/api/v1/standards/{authz_world['ids']['std']}/amendments", headers={"Authorization": f"Bearer {token}"},
        json={"kind": "modify", "section": authz_world["ids"]["key"], "summary": "Plainer.",
              "proposed_title": "Member ownership", "proposed_body": "Members own it.", "base_revision_id": bad})
    assert response.status_code == 422, (bad, response.status_code)
    assert not _unchanged(before)


@pytest.mark.parametrize("bad", ["١", "１", str(2**31), str(2**63), "0"])
def test_api_query_numbers_are_ascii_and_bounded(app, authz_world, bad):
    ids = authz_world["ids"]
    response = app.test_client().get(f"/api/v1/standards/{ids['std']}/versions/{ids['ref']}?attempt={bad}")
    assert response.status_code == 422, (bad, response.status_code)
