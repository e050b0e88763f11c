"""The embeddable badge: a small SVG saying where a co-op stands on a standard. Pure.

Everything shown is escaped (names come from people); no external font, image or script: the
font is a list of fonts every system has, and the width is estimated from the text's length.
"""
from __future__ import annotations

from html import escape

COLOURS = {"adopts": "#1a7f37", "aspires": "#9a6700", "does_not_adopt": "#57606a", "lapsed": "#cf222e",
           "none": "#57606a"}
_CHAR = 6.6  # average width of a character at 11px in the fonts named below
_PAD = 10


def _width(text: str) -> int:
    return int(len(text) * _CHAR + 2 * _PAD)


def svg(left: str, right: str, state: str) -> str:
    """A two-part badge: ``left`` (the standard and version) on grey, ``right`` (the stance) on
    the colour of ``state`` (adopts, aspires, does_not_adopt, lapsed or none)."""
    left, right = left[:80], right[:40]
    lw, rw = _width(left), _width(right)
    total = lw + rw
    colour = COLOURS.get(state, COLOURS["none"])
    title = escape(f"{left}: {right}", quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{lw}" height="20" fill="#24292f"/>'
        f'<rect x="{lw}" width="{rw}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">'
        f'<text x="{_PAD}" y="14">{escape(left, quote=True)}</text>'
        f'<text x="{lw + _PAD}" y="14">{escape(right, quote=True)}</text>'
        "</g></svg>"
    )
