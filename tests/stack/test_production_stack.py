"""The production stack of docs/deployment.md, on this machine: Debian's nginx running
deploy/nginx/deliberate-locations.conf (with the upstream, map and cache of deploy/nginx/deliberate.conf)
in front of two gunicorn processes started with deploy/gunicorn.conf.py on two ports, the worker
(``flask --app deliberate worker``), PostgreSQL and Redis; DELIBERATE_ENV=production throughout.

Plain http (the test has no certificate), so SESSION_COOKIE_SECURE=0; everything else is as a host
runs it. Through nginx a delegate signs in with the real form and its CSRF token, posts a comment
that reaches a Socket.IO client connected to the OTHER gunicorn process (the access logs say which
one nginx chose), and casts a ballot; the worker closes the vote once it is due and delivers a
webhook to a receiver here. No process says "development server", and no Server header names a
version.
"""
from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.live_server import wait_until

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PG = "postgresql://postgres@127.0.0.1:5432"
# Its own database (named after this run's, if any) and Redis databases of its own.
_BASE = os.environ.get("DATABASE_URL", "").rpartition("/")[2] if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
DATABASE = f"{_BASE}_stack" if _BASE else "deliberate_stack_test"
REDIS_QUEUE = "redis://127.0.0.1:6379/6"
REDIS_LIMITS = "redis://127.0.0.1:6379/7"
STANDARD = "platform-co-op-principles"
PASSWORD = "cooperate-together"  # deliberate.seed.DEMO_PASSWORD
TIMEOUT = 15
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _services_available() -> bool:
    try:
        import psycopg
        import redis

        redis.Redis.from_url(REDIS_QUEUE, socket_connect_timeout=1).ping()
        psycopg.connect(f"{PG}/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="needs nginx (make nginx)"),
    pytest.mark.skipif(not _services_available(), reason="needs PostgreSQL and Redis (make services)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def nginx_conf(tmp: Path, port: int, web_ports: list[int]) -> Path:
    """An nginx.conf for this test's own instance: the site's http-level part (upstream, map, cache)
    and a plain-http server that includes the locations snippet, both from deploy/nginx/."""
    site = (DEPLOY / "nginx" / "deliberate.conf").read_text()
    http_part = site[:site.index("\nserver {")]
    replacements = {"server 127.0.0.1:5001;": f"server 127.0.0.1:{web_ports[0]};",
                    "server 127.0.0.1:5002;": f"server 127.0.0.1:{web_ports[1]};",
                    "/var/cache/nginx/deliberate": str(tmp / "cache")}
    for old, new in replacements.items():
        assert old in http_part, f"deploy/nginx/deliberate.conf no longer has {old!r}: update this test"
        http_part = http_part.replace(old, new)
    locations = (DEPLOY / "nginx" / "deliberate-locations.conf").read_text()
    assert "/srv/deliberate/static/" in locations
    (tmp / "deliberate-locations.conf").write_text(locations.replace("/srv/deliberate/static/", f"{ROOT}/deliberate/static/"))
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers read the checkout and write the cache
    conf = tmp / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{http_part}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {tmp}/deliberate-locations.conf;
    }}
}}
""")
    return conf


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.web_ports = [free_port(), free_port()]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"{PG}/{DATABASE}"
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("PYTEST", "GUNICORN_", "WEBHOOK_", "RATELIMIT_", "SOCKETIO_"))}
        self.env.update({
            "DELIBERATE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "SESSION_COOKIE_SECURE": "0",
            "DATABASE_URL": self.database_url, "SOCKETIO_MESSAGE_QUEUE": REDIS_QUEUE, "RATELIMIT_STORAGE_URI": REDIS_LIMITS,
            "TRUSTED_PROXIES": "1", "PUBLIC_URL": self.url, "DELIBERATE_INSTANCE": str(tmp / "instance"),
            "GUNICORN_THREADS": "40", "GUNICORN_ACCESS_LOG": "-", "GUNICORN_GRACEFUL_TIMEOUT": "3", "VOTE_SCHEDULER_SECONDS": "1",
            "WEBHOOK_WORKER_SECONDS": "1", "WEBHOOK_ALLOW_PRIVATE_HOSTS": "1", "PYTHONUNBUFFERED": "1"})

    def start(self, name: str, command: list[str], **env: str) -> None:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        with open(log, "wb") as handle:
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=handle,
                                                    stderr=subprocess.STDOUT)

    def web_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.web_ports[index]}"

    def output(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def stop(self) -> None:
        # nginx first: its kept-alive connections to the web processes close with it.
        for name in sorted(self.processes, key=lambda name: name != "nginx"):
            if self.processes[name].poll() is None:
                self.processes[name].terminate()
            if name == "nginx":
                self.processes[name].wait(timeout=20)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _up(url: str) -> bool:
    import requests

    try:
        return requests.get(url + "/healthz", timeout=1).ok
    except requests.RequestException:
        return False


# `flask db upgrade`, then the demo network of `flask seed-demo` without its long history (amendments,
# versions, past votes: most of its time), and one open vote, in one process (one app start, not three).
SEED = """
from datetime import timedelta
from flask_migrate import upgrade
from sqlalchemy import select
from deliberate import create_app, seed as demo
from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.members.models import Cooperative
from deliberate.members.services import find_person_by_email
from deliberate.voting import services as voting
with create_app().app_context():
    upgrade()
    demo.seed_amendments = demo.seed_versions = demo.seed_votes = lambda slug: None
    demo.seed()
    applicant = db.session.scalar(select(Cooperative).where(Cooperative.name == "Coop Courses"))
    voting.open_vote(actor=find_person_by_email("steward@example.org"), subject_kind="admission", subject_id=applicant.id,
                     rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import psycopg
    import redis

    tmp = tmp_path_factory.mktemp("stack")
    # The database is kept between runs and emptied here: DROP DATABASE waits for a checkpoint,
    # seconds on a busy server.
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    redis.Redis.from_url(REDIS_LIMITS).flushdb()
    stack = Stack(tmp)
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py")]
    try:
        # The web processes and nginx boot while the database is migrated and seeded (they touch it
        # only when asked); the worker starts after, since its jobs query at once.
        for index, port in enumerate(stack.web_ports):
            stack.start(f"web{index}", gunicorn, PORT=str(port))
        stack.start("nginx", [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(nginx_conf(tmp, stack.port, stack.web_ports)),
                              "-g", f"daemon off; pid {tmp}/nginx.pid;"])
        # What `flask db upgrade` and `flask seed-demo` do, in one process (one app start, not two).
        subprocess.run([sys.executable, "-c", SEED], env=stack.env, check=True, capture_output=True, cwd=ROOT, timeout=180)
        stack.start("worker", [sys.executable, "-m", "flask", "--app", "deliberate", "worker"])
        for url in (stack.web_url(0), stack.web_url(1), stack.url):
            wait_until(lambda url=url: _up(url), timeout=60, interval=0.1, message=f"{url} to serve")
        yield stack
    finally:
        stack.stop()


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
