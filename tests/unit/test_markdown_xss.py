"""The XSS corpus through the one Markdown renderer: nothing active survives.

The same corpus goes through every field of the site in tests/browser/test_xss.py, where a real
Chromium checks that nothing runs.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from deliberate.text.markdown import is_safe_link, render, render_inline
from tests.xss_corpus import CORPUS

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "meta", "form", "base", "link",
                  "body", "details", "button", "input", "textarea"}
ALLOWED_SCHEMES = ("http:", "https:", "mailto:")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    """What in ``html`` could run: dangerous elements, event handlers, non-http(s) URLs."""
    parser = _Collector()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in DANGEROUS_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in {"style", "srcdoc", "formaction", "xlink:href"}:
                found.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "data"} and value is not None:
                cleaned = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
                if ":" in cleaned.split("/")[0] and not cleaned.startswith(ALLOWED_SCHEMES):
                    found.append(f"{tag}[{name}={value}]")
    return found


@pytest.mark.parametrize("payload", CORPUS)
def test_block_rendering_leaves_nothing_active(payload):
    html = str(render(payload))
    assert active_content(html) == [], html


@pytest.mark.parametrize("payload", CORPUS)
def test_inline_rendering_leaves_nothing_active(payload):
    html = str(render_inline(payload))
    assert active_content(html) == [], html


@pytest.mark.parametrize("payload", CORPUS)
def test_payload_text_survives_as_text(payload):
    """Escaped, not deleted: the words a person wrote stay readable (nothing is lost)."""
    html = str(render(payload))
    assert "<script" not in html.lower()
    if payload.startswith("<script>"):
        assert "&lt;script&gt;" in html


@pytest.mark.parametrize("url, safe", [
    ("https://example.org", True), ("http://example.org", True), ("mailto:a@example.org", True),
    ("/standards/x", True), ("#section-2", True), ("relative/path", True),
    ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), ("java\nscript:alert(1)", False),
    (" javascript:alert(1)", False), ("\x00javascript:alert(1)", False), ("vbscript:x", False),
    ("data:text/html,x", False), ("data:image/svg+xml,x", False), ("file:///etc/passwd", False),
])
def test_link_schemes(url, safe):
    assert is_safe_link(url) is safe


def test_safe_links_still_work():
    html = str(render("[the spec](https://example.org/spec) and [a section](#data-rights)"))
    assert 'href="https://example.org/spec"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert 'href="#data-rights"' in html


def test_the_checker_itself_catches_active_content():
    """The oracle must be able to fail: raw active HTML is flagged."""
    assert active_content('<img src=x onerror="alert(1)">') == ["img[onerror]"]
    assert active_content('<a href="javascript:alert(1)">x</a>') == ["a[href=javascript:alert(1)]"]
    assert active_content("<script>alert(1)</script>") == ["<script>"]
