"""Which comments a subject's own page shows: each thread's most recently active conversations."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deliberate.discussions.queries import recent_window


def test_a_short_discussion_is_shown_whole():
    comments = [(1, None, 1), (2, 1, 1), (3, None, 1), (4, None, 2)]
    assert recent_window(comments, 20) == {1, 2, 3, 4}


def test_the_newest_conversations_are_kept_per_thread():
    comments = [(i, None, 1) for i in range(1, 6)] + [(i, None, 2) for i in range(6, 9)]
    assert recent_window(comments, 2) == {4, 5, 7, 8}


def test_a_reply_to_an_old_comment_brings_its_whole_conversation_back():
    comments = [(1, None, 1), (2, None, 1), (3, None, 1), (4, 1, 1), (5, 4, 1)]
    # Conversation 1 (1, 4, 5) was the most recently active: it stays whole; 3 is next newest.
    assert recent_window(comments, 2) == {1, 4, 5, 3}


def test_a_reply_whose_parent_is_unknown_starts_its_own_conversation():
    assert recent_window([(5, 2, 1), (6, None, 1)], 1) == {6}
    assert recent_window([(5, 2, 1), (6, None, 1), (7, 5, 1)], 1) == {5, 7}


def test_nothing_to_show():
    assert recent_window([], 20) == set()
    assert recent_window([(1, None, 1)], 0) == set()


@st.composite
def discussions(draw):
    """Comments in id order, each a top-level comment or a reply to an earlier one, in 1–3 threads."""
    comments, thread_of = [], {}
    for comment_id in range(1, draw(st.integers(0, 40)) + 1):
        parent = draw(st.none() | st.sampled_from(sorted(thread_of))) if thread_of else None
        thread = thread_of[parent] if parent is not None else draw(st.integers(1, 3))
        thread_of[comment_id] = thread
        comments.append((comment_id, parent, thread))
    return comments


@given(discussions(), st.integers(1, 6))
def test_whole_conversations_at_most_limit_per_thread_newest_first(comments, limit):
    shown = recent_window(comments, limit)
    parent_of = {c: p for c, p, _t in comments}

    def top(comment_id):
        while parent_of[comment_id] is not None:
            comment_id = parent_of[comment_id]
        return comment_id

    conversations = {}
    for comment_id, _parent, thread in comments:
        conversations.setdefault((thread, top(comment_id)), []).append(comment_id)
    for members in conversations.values():
        # A conversation is shown whole or not at all.
        assert set(members) <= shown or not set(members) & shown
    for thread in {t for _c, _p, t in comments}:
        ours = {key: members for key, members in conversations.items() if key[0] == thread}
        kept = [members for members in ours.values() if set(members) <= shown]
        assert len(kept) == min(limit, len(ours))
        # No conversation left out is more recently active than one kept.
        if len(kept) < len(ours):
            newest_left = max(max(m) for m in ours.values() if not set(m) <= shown)
            assert all(max(m) > newest_left for m in kept)
    # The newest comment of every thread is always shown.
    for thread in {t for _c, _p, t in comments}:
        assert max(c for c, _p, t in comments if t == thread) in shown
