"""The Spanish catalogue is complete and current: every interface string is extracted, translated with
the same placeholders, and compiled."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "messages.pot"
TRANSLATIONS = ROOT / "deliberate" / "translations"
LANGUAGES = ["es"]
# The same keywords as the Makefile's `translations` target.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "M_": None, "MN_": (1, 2), "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|%[sdr]")


def _read_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalogue: Catalog) -> set:
    return {message.id for message in catalogue if message.id}


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_the_template_is_current_with_the_code():
    """`make translations` was run after the last string changed: extracting now finds exactly the
    template's messages."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        extracted.add(message if isinstance(message, str) else tuple(message))
    template = _ids(_read_po(POT))
    assert not extracted - template, f"not in messages.pot (run `make translations`): {sorted(map(str, extracted - template))}"
    assert not template - extracted, f"in messages.pot but gone from the code: {sorted(map(str, template - extracted))}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language):
    template = _read_po(POT)
    catalogue = _read_po(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", locale=language)
    problems = []
    for source in template:
        if not source.id:
            continue
        message = catalogue.get(source.id)
        if message is None:
            problems.append(f"missing: {source.id!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {source.id!r}")
        if isinstance(source.id, str):
            pairs = [(source.id, message.string)]
        else:
            singular, plural = source.id
            forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
            if len(forms) != catalogue.num_plurals:
                problems.append(f"{len(forms)} plural forms instead of {catalogue.num_plurals}: {singular!r}")
            pairs = [(singular if i == 0 else plural, form) for i, form in enumerate(forms)]
        for english, translated in pairs:
            if not translated or not translated.strip():
                problems.append(f"empty: {english!r}")
            elif _placeholders(english) != _placeholders(translated):
                problems.append(f"placeholders differ: {english!r} -> {translated!r}")
            elif ("<" in english) != ("<" in translated):
                problems.append(f"markup differs: {english!r} -> {translated!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_obsolete_or_extra_messages(language):
    catalogue = _read_po(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", locale=language)
    assert not catalogue.obsolete
    extra = _ids(catalogue) - _ids(_read_po(POT))
    assert not extra, f"translated but no longer used: {sorted(map(str, extra))}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_translations(language):
    """The .mo the app reads was compiled from the current .po (`make compile-translations`)."""
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    source = _read_po(folder / "messages.po", locale=language)
    with (folder / "messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    def entries(catalogue):
        return {(m.id if isinstance(m.id, str) else tuple(m.id)):
                (m.string if isinstance(m.string, str) else tuple(m.string))
                for m in catalogue if m.id and not m.fuzzy}

    want, got = entries(source), entries(compiled)
    assert got == want


def test_every_stored_code_has_a_label():
    """States, statuses and kinds are shown through i18n.status_label: none falls through untranslated."""
    from deliberate import i18n
    from deliberate.members.models import COOP_KINDS, COOP_STATUSES
    from deliberate.proposals.models import AMENDMENT_KINDS
    from deliberate.proposals.states import STATES
    from deliberate.standards.models import MATURITIES, SECTION_KINDS
    from deliberate.versions.models import VERSION_STATES
    from deliberate.voting.models import OBJECTION_STATUSES, VOTE_STATES

    codes = {*COOP_KINDS, *COOP_STATUSES, *AMENDMENT_KINDS, *STATES, *MATURITIES, *SECTION_KINDS,
             *VERSION_STATES, *OBJECTION_STATUSES, *VOTE_STATES}
    assert not codes - set(i18n._CODE_LABELS)
    assert i18n.status_label("not-a-code") == "not-a-code" and i18n.status_label(None) == ""


def test_labels_marked_in_pure_modules_are_in_the_template():
    """Labels marked with N_ in modules without Flask are extracted, so the views can translate them."""
    from deliberate.proposals.states import ACTION_LABELS, STATE_HELP
    from deliberate.versions.numbering import LEVEL_LABELS
    from deliberate.voting.models import CHOICE_LABELS
    from deliberate.voting.rules import PRESET_LABELS

    template = _ids(_read_po(POT))
    for mapping in (ACTION_LABELS, STATE_HELP, LEVEL_LABELS, CHOICE_LABELS, PRESET_LABELS):
        assert set(mapping.values()) <= template
