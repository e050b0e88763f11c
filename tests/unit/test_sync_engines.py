"""The two diff engines behind differential sync (realtime/sync.py): the C++ core of
diff-match-patch when installed, the pure-Python one (words first) otherwise. Each gives a correct
diff of any two texts, and the merge keeps every word either side typed, whichever runs."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.realtime import sync

ENGINES = ["python"] + (["c++"] if sync._fast is not None else [])
words = st.lists(st.sampled_from(["co-op", "members", "own", "the", "platform", "data", "\n\n", "vote", "ñ", "🤝"]),
                 max_size=60).map(" ".join)


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch):
    monkeypatch.setattr(sync, "ENGINE", request.param)
    return request.param


@settings(max_examples=150, deadline=None)
@given(a=words, b=words)
def test_a_diff_rebuilds_both_texts(a, b):
    for name in ENGINES:
        sync.ENGINE = name
        try:
            diffs = sync._diff(a, b)
        finally:
            sync.ENGINE = "c++" if sync._fast is not None else "python"
        assert "".join(t for op, t in diffs if op != sync._INSERT) == a
        assert "".join(t for op, t in diffs if op != sync._DELETE) == b


@settings(max_examples=100, deadline=None)
@given(base=words, left=st.lists(st.integers(0, 10_000), max_size=6), right=st.lists(st.integers(0, 10_000), max_size=6))
def test_the_merge_keeps_every_word_typed_on_either_side(base, left, right):
    def typed(text, spots, tag):
        new = []
        for i, spot in enumerate(spots):
            spaces = [k for k, c in enumerate(text) if c == " "] or [len(text)]
            at = spaces[spot % len(spaces)]
            word = f"{tag}{i}x"
            text = text[:at] + " " + word + text[at:]
            new.append(word)
        return text, new
    for name in ENGINES:
        sync.ENGINE = name
        try:
            mine, mine_words = typed(base, left, "L")
            theirs, their_words = typed(base, right, "R")
            merged = sync._merge(base, mine, theirs)
        finally:
            sync.ENGINE = "c++" if sync._fast is not None else "python"
        for word in mine_words + their_words:
            assert merged.count(word) == 1, (name, word, merged)


def test_the_python_engine_is_fast_on_scattered_edits(engine):
    import time

    base = " ".join(f"word{i}" for i in range(900))  # about 8 KB
    live = base
    for i in range(0, 900, 9):  # a hundred words typed all over the text
        live = live.replace(f"word{i} ", f"word{i} new{i} ", 1)
    started = time.perf_counter()
    diffs = sync._diff(base, live)
    elapsed = time.perf_counter() - started
    assert "".join(t for op, t in diffs if op != sync._DELETE) == live
    assert elapsed < 0.4, f"{engine}: {elapsed:.3f} s"
