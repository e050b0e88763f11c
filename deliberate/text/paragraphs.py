"""Paragraphs of a section's Markdown, their numbers, and word-level blame.

Paragraph numbers let people cite text ("3.2 ¶4") in comments and votes;
blame tells readers which revision introduced each passage of a section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from deliberate.text.diff import diff_texts, tokenise
from deliberate.text.normalise import normalise

__all__ = [
    "NumberedParagraph",
    "Passage",
    "blame",
    "number_paragraphs",
    "paragraph_anchor",
    "paragraph_label",
    "split_paragraphs",
]

# CommonMark fences: up to three spaces, then ``` or ~~~ (three or more).
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split_paragraphs(markdown_text: str) -> list[str]:
    """Split Markdown into blocks separated by blank lines.

    A fenced code block is never cut, even when it holds blank lines; an
    unclosed fence runs to the end of the text, as in CommonMark.  The text is
    normalised first, so ``"\\n\\n".join(result) == normalise(markdown_text)``.
    """
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None  # the opening fence while inside a code block
    for line in normalise(markdown_text).split("\n"):
        if fence is not None:
            current.append(line)
            stripped = line.strip()
            indent = len(line) - len(line.lstrip(" "))
            # A closing fence: same character, at least as long, nothing after.
            if indent <= 3 and len(stripped) >= len(fence) and stripped == fence[0] * len(stripped):
                fence = None
            continue
        if not line:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        opening = _FENCE_OPEN.match(line)
        # A backtick fence's info string may not contain backticks (CommonMark).
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            fence = opening.group(1)
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def paragraph_label(section_number: str | None, index: int) -> str:
    """Label a paragraph for citation: ``paragraph_label("3.2", 4) == "3.2 ¶4"``.

    ``index`` counts from 1; without a section number the label is ``"¶4"``.
    """
    return f"{section_number} \u00b6{index}" if section_number else f"\u00b6{index}"


def paragraph_anchor(section_key: str, number: int) -> str:
    """The HTML id of a paragraph: ``paragraph_anchor("data-rights", 2) == "data-rights-p2"``.

    It names the section, so that a page showing several sections has each id once (the
    templates' ``numbered`` macros write the same form).
    """
    return f"{section_key}-p{number}"


@dataclass(frozen=True)
class NumberedParagraph:
    """A paragraph with its 1-based number, citation label and text."""

    number: int
    label: str
    text: str


def number_paragraphs(
    markdown_text: str, section_number: str | None = None
) -> list[NumberedParagraph]:
    """Split ``markdown_text`` into paragraphs numbered from 1 for citation."""
    return [
        NumberedParagraph(i, paragraph_label(section_number, i), text)
        for i, text in enumerate(split_paragraphs(markdown_text), start=1)
    ]


@dataclass(frozen=True)
class Passage:
    """A run of the final text introduced by one revision.

    ``start`` and ``end`` are character offsets into the normalised final text.
    """

    text: str
    revision_id: Any
    start: int
    end: int


def _get(revision: Any, name: str) -> Any:
    return revision[name] if isinstance(revision, Mapping) else getattr(revision, name)


def blame(revisions: Sequence[Any]) -> list[Passage]:
    """Attribute every part of the latest text to the revision that wrote it.

    ``revisions`` are ordered oldest first; each is a mapping or object with
    ``id`` and ``text``.  Each pair of consecutive revisions is word-diffed:
    kept tokens keep their attribution, inserted tokens take the newer id.
    Returns the final (normalised) text as consecutive passages; joining their
    texts gives the final text back.  No revisions gives ``[]``.
    """
    if not revisions:
        return []
    text = normalise(_get(revisions[0], "text"))
    owners: list[Any] = [_get(revisions[0], "id")] * len(tokenise(text))
    for revision in revisions[1:]:
        new_text = normalise(_get(revision, "text"))
        new_id = _get(revision, "id")
        if new_text == text:
            continue
        carried: list[Any] = []
        pos = 0
        for op, run in diff_texts(text, new_text):
            n = len(tokenise(run))  # runs are token-aligned, so this is exact
            if op == 0:
                carried += owners[pos : pos + n]
            if op != 1:
                pos += n
            else:
                carried += [new_id] * n
        owners, text = carried, new_text

    tokens = tokenise(text)
    if len(tokens) != len(owners):  # would mean a diff that skipped tokens
        raise RuntimeError("blame lost track of tokens")
    passages: list[Passage] = []
    offset = i = 0
    for owner, run in groupby(owners):
        n = len(list(run))
        chunk = "".join(tokens[i : i + n])
        passages.append(Passage(chunk, owner, offset, offset + len(chunk)))
        offset, i = offset + len(chunk), i + n
    return passages
