"""A long discussion on a subject's own page: the recent conversations, a link to the rest."""
from __future__ import annotations

from deliberate.discussions import services
from deliberate.discussions.queries import RECENT


def _post(network, n, **kw):
    return services.post_comment(actor=network["delegate"], subject_kind="standard", subject_id=network["standard"].id,
                                 body=f"Thought number {n}.", **kw)


def test_the_standard_page_shows_recent_conversations_and_links_to_the_whole_discussion(client, network):
    comments = [_post(network, n) for n in range(RECENT + 5)]
    slug = network["standard"].slug
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert f"Thought number {RECENT + 4}." in page and "Thought number 5." in page
    assert "Thought number 4." not in page and "Thought number 0." not in page
    assert f"({RECENT + 5} comments)" in page  # the count is the whole discussion's
    assert "5 earlier comments are not shown here" in page
    whole = f"/discussions/standard/{network['standard'].id}"
    assert f'href="{whole}#discussion"' in page
    full = client.get(whole).get_data(as_text=True)
    assert all(f"Thought number {n}." in full for n in range(RECENT + 5))
    assert "earlier comments are not shown" not in full
    # A reply to the oldest comment brings its conversation back onto the standard's page.
    services.post_comment(actor=network["delegate"], subject_kind="standard", subject_id=network["standard"].id,
                          body="Answering the very first.", parent_id=comments[0].id)
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert "Thought number 0." in page and "Answering the very first." in page
    assert "Thought number 5." not in page  # now the least recently active conversation shown is 6
    assert "5 earlier comments are not shown here" in page


def test_a_link_to_an_old_comment_opens_the_whole_discussion(client, network):
    comments = [_post(network, n) for n in range(RECENT + 2)]
    old, recent = comments[0], comments[-1]
    assert client.get(f"/discussions/comments/{old.id}").headers["Location"].endswith(
        f"/discussions/standard/{network['standard'].id}#comment-{old.id}")
    assert client.get(f"/discussions/comments/{recent.id}").headers["Location"].endswith(
        f"/standards/{network['standard'].slug}#comment-{recent.id}")


def test_a_short_discussion_has_no_link(client, network):
    _post(network, 1)
    assert "earlier comment" not in client.get(f"/standards/{network['standard'].slug}").get_data(as_text=True)
