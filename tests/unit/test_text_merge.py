"""Three-way overlap check and rebase (deliberate.text.merge)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.text.merge import Conflict, MergeResult, rebase, three_way
from deliberate.text.normalise import normalise

BASE = "Each co-op has one vote. Votes close at noon. Results are published."


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "status", "text"),
    [
        # The amendment changes nothing: the adopted text stands.
        (BASE, BASE, BASE.replace("noon", "midnight"), "unchanged",
         BASE.replace("noon", "midnight")),
        (BASE, BASE.replace("\n", "\r\n") + "\r\n", BASE, "unchanged", BASE),
        # Nothing was adopted since the amendment's base.
        (BASE, BASE.replace("one vote", "two votes"), BASE, "clean",
         BASE.replace("one vote", "two votes")),
        # Disjoint edits: both land.
        (BASE, BASE.replace("one vote", "two votes"), BASE.replace("noon", "midnight"), "clean",
         "Each co-op has two votes. Votes close at midnight. Results are published."),
        (BASE, "Today, " + BASE, BASE + " Ballots are kept.", "clean",
         "Today, " + BASE + " Ballots are kept."),
        (BASE, BASE.replace(" Votes close at noon.", ""), BASE.replace("published", "posted"),
         "clean", "Each co-op has one vote. Results are posted."),
        # Identical edits on both sides are not a conflict.
        (BASE, BASE.replace("noon", "midnight"), BASE.replace("noon", "midnight"), "clean",
         BASE.replace("noon", "midnight")),
        ("a b c d e", "a c d e", "a c d X e", "clean", "a c d X e"),
        # Same words changed differently.
        (BASE, BASE.replace("noon", "midnight"), BASE.replace("noon", "dusk"), "conflict", None),
        # Adjacent words (only a space between) touch: conflict.
        ("a b c d", "a X c d", "a b Y d", "conflict", None),
        # Two different insertions at the same point.
        ("a b", "a X b", "a Y b", "conflict", None),
        # One side deletes what the other edits.
        (BASE, BASE.replace(" Votes close at noon.", ""), BASE.replace("noon", "dusk"),
         "conflict", None),
        # Line endings never cause a conflict.
        ("one\ntwo\nthree\nfour", "one\r\nTWO\r\nthree\r\nfour", "one\ntwo\nthree\nFOUR",
         "clean", "one\nTWO\nthree\nFOUR"),
        ("", "New text.", "Other text.", "conflict", None),
    ],
)
def test_three_way(base: str, ours: str, theirs: str, status: str, text: str | None) -> None:
    result = three_way(base, ours, theirs)
    assert (result.status, result.text) == (status, text)
    assert bool(result.conflicts) == (status == "conflict")
    assert rebase(base, ours, theirs) == result


def test_conflict_snippets_and_offsets() -> None:
    base = "Intro stays.\n\nEach co-op has one vote. Votes close at noon."
    ours = "Intro stays, changed.\n\nEach co-op has one vote. Votes close at midnight."
    theirs = "Intro stays.\n\nEach co-op has one vote. Votes close at dusk today."
    result = three_way(base, ours, theirs)
    assert result == MergeResult("conflict", None, [result.conflicts[0]])
    conflict = result.conflicts[0]
    assert (conflict.base, conflict.ours, conflict.theirs) == ("noon", "midnight", "dusk today")
    assert base[conflict.base_start : conflict.base_end] == conflict.base
    assert ours[conflict.ours_start : conflict.ours_end] == conflict.ours
    assert theirs[conflict.theirs_start : conflict.theirs_end] == conflict.theirs


def test_every_conflict_is_reported() -> None:
    result = three_way("a b c d e f g", "A b c D e f G", "a2 b c d2 e f g2")
    assert result.status == "conflict"
    assert [(c.base, c.ours, c.theirs) for c in result.conflicts] == [
        ("a", "A", "a2"), ("d", "D", "d2"), ("g", "G", "g2"),
    ]
    assert all(isinstance(c, Conflict) for c in result.conflicts)


# --- properties ---------------------------------------------------------------

# Base words are distinct; each side writes words from its own vocabulary, so
# what each side changed is known exactly.
BASE_WORDS = [f"b{i}" for i in range(40)]


def _apply(words: list[str], edits: list[tuple[int, int, list[str]]]) -> list[str]:
    out = list(words)
    for start, end, new in sorted(edits, reverse=True):
        out[start:end] = new
    return out


def _replacement(prefix: str, min_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.integers(0, 99).map(lambda i: f"{prefix}{i}"), min_size=min_size, max_size=4)


@st.composite
def disjoint_edits(draw: st.DrawFn) -> tuple[list[str], tuple, tuple]:
    n = draw(st.integers(4, 40))
    base = BASE_WORDS[:n]
    # Two spans with at least one untouched base word between them.
    s1 = draw(st.integers(0, n - 2))
    e1 = draw(st.integers(s1, min(n - 2, s1 + 5)))
    s2 = draw(st.integers(e1 + 1, n))
    e2 = draw(st.integers(s2, min(n, s2 + 5)))
    first = (s1, e1, draw(_replacement("x", 1 if s1 == e1 else 0)))
    second = (s2, e2, draw(_replacement("y", 1 if s2 == e2 else 0)))
    if draw(st.booleans()):  # the amendment's edit may come first or second
        return base, second, first
    return base, first, second


@settings(max_examples=300)
@given(disjoint_edits(), st.sampled_from([" ", "\n", "\r\n"]))
def test_rebase_of_disjoint_edits_contains_both(case: tuple, sep: str) -> None:
    base, ours_edit, theirs_edit = case
    ours = _apply(base, [ours_edit])
    theirs = _apply(base, [theirs_edit])
    result = rebase(sep.join(base), sep.join(ours), sep.join(theirs))
    expected = normalise(sep.join(_apply(base, [ours_edit, theirs_edit])))
    if ours == base:
        assert result == MergeResult("unchanged", normalise(sep.join(theirs)), [])
    else:
        assert result == MergeResult("clean", expected, [])
    for word in ours_edit[2] + theirs_edit[2]:
        assert word in result.text.split()


@st.composite
def overlapping_edits(draw: st.DrawFn) -> tuple[list[str], tuple, tuple]:
    n = draw(st.integers(2, 40))
    base = BASE_WORDS[:n]
    s1 = draw(st.integers(0, n))
    e1 = draw(st.integers(s1, min(n, s1 + 5)))
    # The second span touches or overlaps the first (closed intervals meet).
    s2 = draw(st.integers(max(0, s1 - 5), e1))
    e2 = draw(st.integers(max(s2, s1), min(n, max(s2, s1) + 5)))
    # Both sides write something new, so their edits can never be identical.
    return base, (s1, e1, draw(_replacement("x", 1))), (s2, e2, draw(_replacement("y", 1)))


@settings(max_examples=300)
@given(overlapping_edits(), st.sampled_from([" ", "\n\n"]))
def test_overlapping_edits_always_conflict(case: tuple, sep: str) -> None:
    base, ours_edit, theirs_edit = case
    result = three_way(
        sep.join(base), sep.join(_apply(base, [ours_edit])), sep.join(_apply(base, [theirs_edit]))
    )
    assert result.status == "conflict"
    assert result.text is None  # never a blended text
    assert result.conflicts


@given(
    st.lists(st.sampled_from(["co-op", "vote", "the", "data", ".", ",", "\u00e9t\u00e9", "\n"]),
             max_size=25),
    st.lists(st.sampled_from(["co-op", "vote", "new", "\n\n", "x"]), max_size=25),
    st.lists(st.sampled_from(["co-op", "data", "other", "\r\n", "y"]), max_size=25),
)
def test_merge_result_is_consistent(
    base_w: list[str], ours_w: list[str], theirs_w: list[str]
) -> None:
    base, ours, theirs = (" ".join(words) for words in (base_w, ours_w, theirs_w))
    result = three_way(base, ours, theirs)
    if result.status == "conflict":
        assert result.text is None and result.conflicts
        for c in result.conflicts:
            assert normalise(base)[c.base_start : c.base_end] == c.base
            assert normalise(ours)[c.ours_start : c.ours_end] == c.ours
            assert normalise(theirs)[c.theirs_start : c.theirs_end] == c.theirs
    else:
        assert result.text is not None and not result.conflicts
        assert normalise(result.text) == result.text
    # Symmetry: who is "ours" never changes whether there is a conflict.
    swapped = three_way(base, theirs, ours)
    if result.status != "unchanged" and swapped.status != "unchanged":
        assert (swapped.status == "conflict") == (result.status == "conflict")
        if result.status == "clean":
            assert swapped.text == result.text


def test_long_texts_merge_without_fuzz() -> None:
    paragraphs = [f"Paragraph {i} says clause {i} applies to member {i}." for i in range(2_000)]
    base = "\n\n".join(paragraphs)
    ours = base.replace("clause 10 applies", "clause 10 never applies")
    theirs = base.replace("member 1500.", "members 1500 and 1501.")
    result = three_way(base, ours, theirs)
    assert result.status == "clean"
    assert "clause 10 never applies" in result.text and "members 1500 and 1501." in result.text
    assert len(result.text) == len(base) + len(" never") + len("s 1500 and 1501") - len(" 1500")
