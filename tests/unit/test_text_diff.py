"""Normalisation and word-level diff (deliberate.text.normalise / .diff)."""

from __future__ import annotations

import html
import random
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliberate.text.diff import (
    _ASCII_RE,
    Op,
    _chunks,
    _Codebook,
    _shared_ends,
    _unicode_res,
    apply_ops,
    document_diff,
    is_unchanged,
    stats,
    tokenise,
    word_diff,
)
from deliberate.text.diff_html import inline_html, side_by_side
from deliberate.text.normalise import normalise

# Text with the awkward parts: line endings, blank lines, tabs, accents in both
# forms, combining marks, CJK, emoji with modifiers and ZWJ, punctuation.
_ALPHABET = st.sampled_from(
    list("ab cd.\n\r\t,;!?'-")
    + ["e\u0301", "\u00e9", "\u0915\u094d", "\u4e2d", "\U0001f44d\U0001f3fd", "\u200d"]
    + ["  ", "\n\n"]
)
texts = st.lists(_ALPHABET, max_size=60).map("".join)
words = st.sampled_from(
    ["co-op", "member", "vote", "the", "rules", "don't", "data", "\u00e9t\u00e9", "x"]
)
prose = st.lists(
    st.tuples(words, st.sampled_from([" ", " ", ", ", ". ", "\n", "\n\n"])), max_size=40
).map(lambda pairs: "".join(w + s for w, s in pairs))


def _strip_tags(fragment: str) -> str:
    fragment = re.sub(r'<span class="diff-break"[^>]*>\u00b6</span>', "", fragment)
    return html.unescape(re.sub(r"</?(ins|del)>", "", fragment))


def _new_side(fragment: str) -> str:
    return _strip_tags(re.sub(r"<del>.*?</del>", "", fragment, flags=re.S))


def _old_side(fragment: str) -> str:
    return _strip_tags(re.sub(r"<ins>.*?</ins>", "", fragment, flags=re.S))


# --- normalise ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("a\r\nb\rc\n", "a\nb\nc"),
        ("a  \nb\t\n", "a\nb"),
        ("a\n\n\n\n b", "a\n\n b"),
        ("a\n \n\t\n\nb", "a\n\nb"),
        ("\n\n  \nhello\n\n\n", "hello"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),
        ("col\tumn\ttabs", "col\tumn\ttabs"),
        ("\tindented", "\tindented"),
        ("   \r\n\r\n  ", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@given(texts)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once and "\n\n\n" not in once
    assert all(line == line.rstrip() for line in once.split("\n"))


# --- tokenise -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Co-ops don't vote.", ["Co-ops", " ", "don't", " ", "vote", "."]),
        ("a\n\nb  c", ["a", "\n\n", "b", "  ", "c"]),
        ("\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
         ["\u0928\u092e\u0938\u094d\u0924\u0947", " ", "\u0926\u0941\u0928\u093f\u092f\u093e"]),
        ("ok \U0001f44d\U0001f3fd!", ["ok", " ", "\U0001f44d\U0001f3fd", "!"]),
        ("1.5%", ["1", ".", "5", "%"]),
    ],
)
def test_tokenise(text: str, tokens: list[str]) -> None:
    assert tokenise(text) == tokens


@given(texts, st.data())
def test_tokenise_round_trips_and_is_stable_on_slices(text: str, data: st.DataObject) -> None:
    tokens = tokenise(text)
    assert "".join(tokens) == text
    if tokens:
        i = data.draw(st.integers(0, len(tokens)))
        j = data.draw(st.integers(i, len(tokens)))
        assert tokenise("".join(tokens[i:j])) == tokens[i:j]


# --- word_diff ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "ops"),
    [
        ("", "", []),
        ("same", "same", [Op("equal", "same")]),
        ("", "new text", [Op("insert", "new text")]),
        ("old text", "", [Op("delete", "old text")]),
        (
            "The cat sat.",
            "The big cat sat.",
            [Op("equal", "The "), Op("insert", "big "), Op("equal", "cat sat.")],
        ),
        (
            "Members vote once.",
            "Members vote twice.",
            [Op("equal", "Members vote "), Op("delete", "once"), Op("insert", "twice"),
             Op("equal", ".")],
        ),
        (
            "First.\n\nSecond.",
            "First.\n\nSecond.\n\nThird.",
            [Op("equal", "First.\n\nSecond."), Op("insert", "\n\nThird.")],
        ),
        # A changed word is replaced whole, never patched letter by letter.
        (
            "cooperative",
            "cooperatives",
            [Op("delete", "cooperative"), Op("insert", "cooperatives")],
        ),
        (
            "\u00e9t\u00e9 chaud",
            "\u00e9t\u00e9 froid",
            [Op("equal", "\u00e9t\u00e9 "), Op("delete", "chaud"), Op("insert", "froid")],
        ),
    ],
)
def test_word_diff(old: str, new: str, ops: list[Op]) -> None:
    assert word_diff(old, new) == ops


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("One\r\nTwo\r\n", "One\nTwo"),
        ("One\rTwo", "One\nTwo"),
        ("Trailing   \nspace", "Trailing\nspace"),
        ("Blank\n\n\n\nlines", "Blank\n\nlines"),
        ("e\u0301", "\u00e9"),
    ],
)
def test_invisible_changes_are_no_change(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert is_unchanged(ops)
    assert stats(ops) == {"words_added": 0, "words_removed": 0}


@given(prose)
def test_crlf_only_change_shows_no_difference(text: str) -> None:
    assert is_unchanged(word_diff(text, text.replace("\n", "\r\n")))
    assert is_unchanged(word_diff(text.replace("\n", "\r"), text))


@settings(max_examples=300)
@given(st.one_of(texts, prose), st.one_of(texts, prose))
def test_apply_ops_reproduces_new(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert apply_ops(old, ops) == normalise(new)
    assert all(op.text for op in ops)
    assert all(a.kind != b.kind for a, b in zip(ops, ops[1:]))
    assert "".join(op.text for op in ops if op.kind != "insert") == normalise(old)
    assert is_unchanged(ops) == (normalise(old) == normalise(new))


@given(prose, prose)
def test_edits_start_and_end_on_token_boundaries(old: str, new: str) -> None:
    ops = word_diff(old, new)
    bounds_old = _boundaries(normalise(old))
    pos = 0
    for op in ops:
        if op.kind != "insert":
            assert pos in bounds_old
            pos += len(op.text)
            assert pos in bounds_old


def _boundaries(text: str) -> set[int]:
    out, pos = {0}, 0
    for token in tokenise(text):
        pos += len(token)
        out.add(pos)
    return out


@given(st.one_of(texts, prose))
def test_chunks_cut_on_token_boundaries(text: str) -> None:
    chunks = _chunks(text)
    assert "".join(chunks) == text
    assert [t for chunk in chunks for t in tokenise(chunk)] == tokenise(text)


_SPACED = st.lists(
    st.sampled_from(["a", "co-op", "b\u0301", "\u4e2d", ".", ",", " ", " ", "  ", "\t", "\xa0", "\n", "\n\n",
                     "\u200d", "\U0001f44d\U0001f3fd", "'", "_"]), max_size=40,
).map("".join)


@settings(max_examples=400)
@given(st.lists(st.one_of(_SPACED, texts, prose, st.text(max_size=30)), min_size=1, max_size=4))
def test_the_codebook_encodes_chunks_as_their_tokens(pieces: list[str]) -> None:
    # Chunks are cut at their spaces before tokenising (see _Codebook): the codes must still
    # be those of tokenise(chunk), one per token, whatever whitespace stands beside a space.
    book = _Codebook("".join(pieces), "", pieces)
    for chunk in [*pieces, "".join(pieces), " ".join(pieces)]:
        assert [book.tokens[ord(c)] for c in book.encode(chunk)] == tokenise(chunk)


@settings(max_examples=400)
@given(st.one_of(_SPACED, texts, prose), st.one_of(_SPACED, texts, prose), st.one_of(_SPACED, texts, prose))
def test_shared_ends_cut_both_sides_on_token_boundaries(head: str, middle: str, tail: str) -> None:
    # A gap's two sides share a head and a tail, tokenised once (see diff_texts).
    gone, added = head + middle + tail, head + tail
    cut, end, end_added = _shared_ends(gone, added)
    assert gone[:cut] == added[:cut] and gone[end:] == added[end_added:]
    assert cut <= end and cut <= end_added
    for text, stop in ((gone, end), (added, end_added)):
        parts = [text[:cut], text[cut:stop], text[stop:]]
        assert [t for part in parts for t in tokenise(part)] == tokenise(text)


@given(st.text(st.characters(max_codepoint=127), max_size=80))
def test_ascii_pattern_cuts_like_the_general_one(text: str) -> None:
    bmp_pattern, full_pattern = _unicode_res()
    assert _ASCII_RE.findall(text) == bmp_pattern.findall(text) == full_pattern.findall(text)


@given(st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=60))
def test_bmp_pattern_cuts_like_the_general_one(text: str) -> None:
    bmp_pattern, full_pattern = _unicode_res()
    assert bmp_pattern.findall(text) == full_pattern.findall(text)


def test_apply_ops_rejects_ops_for_another_text() -> None:
    ops = word_diff("alpha beta", "alpha gamma")
    with pytest.raises(ValueError):
        apply_ops("alpha delta", ops)
    with pytest.raises(ValueError):
        apply_ops("alpha beta and more", ops)


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        ("a b c", "a b c", 0, 0),
        ("a b c", "a x y c", 2, 1),
        ("Members vote.", "", 0, 2),
        ("", "Co-ops don't vote.", 3, 0),
        ("one, two", "one; two", 0, 0),
    ],
)
def test_stats(old: str, new: str, added: int, removed: int) -> None:
    assert stats(word_diff(old, new)) == {"words_added": added, "words_removed": removed}


# --- rendering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("a <b> & c", "a <b> & c", "a &lt;b&gt; &amp; c"),
        ("x < y", "x > y", "x <del>&lt;</del><ins>&gt;</ins> y"),
        ("The cat sat.", "The big cat sat.", "The <ins>big </ins>cat sat."),
        ("One.\n\nTwo.", "One.\n\nTwo!", "One.\n\nTwo<del>.</del><ins>!</ins>"),
        # Semantic cleanup: one readable edit rather than two one-character ones.
        ('say "hi"', "say 'hi'", "say <del>\"hi\"</del><ins>'hi'</ins>"),
    ],
)
def test_inline_html(old: str, new: str, expected: str) -> None:
    assert inline_html(word_diff(old, new)) == expected


def test_inline_html_marks_bare_line_breaks() -> None:
    joined = inline_html(word_diff("One.\n\nTwo.", "One. Two."))
    split = inline_html(word_diff("One. Two.", "One.\n\nTwo."))
    assert '<del><span class="diff-break"' in joined
    assert '<ins><span class="diff-break"' in split
    assert "\n\n</ins>" in split


@given(prose, prose)
def test_inline_html_holds_both_texts(old: str, new: str) -> None:
    fragment = inline_html(word_diff(old, new))
    assert "<script" not in fragment
    assert _new_side(fragment) == normalise(new)


@pytest.mark.parametrize(
    ("old", "new", "rows"),
    [
        ("a\nb", "a\nb", [("a", "a"), ("b", "b")]),
        (
            "Keep.\n\nOld <line>.\n\nEnd.",
            "Keep.\n\nNew <line>.\n\nEnd.",
            [
                ("Keep.", "Keep."),
                ("<del>Old</del> &lt;line&gt;.", "<ins>New</ins> &lt;line&gt;."),
                ("End.", "End."),
            ],
        ),
        (
            "one",
            "one\n\ntwo\nthree",
            [("one", "one"), ("", "<ins>two</ins>"), ("", "<ins>three</ins>")],
        ),
    ],
)
def test_side_by_side(old: str, new: str, rows: list[tuple[str, str]]) -> None:
    assert side_by_side(word_diff(old, new)) == rows


@given(prose, prose)
def test_side_by_side_holds_both_texts(old: str, new: str) -> None:
    rows = side_by_side(word_diff(old, new))
    assert "<ins>" not in "".join(left for left, _ in rows)
    assert "<del>" not in "".join(right for _, right in rows)
    # Every non-blank line of each text appears, in order, on its side.
    left_lines = [_old_side(left) for left, _ in rows if _old_side(left)]
    right_lines = [_new_side(right) for _, right in rows if _new_side(right)]
    assert left_lines == [line for line in normalise(old).split("\n") if line]
    assert right_lines == [line for line in normalise(new).split("\n") if line]


# --- whole documents ------------------------------------------------------------


def _section(key: str, title: str, body: str) -> dict[str, str]:
    return {"key": key, "title": title, "body": body}


def test_document_diff_statuses() -> None:
    old = [
        _section("s1", "Purpose", "Why we exist."),
        _section("s2", "Members", "Who may join."),
        _section("s3", "Votes", "One co-op, one vote."),
        _section("s4", "Data", "Data stays with members."),
    ]
    new = [
        _section("s1", "Purpose", "Why we exist."),
        _section("s3", "Votes", "One co-op, one vote."),
        _section("s2", "Membership", "Who may join."),
        _section("s5", "Care", "We look after each other."),
    ]
    entries = {e["key"]: e for e in document_diff(old, new)}
    # A removed section follows the section that preceded it in the old order.
    assert [e["key"] for e in document_diff(old, new)] == ["s1", "s3", "s4", "s2", "s5"]
    assert entries["s1"]["status"] == "unchanged"
    assert entries["s3"]["status"] == "unchanged"  # s2 moved past it, not s3
    assert entries["s2"]["status"] == "changed" and entries["s2"]["moved"] is True
    assert entries["s2"]["title_ops"] == [Op("delete", "Members"), Op("insert", "Membership")]
    assert is_unchanged(entries["s2"]["body_ops"])
    assert entries["s4"] == {
        "key": "s4", "status": "removed", "old_index": 3, "new_index": None, "moved": False,
        "title_ops": [Op("delete", "Data")], "body_ops": [Op("delete", "Data stays with members.")],
    }
    assert entries["s5"]["status"] == "added" and entries["s5"]["old_index"] is None
    assert entries["s5"]["body_ops"] == [Op("insert", "We look after each other.")]


def test_document_diff_pure_move_and_crlf() -> None:
    old = [_section("a", "A", "x\r\ny"), _section("b", "B", "z")]
    new = [_section("b", "B", "z"), _section("a", "A", "x\ny")]
    statuses = [(e["key"], e["status"]) for e in document_diff(old, new)]
    assert sorted(statuses) == [("a", "unchanged"), ("b", "moved")] or sorted(statuses) == [
        ("a", "moved"), ("b", "unchanged")
    ]


def test_document_diff_rejects_duplicate_keys() -> None:
    with pytest.raises(ValueError):
        document_diff([_section("a", "", ""), _section("a", "", "")], [])


# --- long inputs: no timeout fallback, ever --------------------------------------


def _standard(seed: int, size: int, sentences: bool = True) -> str:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(rng.randint(2, 9)))
             for _ in range(1500)]
    paragraphs, total = [], 0
    while total < size:
        n = rng.randint(20, 90)
        body = " ".join(rng.choice(vocab) for _ in range(n))
        if sentences:
            # About one word in twelve ends a sentence.
            body = re.sub(r"\w+ ", lambda m: m[0][:-1] + rng.choice([". "] + [" "] * 11), body)
            body += "."
        paragraphs.append(body)
        total += len(body) + 2
    return "\n\n".join(paragraphs) if sentences else " ".join(paragraphs)


def _change_words(text: str, count: int, seed: int) -> tuple[str, int]:
    rng = random.Random(seed)
    tokens = tokenise(text)
    positions = rng.sample([i for i, t in enumerate(tokens) if t.isalpha()], count)
    for i in positions:
        tokens[i] = "changed" + str(i)
    return "".join(tokens), count


@pytest.mark.parametrize("sentences", [True, False], ids=["paragraphs", "one-run-of-words"])
def test_long_text_with_few_changes_gives_a_small_diff(sentences: bool) -> None:
    old = _standard(7, 130_000, sentences)
    assert len(old) >= 130_000
    new, changed = _change_words(old, 12, seed=3)
    started = time.perf_counter()
    ops = word_diff(old, new)
    elapsed = time.perf_counter() - started
    assert apply_ops(old, ops) == new
    edited = sum(len(op.text) for op in ops if op.kind != "equal")
    assert edited < 1_000  # not "delete everything, insert everything"
    assert stats(ops)["words_added"] == changed == stats(ops)["words_removed"]
    assert elapsed < 5  # generous; the benchmark tracks real speed


def test_long_text_with_scattered_changes_stays_exact() -> None:
    old = _standard(11, 130_000)
    new, changed = _change_words(old, 400, seed=5)
    ops = word_diff(old, new)
    assert apply_ops(old, ops) == new
    assert stats(ops)["words_added"] < 3 * changed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 30))
def test_long_text_property(seed: int, count: int) -> None:
    old = _standard(seed, 20_000)
    new, _ = _change_words(old, count, seed)
    ops = word_diff(old, new)
    assert apply_ops(old, ops) == new
    assert sum(len(op.text) for op in ops if op.kind != "equal") < 40 * count + 200


def test_crlf_only_change_of_a_long_text_is_no_change() -> None:
    old = _standard(5, 130_000)
    assert word_diff(old, old.replace("\n", "\r\n")) == [Op("equal", old)]


@pytest.mark.parametrize("sentences", [True, False], ids=["paragraphs", "one-run-of-words"])
def test_unrelated_long_texts_finish_quickly_and_exactly(sentences: bool) -> None:
    # The worst case for exact diffing: almost every word differs.  The edit
    # budget (not a clock) keeps this fast; the answer must still be exact.
    old, new = _standard(1, 130_000, sentences), _standard(2, 130_000, sentences)
    started = time.perf_counter()
    ops = word_diff(old, new)
    assert time.perf_counter() - started < 5
    assert apply_ops(old, ops) == new
    assert word_diff(old, new) == ops  # deterministic


def test_unchanged_sentences_between_rewrites_stay_visible() -> None:
    kept = "Members meet every spring. The board reports on the accounts."
    old = f"Old text about one thing entirely. {kept} Another old sentence here."
    new = f"Completely rewritten opening line now. {kept} A brand new closing remark."
    ops = word_diff(old, new)
    assert any(op.kind == "equal" and kept in op.text for op in ops)
    assert apply_ops(old, ops) == new


def test_more_distinct_words_than_the_basic_plane_holds() -> None:
    # Each distinct token needs its own character: 70,000 words is past 65,535.
    # One line with no sentence ends: the whole text is a single changed stretch.
    old = " ".join(f"w{i}" for i in range(70_000))
    new = old.replace("w12345 ", "changed ").replace("w69990", "last")
    book = _Codebook(old, new, [old, new])
    assert len(book.tokens) > 65_535
    assert book.decode(book.chunks[old]) == old
    ops = word_diff(old, new)
    assert apply_ops(old, ops) == new
    assert stats(ops) == {"words_added": 2, "words_removed": 2}
