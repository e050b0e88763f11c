"""The interface in Spanish: chosen by the browser, the session or the account; dates and numbers per locale."""
import json
import re
from datetime import datetime, timezone
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import refresh

from deliberate.extensions import db
from deliberate.i18n import format_date, format_datetime, format_number, format_percentage, js_strings
from deliberate.members.models import Person
from tests.conftest import TEST_PASSWORD

ES = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
CATALOGUE = Path(__file__).resolve().parents[2] / "deliberate/translations/es/LC_MESSAGES/messages.po"


def _english_sentences():
    """Interface sentences (no placeholders, no markup, three words or more) and their Spanish."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = {}
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or not message.string:
            continue
        if "%" in message.id or "<" in message.id or len(message.id.split()) < 3 or message.id == message.string:
            continue
        found[message.id] = message.string
    return found


SENTENCES = _english_sentences()


def _text(response) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _leftovers(text: str) -> list[str]:
    return sorted(english for english in SENTENCES if english in text)


PAGES = ["/", "/how-it-works", "/standards/", "/votes/", "/coops/", "/signin", "/search?q=members",
         "/standards/platform-co-op-principles", "/standards/platform-co-op-principles/amendments",
         "/standards/platform-co-op-principles/changelog"]


def test_main_pages_render_in_spanish_for_the_browser_language(client, network):
    leftovers = {}
    for path in PAGES:
        response = client.get(path, headers=ES)
        assert response.status_code == 200, path
        assert '<html lang="es">' in response.get_data(as_text=True), path
        text = _text(response)
        # The navigation and footer, on every page.
        for spanish in ("Estándares", "Votaciones", "Cooperativas", "Cómo funciona", "Iniciar sesión", "Saltar al contenido",
                        "Deliberate es software libre gestionado por y para las cooperativas de esta red."):
            assert spanish in text, (path, spanish)
        if _leftovers(text):
            leftovers[path] = _leftovers(text)
    assert not leftovers, f"English left: {leftovers}"


def test_english_stays_the_default(client, network):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Shared standards, written by the co-ops themselves" in html
    assert "Estándares compartidos" not in html


def test_home_page_speaks_spanish(client, network):
    text = _text(client.get("/", headers=ES))
    assert "Estándares compartidos, escritos por las propias cooperativas" in text
    assert "Shared standards, written by the co-ops themselves" not in text


def test_a_signed_in_person_gets_their_saved_language(client, network, login):
    delegate = network["delegate"]
    db.session.get(Person, delegate.id).locale = "es"
    db.session.commit()
    login(delegate)
    # No Accept-Language at all: the account decides.
    for path in ("/account", "/", "/standards/platform-co-op-principles", "/votes/"):
        response = client.get(path)
        text = _text(response)
        assert '<html lang="es">' in response.get_data(as_text=True)
        assert not _leftovers(text), f"English left on {path}: {_leftovers(text)}"
    assert "Tu cuenta" in _text(client.get("/account"))
    # The saved language wins over the browser's.
    assert "Tu cuenta" in _text(client.get("/account", headers={"Accept-Language": "en"}))


def test_picking_a_language_persists_across_sign_out_and_sign_in(app, client, network, login):
    delegate = network["delegate"]
    login(delegate)
    response = client.post("/language", data={"locale": "es", "next": "/account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert db.session.get(Person, delegate.id).locale == "es"
    page = _text(client.get("/account"))
    assert "La interfaz está ahora en Español." in page and "Tu cuenta" in page

    client.post("/signout")
    fresh = app.test_client()  # another browser: no session, English Accept-Language
    login(delegate, test_client=fresh)
    assert "Tu cuenta" in _text(fresh.get("/account", headers={"Accept-Language": "en"}))

    # Back to following the browser: the account forgets the choice.
    fresh.post("/language", data={"locale": "", "next": "/account"})
    db.session.expire_all()
    assert db.session.get(Person, delegate.id).locale is None
    assert "Your account" in _text(fresh.get("/account", headers={"Accept-Language": "en"}))


def test_an_observer_picks_a_language_for_this_browser(client, network):
    response = client.post("/language", data={"locale": "es", "next": "/votes/"})
    assert response.headers["Location"] == "/votes/"
    page = client.get("/votes/", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in page.get_data(as_text=True)
    assert "La interfaz está ahora en Español." in _text(page)
    client.post("/language", data={"locale": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/", headers=ES).get_data(as_text=True)


def test_the_picker_never_redirects_off_site(client, network):
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "", None]:
        data = {"locale": "es"} if target is None else {"locale": "es", "next": target}
        response = client.post("/language", data=data)
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target


def test_the_picker_refuses_unknown_languages(client, network):
    for locale in ["xx", "de", "es; drop table", "EN", "../es"]:
        response = client.post("/language", data={"locale": locale, "next": "/"})
        assert response.status_code == 422, locale
        assert "That language is not available." in response.get_data(as_text=True)
        # Nothing was stored: the next page is still in English.
        assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_a_signed_in_persons_bad_locale_changes_nothing(client, network, login):
    delegate = network["delegate"]
    login(delegate)
    assert client.post("/language", data={"locale": "fr"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Person, delegate.id).locale is None


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_an_observers_picker_needs_no_token_but_refuses_other_sites(client, network):
    """Observers' pages carry no CSRF token (so that they need no session cookie); the picker
    refuses what a browser says another site sent instead."""
    html = client.get("/").get_data(as_text=True)
    assert 'name="csrf_token"' not in html
    assert client.post("/language", data={"locale": "es", "next": "/"}, headers={"Origin": "https://elsewhere.example"}).status_code == 400
    assert client.post("/language", data={"locale": "es", "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 400
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"locale": "es", "next": "/"},
                           headers={"Origin": "http://localhost.test", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 302
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_signed_in_persons_picker_needs_the_csrf_token(client, network):
    from tests.conftest import TEST_PASSWORD

    signin = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', signin).group(1)
    assert client.post("/signin", data={"email": network["delegate"].email, "password": TEST_PASSWORD,
                                        "csrf_token": token}).status_code == 302
    assert client.post("/language", data={"locale": "es", "next": "/"}).status_code == 400
    html = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/language", data={"locale": "es", "next": "/", "csrf_token": token})
    assert response.status_code == 302


def test_the_footer_and_account_pickers_are_forms(client, network, login):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<footer'):]
    assert 'action="/language"' in footer and 'method="post"' in footer
    assert 'value="es"' in footer and "Español" in footer
    login(network["delegate"])
    account = client.get("/account").get_data(as_text=True)
    assert 'id="account-language"' in account and "Same as my browser" in account


def test_dates_and_numbers_follow_the_locale(app):
    moment = datetime(2026, 11, 26, 14, 30, tzinfo=timezone.utc)
    with app.test_request_context("/", headers=ES):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        assert format_date(moment) == "26 de noviembre de 2026"
        assert format_datetime(moment) == "26 nov 2026, 14:30 UTC"
        assert format_number(12345) == "12.345"
        assert format_percentage(0.5) == "50\u00a0%"  # a no-break space, as CLDR writes it
    with app.test_request_context("/"):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        assert format_date(moment) == "26 November 2026"
        assert format_datetime(moment) == "26 Nov 2026, 14:30 UTC"
        assert format_number(12345) == "12,345"
        assert format_percentage(0.5) == "50%"
        assert format_date(None) == "" and format_datetime(None) == ""


def test_pages_show_dates_in_the_locale_and_keep_iso_in_time_elements(client, network):
    from deliberate.discussions import services as discussions

    section = network["section"]
    discussions.post_comment(actor=network["delegate"], subject_kind="section", subject_id=section.id, body="Hola",
                             coop=network["member"])
    html = client.get(f"/standards/platform-co-op-principles/s/{section.key}", headers=ES).get_data(as_text=True)
    with client.application.test_request_context("/", headers=ES):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        spanish = format_datetime(section.head.created_at)
    assert spanish in unescape(html)
    assert re.search(r"\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) \d{4}, \d\d:\d\d UTC", spanish)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">', html)


def test_error_pages_and_refusals_are_translated(client, network):
    text = _text(client.get("/no-such-page", headers=ES))
    assert "No encontrado" in text and "No hemos encontrado esa página." in text
    response = client.post("/signin", headers=ES, data={"email": "delegate@example.org", "password": "wrong"})
    assert "no corresponden a ninguna cuenta" in _text(response)
    # The API keeps its machine-readable code; only the sentence is translated.
    api = client.get("/no-such-page", headers={**ES, "Accept": "application/json"})
    assert api.get_json()["code"] == "not_found"


def test_form_labels_and_validation_messages_are_translated(client, network, login):
    login(network["delegate"])
    client.post("/language", data={"locale": "es"})
    html = client.get("/standards/platform-co-op-principles/amendments/new").get_data(as_text=True)
    assert "¿Qué tipo de cambio?" in html and "Cambiar el texto" in html


def test_scripts_get_their_strings_in_the_page_language(client, network, app):
    html = client.get("/", headers=ES).get_data(as_text=True)
    block = re.search(r"<div id=\"i18n-strings\" hidden data-strings='([^']*)'>", html).group(1)
    shown = json.loads(unescape(block))
    assert shown["Posting…"] == "Publicando…" and shown["Reconnecting…"] == "Reconectando…"
    with app.test_request_context("/", headers=ES):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        strings = js_strings()
    assert strings["Posted."] == "Publicado."
    assert strings["(%(n)s comment)"] == ["(%(n)s comentario)", "(%(n)s comentarios)"]
    assert re.search(r'<script src="/static/js/i18n\.[0-9a-f]{12}\.js">', html)


def test_pages_vary_on_the_browser_language(client, network):
    assert "Accept-Language" in client.get("/").headers.get("Vary", "")


def test_observer_page_cache_keeps_languages_apart(app, client, network):
    app.config["OBSERVER_PAGE_CACHE"] = True
    path = "/standards/platform-co-op-principles"
    english = client.get(path).get_data(as_text=True)
    spanish = client.get(path, headers=ES).get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="es">' in spanish
    assert '<html lang="en">' in client.get(path).get_data(as_text=True)


def test_member_texts_stay_as_written(client, network):
    text = _text(client.get("/standards/platform-co-op-principles", headers=ES))
    assert "Platform Co-op Principles" in text and "Members own the platform." in text


def test_the_password_used_by_tests_still_signs_in_in_spanish(client, network):
    response = client.post("/signin", headers=ES, data={"email": "delegate@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert "Te damos la bienvenida" in _text(client.get("/", headers=ES))


def test_rules_read_in_the_page_language(app):
    from deliberate.voting.rules import PRESETS, Rule
    from deliberate.voting.wording import describe_rule

    weighted = Rule.from_dict({**PRESETS["simple-majority"].to_dict(), "weighted": True, "secret": True, "quorum_count": 3})
    rules = [*PRESETS.values(), weighted]
    with app.test_request_context("/"):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        # In English the page says exactly what the API and the ballot record say.
        assert [describe_rule(rule) for rule in rules] == [rule.describe() for rule in rules]
    with app.test_request_context("/", headers=ES):
        refresh()  # the fixture's app context (and its cached locale) outlives each request
        spanish = [describe_rule(rule) for rule in PRESETS.values()]
    assert "Mayoría simple de los votos emitidos, quórum del 50\u00a0% de las cooperativas miembro" in spanish
    assert not any(rule.describe() in spanish for rule in PRESETS.values())
