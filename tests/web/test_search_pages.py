"""The search page: roles, what each one finds, safe snippets, the navigation's search box."""
from __future__ import annotations

import pytest

from deliberate.discussions import services as discussions
from deliberate.proposals import services as proposals

ROLES = ("observer", "delegate", "suspended_delegate", "steward")


@pytest.fixture
def private_draft(network):
    section = network["section"]
    return proposals.propose_amendment(
        actor=network["delegate"], standard=network["standard"], kind="modify", section=section,
        summary="A private idea.", proposed_title=section.title, proposed_body="Members own the xylophonic platform.")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path, status", [
    ("/search", 200), ("/search?q=platform", 200), ("/search?q=platform&kind=section&page=2", 200),
    ("/search?q=%22unclosed", 200), ("/search?q=x&kind=nonsense", 200), ("/search?q=x&page=nope", 200),
    ("/search?q=x&standard=no-such-standard", 404),
])
def test_search_routes_for_every_role(as_role, role, path, status):
    response = as_role(role).get(path)
    assert response.status_code == status, (role, path)


@pytest.mark.parametrize("role, sees", [
    ("observer", False), ("suspended_delegate", False), ("delegate", True), ("steward", True),
])
def test_a_draft_is_found_only_by_its_author_and_stewards(as_role, private_draft, role, sees):
    html = as_role(role).get("/search?q=xylophonic").get_data(as_text=True)
    link = f"/standards/{private_draft.standard.slug}/amendments/{private_draft.id}"
    assert (link in html) is sees
    assert ("xylophonic</mark>" in html) is sees
    if not sees:
        assert "Nothing found for xylophonic" in html


def test_results_link_to_what_they_found(client, network):
    section = network["section"]
    html = client.get("/search?q=platform").get_data(as_text=True)
    assert f'href="/standards/{network["standard"].slug}/s/{section.key}"' in html
    assert "<mark>platform</mark>" in html or "<mark>Platform</mark>" in html


def test_comment_results_link_to_the_comment(as_role, network):
    posted = discussions.post_comment(actor=network["delegate"], subject_kind="standard",
                                      subject_id=network["standard"].id, body="Consider the serendipitous case.")
    html = as_role("observer").get("/search?q=serendipitous").get_data(as_text=True)
    assert f'href="/discussions/comments/{posted.id}"' in html
    assert "A comment on Platform Co-op Principles" in html


def test_hostile_text_and_queries_are_escaped(client, steward, make_standard):
    make_standard(title="Safe <img src=x onerror=alert(1)>", sections=[("S", "<script>alert(2)</script> quokka")])
    html = client.get('/search?q=quokka "<script>').get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    html = client.get("/search?q=onerror").get_data(as_text=True)
    assert "<img src=x" not in html and "<mark>onerror</mark>" in html
    html = client.get('/search?q=<b>bold</b>').get_data(as_text=True)
    assert "<b>bold</b>" not in html


def test_search_within_one_standard(client, network, make_standard):
    other = make_standard(title="Model Bylaws", sections=[("Members", "Members meet once a year.")])
    html = client.get(f"/search?q=members&standard={other.slug}").get_data(as_text=True)
    assert "Search in Model Bylaws" in html
    assert f"/standards/{other.slug}/s/" in html and f"/standards/{network['standard'].slug}/s/" not in html


def test_every_page_has_a_labelled_search_box(client, network):
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'for="nav-search-q"' in html and 'action="/search"' in html


def test_pages_of_results(client, steward, make_standard):
    make_standard(title="Long", sections=[(f"Clause {n}", f"Clause number {n}.") for n in range(1, 26)])
    first = client.get("/search?q=clause").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/search?q=clause&page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
