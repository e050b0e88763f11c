"""A pseudo-locale made at test time, and a checker for text that did not pass through the catalogue.

``build_catalogue(directory)`` runs the Makefile's own extraction (``EXTRACT``, the command ``make
translations`` runs) into a temporary template, "translates" every entry (plural forms too) by turning
each ASCII letter into an accented one and wrapping the whole in brackets ("Start" -> "[Šţàŕţ]"),
keeping placeholders (``%(name)s``, ``%s``, ``%%``, ``{name}``), HTML tags and entities intact, and
compiles it into ``directory/eo/LC_MESSAGES/messages.mo``. A page rendered in that locale holds no
ASCII letter that came from the catalogue.

``untranslated(html, allowed)`` reads a page as a person meets it (text nodes, the ``title``,
``aria-label``, ``placeholder`` and ``alt`` attributes, the labels of buttons) and returns every run of
three or more ASCII letters in it (outside web addresses) that is not an allowed word: each is English that reached the page
without passing through gettext. The allowed words are those of the test's own member texts (names,
titles, comments: the scene writes them in Swahili, and a test checks that no word of theirs is a word
of the interface, so that allowing them can hide nothing), the locale's own date words (CLDR), the
languages' own names in the picker, "UTC" and the product's name.

Left out on purpose: ``<script>``, ``<style>``, and ``<code>``, ``<kbd>``, ``<samp>`` (hashes, commands,
paths); and any element marked ``translate="no"`` (verbatim records, such as the exact text of a vote,
which is hashed) or ``lang`` other than the page's (the API reference's English developer texts).
"""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
LOCALE = "eo"  # a real locale (Babel knows its plural rule and dates) that the app does not offer

_LETTERS = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "àƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÀƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ")
# Kept as they are: gettext and format placeholders, tags, entities.
_KEEP = re.compile(r"%\(\w+\)[sdifr]|%[sdifr%]|\{\w*\}|<[^<>]*>|&#?\w+;")
# A word: three ASCII letters or more, not glued to digits (hashes and ids such as "8fdec33d" are no words).
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])")
URL = re.compile(r"\bhttps?://\S+")  # a web address is no sentence: never translated, never read for words


def pseudo(text: str) -> str:
    """``text`` with every ASCII letter outside placeholders, tags and entities accented, in brackets."""
    out, at = [], 0
    for kept in _KEEP.finditer(text):
        out.append(text[at:kept.start()].translate(_LETTERS))
        out.append(kept.group())
        at = kept.end()
    out.append(text[at:].translate(_LETTERS))
    return "[" + "".join(out) + "]"


def extract_command(output: Path) -> list[str]:
    """The Makefile's ``EXTRACT`` command, writing its template to ``output``."""
    makefile = (REPO / "Makefile").read_text().replace("\\\n", " ")
    line = next(line for line in makefile.splitlines() if line.startswith("EXTRACT :="))
    words = shlex.split(line.split(":=", 1)[1])
    assert words[0] == "$(BABEL)" and words[1] == "extract", words[:2]
    words[words.index("-o") + 1] = str(output)
    return [sys.executable, "-m", "babel.messages.frontend", *words[1:]]


def extract(output: Path) -> Catalog:
    """Extract every interface string of the code, as ``make translations`` does."""
    subprocess.run(extract_command(output), cwd=REPO, check=True, capture_output=True)
    with output.open("rb") as handle:
        return read_po(handle)


def build_catalogue(directory: Path) -> Catalog:
    """Extract, pseudo-translate and compile the catalogue of ``LOCALE`` under ``directory``."""
    template = extract(directory / "messages.pot")
    catalogue = Catalog(locale=LOCALE)
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            string = tuple(pseudo(form) for form in message.id)
        else:
            string = pseudo(message.id)
        catalogue.add(message.id, string, context=message.context)
    target = directory / LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return template


def interface_words(template: Catalog) -> set[str]:
    """Every word (three ASCII letters or more, lower case) of every message of the interface."""
    found: set[str] = set()
    for message in template:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            found |= {word.lower() for word in WORD.findall(_KEEP.sub(" ", text))}
    return found


def words_of(texts) -> set[str]:
    """The words (as ``WORD`` finds them, lower case) of some texts."""
    return {word.lower() for text in texts for word in WORD.findall(URL.sub(" ", text))}


def locale_words(languages) -> set[str]:
    """Words a page in ``LOCALE`` may show without the catalogue: its CLDR month and day names (dates are
    formatted by Babel), the languages' own names in the picker, the time zone and the product's name."""
    locale = Locale.parse(LOCALE)
    names = []
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in context.values():
                names += list(width.values())
    return words_of([*names, *languages, "UTC", "Deliberate"])


_SKIPPED = {"script", "style", "code", "kbd", "samp", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_SEEN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class _Reader(HTMLParser):
    """What a page shows a person: text nodes and labelling attributes, outside skipped elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.page_lang: str | None = None
        self.shown: list[tuple[str, str]] = []  # (where, text)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_lang = attributes.get("lang")
        skip = (self._skipping() or tag in _SKIPPED or attributes.get("translate") == "no"
                or (tag != "html" and "lang" in attributes and attributes["lang"] != self.page_lang))
        if not skip:
            for name in _SEEN_ATTRIBUTES:
                if attributes.get(name):
                    self.shown.append((f"<{tag} {name}>", attributes[name]))
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset") and attributes.get("value"):
                self.shown.append((f"<{tag} value>", attributes["value"]))
        if tag not in _VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            where = self.stack[-1][0] if self.stack else "document"
            self.shown.append((f"<{where}>", " ".join(data.split())))


def shown_texts(html: str) -> list[tuple[str, str]]:
    """(where, text) for every text a person sees on the page, as ``untranslated`` reads it."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.shown


def untranslated(html: str, allowed: set[str]) -> list[tuple[str, str, str]]:
    """(where, word, text) for each English word on the page that did not come from the catalogue."""
    found = []
    for where, text in shown_texts(html):
        for word in WORD.findall(URL.sub(" ", text)):
            if word.lower() not in allowed:
                found.append((where, word, text[:160]))
    return found
