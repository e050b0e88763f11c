"""How a new version is numbered, from what changed since the last one. Pure.

Semantic numbering for a document that co-ops cite:

- **major** (1.1 -> 2.0): a principle was added or removed;
- **minor** (1.1 -> 1.2): a section was reworded, retitled or moved, or a guidance section was
  added or removed;
- **patch** (1.1 -> 1.1.1): only editorial sections changed, or the only edits are typo fixes
  (a word respelt, a letter's case, punctuation or spacing).

The first version is always 1.0. A steward may override the level (the reasons then say so).
Changes are described section by section (:class:`SectionChange`), as the whole-document diff
between the previous version and the candidate gives them: ``added`` is an adopted insertion,
``removed`` a deletion, ``changed`` a modification or retitling, ``moved`` a move. Describing the
text itself rather than the amendments also covers direct edits of the working draft.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .. import notices
from ..translatable import N_

LEVELS = ("patch", "minor", "major")
LEVEL_LABELS = {"initial": N_("first version"), "major": N_("major"), "minor": N_("minor"), "patch": N_("patch")}
FIRST = "1.0"
STATUSES = ("added", "removed", "changed", "moved")

_NUMBER = re.compile(r"(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(?:\.([1-9]\d{0,5}))?")
# Replacing one of these words is never a typo fix, however close the spelling ("now"/"not").
_WEIGHTY = frozenset({
    "not", "no", "nor", "never", "none", "now", "must", "may", "might", "shall", "should", "can", "cannot",
    "could", "will", "would", "all", "any", "each", "every", "some", "only", "always", "without", "with",
    "before", "after", "more", "less", "least", "most", "and", "or", "but", "if", "unless",
})


class NumberingError(ValueError):
    """A version number or level that does not make sense."""


@dataclass(frozen=True)
class SectionChange:
    """One section's change between two versions of a standard."""

    key: str
    status: str
    kind: str = "principle"
    old_title: str = ""
    new_title: str = ""
    old_body: str = ""
    new_body: str = ""


@dataclass(frozen=True)
class Numbering:
    """The number chosen for a candidate, its level and the reasons, in plain words."""

    number: str
    level: str
    reasons: tuple[str, ...]
    overridden: bool = False


def parse_number(number: str) -> tuple[int, int, int]:
    """"1.2" -> (1, 2, 0); "1.2.3" -> (1, 2, 3). NumberingError if malformed."""
    match = _NUMBER.fullmatch(number) if isinstance(number, str) else None
    if not match:
        raise NumberingError(f"{number!r} is not a version number like 1.0, 1.2 or 1.2.1")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def format_number(major: int, minor: int, patch: int = 0) -> str:
    """(1, 2, 0) -> "1.2"; (1, 2, 1) -> "1.2.1" (the patch part only when it is not zero)."""
    return f"{major}.{minor}.{patch}" if patch else f"{major}.{minor}"


def is_number(text: str) -> bool:
    """True for a well-formed version number."""
    return isinstance(text, str) and bool(_NUMBER.fullmatch(text))


def sort_key(number: str) -> tuple[int, int, int]:
    """Order version numbers numerically ("1.10" after "1.9")."""
    return parse_number(number)


def bump(previous: str, level: str) -> str:
    """The number after ``previous`` for a change of ``level``."""
    major, minor, patch = parse_number(previous)
    if level == "major":
        return format_number(major + 1, 0)
    if level == "minor":
        return format_number(major, minor + 1)
    if level == "patch":
        return format_number(major, minor, patch + 1)
    raise NumberingError(f"{level!r} is not a level (one of {', '.join(LEVELS)})")


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (a swap of two neighbouring letters counts once)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _respelt(old: str, new: str) -> bool:
    """One word replaced by a near spelling of itself: "recieve" -> "receive", "data" -> "Data"."""
    old, new = old.strip(), new.strip()
    if not old or not new or any(ch.isspace() for ch in old + new):
        return False
    if old.lower() == new.lower():
        return True
    if old.lower() in _WEIGHTY or new.lower() in _WEIGHTY:
        return False
    allowed = 1 if max(len(old), len(new)) <= 6 else 2
    return _distance(old.lower(), new.lower()) <= allowed


def is_typo_fix(old: str, new: str) -> bool:
    """True when turning ``old`` into ``new`` only respells single words or touches punctuation
    and spacing: no word is added or removed, so the meaning cannot have changed by much."""
    # Imported here: the offline verifier imports this module and must need only the standard library.
    from deliberate.text.diff import word_diff

    ops = word_diff(old, new)
    i = 0
    changed = False
    while i < len(ops):
        op = ops[i]
        if op.kind == "equal":
            i += 1
            continue
        changed = True
        deleted = inserted = ""
        while i < len(ops) and ops[i].kind != "equal":
            if ops[i].kind == "delete":
                deleted += ops[i].text
            else:
                inserted += ops[i].text
            i += 1
        if not _has_word(deleted) and not _has_word(inserted):
            continue  # punctuation or spacing only
        if not _respelt(deleted, inserted):
            return False
    return changed


def classify(change: SectionChange) -> tuple[str, str]:
    """(level, reason) for one section's change."""
    title = change.new_title or change.old_title or change.key
    kind = change.kind
    if change.status not in STATUSES:
        raise NumberingError(f"{change.status!r} is not a kind of change ({', '.join(STATUSES)})")
    added = change.status == "added"
    if change.status in ("added", "removed"):
        if kind == "principle":
            return "major", (notices.PRINCIPLE_ADDED if added else notices.PRINCIPLE_REMOVED)(title=title)
        if kind == "editorial":
            return "patch", (notices.EDITORIAL_ADDED if added else notices.EDITORIAL_REMOVED)(title=title)
        return "minor", (notices.GUIDANCE_ADDED if added else notices.GUIDANCE_REMOVED)(title=title)
    if change.status == "moved":
        if kind == "editorial":
            return "patch", notices.EDITORIAL_MOVED(title=title)
        return "minor", notices.MOVED(title=title)
    if kind == "editorial":
        return "patch", notices.EDITORIAL_EDITED(title=title)
    title_same, body_same = change.old_title == change.new_title, change.old_body == change.new_body
    if title_same and body_same:
        return "patch", notices.UNCHANGED(title=title)
    if (title_same or is_typo_fix(change.old_title, change.new_title)) and \
            (body_same or is_typo_fix(change.old_body, change.new_body)):
        return "patch", notices.TYPO_FIXES(title=title)
    if body_same:
        return "minor", notices.RETITLED(old=change.old_title, new=change.new_title)
    return "minor", notices.REWORDED(title=title)


def change_level(changes: Iterable[SectionChange]) -> tuple[str, tuple[str, ...]]:
    """The highest level among ``changes`` and every reason, the weightiest first.

    NumberingError when there is no change at all (a version must change something)."""
    found = [classify(change) for change in changes]
    if not found:
        raise NumberingError("nothing changed since the last version")
    level = max((lvl for lvl, _ in found), key=LEVELS.index)
    reasons = tuple(reason for _, reason in sorted(found, key=lambda item: -LEVELS.index(item[0])))
    return level, reasons


def next_number(previous: str | None, changes: Iterable[SectionChange], override: str | None = None) -> Numbering:
    """Number a candidate after ``previous`` (the last ratified number, None for the first).

    ``override`` ("major", "minor" or "patch") is a steward's choice of level; it is ignored for
    the first version, which is always 1.0.
    """
    changes = list(changes)
    if override not in (None, "", *LEVELS):
        raise NumberingError(f"{override!r} is not a level (one of {', '.join(LEVELS)})")
    if previous is None:
        return Numbering(FIRST, "initial", (notices.FIRST_VERSION(),))
    level, reasons = change_level(changes)
    if override and override != level:
        reasons = (notices.LEVEL_CHOSEN(chosen=override, level=level), *reasons)
        return Numbering(bump(previous, override), override, reasons, overridden=True)
    return Numbering(bump(previous, level), level, reasons)


__all__ = ["FIRST", "LEVELS", "LEVEL_LABELS", "Numbering", "NumberingError", "SectionChange", "bump",
           "change_level", "classify", "format_number", "is_number", "is_typo_fix", "next_number",
           "parse_number", "sort_key"]
