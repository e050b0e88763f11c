"""Pure text helpers for search: what gets indexed, how a query is read, how a match is marked.

Nothing here imports Flask or SQLAlchemy. People type plain words and "quoted phrases"; the
parser turns that into a list of terms, and each backend renders the terms itself (FTS5 quotes
every term, PostgreSQL passes each one to ``phraseto_tsquery``), so no user input is ever read
as query syntax.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# Private-use characters mark the start and end of a match in snippets. They are stripped from
# everything indexed, so the only ones in a snippet are the database's own.
MARK_START = "\ue000"
MARK_END = "\ue001"
_MARKERS = re.compile(f"[{MARK_START}{MARK_END}]")

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Term:
    """One thing to find: a word (``co-op``) or a phrase (``one member one vote``)."""

    text: str
    phrase: bool = False


def parse_query(query: str | None) -> list[Term]:
    """Read what a person typed into terms: words, and "phrases" in double quotes.

    Terms without a letter or digit are dropped (they match nothing), as are repeats and control
    characters; at most ``MAX_TERMS`` terms from the first ``MAX_QUERY_LENGTH`` characters are
    kept. An unclosed quote runs to the end of the query.
    """
    terms: list[Term] = []
    seen: set[str] = set()
    for match in _TERM.finditer(clean((query or "")[:MAX_QUERY_LENGTH])):
        phrase = match.group(1) is not None
        text = " ".join((match.group(1) if phrase else match.group(2)).split())
        if not _WORD.search(text) or text.lower() in seen:
            continue
        seen.add(text.lower())
        terms.append(Term(text, phrase and " " in text))
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_match(terms: list[Term]) -> str:
    """The FTS5 MATCH expression for ``terms``: every term quoted, all of them required.

    Inside an FTS5 string a double quote is written twice; the parser never keeps one, but the
    escaping does not rely on that.
    """
    return " ".join('"' + term.text.replace('"', '""') + '"' for term in terms)


def describe(terms: list[Term]) -> str:
    """The query as it was understood, for the results heading."""
    return " ".join(f"“{t.text}”" if t.phrase else t.text for t in terms)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("js-default", {"html": False})


def plain_text(markdown: str | None) -> str:
    """The words of a Markdown text without its markup, one block per line.

    Link targets, image addresses and formatting characters are left out so that snippets read
    as prose; code keeps its text.
    """
    lines: list[str] = []
    for token in _parser().parse(markdown or ""):
        if token.type == "inline":
            words = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
                elif child.type == "image":
                    words.append(child.content)
            lines.append("".join(words))
        elif token.type in ("code_block", "fence"):
            lines.append(token.content.rstrip("\n"))
    return clean("\n".join(line for line in lines if line.strip()))


def clean(text: str | None) -> str:
    """Text as it is stored in the index (and queried): no match markers, no control characters."""
    return _CONTROL.sub("", _MARKERS.sub("", text or ""))


def marked(fragment: str | None) -> Markup:
    """HTML for a snippet: escape the text first, then turn the match markers into <mark>.

    A fragment cut inside a match (an opening marker without its closing one) is closed.
    """
    html = str(escape(fragment or ""))
    opened = 0
    parts: list[str] = []
    for piece in re.split(f"([{MARK_START}{MARK_END}])", html):
        if piece == MARK_START:
            if not opened:
                parts.append("<mark>")
            opened = 1
        elif piece == MARK_END:
            if opened:
                parts.append("</mark>")
            opened = 0
        else:
            parts.append(piece)
    if opened:
        parts.append("</mark>")
    return Markup("".join(parts))
