"""Pure Atom (RFC 4287) writer: feed and entries in, well-formed UTF-8 XML out.

Built with ``xml.etree.ElementTree``, which escapes ``&``, ``<`` and ``>`` in text and quotes in
attributes; characters that XML 1.0 cannot carry at all (most control characters) are removed
first, so a hostile title can never make the document ill-formed.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAG_AUTHORITY = re.compile(r"^[a-z0-9.-]+$|^[^@\s]+@[a-z0-9.-]+$")
_TAG_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    summary: str = ""
    published: datetime | None = None
    category: str = ""
    # A second link, e.g. a closed vote's ballot record, with a title saying what it is.
    related_link: str = ""
    related_title: str = ""
    related_type: str = ""


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: datetime
    self_link: str
    alternate_link: str
    author: str
    subtitle: str = ""
    generator: str = ""
    entries: Sequence[Entry] = field(default_factory=tuple)
    # The network's witness log: its address and the hash of its newest entry (link title).
    witness_link: str = ""
    witness_head: str = ""


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can carry: characters it forbids are dropped."""
    return _NOT_XML.sub("", str(value if value is not None else ""))


def rfc3339(moment: datetime) -> str:
    """An RFC 3339 timestamp in UTC, e.g. ``2031-03-02T09:00:00Z`` (naive times are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Atom times need a time zone")
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def tag_uri(authority: str, date: str, specific: str) -> str:
    """A ``tag:`` URI (RFC 4151): ``tag:example.org,2026:standard/3/feed``.

    ``authority`` is a domain name (or an email address) the network held on ``date``
    (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); ``specific`` names the thing within it.
    """
    authority = authority.strip().lower()
    if not _TAG_AUTHORITY.match(authority):
        raise ValueError(f"not a tag authority: {authority!r}")
    if not _TAG_DATE.match(date):
        raise ValueError(f"not a tag date: {date!r}")
    specific = re.sub(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]", "", specific)
    return f"tag:{authority},{date}:{specific}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def render(feed: Feed) -> bytes:
    """The feed as an Atom document (UTF-8, with an XML declaration)."""
    # Names are written plain under a default namespace declared on the root (ElementTree's own
    # default_namespace option refuses the plain attribute names Atom uses).
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_link)
    if feed.witness_link:
        _add(root, "link", rel="related", type="application/x-ndjson", href=feed.witness_link,
             title=f"Witness log head: {feed.witness_head or 'no entries yet'}")
    author = _add(root, "author")
    _add(author, "name", feed.author)
    if feed.generator:
        _add(root, "generator", feed.generator)
    for entry in feed.entries:
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title, type="text")
        _add(element, "updated", rfc3339(entry.updated))
        if entry.published is not None:
            _add(element, "published", rfc3339(entry.published))
        _add(element, "link", rel="alternate", type="text/html", href=entry.link)
        if entry.related_link:
            _add(element, "link", rel="related", type=entry.related_type or "text/html", href=entry.related_link,
                 title=entry.related_title)
        if entry.category:
            _add(element, "category", term=entry.category)
        if entry.summary:
            _add(element, "summary", entry.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
