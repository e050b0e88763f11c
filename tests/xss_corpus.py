"""The XSS corpus: payloads that must never run, whichever field of the site they are written in.

Used by tests/unit/test_markdown_xss.py (through the Markdown renderer) and tests/browser/test_xss.py
(through every field, in a real Chromium)."""
from __future__ import annotations

# Each payload, if it ever ran, would call alert() or set window.__xss.
CORPUS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>window.__xss=1</sCrIpT>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[x](\"onmouseover=\"alert(1))",
    "[x](https://example.org \"title\\\" onmouseover=alert(1) x=\\\"\")",
    "![x\" onerror=\"alert(1)](https://example.org/x.png)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "{{ 7*7 }} {% raw %}",
]
