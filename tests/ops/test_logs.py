"""Logs: the redacting filter, request ids, the access line, and the real server writing JSON lines
through a whole flow (signing in, an API call with a bearer token, a password reset) without one
password, token or secret in them."""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from deliberate.ops import logs
from tests.conftest import TEST_PASSWORD
from tests.reliability.server import CSRF, ROOT, free_port, signed_in

SECRET_KEY = "server-secret-key-for-the-log-test-0123456789abcdef"
METRICS_TOKEN = "metrics-token-for-the-log-test-0123456789"
SMTP_PASSWORD = "smtp-password-for-the-log-test-0123456789"
API_TOKEN = "dlb_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v"
RESET = "Zq9" * 14


# Redaction (pure) ------------------------------------------------------------------------------

@pytest.mark.parametrize("line, secret", [
    ("Password reset for person 3: open /reset/AbCdEfGh1234_-xyz within 60 minutes", "AbCdEfGh1234_-xyz"),
    ('127.0.0.1 - - "GET /reset/AbCdEfGh1234?next=/ HTTP/1.1" 200 -', "AbCdEfGh1234"),
    ('127.0.0.1 - - "POST /join/InviteToken123 HTTP/1.1" 302 -', "InviteToken123"),
    ("https://coop.example/join/InviteToken123#top", "InviteToken123"),
    ("Authorization: Bearer dlb_" + "x" * 43, "x" * 43),
    ("calling with bearer abc.DEF-123_456~+/=", "abc.DEF-123_456~+/="),
    ("header Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    (f"token {API_TOKEN} used", API_TOKEN[4:]),
    ("secret whsec_Abcdefghijklmnop1234 rotated", "Abcdefghijklmnop1234"),
    ("GET /healthz?access_token=qwertyuiop&x=1", "qwertyuiop"),
    ("GET /x?a=1&api_key=qwertyuiop", "qwertyuiop"),
    ("GET /x?password=hunter2hunter2", "hunter2hunter2"),
    ("GET /x?sig=1&signature=abcdef0123", "abcdef0123"),
    ("connecting to postgresql+psycopg://deliberate:pg-pass-123@db:5432/deliberate", "pg-pass-123"),
    ("connecting to redis://:redis-pass-123@redis:6379/0", "redis-pass-123"),
    ('form {"email": "a@b.org", "password": "a long test password"}', "a long test password"[:6]),
    ("password=correct-horse-battery", "correct-horse-battery"),
    ("SMTP_PASSWORD: mail-pass-123", "mail-pass-123"),
    ("csrf_token=ImFiYyI.ZZZ.yyy", "ImFiYyI.ZZZ.yyy"),
])
def test_what_looks_like_a_secret_is_redacted(line, secret):
    redacted = logs.redact(line)
    assert secret not in redacted and logs.REDACTED in redacted


@pytest.mark.parametrize("line", [
    "GET /reset/<token> 200 3.1ms",  # the URL rule of the access line
    "POST /join/<token> 302 12.0ms",
    "GET /standards/<slug> 200 4.2ms",
    "vote scheduler: closed [3, 4], sent 2 reminder(s)",
    "webhooks: 3 delivered, 0 to retry, 0 failed",
    "Password reset asked for an unknown address",
    "https://coop.example:8443/standards/platform",
    "GET /search?q=membership&page=2",
    "background job votes started: every 30 seconds",
])
def test_ordinary_lines_are_left_alone(line):
    assert logs.redact(line) == line


def test_the_apps_own_secrets_are_redacted_wherever_they_appear():
    line = f"config: key{SECRET_KEY}tail, {METRICS_TOKEN}; {SMTP_PASSWORD}!"
    redacted = logs.redact(line, [SECRET_KEY, METRICS_TOKEN, SMTP_PASSWORD, "short"])
    assert redacted == f"config: key{logs.REDACTED}tail, {logs.REDACTED}; {logs.REDACTED}!"
    assert logs.redact("a short word", ["short"]) == "a short word"  # too short to be searched for


def test_secrets_of_a_configuration():
    found = logs.secrets_of({"SECRET_KEY": SECRET_KEY, "METRICS_TOKEN": None}, {"SMTP_PASSWORD": SMTP_PASSWORD})
    assert set(found) == {SECRET_KEY, SMTP_PASSWORD}


def _record(message, *args, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord("deliberate.test", logging.WARNING, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    return record


def test_the_filter_redacts_arguments_and_tracebacks():
    sieve = logs.RedactingFilter([SECRET_KEY])
    record = _record("reset link %s for %s", f"/reset/{RESET}", SECRET_KEY)
    assert sieve.filter(record)
    assert record.getMessage() == f"reset link /reset/{logs.REDACTED} for {logs.REDACTED}"
    try:
        raise ValueError(f"bad token in https://x.example/join/{RESET}")
    except ValueError:
        record = _record("failed", exc_info=sys.exc_info())
    sieve.filter(record)
    formatted = logging.Formatter().format(record)
    assert RESET not in formatted and "ValueError" in formatted and f"/join/{logs.REDACTED}" in formatted


def test_the_development_mail_fallback_keeps_its_link_and_nothing_else():
    """Without SMTP (never in production) a mail is written to the log: its reader needs the link."""
    sieve = logs.RedactingFilter([SECRET_KEY])
    record = _record("Mail to a@example.org: reset\nhttp://x/reset/%s key %s Bearer dlb_abcdefghij", RESET, SECRET_KEY)
    setattr(record, logs.KEEP_LINKS, True)
    sieve.filter(record)
    message = record.getMessage()
    assert f"/reset/{RESET}" in message and SECRET_KEY not in message and "dlb_abcdefghij" not in message


def test_a_json_line_is_one_object_on_one_line():
    record = _record("two\nlines with \"quotes\" and ünïcödé", request_id="abc", method="GET", route="/x", status=200,
                     duration_ms=1.5)
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "two\nlines with \"quotes\" and ünïcödé"
    assert entry["level"] == "WARNING" and entry["logger"] == "deliberate.test" and entry["request_id"] == "abc"
    assert (entry["method"], entry["route"], entry["status"], entry["duration_ms"]) == ("GET", "/x", 200, 1.5)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_install_is_idempotent_and_switches_the_format():
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        for handler in saved_handlers:
            root.removeHandler(handler)
        engineio = logging.getLogger("engineio.server")
        engineio.addHandler(logging.StreamHandler())  # what Engine.IO does when its first server is made
        handler = logs.install("plain", [SECRET_KEY], stream=stream)
        assert not [h for h in engineio.handlers if type(h) is logging.StreamHandler]  # its records: once, through ours
        assert logs.install("json", [METRICS_TOKEN], stream=stream) is handler
        assert [h for h in root.handlers if logs._ours(h)] == [handler]
        logging.getLogger("deliberate.test").warning("keys %s and %s", SECRET_KEY, METRICS_TOKEN)
        entry = json.loads(stream.getvalue())
        assert entry["message"] == f"keys {logs.REDACTED} and {logs.REDACTED}"
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


def test_someone_elses_logging_configuration_is_left_alone_but_its_filters_get_the_secrets():
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    theirs, filtered = io.StringIO(), io.StringIO()
    plain, redacting = logging.StreamHandler(theirs), logging.StreamHandler(filtered)
    redacting.addFilter(logs.RedactingFilter())
    try:
        for handler in saved_handlers:
            root.removeHandler(handler)
        root.addHandler(plain)
        root.addHandler(redacting)
        assert logs.install("json", [SECRET_KEY]) is None
        assert root.handlers == [plain, redacting] and plain.filters == []
        logging.getLogger("deliberate.test").warning("key %s", SECRET_KEY)
        # Handlers see one record: the first one's output is written before the filter of the second runs.
        assert theirs.getvalue() == f"key {SECRET_KEY}\n" and filtered.getvalue() == f"key {logs.REDACTED}\n"
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


@pytest.mark.parametrize("value, sane", [
    ("abc", True), ("req-2026.12.06_01", True), ("a" * 64, True),
    ("a" * 65, False), ("", False), (None, False), ("has space", False), ("semi;colon", False),
    ("new\nline", False), ("ünï", False), ("<script>", False),
])
def test_which_incoming_request_ids_are_kept(value, sane):
    assert logs.is_sane_request_id(value) is sane


# Request ids and the access line over HTTP ---------------------------------------------------------

def test_a_sane_request_id_is_kept_and_anything_else_replaced(client):
    assert client.get("/", headers={"X-Request-ID": "from-the-proxy.42"}).headers["X-Request-ID"] == "from-the-proxy.42"
    for insane in ("x" * 65, "two words", "ünï", "a/b"):
        answered = client.get("/", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert answered != insane and re.fullmatch(r"[0-9a-f]{32}", answered)
    first, second = (client.get("/").headers["X-Request-ID"] for _ in range(2))
    assert first != second
    assert client.get("/no-such-page").headers["X-Request-ID"]  # errors carry one too


def test_the_access_line_names_the_route_not_the_path(client, caplog):
    caplog.set_level(logging.INFO, logger=logs.ACCESS_LOGGER)
    client.get(f"/reset/{RESET}", headers={"X-Request-ID": "reset-page-1"})
    for probe in ("/healthz", "/readyz", "/metrics"):  # probes and scrapes are not written
        assert client.get(probe).status_code == 200
    lines = [r for r in caplog.records if r.name == logs.ACCESS_LOGGER]
    assert len(lines) == 1
    (line,) = lines
    assert (line.method, line.route, line.status, line.request_id) == ("GET", "/reset/<token>", 200, "reset-page-1")
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert RESET not in line.getMessage()


def test_a_refused_post_still_has_its_request_id_and_access_line(app, client, caplog):
    app.config["WTF_CSRF_ENABLED"] = True  # CSRFProtect's hook refuses before any view
    caplog.set_level(logging.INFO, logger=logs.ACCESS_LOGGER)
    response = client.post("/signin", data={"email": "x@example.org", "password": "whatever it is"})
    assert response.status_code == 400
    assert response.headers["X-Request-ID"]
    (line,) = [r for r in caplog.records if r.name == logs.ACCESS_LOGGER]
    assert (line.route, line.status, line.request_id) == ("/signin", 400, response.headers["X-Request-ID"])


# The real server, LOG_FORMAT=json --------------------------------------------------------------------

class JsonServer:
    """``python -m deliberate.serve`` on the test's database with LOG_FORMAT=json and the secrets set."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        instance = tmp_path / "instance"
        instance.mkdir()
        self.env = {**os.environ, "DATABASE_URL": database_url, "DELIBERATE_INSTANCE": str(instance), "PORT": str(port),
                    "DELIBERATE_ENV": "development", "PYTHONUNBUFFERED": "1", "LOG_FORMAT": "json",
                    "SECRET_KEY": SECRET_KEY, "METRICS_TOKEN": METRICS_TOKEN, "SMTP_PASSWORD": SMTP_PASSWORD,
                    "VOTE_SCHEDULER_SECONDS": "0.5", "WEBHOOK_WORKER_SECONDS": "0.5",
                    # Mail configured but its server down: the reset mail is queued and retried, and
                    # its link must appear in no log line (the development fallback that logs mails
                    # is for a machine with no SMTP at all, tests/ops: keep_links).
                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()), "SMTP_SECURITY": "none",
                    "MAIL_WORKER_SECONDS": "0.5"}
        for name in ("SOCKETIO_MESSAGE_QUEUE", "PYTEST_XDIST_WORKER", "RATELIMIT_STORAGE_URI"):
            self.env.pop(name, None)
        self.stderr, self.stdout = tmp_path / "stderr.log", tmp_path / "stdout.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        with open(self.stderr, "wb") as err, open(self.stdout, "wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "deliberate.serve"], cwd=ROOT, env=self.env,
                                            stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.stderr.read_text()[-3000:]
            with contextlib.suppress(requests.RequestException):  # not up yet
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def stop(self) -> tuple[str, str]:
        """SIGTERM; then what the server wrote to stderr (the log) and to stdout."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.stderr.read_text(), self.stdout.read_text()


@pytest.fixture
def json_server(app, database_url, tmp_path):
    server = JsonServer(database_url, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _csrf(http, url, page) -> str:
    return CSRF.search(http.get(url + page, timeout=10).text).group(1)


def test_the_server_logs_json_lines_without_any_secret(app, network, json_server):
    from deliberate.api import tokens
    from deliberate.extensions import db
    from deliberate.members import services as members

    url = json_server.url
    email = network["delegate"].email
    _token, api_token = tokens.create_token(actor=network["delegate"], name="log test", scopes=["read"], fresh=True)
    db.session.remove()

    # Signing in with a password, through the real form.
    http, _csrf_token = signed_in(url, email, TEST_PASSWORD)
    # The API with a bearer token, and a request id from "the proxy".
    answer = http.get(url + "/api/v1/standards", headers={"Authorization": f"Bearer {api_token}",
                                                          "X-Request-ID": "trace-api.1"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == "trace-api.1"
    bad = requests.get(url + "/api/v1/standards", headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert bad.status_code == 401
    # Secrets in query strings, which the development server's own access log prints.
    assert requests.get(url + f"/healthz?access_token={METRICS_TOKEN}&key={SECRET_KEY}", timeout=10).ok
    assert requests.get(url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10).ok
    # A password reset: asked for through the form (the server writes its fallback line), then a
    # link followed and a new password set.
    anonymous = requests.Session()
    asked = anonymous.post(url + "/forgot", data={"email": email, "csrf_token": _csrf(anonymous, url, "/forgot")},
                           allow_redirects=False, timeout=30)
    assert asked.status_code == 302
    reset_token = members.request_password_reset(email=email)
    db.session.remove()
    new_password = "a brand new password for the log test"
    page = f"/reset/{reset_token}"
    changed = anonymous.post(url + page, data={"password": new_password, "confirm": new_password,
                                               "csrf_token": _csrf(anonymous, url, page)}, allow_redirects=False, timeout=30)
    assert changed.status_code == 302, changed.text[:500]
    signed_in(url, email, new_password)
    # A join link that does not exist (a token in the path of a 404-ish page).
    anonymous.get(url + f"/join/{RESET}", timeout=10)

    stderr, stdout = json_server.stop()
    everything = stderr + stdout
    for secret in (TEST_PASSWORD, new_password, api_token, api_token[4:], API_TOKEN[4:], reset_token, RESET,
                   SECRET_KEY, METRICS_TOKEN, SMTP_PASSWORD):
        assert secret not in everything, f"{secret[:12]}… is in the log"

    assert "\\u001b" not in stderr  # Werkzeug's terminal colours are left out of the JSON
    entries = []
    for line in stderr.splitlines():
        if line.strip():
            entry = json.loads(line)  # every line is one JSON object
            assert {"time", "level", "logger", "message"} <= set(entry), entry
            entries.append(entry)
    access = [e for e in entries if e["logger"] == logs.ACCESS_LOGGER]
    sign_in = [e for e in access if e["route"] == "/signin" and e["method"] == "POST"]
    assert sign_in and all(e["status"] == 302 and e["request_id"] and e["duration_ms"] >= 0 for e in sign_in)
    (api,) = [e for e in access if e["request_id"] == "trace-api.1"]
    assert (api["method"], api["route"], api["status"]) == ("GET", "/api/v1/standards", 200)
    assert [e["route"] for e in access if e["route"].startswith("/reset")] == ["/reset/<token>"] * 2
    retried = [e for e in entries if e["logger"].startswith("deliberate.mail")]
    assert retried, "the mail job never tried to send the reset mails"  # and said so without their links
    assert any(e["logger"] == "werkzeug" for e in entries)  # the development server's own lines, as JSON
