"""The C++ and the pure-Python diff engines give the same diffs (deliberate.text.diff).

Identical runs, not merely the same texts: pages, version numbers and the
"words added / removed" figures are computed from the runs, so a server with
fast-diff-match-patch and one without it must show the same diff.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliberate.text import diff as textdiff
from deliberate.text.diff import CXX_AVAILABLE, _TokenDMP, _TooManyEdits, diff_texts, tokenise
from deliberate.text.normalise import normalise

pytestmark = pytest.mark.skipif(not CXX_AVAILABLE, reason="fast-diff-match-patch not installed")

_ALPHABET = st.sampled_from(
    list("ab cd.\n\t,;!?'-") + ["e\u0301", "\u4e2d", "\U0001f44d\U0001f3fd", "  ", "\n\n"]
)
texts = st.lists(_ALPHABET, max_size=80).map("".join)
_WORDS = ["co-op", "member", "vote", "the", "rules", "data", "board", "x", "y", "z"]
prose = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", " ", " ", ", ", ". ", "\n", "\n\n"])),
    max_size=300,
).map(lambda pairs: "".join(w + s for w, s in pairs))


def _both(old: str, new: str) -> list[tuple[int, str]]:
    old, new = normalise(old), normalise(new)
    python = diff_texts(old, new, engine="python")
    assert diff_texts(old, new, engine="cxx") == python
    return python


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, prose), st.one_of(texts, prose))
def test_engines_agree_on_any_texts(old: str, new: str) -> None:
    _both(old, new)


@st.composite
def _edited(draw: st.DrawFn) -> tuple[str, str]:
    """A long text and a copy with a drawn share of its words replaced, dropped or added:
    from a few scattered edits to a rewrite, so that some stretches run out of edit budget."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    vocab = _WORDS + [f"w{i}" for i in range(draw(st.integers(5, 400)))]
    seps = [" "] * 12 + [", ", ". ", ".\n", "\n\n", "; "]
    tokens = []
    for _ in range(draw(st.integers(50, 1_500))):
        tokens += [rng.choice(vocab), rng.choice(seps)]
    share = draw(st.sampled_from([0.01, 0.05, 0.2, 0.5, 0.9]))
    changed = list(tokens)
    for i in range(0, len(changed), 2):
        roll = rng.random()
        if roll < share * 0.6:
            changed[i] = rng.choice(vocab)
        elif roll < share * 0.8:
            changed[i] = ""
        elif roll < share:
            changed[i] += " " + rng.choice(vocab)
    return "".join(tokens), "".join(changed)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edited())
def test_engines_agree_on_long_edited_texts(pair: tuple[str, str]) -> None:
    old, new = pair
    runs = _both(old, new)
    assert "".join(t for op, t in runs if op <= 0) == normalise(old)
    assert "".join(t for op, t in runs if op >= 0) == normalise(new)


def test_engines_agree_on_the_benchmark_text() -> None:
    from bench.diff import CHANGED_SHARE, SEED, build_standard, change_words

    rng = random.Random(SEED)
    old = build_standard(rng, 40_000)
    for share in (CHANGED_SHARE, 0.3):
        new, _ = change_words(rng, old, share)
        _both(old, new)


@settings(max_examples=400, deadline=None)
@given(st.text("abcdef", min_size=1, max_size=120), st.text("abcdef", min_size=1, max_size=120),
       st.integers(1, 40))
def test_budget_prediction_matches_the_python_bisect(a: str, b: str, budget: int) -> None:
    # _cxx_exact says "over budget" exactly when the Python engine's bisect gives up.
    dmp = _TokenDMP({})
    dmp.edit_budget = budget
    try:
        expected = dmp.diff_main(a, b, False)
    except _TooManyEdits:
        expected = None
    head = dmp.diff_commonPrefix(a, b)
    tail = dmp.diff_commonSuffix(a[head:], b[head:])
    mid_a, mid_b = a[head:len(a) - tail], b[head:len(b) - tail]
    got = textdiff._cxx_exact(a, b, mid_a, mid_b, budget)
    assert (got is None) == (expected is None)
    if got is not None:
        dmp.diff_cleanupMerge(got)
        assert got == expected


def test_many_distinct_words_use_the_same_engine_result() -> None:
    # Past the basic plane: tokens are mapped to characters beyond U+FFFF too.
    old = " ".join(f"w{i}" for i in range(70_000))
    new = old.replace("w12345 ", "changed ").replace("w69990", "last")
    runs = _both(old, new)
    assert [t for op, t in runs if op] == ["w12345", "changed", "w69990", "last"]
    assert len(set(tokenise(old))) > 65_535


def test_without_the_cxx_core_the_python_engine_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = "The board meets in spring.", "The board meets every autumn."
    expected = diff_texts(old, new, engine="python")
    monkeypatch.setattr(textdiff, "_cxx_diff", None)
    assert not textdiff._cxx_works()
    monkeypatch.setattr(textdiff, "CXX_AVAILABLE", False)
    assert diff_texts(old, new) == expected
    with pytest.raises(RuntimeError):
        diff_texts(old, new, engine="cxx")


_TOKENS = ["member", "vote", "the", " ", "  ", ",", ".", "\n", "\n\n", "co-op", "x"]
_CHARS = {chr(0x100 + i): token for i, token in enumerate(_TOKENS)}
_runs = st.lists(
    st.tuples(st.sampled_from([0, 0, -1, 1]), st.text(list(_CHARS), min_size=0, max_size=6)),
    max_size=12,
)


_piece = st.text(list(_CHARS), min_size=1, max_size=5)
_replacements = st.builds(
    lambda first, blocks: [(0, first)] + [d for gone, added, kept in blocks
                                          for d in ((-1, gone), (1, added), (0, kept))],
    _piece, st.lists(st.tuples(_piece, _piece, _piece), min_size=1, max_size=4),
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_runs, _replacements))
def test_the_quick_tidy_matches_the_full_cleanups(region: list[tuple[int, str]]) -> None:
    quick = textdiff._joined_if_tidy(region)
    if quick is None:
        return
    dmp = _TokenDMP({ord(c): token for c, token in _CHARS.items()})
    full = [d for d in region if d[1]]
    dmp.diff_cleanupMerge(full)
    dmp.diff_cleanupSemantic(full)
    assert quick == full


def test_the_quick_tidy_is_taken_for_plain_replacements() -> None:
    m, v, t, sp = (chr(0x100 + _TOKENS.index(w)) for w in ("member", "vote", "the", " "))
    region = [(0, m + sp), (0, t + sp), (-1, v), (1, m), (0, sp + t + sp + t), (-1, t), (1, v),
              (0, sp + m)]
    assert textdiff._joined_if_tidy(region) == [(0, m + sp + t + sp), (-1, v), (1, m),
                                                 (0, sp + t + sp + t), (-1, t), (1, v), (0, sp + m)]
