"""Paragraph splitting, numbering and blame (deliberate.text.paragraphs)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.text.diff import tokenise
from deliberate.text.normalise import normalise
from deliberate.text.paragraphs import (
    NumberedParagraph,
    Passage,
    blame,
    number_paragraphs,
    paragraph_label,
    split_paragraphs,
)


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("", []),
        ("One line.", ["One line."]),
        ("First.\n\nSecond.", ["First.", "Second."]),
        ("First\r\nstill first\r\n\r\n\r\nSecond", ["First\nstill first", "Second"]),
        ("- a\n- b\n\n1. c", ["- a\n- b", "1. c"]),
        ("Intro\n\n```\ncode\n\nmore code\n```\n\nAfter",
         ["Intro", "```\ncode\n\nmore code\n```", "After"]),
        ("~~~ python\nx = 1\n\ny = 2\n~~~", ["~~~ python\nx = 1\n\ny = 2\n~~~"]),
        # A longer fence is closed only by a fence at least as long.
        ("````\n```\n\ninner\n```\n\n````\n\nnext", ["````\n```\n\ninner\n```\n\n````", "next"]),
        # A tilde line does not close a backtick fence.
        ("```\na\n\n~~~\n\nb\n```\n\nc", ["```\na\n\n~~~\n\nb\n```", "c"]),
        # An unclosed fence runs to the end, as in CommonMark.
        ("Text\n\n```\nopen\n\nstill open", ["Text", "```\nopen\n\nstill open"]),
        # A fence may follow a paragraph line directly.
        ("Say:\n```\na\n\nb\n```\n\nend", ["Say:\n```\na\n\nb\n```", "end"]),
        # Four spaces of indent: not a fence.
        ("    ```\n\nx", ["    ```", "x"]),
        # Inline backticks in a backtick fence's info string: not a fence.
        ("``` a`b\n\nx", ["``` a`b", "x"]),
    ],
)
def test_split_paragraphs(text: str, blocks: list[str]) -> None:
    assert split_paragraphs(text) == blocks


@given(st.lists(st.sampled_from(["text", "```", "~~~", "", "  ", "\r", "- item", "````"]),
                max_size=30).map("\n".join))
def test_split_paragraphs_keeps_all_text(text: str) -> None:
    blocks = split_paragraphs(text)
    assert "\n\n".join(blocks) == normalise(text)
    assert all(block and not block.startswith("\n") for block in blocks)


@pytest.mark.parametrize(
    ("section", "index", "label"),
    [("3.2", 4, "3.2 \u00b64"), ("1", 1, "1 \u00b61"), (None, 2, "\u00b62"), ("", 7, "\u00b67")],
)
def test_paragraph_label(section: str | None, index: int, label: str) -> None:
    assert paragraph_label(section, index) == label


def test_number_paragraphs() -> None:
    assert number_paragraphs("A.\n\nB.\n\n\nC.", "3.2") == [
        NumberedParagraph(1, "3.2 \u00b61", "A."),
        NumberedParagraph(2, "3.2 \u00b62", "B."),
        NumberedParagraph(3, "3.2 \u00b63", "C."),
    ]
    assert number_paragraphs("") == []


# --- blame ----------------------------------------------------------------------


@dataclass
class Rev:
    id: int
    text: str


def _owners(passages: list[Passage]) -> list[tuple[str, object]]:
    return [(p.text, p.revision_id) for p in passages]


@pytest.mark.parametrize(
    ("revisions", "expected"),
    [
        ([], []),
        ([{"id": "r1", "text": ""}], []),
        ([{"id": "r1", "text": "Hello world."}], [("Hello world.", "r1")]),
        (
            [{"id": 1, "text": "Hello world."}, {"id": 2, "text": "Hello big world."},
             {"id": 3, "text": "Hello big world. Bye."}],
            [("Hello ", 1), ("big ", 2), ("world.", 1), (" Bye.", 3)],
        ),
        # A revision that changes nothing attributes nothing.
        ([Rev(1, "Same text."), Rev(2, "Same text.\r\n")], [("Same text.", 1)]),
        # Text removed and later restored belongs to the revision that restored it.
        ([Rev(1, "a b c"), Rev(2, "a c"), Rev(3, "a b c")], [("a ", 1), ("b ", 3), ("c", 1)]),
        (
            [Rev(1, "Purpose.\n\nScope."), Rev(2, "Purpose.\n\nNew.\n\nScope.")],
            [("Purpose.\n\n", 1), ("New.\n\n", 2), ("Scope.", 1)],
        ),
    ],
)
def test_blame(revisions: list, expected: list) -> None:
    assert _owners(blame(revisions)) == expected


def test_blame_offsets_cover_final_text() -> None:
    passages = blame([Rev(1, "One two three."), Rev(2, "One 2 three. Four.")])
    final = "One 2 three. Four."
    assert "".join(p.text for p in passages) == final
    assert all(final[p.start : p.end] == p.text for p in passages)
    assert [p.start for p in passages[1:]] == [p.end for p in passages[:-1]]


WORDS = st.sampled_from(["co-op", "vote", "the", "data", "\u00e9t\u00e9", "x", ".", ",", "\n\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(WORDS, max_size=20), min_size=1, max_size=6))
def test_blame_attributes_every_word(versions: list[list[str]]) -> None:
    # Each revision may also add words of its own, to see where they land.
    texts = [" ".join(words + [f"new{k}"] * (k % 2)) for k, words in enumerate(versions)]
    revisions = [{"id": k, "text": text} for k, text in enumerate(texts)]
    passages = blame(revisions)
    final = normalise(texts[-1])
    assert "".join(p.text for p in passages) == final
    first_seen: dict[str, int] = {}
    for k, text in enumerate(texts):
        for token in tokenise(normalise(text)):
            first_seen.setdefault(token, k)
    for p in passages:
        assert p.revision_id in range(len(texts))
        assert p.text  # no empty passages
        for token in tokenise(p.text):
            # A word cannot be credited to a revision older than its first appearance.
            assert p.revision_id >= first_seen[token]
    assert all(a.revision_id != b.revision_id for a, b in zip(passages, passages[1:]))


def test_blame_long_history() -> None:
    text = "\n\n".join(f"Clause {i} applies to member {i}." for i in range(300))
    revisions = [{"id": 0, "text": text}]
    for k in range(1, 30):
        text = text.replace(f"Clause {k * 7} applies", f"Clause {k * 7} now applies")
        revisions.append({"id": k, "text": text})
    passages = blame(revisions)
    credited = {p.revision_id for p in passages}
    assert credited == set(range(30))
    assert [p.text for p in passages if p.revision_id == 5] == ["now "]
