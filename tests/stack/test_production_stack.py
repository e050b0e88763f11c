"""The production stack of docs/deployment.md, on this machine: Debian's nginx running
deploy/nginx/deliberate-locations.conf (with the upstream, map and cache of deploy/nginx/deliberate.conf)
in front of two gunicorn processes started with deploy/gunicorn.conf.py on two ports, the worker
(``flask --app deliberate worker``), PostgreSQL and Redis; DELIBERATE_ENV=production throughout.

Plain http (the test has no certificate), so SESSION_COOKIE_SECURE=0; everything else is as a host
runs it. Through nginx a delegate signs in with the real form and its CSRF token, posts a comment
that reaches a Socket.IO client connected to the OTHER gunicorn process (the access logs say which
one nginx chose), and casts a ballot; the worker closes the vote once it is due and delivers a
webhook to a receiver here. No process says "development server", and no Server header names a
version. The stack itself is started by tests/stack/harness.py (bench/load.py uses it too).
"""
from __future__ import annotations

import json
import os
import queue
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.live_server import wait_until
from tests.stack.harness import NGINX, PG, Stack, running_stack, services_available

# Its own database (named after this run's, if any) and Redis databases of its own.
_BASE = os.environ.get("DATABASE_URL", "").rpartition("/")[2] if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
DATABASE = f"{_BASE}_stack" if _BASE else "deliberate_stack_test"
# (STACK_REDIS_QUEUE and STACK_REDIS_LIMITS choose others, for two runs at once on one machine.)
REDIS_QUEUE = os.environ.get("STACK_REDIS_QUEUE", "redis://127.0.0.1:6379/6")
REDIS_LIMITS = os.environ.get("STACK_REDIS_LIMITS", "redis://127.0.0.1:6379/7")
STANDARD = "platform-co-op-principles"
PASSWORD = "cooperate-together"  # deliberate.seed.DEMO_PASSWORD
TIMEOUT = 15
# Quick job passes, so that the worker closes a due vote and delivers its webhook within the test.
ENV = {"GUNICORN_THREADS": "40", "GUNICORN_GRACEFUL_TIMEOUT": "3", "VOTE_SCHEDULER_SECONDS": "1",
       "WEBHOOK_WORKER_SECONDS": "1", "WEBHOOK_ALLOW_PRIVATE_HOSTS": "1"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="needs nginx (make nginx)"),
    pytest.mark.skipif(not services_available(REDIS_QUEUE), reason="needs PostgreSQL and Redis (make services)"),
]


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver: keeps each POST's headers and JSON body."""

    received: queue.Queue = queue.Queue()

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.put((dict(self.headers), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The stack of tests/stack/harness.py, seeded with the demo network without its history and one open vote."""
    with running_stack(tmp_path_factory.mktemp("stack"), f"{PG}/{DATABASE}", REDIS_QUEUE, REDIS_LIMITS, env=ENV) as stack:
        yield stack


def csrf_token(html: str) -> str:
    tag = re.search(r'<input[^>]*\bname="csrf_token"[^>]*>', html)
    assert tag, "no csrf_token field on the page"
    return re.search(r'\bvalue="([^"]+)"', tag.group(0)).group(1)


def sign_in(url: str, email: str):
    import requests

    http = requests.Session()
    page = http.get(url + "/signin", timeout=TIMEOUT)
    response = http.post(url + "/signin", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
                         allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, response.text[:500]
    return http


def socket_client(url: str, http, events: queue.Queue):
    import socketio

    client = socketio.Client(reconnection=False)
    for name in ("comment_posted", "ballot_cast", "vote_closed"):
        client.on(name, lambda data, name=name: events.put((name, data)))
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    client.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=TIMEOUT)
    return client


def next_event(events: queue.Queue, name: str, match=lambda data: True) -> dict:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            event, data = events.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if event == name and match(data):
            return data
    raise AssertionError(f"no {name} event within {TIMEOUT}s")


def which_web_process(stack: Stack, request_line: str) -> int:
    """The gunicorn process whose access log shows ``request_line`` (nginx's ip_hash chose it)."""
    def found():
        hits = [i for i in (0, 1) if request_line in stack.output(f"web{i}")]
        return hits or None
    hits = wait_until(found, timeout=5, message=f"{request_line!r} in an access log")
    assert len(hits) == 1, hits
    return hits[0]


def test_no_server_header_names_a_version(stack):
    import requests

    through_nginx = requests.get(stack.url + "/", timeout=TIMEOUT)
    assert through_nginx.headers["Server"] == "nginx"
    for index in (0, 1):
        direct = requests.get(stack.web_url(index) + "/healthz", timeout=TIMEOUT)
        assert direct.headers["Server"] == "Deliberate"
    for response in (through_nginx, direct):
        assert not re.search(r"\d", response.headers["Server"]), response.headers["Server"]


def test_observer_pages_set_no_cookie_and_are_cached_briefly(stack):
    import requests

    path = f"{stack.url}/standards/{STANDARD}"
    first = requests.get(path, timeout=TIMEOUT)
    assert first.status_code == 200
    assert "Set-Cookie" not in first.headers
    assert "cookie" not in first.headers.get("Vary", "").lower()
    # Kept for a second: one of a few quick requests is answered from nginx's cache.
    statuses = [requests.get(path, timeout=TIMEOUT).headers["X-Cache-Status"] for _ in range(5)]
    assert "HIT" in statuses, statuses
    # Someone with a cookie never gets the observers' copy.
    with_cookie = requests.get(path, headers={"Cookie": "session=x"}, timeout=TIMEOUT)
    assert with_cookie.headers["X-Cache-Status"] == "BYPASS"


def test_static_files_come_fingerprinted_compressed_and_kept_a_year(stack):
    import requests

    page = requests.get(stack.url + "/", timeout=TIMEOUT).text
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page).group(1)
    script = re.search(r'src="(/static/vendor/socket\.io\.min\.[0-9a-f]{12}\.js)"', page).group(1)
    for path in (css, script):
        response = requests.get(stack.url + path, headers={"Accept-Encoding": "gzip"}, timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        assert "X-Cache-Status" not in response.headers  # nginx served it from disk, not the app
    assert response.content.startswith(b"!function") or b"io" in response.content[:200]
    # A name without fingerprint still works, from the app, never kept.
    plain = requests.get(stack.url + "/static/css/app.css", timeout=TIMEOUT)
    assert plain.status_code == 200 and "no-cache" in plain.headers["Cache-Control"]


def test_a_comment_posted_through_nginx_reaches_a_client_of_the_other_process(stack):
    http = sign_in(stack.url, "lucia@example.org")
    page = http.get(f"{stack.url}/standards/{STANDARD}", timeout=TIMEOUT)
    assert "cookie" in page.headers.get("Vary", "").lower() and page.headers["X-Cache-Status"] == "BYPASS"
    standard_id = int(re.search(r'data-live-room="standard:(\d+)"', page.text).group(1))
    marker = f"Seen through the other process {secrets.token_hex(4)}"
    clients, received = [], [queue.Queue(), queue.Queue(), queue.Queue()]
    try:
        # One client on each gunicorn port, and one through nginx (the WebSocket upgrade).
        for url, events in zip((stack.web_url(0), stack.web_url(1), stack.url), received, strict=True):
            clients.append(socket_client(url, http, events))
            assert clients[-1].call("join", {"room": f"standard:{standard_id}"}, timeout=TIMEOUT)["ok"]
        response = http.post(f"{stack.url}/discussions/standard/{standard_id}/comments", allow_redirects=False,
                             timeout=TIMEOUT, data={"csrf_token": csrf_token(page.text), "body": marker, "coop": ""})
        assert response.status_code == 302, response.text[:500]
        served_by = which_web_process(stack, f"POST /discussions/standard/{standard_id}/comments")
        other = 1 - served_by
        event = next_event(received[other], "comment_posted", lambda data: marker in json.dumps(data))
        assert event["scope"] == f"standard:{standard_id}"
        next_event(received[served_by], "comment_posted", lambda data: marker in json.dumps(data))
        next_event(received[2], "comment_posted", lambda data: marker in json.dumps(data))
    finally:
        for client in clients:
            client.disconnect()


def test_a_ballot_then_the_worker_closes_the_due_vote_and_delivers_the_webhook(stack):
    import psycopg

    from deliberate import create_app
    from deliberate.extensions import db
    from deliberate.members.services import find_person_by_email
    from deliberate.webhooks import services as webhooks

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    app = create_app({"SQLALCHEMY_DATABASE_URI": stack.database_url.replace("postgresql://", "postgresql+psycopg://"),
                      "SECRET_KEY": stack.env["SECRET_KEY"], "SOCKETIO_MESSAGE_QUEUE": None, "RATELIMIT_ENABLED": False})
    with app.app_context():
        steward = find_person_by_email("steward@example.org")
        webhooks.create_webhook(actor=steward, coop=None, url=f"http://127.0.0.1:{receiver.server_port}/hook",
                                events=["vote.closed"], allow_private=True)
        db.session.remove()
        db.engine.dispose()  # close its pooled connection now, not when the collector finds it in a later test
    with psycopg.connect(stack.database_url) as conn:
        vote_id = conn.execute("SELECT id FROM votes WHERE state = 'open' AND subject_kind = 'admission'").fetchone()[0]
    http = sign_in(stack.url, "lucia@example.org")
    received: queue.Queue = queue.Queue()
    client = socket_client(stack.web_url(0), http, received)
    try:
        assert client.call("join", {"room": f"vote:{vote_id}"}, timeout=TIMEOUT)["ok"]
        page = http.get(f"{stack.url}/votes/{vote_id}", timeout=TIMEOUT).text
        response = http.post(f"{stack.url}/votes/{vote_id}/ballot", allow_redirects=False, timeout=TIMEOUT,
                             data={"csrf_token": csrf_token(page), "coop": "", "choice": "for", "note": ""})
        assert response.status_code == 302, response.text[:800]
        next_event(received, "ballot_cast")

        # Due: the worker (every second) closes it, publishes through Redis and delivers the webhook.
        wait_until(lambda: "Deliberate worker: running" in stack.output("worker"), timeout=30, message="the worker to start")
        with psycopg.connect(stack.database_url) as conn:
            conn.execute("UPDATE votes SET closes_at = now() - interval '1 minute' WHERE id = %s", (vote_id,))
        closed = next_event(received, "vote_closed")
        assert closed["vote_id"] == vote_id
        headers, body = Receiver.received.get(timeout=TIMEOUT)
        assert body["type"] == "vote.closed", body
        assert str(vote_id) in json.dumps(body)
        assert headers["X-Deliberate-Event"] == "vote.closed" and headers["X-Deliberate-Signature"].startswith("t=")
    finally:
        client.disconnect()
        receiver.shutdown()
        receiver.server_close()


def test_no_process_runs_a_development_server(stack):
    outputs = {name: stack.output(name) for name in stack.logs}
    outputs["nginx error log"] = (stack.tmp / "error.log").read_text() if (stack.tmp / "error.log").exists() else ""
    for name, text in outputs.items():
        assert "development server" not in text.lower(), (name, text[-2000:])
    # Every job pass went through (a failing pass logs its traceback and is retried).
    worker = outputs["worker"]
    assert "Traceback" not in worker, worker[worker.index("Traceback") - 1000:][:5000]
    assert "Using worker: gthread" in outputs["web0"]
    assert "running votes, webhooks" in outputs["worker"] or "Deliberate worker: running" in outputs["worker"]
