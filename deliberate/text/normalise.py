"""Text normalisation applied before anything is diffed, merged or hashed.

Two texts that a reader would call identical must compare equal here, otherwise
diffs show phantom changes (a CRLF pasted from a word processor, trailing spaces,
a decomposed accent typed on a Mac).
"""

from __future__ import annotations

import unicodedata

__all__ = ["normalise"]


def normalise(text: str) -> str:
    """Return ``text`` in the canonical form used for storage and diffing.

    - CRLF and lone CR line endings become LF;
    - trailing whitespace is stripped from every line (tabs inside lines stay);
    - runs of blank lines collapse to a single blank line;
    - leading and trailing blank lines are removed;
    - the result is in Unicode NFC.

    The function is idempotent: ``normalise(normalise(t)) == normalise(t)``.
    """
    if not text:
        return ""
    # NFC first: composing characters can never create or remove line breaks
    # or trailing whitespace, but doing it first keeps the order obviously safe.
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    blank_pending = False
    # split("\n") rather than splitlines(): splitlines() also breaks on form
    # feeds, U+2028 and friends, which would silently rewrite the text.
    for line in text.split("\n"):
        line = line.rstrip()
        if not line:
            blank_pending = bool(out)  # leading blank lines are dropped
            continue
        if blank_pending:
            out.append("")
            blank_pending = False
        out.append(line)
    return "\n".join(out)
