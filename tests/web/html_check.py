"""What a page's HTML must get right whatever it shows, read with the standard library's parser.

Used by tests/web/test_html_ids.py (every main page) and tests/web/test_truthful_pages.py: ids
used once, each ``<label for>`` naming an element of the page, ``aria-labelledby`` and
``aria-describedby`` naming ids that exist, ``<time datetime>`` values that HTML accepts, and
in-page links (``href="#…"``) leading somewhere. Also the badges, for the pages' states.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

# HTML's "valid date string", "valid time string" (seconds optional; one to three digits of
# fraction), "valid global date and time string" (with Z or an offset), "valid local date and time
# string", a year, a month, a week and a duration: what <time datetime> accepts
# (https://html.spec.whatwg.org/multipage/text-level-semantics.html#the-time-element).
_DATE = r"\d{4,}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?"
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})"
_VALID_DATETIME = re.compile(
    rf"^(?:{_DATE}|{_TIME}|{_DATE}[T ]{_TIME}|{_DATE}[T ]{_TIME}{_ZONE}|{_ZONE}|\d{{4,}}|\d{{4,}}-\d{{2}}"
    rf"|\d{{4,}}-W\d{{2}}|\d{{2}}-\d{{2}}|P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d{{1,3}})?S)?)?)$")


def valid_datetime(value: str) -> bool:
    """Whether ``value`` is a valid ``datetime`` attribute value (a date, time, moment or duration)."""
    if not _VALID_DATETIME.match(value) or value in ("P", "PT"):
        return False
    for part in re.findall(rf"{_DATE}", value):  # ranges, not just shapes
        _year, month, day = (int(x) for x in part.split("-"))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return False
    return True


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    parent: Element | None = None
    text: list[str] = field(default_factory=list)

    def inside(self, tag: str) -> bool:
        parent = self.parent
        while parent is not None and parent.tag != tag:
            parent = parent.parent
        return parent is not None

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def describe(self) -> str:
        return f"<{self.tag} {' '.join(f'{k}={v!r}' for k, v in self.attrs.items())}> (line {self.line})"


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Every element of a page, in order, with the text inside it (for badges and headings)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: (value if value is not None else "") for name, value in attrs}, self.getpos()[0],
                          self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text.append(data)

    # What the checks read ----------------------------------------------------------------

    def ids(self) -> Counter:
        return Counter(e.attrs["id"] for e in self.elements if "id" in e.attrs)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.elements if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and all(e.attrs.get(name.rstrip("_").replace("_", "-")) == value for name, value in attrs.items())]

    def text_of(self, element: Element) -> str:
        return " ".join("".join(element.text).split())


def problems(html: str) -> list[str]:
    """What is wrong with the page's ids, labels, ARIA references, times and in-page links."""
    page = Page(html)
    ids = page.ids()
    found = [f"id {name!r} is used {count} times" for name, count in sorted(ids.items()) if count > 1]
    found += [f"empty id on {e.describe()}" for e in page.elements if e.attrs.get("id", None) == ""]
    labelable = {e.attrs["id"]: e for e in page.elements if "id" in e.attrs}
    for label in page.find("label"):
        target = label.attrs.get("for")
        if target is None:
            continue
        if target not in labelable:
            found.append(f"{label.describe()} is for {target!r}, which is not on the page")
        elif labelable[target].tag not in ("input", "select", "textarea", "button", "meter", "output", "progress"):
            found.append(f"{label.describe()} is for a <{labelable[target].tag}>, which is not a form field")
        elif labelable[target].attrs.get("type") == "hidden":
            found.append(f"{label.describe()} is for a hidden input")
    for element in page.elements:
        for attribute in ("aria-labelledby", "aria-describedby", "aria-controls"):
            for name in (element.attrs.get(attribute) or "").split():
                if name not in ids:
                    found.append(f"{element.describe()}: {attribute} names {name!r}, which is not on the page")
        if element.tag == "time" and "datetime" in element.attrs and not valid_datetime(element.attrs["datetime"]):
            found.append(f"{element.describe()}: datetime {element.attrs['datetime']!r} is not valid HTML")
        href = element.attrs.get("href") if element.tag == "a" else None
        if href and href.startswith("#") and len(href) > 1 and href[1:] not in ids:
            found.append(f"{element.describe()} leads to {href!r}, which is not on the page")
    return found


def badges(html: str, within: str | None = None) -> list[tuple[list[str], str]]:
    """The page's badges as (classes, text); ``within`` keeps only those inside that tag (e.g. "h1")."""
    page = Page(html)
    return [(e.classes, page.text_of(e)) for e in page.find(cls="badge") if within is None or e.inside(within)]
