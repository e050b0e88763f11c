"""The pure webhook rules: signatures, retry schedule and backoff, URL and address checks."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.webhooks import signing

SECRET = "whsec_test-secret"
BODY = b'{"data":{"vote":{"id":3}},"id":7,"type":"vote.closed"}'
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


# Signatures ------------------------------------------------------------------------------------

def test_the_signature_is_the_hmac_of_time_dot_body():
    expected = hmac.new(SECRET.encode(), b"1790000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature(SECRET, 1790000000, BODY) == expected
    assert signing.signature_header(SECRET, 1790000000, BODY) == f"t=1790000000,v1={expected}"


def test_a_known_vector_stays_the_same():
    # Receivers in other languages check against this value (docs/webhooks.md quotes it).
    assert signing.signature("whsec_example", 1700000000, b'{"id":1}') == \
        hmac.new(b"whsec_example", b'1700000000.{"id":1}', hashlib.sha256).hexdigest()


def test_bodies_are_compact_sorted_utf8():
    assert signing.encode_body({"b": 1, "a": "Cooperación"}) == '{"a":"Cooperación","b":1}'.encode()


@pytest.mark.parametrize("header, body, now, secret, expected", [
    ("good", BODY, 1790000000, SECRET, True),
    ("good", BODY, 1790000000 + 300, SECRET, True),          # at the edge of the tolerance
    ("good", BODY, 1790000000 + 301, SECRET, False),         # replayed too late
    ("good", BODY, 1790000000 - 301, SECRET, False),         # from the future
    ("good", BODY + b" ", 1790000000, SECRET, False),        # a changed byte
    ("good", BODY, 1790000000, SECRET + "x", False),         # another secret
    ("t=1790000000", BODY, 1790000000, SECRET, False),       # no signature
    ("v1=" + "0" * 64, BODY, 1790000000, SECRET, False),     # no time
    ("", BODY, 1790000000, SECRET, False),
    ("t=abc,v1=zz", BODY, 1790000000, SECRET, False),
    ("rotated", BODY, 1790000000, SECRET, True),              # one of several v1 values matches
])
def test_verify_signature(header, body, now, secret, expected):
    good = signing.signature_header(SECRET, 1790000000, BODY)
    if header == "good":
        header = good
    elif header == "rotated":
        header = f"t=1790000000,v1={'1' * 64},{good.split(',')[1]}"
    assert signing.verify_signature(secret, header, body, now=now) is expected


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**33), st.text(min_size=1, max_size=40))
def test_what_is_signed_verifies(body, timestamp, secret):
    header = signing.signature_header(secret, timestamp, body)
    assert signing.verify_signature(secret, header, body, now=timestamp)
    assert not signing.verify_signature(secret, header, body + b"!", now=timestamp)


# Retries ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1m,5m,30m,2h,12h", (60, 300, 1800, 7200, 43200)),
    ("30s, 2m ,1d", (30, 120, 86400)),
    ("45", (45,)),
    ("", ()),
    (" , ", ()),
    ((10, 20), (10, 20)),
])
def test_parse_schedule(text, expected):
    assert signing.parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["1x", "m", "-5m", "1.5h", "0s", "5m;1h"])
def test_parse_schedule_refuses_what_is_not_a_delay(text):
    with pytest.raises(ValueError):
        signing.parse_schedule(text)


def test_the_default_schedule_is_the_documented_text():
    assert signing.parse_schedule(signing.DEFAULT_SCHEDULE_TEXT) == signing.DEFAULT_SCHEDULE
    assert signing.max_attempts(signing.DEFAULT_SCHEDULE) == 6


@pytest.mark.parametrize("attempts, expected", [
    (1, timedelta(minutes=1)), (2, timedelta(minutes=5)), (3, timedelta(minutes=30)),
    (4, timedelta(hours=2)), (5, timedelta(hours=12)), (6, None), (9, None),
])
def test_backoff_without_spread_follows_the_schedule(attempts, expected):
    assert signing.retry_delay(attempts, signing.DEFAULT_SCHEDULE, jitter=0.1, rand=0.5) == expected
    at = signing.next_attempt_at(attempts, T0, signing.DEFAULT_SCHEDULE, jitter=0.1, rand=0.5)
    assert at == (None if expected is None else T0 + expected)


@pytest.mark.parametrize("rand, expected_seconds", [(0.0, 270), (1.0, 330), (0.25, 285)])
def test_jitter_spreads_the_delay_both_ways(rand, expected_seconds):
    assert signing.retry_delay(2, signing.DEFAULT_SCHEDULE, jitter=0.1, rand=rand) == timedelta(seconds=expected_seconds)


@given(st.integers(min_value=1, max_value=5), st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=0.99))
def test_backoff_stays_within_the_jitter_and_grows(attempts, rand, jitter):
    schedule = signing.DEFAULT_SCHEDULE
    delay = signing.retry_delay(attempts, schedule, jitter, rand).total_seconds()
    base = schedule[attempts - 1]
    assert base * (1 - jitter) - 1e-6 <= delay <= base * (1 + jitter) + 1e-6
    if attempts < len(schedule) and jitter <= 0.5:
        # Even the shortest next delay is no shorter than this one at its longest.
        assert schedule[attempts] * (1 - jitter) >= delay - 1e-6


def test_no_schedule_means_one_attempt():
    assert signing.next_attempt_at(1, T0, ()) is None
    assert signing.max_attempts(()) == 1


@pytest.mark.parametrize("args", [(0, (60,), 0.1, 0.5), (1, (60,), 1.0, 0.5), (1, (60,), 0.1, 1.5)])
def test_retry_delay_refuses_nonsense(args):
    with pytest.raises(ValueError):
        signing.retry_delay(*args)


@pytest.mark.parametrize("code, ok", [(None, False), (100, False), (200, True), (204, True), (299, True),
                                      (301, False), (404, False), (500, False)])
def test_only_2xx_succeeds(code, ok):
    assert signing.succeeded(code) is ok


@pytest.mark.parametrize("failures, threshold, disable", [(4, 5, False), (5, 5, True), (9, 5, True), (100, 0, False)])
def test_should_disable(failures, threshold, disable):
    assert signing.should_disable(failures, threshold) is disable


# URLs and addresses -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://example.org/hooks", "http://example.org:8080/h?x=1", "  https://hooks.example.coop/a  ",
    "https://93.184.216.34/hook", "https://[2606:4700::1111]/hook",
])
def test_public_urls_are_accepted(url):
    assert signing.check_url(url, allow_private=False) == url.strip()


@pytest.mark.parametrize("url, code", [
    ("", "empty"), ("ftp://example.org/x", "scheme"), ("javascript:alert(1)", "scheme"),
    ("file:///etc/passwd", "scheme"), ("https:///path", "no_host"), ("https://user:pw@example.org/", "credentials"),
    ("https://example.org/" + "a" * 2000, "too_long"), ("https://exa mple.org/", "spaces"),
    ("https://example.org:99999/", "invalid"), ("https://example.org:0/", "port"),
    ("http://localhost:5000/", "local"), ("http://LOCALHOST./", "local"), ("http://printer.local/", "local"),
    ("http://api.internal/", "local"),
    ("http://127.0.0.1/", "private"), ("http://10.1.2.3/", "private"), ("http://192.168.0.5:8080/", "private"),
    ("http://172.16.0.1/", "private"), ("http://169.254.169.254/latest/meta-data", "private"),
    ("http://[::1]/", "private"), ("http://[fd00::1]/", "private"), ("http://0.0.0.0/", "private"),
    ("http://100.64.0.1/", "private"), ("http://[::ffff:127.0.0.1]/", "private"),
])
def test_unsafe_urls_are_refused(url, code):
    with pytest.raises(signing.UnsafeURL) as caught:
        signing.check_url(url, allow_private=False)
    assert caught.value.code == code


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://localhost/", "http://10.0.0.2/"])
def test_private_hosts_are_allowed_when_configured(url):
    assert signing.check_url(url, allow_private=True) == url


def test_scheme_and_credentials_are_checked_even_when_private_hosts_are_allowed():
    for url in ("ftp://127.0.0.1/", "http://a:b@127.0.0.1/"):
        with pytest.raises(signing.UnsafeURL):
            signing.check_url(url, allow_private=True)


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("127.0.0.1", False), ("10.0.0.1", False),
    ("224.0.0.1", False), ("::", False), ("::ffff:10.0.0.1", False), ("::ffff:8.8.8.8", True), ("fe80::1", False),
])
def test_is_public_address(address, public):
    assert signing.is_public_address(ipaddress.ip_address(address)) is public


def test_mask_url_hides_the_query():
    assert signing.mask_url("https://example.org/h?token=abc") == "https://example.org/h?…"
    assert signing.mask_url("https://example.org/h") == "https://example.org/h"


# The receiver's snippet in docs/webhooks.md ------------------------------------------------------

def _documented_verify():
    import re
    import time as time_module
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    code = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify(" in block)
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"], time_module


def test_the_documented_receiver_snippet_accepts_our_signatures_and_nothing_else():
    verify, clock = _documented_verify()
    now = int(clock.time())
    header = signing.signature_header(SECRET, now, BODY)
    assert verify(SECRET, header, BODY)
    assert not verify(SECRET, header, BODY + b"x")
    assert not verify("whsec_other", header, BODY)
    assert not verify(SECRET, signing.signature_header(SECRET, now - 3600, BODY), BODY)
    assert not verify(SECRET, "garbage", BODY)


# Whatever a stranger puts in the header: False, never an exception (a crash in a receiver's
# handler is a 500 it did not plan for, and an exception type an attacker can probe).
JUNK_HEADERS = [None, "", ",", "=", "t", "t=", "v1=", "t=,v1=", "t=1,v1", "garbage", "t=1790000000",
                "v1=" + "a" * 64, "t=abc,v1=" + "a" * 64, "t=١٧٩٠٠٠٠٠٠٠,v1=" + "a" * 64,
                "t=１２,v1=" + "a" * 64, "t=²,v1=" + "a" * 64, "t=" + "9" * 400 + ",v1=" + "a" * 64,
                "t=" + "9" * 5000 + ",v1=" + "a" * 64, "t=-1,v1=" + "a" * 64, "t=1e9,v1=" + "a" * 64,
                "t=1790000000,v1=" + "é" * 64, "t=1790000000,v1=" + "A" * 64, "t=1790000000,v1=\u00e9",
                "t=1790000000,v1=" + "a" * 63 + "\x00", "t=1790000000,v1=" + "a" * 65, "t=1790000000\n,v1=" + "a" * 64,
                "t=1790000000,v1=" + "a" * 64 + "\n", "\x00" * 100, "t=1790000000;v1=" + "a" * 64,
                "t=1790000000 ,v1=" + "a" * 64 + ",t=junk", ",".join(["v1=" + "b" * 64] * 1000)]


@pytest.mark.parametrize("header", JUNK_HEADERS, ids=range(len(JUNK_HEADERS)))
def test_junk_headers_are_refused_without_an_exception(header):
    verify, clock = _documented_verify()
    now = int(clock.time())
    for junk in ([header] if header is None else [header, header.replace("1790000000", str(now))]):
        assert verify(SECRET, junk, BODY) is False, junk
        assert signing.verify_signature(SECRET, junk, BODY, now=now) is False, junk


@given(st.text(max_size=300))
def test_any_text_as_a_header_is_refused_without_an_exception(header):
    verify, _clock = _documented_verify()
    assert verify(SECRET, header, BODY) is False
    assert signing.verify_signature(SECRET, header, BODY, now=1790000000) is False


def test_the_documented_snippet_accepts_a_header_with_spaces_and_several_signatures():
    verify, clock = _documented_verify()
    now = int(clock.time())
    good = signing.signature(SECRET, now, BODY)
    assert verify(SECRET, f"t={now}, v1={'0' * 64}, v1={good}", BODY)


# Settings -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("environ, allowed", [
    ({}, True), ({"DELIBERATE_ENV": "testing"}, True), ({"DELIBERATE_ENV": "production"}, False),
    ({"DELIBERATE_ENV": "production", "WEBHOOK_ALLOW_PRIVATE_HOSTS": "1"}, True),
    ({"WEBHOOK_ALLOW_PRIVATE_HOSTS": "off"}, False),
])
def test_private_hosts_are_refused_in_production_unless_configured(environ, allowed):
    from deliberate.config import settings_from_env

    assert settings_from_env(environ, "/i")["WEBHOOK_ALLOW_PRIVATE_HOSTS"] is allowed


def test_webhook_settings_from_the_environment():
    from deliberate.config import settings_from_env

    settings = settings_from_env({"WEBHOOK_RETRY_SCHEDULE": "10s,1m", "WEBHOOK_TIMEOUT_SECONDS": "2.5",
                                  "PUBLIC_URL": "https://d.example.coop/", "WEBHOOK_AUTO_DISABLE_AFTER": "0"}, "/i")
    assert signing.parse_schedule(settings["WEBHOOK_RETRY_SCHEDULE"]) == (10, 60)
    assert settings["WEBHOOK_TIMEOUT_SECONDS"] == 2.5 and settings["PUBLIC_URL"] == "https://d.example.coop"
    assert settings["WEBHOOK_AUTO_DISABLE_AFTER"] == 0
    defaults = settings_from_env({}, "/i")
    assert signing.parse_schedule(defaults["WEBHOOK_RETRY_SCHEDULE"]) == signing.DEFAULT_SCHEDULE
