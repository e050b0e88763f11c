"""Server-rendered SVG bar charts of a vote's result. Pure: counts in, escaped markup out.

The chart is an image with a title and a description (read by screen readers); the page shows
the same figures as a table next to it, so nothing is only in the picture. Colours come with
labels and values, never alone, and work in print and for colour-blind readers.
"""
from __future__ import annotations

import textwrap
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

# Each bar has its label on the line(s) above it, starting at the left edge, so that a long label
# (a ranked vote's "Amendment 12: … over the status quo") is never cut off: labels wrap at about
# LABEL_CHARS characters (14 px text averages under 7.5 px a character), never run past the edge.
WIDTH = 560
BAR_WIDTH = 480
LABEL_CHARS = 70
LINE_HEIGHT = 18
BAR_HEIGHT = 20
ROW_GAP = 12


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


def label_lines(label: str) -> list[str]:
    """A label cut into lines that fit the chart's width (a word longer than a line is split)."""
    return textwrap.wrap(label, LABEL_CHARS, break_long_words=True, break_on_hyphens=False) or [""]


def bar_chart(rows: Sequence[tuple[str, int, str]], *, title: str, description: str, chart_id: str) -> Markup:
    """A horizontal bar chart as inline SVG, each label above its bar; every text is escaped."""
    top = max((value for _label, value, _key in rows), default=0) or 1
    ident = escape(chart_id, quote=True)
    body: list[str] = []
    y = 4
    for label, value, key in rows:
        body.append("<g>")
        for line in label_lines(label):
            body.append(f'<text x="0" y="{y + 14}" font-size="14" fill="#1a1a1a">{escape(line)}</text>')
            y += LINE_HEIGHT
        length = max(round(BAR_WIDTH * value / top), 1)
        colour = PALETTE.get(key, "#444444")
        body.append(f'<rect x="0" y="{y + 2}" width="{length}" height="{BAR_HEIGHT}" fill="{colour}"/>')
        body.append(f'<text x="{length + 6}" y="{y + 17}" font-size="14" fill="#1a1a1a">{int(value)}</text></g>')
        y += BAR_HEIGHT + ROW_GAP
    height = y + 4
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{ident}-title {ident}-desc" focusable="false">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    return Markup("".join(head + body + ["</svg>"]))


def describe_rows(rows: Sequence[tuple[str, int, str]]) -> str:
    """The chart's figures as one sentence, e.g. "For: 5. Against: 1. …"."""
    return " ".join(f"{label}: {value}." for label, value, _key in rows)
