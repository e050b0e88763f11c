"""The pure counting of contributions (deliberate/credit/counting.py) and the safe CSV (export.py)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.credit import counting, export
from deliberate.credit.counting import AmendmentCredit, Link, ObjectionCredit, Tally
from deliberate.text.diff import count_words, word_diff
from deliberate.text.normalise import normalise

# Words, punctuation, spaces and line breaks, with a few accented words and a hyphenated one.
PIECES = ["members", "own", "the", "platform", "data", "co-op", "share", "vote", "équité", "it's", "we",
          ",", ".", ";", " ", " ", " ", "\n", "\n\n", "  "]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
chains = st.lists(texts, min_size=1, max_size=6)


# An independent, naive implementation: ownership per character, walking word_diff's ops (the
# public API, not the token bookkeeping of paragraphs.blame), and words found by a regular expression.
_WORD = re.compile(r"\w+(?:['\-]\w+)*")


def naive_surviving_words(chain: list[str]) -> list[int]:
    text = normalise(chain[0])
    owners = [0] * len(text)
    for index, new in enumerate(chain[1:], start=1):
        carried: list[int] = []
        pos = 0
        for op in word_diff(text, new):
            if op.kind == "equal":
                carried += owners[pos:pos + len(op.text)]
                pos += len(op.text)
            elif op.kind == "delete":
                pos += len(op.text)
            else:
                carried += [index] * len(op.text)
        text, owners = normalise(new), carried
        assert len(owners) == len(text)
    result = [0] * len(chain)
    for match in _WORD.finditer(text):
        result[owners[match.start()]] += 1
    return result


@settings(max_examples=300, deadline=None)
@given(chains)
def test_surviving_words_add_up_to_the_words_of_the_final_text(chain):
    words = counting.surviving_words(chain)
    assert len(words) == len(chain)
    assert sum(words) == count_words(normalise(chain[-1]))
    assert all(w >= 0 for w in words)


@settings(max_examples=300, deadline=None)
@given(chains)
def test_surviving_words_agree_with_a_naive_implementation(chain):
    assert counting.surviving_words(chain) == naive_surviving_words(chain)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["ana", "bo", "cy", None]), max_size=4), min_size=1, max_size=6), chains)
def test_attributed_words_always_sum_to_the_word_count(authors, chain):
    links = [Link(text, tuple(people), new=i % 2 == 0) for i, (text, people) in enumerate(zip(chain, authors * 6))]
    attributed = counting.attribute_words(links)
    assert sum(w for w, _n in attributed.values()) == count_words(normalise(links[-1].text))
    assert all(0 < n + w and n <= w for w, n in attributed.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=6))
def test_appending_fresh_words_credits_exactly_what_each_revision_added(sizes):
    chain, text = [], ""
    for index, size in enumerate(sizes):
        text = (text + " " if text else "") + " ".join(f"w{index}x{k}" for k in range(size))
        chain.append(text)
    assert counting.surviving_words(chain) == sizes


@pytest.mark.parametrize("chain, expected", [
    (["Members own the platform."], [4]),
    (["Members own the platform.", "Members own the platform."], [4, 0]),
    (["Members own the platform.", "Members own the platform together."], [4, 1]),
    (["Members own it.", "Workers run it."], [1, 2]),
    (["Old words here.", "", "New words."], [0, 0, 2]),
    (["One two three.", "One two three four.", "One three four."], [2, 1, 0]),
    ([], []),
])
def test_surviving_words_examples(chain, expected):
    assert counting.surviving_words(chain) == expected


@pytest.mark.parametrize("words, authors, expected", [
    (6, ["ana", "bo"], {"ana": 3, "bo": 3}),
    (5, ["bo", "ana"], {"bo": 3, "ana": 2}),
    (7, ["a", "b", "c"], {"a": 3, "b": 2, "c": 2}),
    (1, ["a", "b", "c"], {"a": 1, "b": 0, "c": 0}),
    (4, ["a", "a", "b"], {"a": 2, "b": 2}),  # credited twice counts once
    (4, [], {None: 4}),  # nobody recorded
    (0, ["a"], {"a": 0}),
])
def test_share(words, authors, expected):
    assert counting.share(words, authors) == expected
    assert sum(counting.share(words, authors).values()) == words


def test_new_words_are_only_those_of_revisions_since_the_last_release():
    chain = [Link("Members own the platform.", ("ana",), new=False),
             Link("Members own the platform together.", ("bo",), new=True)]
    assert counting.attribute_words(chain) == {"ana": (4, 0), "bo": (1, 1)}


def test_release_tallies_and_co_op_totals():
    chains = [[Link("Members own the platform.", (("ana", "kazi"),)),
               Link("Members own the platform with equal shares.", (("bo", "mesa"), ("ana", "kazi")))]]
    amendments = [AmendmentCredit(7, ("bo", "mesa"), (("ana", "kazi"), ("bo", "mesa"), ("al", "kazi")))]
    objections = [ObjectionCredit(3, ("cy", "tide"), amendments[0].authors, ("st", None))]
    tallies = counting.release_tallies(chains, amendments, objections)
    assert tallies[("ana", "kazi")].words == 4 + 1 and tallies[("bo", "mesa")].words == 2
    assert tallies[("bo", "mesa")].proposed == {7} and tallies[("bo", "mesa")].coauthored == set()
    assert tallies[("ana", "kazi")].coauthored == {7} == tallies[("al", "kazi")].coauthored
    assert tallies[("cy", "tide")].objections_raised == {3}
    assert tallies[("st", None)].resolutions_recorded == {3}
    assert tallies[("al", "kazi")].objections_resolved == {3}
    coops = counting.combine(tallies, lambda key: key[1])
    kazi = coops["kazi"].counts()
    # Two delegates of Kazi co-authored amendment 7 and resolved objection 3: each counts once.
    assert kazi["amendments_coauthored"] == 1 and kazi["objections_resolved"] == 1 and kazi["words"] == 5
    assert sum(t.words for t in coops.values()) == count_words("Members own the platform with equal shares.")


def test_an_empty_tally_is_empty():
    assert Tally().is_empty() and not Tally(words=1).is_empty()


@pytest.mark.parametrize("value, expected", [
    ("Kazi Riders", "Kazi Riders"),
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=b", "a=b"), (12, 12), (0, 0), (None, ""), (True, "yes"),
])
def test_csv_cells_never_start_a_formula(value, expected):
    assert export.safe_cell(value) == expected


@given(st.lists(st.text(max_size=20), min_size=1, max_size=5))
def test_csv_round_trips_and_no_cell_starts_a_formula(names):
    document = export.to_csv(["name", "words"], [{"name": n, "words": i} for i, n in enumerate(names)])
    rows = list(csv.reader(io.StringIO(document, newline="")))
    assert rows[0] == ["name", "words"]
    for (name, words), original in zip(rows[1:], names):
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
        assert name == original or name == "'" + original
        assert words.isdigit()
