"""A version's full text in one canonical Markdown file, and reading it back. Pure.

The canonical text is what a version *is*: its SHA-256 is the version's content hash (shown in
the citation line and recorded in the changelog), it is exactly the text the ratification vote
is bound to (the vote record's ``text_hash`` equals the content hash), and it is the ``.md``
download, so ``sha256sum`` of the downloaded file gives the hash back. It reads as ordinary
Markdown; each section is introduced by an HTML comment (invisible when rendered) carrying its
stable key, its kind and the number of lines of its body, so that any body, even one holding
headings or such lines itself, is read back exactly. The comment is a Markdown link reference
definition (``[//]: # (…)``), which every CommonMark renderer consumes without showing it, even
with raw HTML turned off::

    # Platform Co-op Principles

    Version 1.1

    [//]: # (deliberate section key=member-ownership kind=principle lines=3)
    ## 1. Member ownership

    The platform is owned by the people who depend on it.

    Each member holds an equal share.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MARKER = "[//]: # (deliberate section "
_MARKER_LINE = re.compile(r"^\[//\]: # \(deliberate section key=(\S+) kind=(\S+) lines=(0|[1-9]\d{0,6})\)$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_KINDS = ("principle", "guidance", "editorial")


class DocumentError(ValueError):
    """The text is not a canonical version document; the message names the line."""


@dataclass(frozen=True)
class Document:
    """A version's text: the standard's title, the number and the ordered sections."""

    title: str
    number: str
    sections: tuple[dict[str, str], ...]


def _field(section: Any, name: str) -> Any:
    return section[name] if isinstance(section, Mapping) else getattr(section, name)


def _section(section: Any) -> dict[str, str]:
    key, kind = _field(section, "key"), _field(section, "kind")
    title, body = _field(section, "title"), _field(section, "body")
    if not isinstance(key, str) or not _KEY.match(key):
        raise DocumentError(f"section key {key!r} is not a stable key (lowercase letters, digits, hyphens)")
    if kind not in _KINDS:
        raise DocumentError(f"section {key}: kind {kind!r} is not one of {', '.join(_KINDS)}")
    if not isinstance(title, str) or not title or "\n" in title or title != title.strip():
        raise DocumentError(f"section {key}: the title must be one line of text without surrounding spaces")
    if not isinstance(body, str):
        raise DocumentError(f"section {key}: the body must be text")
    return {"key": key, "kind": kind, "title": title, "body": body}


def render(title: str, number: str, sections: Iterable[Any]) -> str:
    """The canonical Markdown of a version (sections in order; mappings or objects with key,
    kind, title and body). Always ends with one newline."""
    if not title or "\n" in title:
        raise DocumentError("the standard's title must be one line")
    lines = [f"# {title}", "", f"Version {number}"]
    for position, section in enumerate(sections, start=1):
        s = _section(section)
        body_lines = s["body"].split("\n") if s["body"] else []
        lines += ["", f"{MARKER}key={s['key']} kind={s['kind']} lines={len(body_lines)})",
                  f"## {position}. {s['title']}"]
        if body_lines:
            lines += ["", *body_lines]
    return "\n".join(lines) + "\n"


def content_hash(text: str) -> str:
    """Hex SHA-256 of the canonical text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str) -> Document:
    """Read a canonical version text back; DocumentError (naming the line) if it is not one.

    ``render(*parse(t))`` gives ``t`` back byte for byte."""
    if not text.endswith("\n"):
        raise DocumentError("the text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0].startswith("# ") or lines[1] != "" or not lines[2].startswith("Version "):
        raise DocumentError("line 1: expected '# <title>', a blank line and 'Version <number>'")
    title, number = lines[0][2:], lines[2][len("Version "):]
    sections: list[dict[str, str]] = []
    i = 3
    while i < len(lines):
        if lines[i] != "" or i + 2 >= len(lines):
            raise DocumentError(f"line {i + 1}: expected a blank line before the next section")
        match = _MARKER_LINE.match(lines[i + 1])
        if not match:
            raise DocumentError(f"line {i + 2}: expected a section marker")
        meta = {"key": match.group(1), "kind": match.group(2), "lines": int(match.group(3))}
        heading = f"## {len(sections) + 1}. "
        if not lines[i + 2].startswith(heading):
            raise DocumentError(f"line {i + 3}: expected the heading '{heading}<title>'")
        section_title = lines[i + 2][len(heading):]
        count = meta["lines"]
        i += 3
        body: list[str] = []
        if count:
            body = lines[i + 1:i + 1 + count]
            if i >= len(lines) or lines[i] != "" or len(body) != count:
                raise DocumentError(f"line {i + 1}: expected a blank line and {count} lines of text")
            i += 1 + count
        sections.append(_section({"key": meta["key"], "kind": meta["kind"], "title": section_title,
                                  "body": "\n".join(body)}))
    document = Document(title, number, tuple(sections))
    if render(document.title, document.number, document.sections) != text:
        raise DocumentError("the text is not in canonical form")
    return document


__all__ = ["Document", "DocumentError", "MARKER", "content_hash", "parse", "render"]
