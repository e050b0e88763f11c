"""Every page read in a pseudo-locale: no English may reach a page without passing through the catalogue.

The catalogue is made at test time from the code itself (tests/web/pseudo_locale.py: the Makefile's own
extraction, every entry turned into accented letters in brackets), so a string that was never marked for
translation, or a sentence built from English pieces in Python, shows up as plain ASCII words on a page.
The pages are those of a network with something of everything (tests/web/pseudo_scene.py), read as an
observer, a delegate and a steward. docs/translating.md explains the method.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import refresh

import deliberate
from deliberate import i18n, notices
from deliberate.i18n import say_notice
from deliberate.voting.rules import PRESETS, BallotInput, tally
from deliberate.voting.wording import explanation_text
from tests.conftest import TEST_PASSWORD
from tests.web.pseudo_locale import (
    LOCALE,
    build_catalogue,
    interface_words,
    locale_words,
    pseudo,
    shown_texts,
    untranslated,
    words_of,
)
from tests.web.pseudo_scene import SAID, build_scene

# Pages rendered and checked the same whatever the database: run once, on SQLite (Makefile, test-postgres).
pytestmark = pytest.mark.db_independent

HEADERS = {"Accept-Language": LOCALE}


@pytest.fixture(scope="module")
def pseudo_catalogue(tmp_path_factory):
    """The pseudo-locale's compiled catalogue (made once for the module) and the extracted template."""
    directory = tmp_path_factory.mktemp("pseudo-translations")
    return directory, build_catalogue(directory)


@pytest.fixture
def app_config(pseudo_catalogue):
    real = Path(deliberate.__file__).parent / "translations"
    return {"BABEL_TRANSLATION_DIRECTORIES": f"{real};{pseudo_catalogue[0]}"}


@pytest.fixture
def pseudo_language(monkeypatch):
    """The test app accepts the pseudo-locale (the real one offers only i18n.LANGUAGES)."""
    monkeypatch.setitem(i18n.LANGUAGES, LOCALE, pseudo("Pseudo"))


def test_pseudo_keeps_placeholders_markup_and_entities():
    assert pseudo("Start") == "[Šţàŕţ]"
    text = pseudo('<a href="%(url)s">Sign in</a> with %(num)s co-ops &amp; 50%% {name} %s')
    assert text == '[<a href="%(url)s">Šîĝñ îñ</a> ŵîţĥ %(num)s çö-öþš &amp; 50%% {name} %s]'
    assert not words_of([pseudo("Every ASCII letter of a sentence")])


def test_the_checker_reads_what_a_person_sees():
    html = ('<html lang="eo"><head><title>Title here</title><script>var ignored = "script";</script></head><body>'
            '<p title="Hover text">Visible <code>ignored code</code> words</p><img alt="Picture text" src="x.png">'
            '<input type="submit" value="Press this"><input type="text" value="typed value">'
            '<select><option>Option text</option></select><div translate="no">Verbatim record</div>'
            '<p lang="en">Developer reference</p><p lang="eo">Back again</p></body></html>')
    words = {word for _where, word, _text in untranslated(html, set())}
    assert words == {"Title", "here", "Hover", "text", "Visible", "words", "Picture", "Press", "this", "Option",
                     "Back", "again"}
    assert ("<option>", "Option text") in shown_texts(html)


def test_an_untranslated_string_is_caught(app, pseudo_language):
    """The test can fail: a string that skips gettext, or a sentence glued from English in Python, is found."""
    with app.test_request_context("/", headers=HEADERS):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        page = render_template_string(
            '<html lang="{{ current_locale() }}"><body><p>{{ _("Votes") }}</p><p>Forgotten sentence</p>'
            '<p title="{{ _("Votes") }}">{{ glued }}</p></body></html>',
            glued="Quorum " + i18n.say(i18n.Percent(1)) + " met")
    found = {word for _where, word, _text in untranslated(page, set())}
    assert found == {"Forgotten", "sentence", "Quorum", "met"}
    assert '<html lang="eo">' in page and "[Ṽöţéš]" in page


def test_a_result_is_explained_in_the_page_language_unless_its_wording_is_older(app, pseudo_language):
    rule = PRESETS["simple-majority"]
    outcome = tally(rule, {"c1": 1, "c2": 1, "c3": 1}, [BallotInput("c1", "for"), BallotInput("c2", "against")])
    vote = SimpleNamespace(rule=rule.to_dict(), result=outcome.to_dict(), explanation=outcome.explanation)
    older = SimpleNamespace(rule=rule.to_dict(), result=outcome.to_dict(), explanation="Quorum met. Rejected.")
    with app.test_request_context("/", headers=HEADERS):
        refresh()
        assert outcome.explanation.startswith("Quorum 50% met: 2 of 3 co-ops took part.")
        assert not words_of([explanation_text(vote)]) and "[[Ǫûöŕûɱ 50%] ɱéţ: " in explanation_text(vote)
        # A result worded by an older version of the platform is shown as its record says it.
        assert explanation_text(older) == "Quorum met. Rejected."
        assert say_notice("We talked it through.") == "We talked it through."
        assert say_notice(notices.REBASED(number=3)) == "[Ŕéƀàšéð öñţö ŕéṽîšîöñ 3.]"


def test_every_page_in_the_pseudo_locale(app, pseudo_language, pseudo_catalogue):
    SAID.clear()
    scene = build_scene()
    members_words = words_of(SAID)
    # Allowing the scene's words can hide nothing: none of them is a word of the interface.
    assert not members_words & interface_words(pseudo_catalogue[1]), sorted(members_words & interface_words(pseudo_catalogue[1]))
    allowed = members_words | locale_words(i18n.LANGUAGES.values())

    problems: dict[tuple[str, str], set[str]] = {}  # (where, text) -> pages
    statuses: dict[str, int] = {}

    def read(client, role: str, path: str, expected: int = 200, form: dict | None = None) -> None:
        if form is None:
            response = client.get(path, headers=HEADERS)
        else:
            response = client.post(path, data=form, headers=HEADERS, follow_redirects=True)
            path = f"POST {path}"
        html = response.get_data(as_text=True)
        page = f"{role} {path}"
        statuses[page] = response.status_code
        if response.status_code != expected:
            problems.setdefault(("status", f"{response.status_code}, expected {expected}"), set()).add(page)
            return
        assert f'<html lang="{LOCALE}"' in html, path
        for where, _word, text in untranslated(html, allowed):
            problems.setdefault((where, text), set()).add(page)

    observer = app.test_client()
    for path in scene["observer"]:
        read(observer, "observer", path, 404 if path == "/no-such-page" else 200)
    for role in ("delegate", "steward"):
        client = app.test_client()
        signed_in = client.post("/signin", data={"email": scene["emails"][role], "password": TEST_PASSWORD},
                                headers=HEADERS)
        assert signed_in.status_code == 302, role
        for path in scene[role]:
            read(client, role, path)
        if role == "delegate":
            for path in scene["forbidden"]:
                read(client, role, path, 403)
        for poster, path, form, expected in scene["posts"]:
            if poster == role:
                read(client, role, path, expected, form)
    report = "\n".join(f"{where} {text!r}\n    on {', '.join(sorted(pages)[:3])}{' …' if len(pages) > 3 else ''}"
                       for (where, text), pages in sorted(problems.items()))
    assert not problems, (f"{len(problems)} texts on {len(set().union(*problems.values()))} of {len(statuses)} pages "
                          f"did not pass through the catalogue:\n{report}")
