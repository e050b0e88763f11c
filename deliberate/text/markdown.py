"""The one Markdown renderer: markdown-it-py's ``js-default`` preset with raw HTML off.

Every piece of member-written text goes through :func:`render`. Raw HTML is escaped, and links
or images with dangerous schemes (``javascript:``, ``vbscript:``, ``file:``, ``data:`` other
than a few image types) are refused by the parser's link validation, which we tighten further.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers ignore these inside a URL ("java\tscript:" is "javascript:"), so we must too.
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_link(url: str) -> bool:
    """Allow http(s), mailto, fragments and relative links; refuse every other scheme."""
    cleaned = _CONTROL.sub("", url or "")
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in _ALLOWED_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = is_safe_link  # type: ignore[method-assign]

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


CACHED_TEXT_LIMIT = 10_000  # characters; with 1024 entries the cache stays under ~25 MB


def render(text: str) -> Markup:
    """Render member-written Markdown to safe HTML."""
    text = text or ""
    return Markup(_render(text) if len(text) <= CACHED_TEXT_LIMIT else _parser().render(text))


@lru_cache(maxsize=1024)
def _render(text: str) -> str:
    # The same words always render the same: a page of comments is parsed once, not per request.
    return _parser().render(text)


def render_inline(text: str) -> Markup:
    """Render one line of Markdown without a wrapping paragraph (titles, short notes)."""
    return Markup(_parser().renderInline(text or ""))
