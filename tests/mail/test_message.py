"""The message as sent (pure): headers, the two parts, one-click unsubscribe headers only on
notifications, no header injection; unsubscribe tokens; the mail settings from the environment."""
from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from deliberate.config import ConfigError, settings_from_env
from deliberate.mail import message, tokens

NOW = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)


def letter(**overrides) -> message.Letter:
    values = dict(sender="Deliberate <noreply@example.org>", to="ana@example.org", subject="Vote opened: Ünïcode ✓",
                  text="Hello Ana,\nhttps://example.org/votes/1\n", html="<p>Hello Ana,</p>",
                  message_id="<abc@example.org>", date=NOW, language="es", kind="vote_opened",
                  unsubscribe_url="https://example.org/mail/unsubscribe/TOKEN")
    values.update(overrides)
    return message.Letter(**values)


def parsed(built):
    return message_from_bytes(built.as_bytes(), policy=policy.default)


def test_headers_and_parts_survive_the_wire():
    received = parsed(message.build(letter()))
    assert received["From"] == "Deliberate <noreply@example.org>" and received["To"] == "ana@example.org"
    assert received["Subject"] == "Vote opened: Ünïcode ✓"
    assert received["Message-ID"] == "<abc@example.org>" and received["Date"] == "Sun, 02 Mar 2031 09:00:00 +0000"
    assert received["Content-Language"] == "es" and received["X-Deliberate-Mail"] == "vote_opened"
    assert received["List-Unsubscribe"] == "<https://example.org/mail/unsubscribe/TOKEN>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # the richer part last, as RFC 2046 orders alternatives
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Hello Ana,\nhttps://example.org/votes/1\n"
    assert received.get_body(("html",)).get_content().strip() == "<p>Hello Ana,</p>"


def test_transactional_mail_has_no_unsubscribe_headers():
    received = parsed(message.build(letter(unsubscribe_url=None, kind="password_reset")))
    assert received["List-Unsubscribe"] is None and received["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: victim@example.org", "Hi\nX-Evil: 1", "Hi\x00there"])
def test_a_subject_cannot_add_headers(subject):
    raw = message.build(letter(subject=subject)).as_bytes()
    received = message_from_bytes(raw, policy=policy.default)
    assert received["Bcc"] is None and received["X-Evil"] is None
    assert "\n" not in received["Subject"] and "\x00" not in received["Subject"]


def test_long_subjects_are_cut():
    assert len(message.one_line("x" * 1000, 250)) == 250


@pytest.mark.parametrize("public_url, expected", [("https://coops.example.net/net", "Deliberate <noreply@coops.example.net>"),
                                                  ("", "Deliberate <noreply@localhost>")])
def test_default_sender(public_url, expected):
    assert message.default_sender(public_url) == expected


def test_message_ids_end_with_the_senders_domain():
    assert message.message_id("1234", "Our Network <mail@net.example.org>") == "<1234@net.example.org>"


SECRET = "a-secret-key-long-enough-for-tests-0123456789"


def test_unsubscribe_tokens_name_one_person_and_one_kind():
    token = tokens.make(SECRET, 42, "digest")
    assert tokens.read(SECRET, token) == (42, "digest")
    assert tokens.read("another-secret-key-long-enough-0123456789", token) is None
    assert tokens.read(SECRET, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]) is None
    assert tokens.read(SECRET, "") is None and tokens.read(SECRET, "not.a.token") is None


def test_no_token_for_mail_that_cannot_be_turned_off():
    with pytest.raises(ValueError):
        tokens.make(SECRET, 42, "password_reset")


def test_a_token_signed_for_something_else_is_refused():
    from itsdangerous import URLSafeSerializer

    other = URLSafeSerializer(SECRET, salt=tokens.SALT)
    assert tokens.read(SECRET, other.dumps([42, "password_reset"])) is None
    assert tokens.read(SECRET, other.dumps({"person": 42})) is None
    assert tokens.read(SECRET, URLSafeSerializer(SECRET, salt="another").dumps([42, "digest"])) is None


def test_mail_settings_from_the_environment():
    defaults = settings_from_env({}, "/i")
    assert (defaults["SMTP_HOST"], defaults["SMTP_SECURITY"], defaults["SMTP_PORT"]) == ("", "starttls", 587)
    assert defaults["MAIL_WORKER_SECONDS"] == 10 and defaults["MAIL_DIGEST_DEFAULT"] == "weekly"
    ssl = settings_from_env({"SMTP_HOST": "smtp.example.org", "SMTP_SECURITY": "SSL", "SMTP_USERNAME": "u",
                             "SMTP_PASSWORD": "p", "MAIL_FROM": "Net <n@example.org>"}, "/i")
    assert (ssl["SMTP_SECURITY"], ssl["SMTP_PORT"], ssl["SMTP_USERNAME"], ssl["MAIL_FROM"]) == ("ssl", 465, "u", "Net <n@example.org>")
    assert settings_from_env({"SMTP_SECURITY": "none", "SMTP_PORT": "2525"}, "/i")["SMTP_PORT"] == 2525


@pytest.mark.parametrize("environ", [
    {"SMTP_SECURITY": "tls"},
    {"SMTP_HOST": "smtp.example.org", "SMTP_SECURITY": "none", "SMTP_PASSWORD": "secret"},  # a password in clear
    {"MAIL_DIGEST_DEFAULT": "monthly"},
    {"MAIL_DIGEST_HOUR": "24"},
    {"SMTP_PORT": "twenty-five"},
])
def test_unsafe_or_malformed_mail_settings_are_refused(environ):
    with pytest.raises(ConfigError):
        settings_from_env(environ, "/i")


def test_a_password_in_clear_to_a_local_relay_is_allowed():
    assert settings_from_env({"SMTP_HOST": "localhost", "SMTP_SECURITY": "none", "SMTP_PASSWORD": "p"}, "/i")["SMTP_HOST"] == "localhost"
