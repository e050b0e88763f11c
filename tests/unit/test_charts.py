"""The result chart: every label fits inside the picture, whatever its length."""
from __future__ import annotations

import re
from xml.etree import ElementTree

from deliberate.voting import charts

SVG = "{http://www.w3.org/2000/svg}"


def _texts(markup: str) -> list[ElementTree.Element]:
    return list(ElementTree.fromstring(str(markup)).iter(f"{SVG}text"))


def test_long_ranked_labels_wrap_inside_the_chart_instead_of_being_cut():
    long = "Amendment 12: Members may ask for their data to be erased, with the reasons written down"
    rows = [(f"{long} over the status quo", 3, "ranked"), (f"Status quo over {long}", 1, "sq"), ("Did not take part", 1, "absent")]
    svg = charts.bar_chart(rows, title="Result", description="…", chart_id="c1")
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    labels = [t for t in _texts(svg) if not t.text.isdigit()]
    assert "".join(t.text for t in labels).replace(" ", "") == "".join(label for label, _v, _k in rows).replace(" ", "")
    for text in labels:
        assert float(text.get("x")) >= 0 and text.get("text-anchor") is None  # starts at the left edge, runs right
        assert len(text.text) * 7.5 <= width  # 14 px text: about 7.5 px a character at most
    heights = [float(t.get("y")) for t in _texts(svg)]
    assert max(heights) < int(re.search(r'height="(\d+)"', svg).group(1))


def test_labels_and_values_are_escaped():
    svg = charts.bar_chart([("<b>&", 2, "for")], title="<t>", description="<d>", chart_id='x"y')
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and 'x&quot;y' in svg
    ElementTree.fromstring(str(svg))  # well-formed


def test_bars_are_proportional_and_never_vanish():
    svg = str(charts.bar_chart([("For", 4, "for"), ("Against", 0, "against")], title="t", description="d", chart_id="c"))
    widths = [int(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="(\d+)"', svg)]
    assert widths == [charts.BAR_WIDTH, 1]
