"""Every member-written text goes through one renderer: nothing in this corpus may execute."""
import pytest

from deliberate.text.markdown import is_safe_link, render, render_inline

XSS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[click](file:///etc/passwd)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "[x](https://ok.example \"title\" onclick=alert(1))",
    "<details open ontoggle=alert(1)>",
]


@pytest.mark.parametrize("source", XSS)
def test_nothing_executable_survives(source):
    html = str(render(source)).lower()
    assert "<script" not in html
    assert "<svg" not in html and "<iframe" not in html and "<img src=x" not in html
    assert 'href="javascript' not in html and 'src="javascript' not in html
    assert 'href="vbscript' not in html and 'href="data:' not in html and 'src="data:image/svg' not in html
    assert 'href="file:' not in html
    assert "<img src=x" not in html and "onerror" not in html.replace("&lt;img src=x onerror", "")
    # Raw HTML is shown as text, never as tags.
    assert "<details" not in html and "<div style" not in html


@pytest.mark.parametrize("url, safe", [
    ("https://coop.example/principles", True),
    ("http://coop.example", True),
    ("mailto:secretariat@coop.example", True),
    ("#data-rights", True),
    ("/standards/x/s/y", True),
    ("relative/path", True),
    ("javascript:alert(1)", False),
    (" JAVASCRIPT:alert(1)", False),
    ("java\nscript:alert(1)", False),
    ("data:text/html,x", False),
    ("vbscript:x", False),
    ("file:///etc/passwd", False),
])
def test_link_schemes(url, safe):
    assert is_safe_link(url) is safe


def test_ordinary_markdown_renders():
    html = str(render("# Title\n\nSome *emphasis*, **strong** and a [link](https://coop.example).\n\n- one\n- two"))
    assert "<h1>Title</h1>" in html
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert '<a href="https://coop.example" rel="nofollow noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html


def test_inline_has_no_paragraph():
    assert str(render_inline("a *b*")) == "a <em>b</em>"
