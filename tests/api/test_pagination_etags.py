"""Cursor pagination on lists, and conditional requests (ETag, If-None-Match) on standards and versions."""
from __future__ import annotations

import pytest

from deliberate.api.pagination import decode_cursor, encode_cursor, paginate


def test_walking_every_page_sees_each_item_once(app, make_standard, client):
    for n in range(7):
        make_standard(title=f"Standard number {n}")
    seen, url, pages = [], "/api/v1/standards?limit=3", 0
    while url:
        body = client.get(url).get_json()
        assert len(body["items"]) <= 3
        seen += [s["slug"] for s in body["items"]]
        assert (body["next"] is None) == (body["next_cursor"] is None)
        url = body["next"]
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    first = client.get("/api/v1/standards?limit=3").get_json()
    assert f"cursor={first['next_cursor']}" in first["next"] and "limit=3" in first["next"]


def test_new_items_do_not_shift_the_next_page(app, make_standard, client):
    for n in range(4):
        make_standard(title=f"Early {n}")
    first = client.get("/api/v1/standards?limit=2").get_json()
    make_standard(title="Arrived meanwhile")
    second = client.get(first["next"]).get_json()
    assert [s["title"] for s in second["items"]] == ["Early 2", "Early 3"]


def test_newest_first_lists_paginate_downwards(world, client, make_token):
    token = make_token(world["delegate"])
    headers = {"Authorization": f"Bearer {token}"}
    slug = world["standard"].slug
    page1 = client.get(f"/api/v1/standards/{slug}/amendments?limit=1", headers=headers).get_json()
    page2 = client.get(page1["next"], headers=headers).get_json()
    assert page1["items"][0]["id"] > page2["items"][0]["id"] and page2["next"] is None


def test_pagination_helpers():
    items = list(range(1, 11))
    page, cursor = paginate(items, key=lambda i: i, limit=4, cursor=None)
    assert page == [1, 2, 3, 4] and decode_cursor(cursor) == 4
    page, cursor = paginate(items, key=lambda i: i, limit=4, cursor=encode_cursor(8))
    assert page == [9, 10] and cursor is None
    assert paginate([], key=lambda i: i, limit=4, cursor=None) == ([], None)


@pytest.mark.parametrize("cursor", ["", "abc", encode_cursor(1)[:-2] + "!!", "djI6Nw"])
def test_cursors_we_did_not_give_out_are_refused(cursor):
    from deliberate.api.errors import ApiError

    if cursor == "":
        assert paginate([1, 2], key=lambda i: i, limit=1, cursor=cursor)[0] == [1]
        return
    with pytest.raises(ApiError):
        decode_cursor(cursor)


def test_a_standard_answers_304_while_nothing_changed(world, client):
    from deliberate.standards import services

    path = f"/api/v1/standards/{world['standard'].slug}"
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    section = world["section"]
    services.revise_section(actor=world["steward"], section=section, title="Member ownership, renamed",
                            body=section.body, message="Retitle.", base_revision_id=section.head_revision_id)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["sections"][0]["title"] == "Member ownership, renamed"


def test_a_ratified_version_keeps_its_etag(world, client):
    path = f"/api/v1/standards/{world['standard'].slug}/versions/1.0"
    first = client.get(path)
    assert first.status_code == 200 and first.get_json()["state"] == "ratified"
    assert first.get_json()["sections"][0]["key"] == world["section"].key
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(path + "?attempt=1").headers["ETag"] == first.headers["ETag"]
    assert client.get(f"/api/v1/standards/{world['standard'].slug}/versions/9.9").status_code == 404
