"""Server-rendered SVG bar charts of a vote's result. Pure: counts in, escaped markup out.

The chart is an image with a title and a description (read by screen readers); the page shows
the same figures as a table next to it, so nothing is only in the picture. Colours come with
labels and values, never alone, and work in print and for colour-blind readers.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from ..translatable import N_
from .rules import STATUS_QUO

# Blue, orange, grey, purple, light grey: distinguishable with the common colour-vision deficiencies.
PALETTE = {"for": "#1f5fa8", "consent": "#1f5fa8", "against": "#b35806", "object": "#b35806",
           "abstain": "#6b6b6b", "stand_aside": "#6b6b6b", "object_resolved": "#7b3294",
           "ranked": "#1f5fa8", "sq": "#b35806", "absent": "#c8c8c8"}

LABEL_WIDTH = 230
BAR_WIDTH = 300
ROW_HEIGHT = 34


def outcome_rows(method: str, counts: Mapping[str, int], details: Mapping[str, Any], *,
                 electorate_size: int, turnout: int,
                 labels: Mapping[str, str] | None = None,
                 translate: Callable[[str], str] = str) -> list[tuple[str, int, str]]:
    """(label, value, colour key) for each bar of a result, ending with those who did not take part.

    ``translate`` turns the marked English labels into the reader's language (the web layer passes gettext).
    """
    labels = labels or {}
    t = translate
    if method in ("majority", "supermajority"):
        rows = [(t(N_("For")), counts.get("for", 0), "for"), (t(N_("Against")), counts.get("against", 0), "against"),
                (t(N_("Abstained")), counts.get("abstain", 0), "abstain")]
    elif method == "consent":
        rows = [(t(N_("Consented")), counts.get("consent", 0), "consent"),
                (t(N_("Stood aside")), counts.get("stand_aside", 0), "stand_aside"),
                (t(N_("Objections standing")), counts.get("object", 0), "object"),
                (t(N_("Objections resolved or withdrawn")), counts.get("object_resolved", 0), "object_resolved")]
    else:
        pairwise = details.get("pairwise", {})
        rows = []
        for option in details.get("options", []):
            if option == STATUS_QUO:
                continue
            name = labels.get(option, option)
            rows.append((t(N_("%(name)s over the status quo")) % {"name": name},
                         pairwise.get(option, {}).get(STATUS_QUO, 0), "ranked"))
            rows.append((t(N_("Status quo over %(name)s")) % {"name": name}, pairwise.get(STATUS_QUO, {}).get(option, 0), "sq"))
        rows.append((t(N_("Abstained")), counts.get("abstain", 0), "abstain"))
    rows.append((t(N_("Did not take part")), max(electorate_size - turnout, 0), "absent"))
    return rows


def bar_chart(rows: Sequence[tuple[str, int, str]], *, title: str, description: str, chart_id: str) -> Markup:
    """A horizontal bar chart as inline SVG; every text is escaped."""
    top = max((value for _label, value, _key in rows), default=0) or 1
    height = ROW_HEIGHT * len(rows) + 10
    width = LABEL_WIDTH + BAR_WIDTH + 60
    ident = escape(chart_id, quote=True)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-title {ident}-desc" focusable="false">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    for index, (label, value, key) in enumerate(rows):
        y = 5 + index * ROW_HEIGHT
        length = round(BAR_WIDTH * value / top)
        colour = PALETTE.get(key, "#444444")
        parts.append(f'<g><text x="{LABEL_WIDTH - 8}" y="{y + 20}" text-anchor="end" font-size="14" '
                     f'fill="#1a1a1a">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 5}" width="{max(length, 1)}" height="{ROW_HEIGHT - 12}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + max(length, 1) + 6}" y="{y + 20}" font-size="14" '
                     f'fill="#1a1a1a">{int(value)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def describe_rows(rows: Sequence[tuple[str, int, str]]) -> str:
    """The chart's figures as one sentence, e.g. "For: 5. Against: 1. …"."""
    return " ".join(f"{label}: {value}." for label, value, _key in rows)
