"""The production stack of docs/deployment.md, started on this machine from the files in deploy/.

Debian's nginx running deploy/nginx/deliberate-locations.conf (with the upstream, map and cache of
deploy/nginx/deliberate.conf) in front of two gunicorn processes started with deploy/gunicorn.conf.py
on two ports, the worker (``flask --app deliberate worker``), PostgreSQL and Redis;
DELIBERATE_ENV=production throughout. Plain http (no certificate here), so SESSION_COOKIE_SECURE=0;
everything else is as a host runs it.

Used by tests/stack/test_production_stack.py and by bench/load.py's production run::

    with running_stack(tmp, database_url, redis_queue, redis_limits, seed=seed_short_demo) as stack:
        ... stack.url (nginx), stack.web_url(0), stack.output("web0") ...

No pytest here: the bench imports it too.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.live_server import wait_until

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PG = "postgresql://postgres@127.0.0.1:5432"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# The caller's variables that would change what the stack's processes do (a test run's, a bench's).
_DROPPED = ("PYTEST", "GUNICORN_", "WEBHOOK_", "RATELIMIT_", "SOCKETIO_", "LOAD_", "DATABASE_URL", "VOTE_SCHEDULER_")
# nginx's access log: what each request cost nginx and the web process behind it, and who served it.
ACCESS_LOG_FORMAT = ('$remote_addr [$time_local] "$request" $status $body_bytes_sent rt=$request_time '
                     'urt=$upstream_response_time ua=$upstream_addr cache=$upstream_cache_status')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plain_url(database_url: str) -> str:
    """``postgresql://…`` as psycopg takes it, from SQLAlchemy's ``postgresql+psycopg://…`` too."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def services_available(redis_url: str) -> bool:
    """PostgreSQL and Redis answer on this machine."""
    try:
        import psycopg
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()
        psycopg.connect(f"{PG}/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


def reset_database(database_url: str) -> None:
    """Create the database if it is missing and empty it. It is kept between runs and emptied here:
    DROP DATABASE waits for a checkpoint, seconds on a busy server."""
    import psycopg
    from psycopg import sql

    url = plain_url(database_url)
    server, _, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def nginx_conf(tmp: Path, port: int, web_ports: list[int]) -> Path:
    """An nginx.conf for this instance of its own: the site's http-level part (upstream, map, cache)
    and a plain-http server that includes the locations snippet, both from deploy/nginx/."""
    site = (DEPLOY / "nginx" / "deliberate.conf").read_text()
    http_part = site[:site.index("\nserver {")]
    replacements = {"server 127.0.0.1:5001;": f"server 127.0.0.1:{web_ports[0]};",
                    "server 127.0.0.1:5002;": f"server 127.0.0.1:{web_ports[1]};",
                    "/var/cache/nginx/deliberate": str(tmp / "cache")}
    for old, new in replacements.items():
        assert old in http_part, f"deploy/nginx/deliberate.conf no longer has {old!r}: update tests/stack/harness.py"
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
    log_format deliberate_timed '{ACCESS_LOG_FORMAT}';
    access_log {tmp}/access.log deliberate_timed;
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
    """The stack's processes, their logs in ``tmp`` and the environment they share.

    ``env`` adds or overrides settings of the production environment below (a test's short job
    intervals, a thread count)."""

    def __init__(self, tmp: Path, database_url: str, redis_queue: str, redis_limits: str,
                 env: Mapping[str, str] | None = None) -> None:
        self.tmp = tmp
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.web_ports = [free_port(), free_port()]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.redis_limits = redis_limits
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(_DROPPED)}
        self.env.update({
            "DELIBERATE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "SESSION_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url, "SOCKETIO_MESSAGE_QUEUE": redis_queue, "RATELIMIT_STORAGE_URI": redis_limits,
            "TRUSTED_PROXIES": "1", "PUBLIC_URL": self.url, "DELIBERATE_INSTANCE": str(tmp / "instance"),
            "GUNICORN_ACCESS_LOG": "-", "PYTHONUNBUFFERED": "1"})
        self.env.update(env or {})

    def start(self, name: str, command: list[str], **env: str) -> None:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        with open(log, "wb") as handle:
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=handle,
                                                    stderr=subprocess.STDOUT)

    def start_web(self) -> None:
        """The two gunicorn processes and nginx in front of them."""
        if NGINX is None:
            raise RuntimeError("no nginx on this machine (make nginx)")
        for index, port in enumerate(self.web_ports):
            self.start(f"web{index}", [GUNICORN, "-c", str(DEPLOY / "gunicorn.conf.py")], PORT=str(port))
        self.start("nginx", [NGINX, "-p", str(self.tmp), "-e", str(self.tmp / "error.log"),
                             "-c", str(nginx_conf(self.tmp, self.port, self.web_ports)),
                             "-g", f"daemon off; pid {self.tmp}/nginx.pid;"])

    def start_worker(self) -> None:
        self.start("worker", [sys.executable, "-m", "flask", "--app", "deliberate", "worker"])

    def run(self, command: list[str], timeout: float = 300) -> None:
        """A one-off command with the stack's environment (a migration, a seed); its output goes to
        the log ``setup`` and, if it fails, into the exception."""
        result = subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, timeout=timeout)
        with open(self.tmp / "setup.log", "ab") as log:
            log.write(result.stdout + result.stderr)
        if result.returncode:
            raise RuntimeError(f"{' '.join(command[:4])}… failed ({result.returncode}):\n"
                               f"{(result.stdout + result.stderr).decode(errors='replace')[-3000:]}")

    def wait_up(self, timeout: float = 60) -> None:
        for url in (self.web_url(0), self.web_url(1), self.url):
            wait_until(lambda url=url: _up(url), timeout=timeout, interval=0.1, message=f"{url} to serve")

    def web_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.web_ports[index]}"

    def output(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def pid(self, name: str) -> int:
        return self.processes[name].pid

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
# versions, past votes, the features' stories: most of its time), and one open vote, in one process (one app start, not three).
SHORT_DEMO_SEED = """
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
    demo.seed_features = lambda session: None  # the features' stories build on that history
    demo.seed()
    applicant = db.session.scalar(select(Cooperative).where(Cooperative.name == "Coop Courses"))
    voting.open_vote(actor=find_person_by_email("steward@example.org"), subject_kind="admission", subject_id=applicant.id,
                     rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
"""


def seed_short_demo(stack: Stack) -> None:
    """Migrate, and seed the demo network without its history plus one open admission vote."""
    stack.run([sys.executable, "-c", SHORT_DEMO_SEED], timeout=180)


@contextmanager
def running_stack(tmp: Path, database_url: str, redis_queue: str, redis_limits: str,
                  seed: Callable[[Stack], None] = seed_short_demo, env: Mapping[str, str] | None = None,
                  timeout: float = 60) -> Iterator[Stack]:
    """Empty the database and the rate limits' Redis database, start the stack, ``seed(stack)`` it,
    start the worker and wait until nginx and both web processes answer; stop everything after."""
    import redis

    reset_database(database_url)
    redis.Redis.from_url(redis_limits).flushdb()
    stack = Stack(tmp, database_url, redis_queue, redis_limits, env)
    try:
        # The web processes and nginx boot while the database is migrated and seeded (they touch it
        # only when asked); the worker starts after, since its jobs query at once.
        stack.start_web()
        seed(stack)
        stack.start_worker()
        stack.wait_up(timeout)
        yield stack
    finally:
        stack.stop()
