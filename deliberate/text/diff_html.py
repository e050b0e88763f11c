"""Word diffs as HTML: inline (``<ins>``/``<del>`` in the running text) and side by side.

The diffs themselves come from ``deliberate.text.diff``; this module only renders its ``Op``
runs, escaped, readable with colour and without it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from itertools import zip_longest

from deliberate.text.diff import Op

__all__ = ["inline_html", "side_by_side"]


# A line break that is added or removed is invisible on its own, so it is
# shown as a pilcrow inside the <ins>/<del>; tests strip this span.
_BREAK_MARK = '<span class="diff-break" title="line break">\u00b6</span>'


def _tagged(tag: str, text: str) -> str:
    body = html.escape(text, quote=False)
    if "\n" in text and not text.strip():
        # A removed break no longer breaks the line; an added one does.
        body = _BREAK_MARK + (body if tag == "ins" else "")
    return f"<{tag}>{body}</{tag}>"


def inline_html(ops: Sequence[Op]) -> str:
    """Render ``ops`` as escaped HTML with ``<ins>`` and ``<del>`` around edits.

    Newlines stay as ``\\n``; the caller shows the result with
    ``white-space: pre-wrap``.  Readable without colour.
    """
    parts: list[str] = []
    for op in ops:
        if op.kind == "equal":
            parts.append(html.escape(op.text, quote=False))
        else:
            parts.append(_tagged("ins" if op.kind == "insert" else "del", op.text))
    return "".join(parts)


def side_by_side(ops: Sequence[Op]) -> list[tuple[str, str]]:
    """Render ``ops`` as rows of ``(old_html, new_html)``, one per line pair.

    Unchanged lines line up; inside a changed stretch, old and new lines are
    paired in order and the shorter side is padded with ``""``.  Deletions are
    marked ``<del>`` on the left, insertions ``<ins>`` on the right.  Rows that
    are blank on both sides (paragraph gaps) are left out.
    """
    rows: list[tuple[str, str]] = []
    left: list[str] = [""]
    right: list[str] = [""]

    def flush() -> None:
        for pair in zip_longest(left, right, fillvalue=""):
            if pair != ("", ""):
                rows.append(pair)

    for op in ops:
        lines = op.text.split("\n")
        if op.kind == "equal":
            for k, line in enumerate(lines):
                if k:
                    flush()
                    left[:], right[:] = [""], [""]
                esc = html.escape(line, quote=False)
                left[-1] += esc
                right[-1] += esc
            continue
        tag, side = ("del", left) if op.kind == "delete" else ("ins", right)
        # Only a bare line break needs the mark; edited lines show themselves.
        mark = f"<{tag}>{_BREAK_MARK}</{tag}>" if not op.text.strip() else ""
        for k, line in enumerate(lines):
            if k:
                if k == 1:
                    side[-1] += mark
                side.append("")
            if line:
                side[-1] += f"<{tag}>{html.escape(line, quote=False)}</{tag}>"
    flush()
    return rows
