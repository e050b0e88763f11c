"""Load: users reading, commenting and voting for 60 seconds, on the embedded server (SQLite, then
PostgreSQL) and on the production stack.

The embedded runs start the server as `make run` does (`flask db upgrade`, `flask seed-demo
--if-empty`, then `python -m deliberate.serve`, same environment) against a fresh database: an
SQLite file in a temporary instance folder, then the PostgreSQL database of --pg-url (emptied
first). 50 users each by default.

The production run starts the stack of docs/deployment.md as tests/stack does
(tests/stack/harness.py): Debian's nginx with deploy/nginx/ in front of two gunicorn processes
started with deploy/gunicorn.conf.py as they are (1,500 threads), PostgreSQL (--pg-url again,
emptied), Redis (--redis-queue, --redis-limits: the rate limits' database is emptied) and the
worker, DELIBERATE_ENV=production, TRUSTED_PROXIES=1; the same migration, demo and network. 200
users by default, all through nginx.

Before a server starts, member co-ops with a delegate each join the demo network, one for each
signed-in user (20 for 50 users, 80 for 200), and a vote on admitting one more co-op opens, so
that every signed-in user speaks and votes for a co-op of their own.

The users are threads of this process, each on its own keep-alive connection from its own
loopback address (127.0.1.2, 127.0.2.2, …: the sign-in rate limit counts per address, as it
would for people on their own machines; behind nginx the app reads the address from
X-Forwarded-For, and nginx's ip_hash, which groups addresses by their first three bytes, spreads
the users over both web processes). Three users in five are anonymous readers (the standard, its
changelog, the vote; behind nginx their pages may come from its one-second cache); the others sign
in through the real form and read, post comments (on the standard, one of its principles or the
vote) and cast or change their co-op's ballot, with the form's CSRF token. Each user waits a
think time between requests: uniform between half and one and a half times --think (default 2 s,
so 1 to 3 s, as a brisk person clicks); --think 0 makes it a saturation test.

Prints, per stack and per action, throughput, p50/p95/p99 latency in ms and errors (any
unexpected status or failed request), the CPU the server and the load generator itself used (so a
starved server would show) and the CPU the hypervisor took for other machines (steal), the p95 of
each tenth of the window (a queue that formed at one moment and stayed shows there), for production also each web process's share and CPU, PostgreSQL's
activity and what nginx's access log says the requests cost behind it; and, as its last line, one JSON
object. Targets: on the embedded server no errors and p95 under 500 ms for every action; on the
production stack no errors and a p95 of at most 300 ms over all requests
(`production_200_errors`, `production_200_p95_ms`).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 500  # the embedded server, every action
PRODUCTION_TARGET_P95_MS = 300  # the production stack, all requests together
STACKS = ("embedded-sqlite", "embedded-postgres", "production")
DEFAULT_USERS = {"embedded-sqlite": 50, "embedded-postgres": 50, "production": 200}
# The name of a stack's figures in the JSON line (the embedded ones keep the database's name).
FIGURES = {"embedded-sqlite": "sqlite", "embedded-postgres": "postgresql", "production": "production"}
MAX_USERS = 1000
STANDARD = "platform-co-op-principles"
PASSWORD = "cooperate-together"  # the demo's (deliberate.seed.DEMO_PASSWORD)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
REDIS_QUEUE = "redis://127.0.0.1:6379/8"
REDIS_LIMITS = "redis://127.0.0.1:6379/9"
CSRF = re.compile(r'name="csrf[-_]token"[^>]*?(?:value|content)="([^"]+)"')
READER_SHARE = 0.6
# What a signed-in delegate does next, with weights.
DELEGATE_ACTIONS = (("read_standard", 3), ("read_vote", 2), ("comment", 2), ("ballot", 2), ("read_changelog", 1))
READER_ACTIONS = (("read_standard", 6), ("read_changelog", 2), ("read_vote", 2))


# Preparing the database ---------------------------------------------------------------------------

def delegates_for(users: int) -> int:
    """How many of ``users`` sign in: two in five (a co-op and a delegate each)."""
    return users - int(users * READER_SHARE)


def prepare_network(out: Path, coops: int) -> None:
    """Add ``coops`` bench co-ops and their delegates to the seeded demo and open a vote they all
    take part in (runs in a subprocess with the server's environment). Writes the ids the users need."""
    from datetime import timedelta

    from sqlalchemy import select

    from deliberate import create_app
    from deliberate.database import utcnow
    from deliberate.extensions import db
    from deliberate.members import services as members
    from deliberate.members.models import Cooperative, Person
    from deliberate.standards.models import Standard
    from deliberate.voting import services as voting

    app = create_app()
    with app.app_context():
        steward = db.session.scalar(select(Person).where(Person.email == "steward@example.org"))
        delegates = []
        for n in range(1, coops + 1):
            coop = members.register_coop(actor=steward, name=f"Bench Co-op {n}", country="ES", kind="worker")
            coop = members.change_coop_status(actor=steward, coop=coop, status="member")
            email = f"bench{n}@example.org"
            _invitation, token = members.invite_delegate(actor=steward, coop=coop, email=email)
            members.accept_invitation(token=token, name=f"Bench Delegate {n}", email=email, password=PASSWORD)
            delegates.append({"email": email, "coop_id": coop.id})
        applicant = members.register_coop(actor=steward, name="Bench Applicant", country="ES", kind="worker")
        vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                                rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
        standard = db.session.scalar(select(Standard).where(Standard.slug == STANDARD))
        assert db.session.get(Cooperative, delegates[0]["coop_id"]) is not None
        out.write_text(json.dumps({"vote_id": vote.id, "standard_id": standard.id, "delegates": delegates,
                                   "section_ids": [s.id for s in standard.sections]}))
        db.session.remove()
        db.engine.dispose()


def reset_postgres(url: str) -> None:
    """Create the bench's own database if needed and empty it (never the project's others)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).scalar():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database: str, workdir: Path, pg_url: str, coops: int) -> tuple[subprocess.Popen, int, dict]:
    """Migrate, seed and serve exactly as `make run` does; returns (process, port, bench ids)."""
    instance = workdir / f"instance-{database}"
    port = free_port()
    env = {**os.environ, "DELIBERATE_INSTANCE": str(instance), "PORT": str(port)}
    env.pop("DATABASE_URL", None)
    if database == "postgresql":
        reset_postgres(pg_url)
        env["DATABASE_URL"] = pg_url
    flask = [sys.executable, "-m", "flask", "--app", "deliberate"]
    log = open(workdir / f"server-{database}.log", "wb")
    for step in (["db", "upgrade"], ["seed-demo", "--if-empty"]):
        subprocess.run(flask + step, cwd=ROOT, env=env, check=True, stdout=log, stderr=subprocess.STDOUT)
    ids = workdir / f"ids-{database}.json"
    subprocess.run([sys.executable, __file__, "--prepare-network", str(ids), "--coops", str(coops)], cwd=ROOT, env=env, check=True,
                   stdout=log, stderr=subprocess.STDOUT)
    process = subprocess.Popen([sys.executable, "-m", "deliberate.serve"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port, json.loads(ids.read_text())
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not start; see {workdir / f'server-{database}.log'}")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far, all cores together (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def machine_steal_seconds() -> float:
    """CPU seconds the hypervisor gave to other machines while this one wanted them ("steal",
    Linux /proc/stat), all cores together: on a shared host, a run with steal is not this code's."""
    values = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return int(values[7]) / os.sysconf("SC_CLK_TCK") if len(values) > 7 else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants alive now (a gunicorn or nginx master and its workers)."""
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(children.get(tree[-1], ()))
    return tree


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each of ``pids`` still alive."""
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_seconds(pid)
        except (OSError, IndexError):
            pass
    return found


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes of ``after`` spent since ``before`` (a process new since counts whole)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# The users ---------------------------------------------------------------------------------------

class Failure(Exception):
    """A request answered something else than expected."""


class User:
    """One person at one browser: a keep-alive connection from its own loopback address, cookies."""

    def __init__(self, index: int, port: int, ids: dict, delegate: dict | None, results, think: float,
                 rng: random.Random) -> None:
        self.index, self.port, self.ids, self.delegate = index, port, ids, delegate
        self.results, self.think, self.rng = results, think, rng
        # Its own /24 (nginx's ip_hash hashes the first three bytes: all of 127.0.0.x would go to
        # one web process), 127.0.1.2 to 127.0.250.2, then 127.0.1.3 and so on.
        self.source = f"127.0.{1 + index % 250}.{2 + index // 250}"
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.connection: http.client.HTTPConnection | None = None
        self.sent = 0

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                         source_address=(self.source, 0))
        return self.connection

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection = self._connect()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if (morsel["expires"] and "1970" in morsel["expires"]) or morsel["max-age"] == "0":  # deleted
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, dict(response.getheaders()), text

    def timed(self, action: str, method: str, path: str, form: dict | None = None, expect: int = 200,
              location: str = "") -> str:
        started = time.perf_counter()
        try:
            status, headers, text = self.request(method, path, form)
            if status != expect or location not in headers.get("Location", ""):
                raise Failure(f"{method} {path}: {status}")
        except (OSError, http.client.HTTPException, Failure) as error:
            self.results.error(action, str(error))
            return ""
        self.results.record(action, (time.perf_counter() - started) * 1000, headers.get("X-Cache-Status"))
        return text

    def sign_in(self) -> None:
        text = self.timed("sign_in_form", "GET", "/signin")
        token = CSRF.search(text)
        if not token:
            raise SystemExit(f"no CSRF token on the sign-in page for user {self.index}")
        self.timed("sign_in", "POST", "/signin", {"email": self.delegate["email"], "password": PASSWORD,
                                                  "csrf_token": token.group(1)}, expect=302)
        page = self.timed("read_vote", "GET", f"/votes/{self.ids['vote_id']}")
        found = CSRF.search(page)
        if not found or 'name="choice"' not in page:
            raise SystemExit(f"user {self.index} ({self.delegate['email']}) cannot vote: not signed in?")
        self.token = found.group(1)

    def actions(self) -> tuple[tuple[str, int], ...]:
        return DELEGATE_ACTIONS if self.delegate else READER_ACTIONS

    def step(self, action: str | None = None) -> None:
        """Take ``action``, or one drawn by the weights of this kind of user."""
        if action is None:
            actions = self.actions()
            action = self.rng.choices([a for a, _w in actions], weights=[w for _a, w in actions])[0]
        vote = self.ids["vote_id"]
        self.sent += 1
        if action == "read_standard":
            self.timed(action, "GET", f"/standards/{STANDARD}")
        elif action == "read_changelog":
            self.timed(action, "GET", f"/standards/{STANDARD}/changelog")
        elif action == "read_vote":
            self.timed(action, "GET", f"/votes/{vote}")
        elif action == "comment":
            # On the standard as a whole, on one of its principles, or on the vote being cast.
            kind, ident = self.rng.choice((("standard", self.ids["standard_id"]),
                                           ("section", self.rng.choice(self.ids["section_ids"])), ("vote", vote)))
            body = f"Bench comment {self.index}-{self.sent}: our members think this works, with one question."
            self.timed(action, "POST", f"/discussions/{kind}/{ident}/comments",
                       {"csrf_token": self.token, "body": body, "coop": str(self.delegate["coop_id"])},
                       expect=302, location="#comment-")
        else:
            self.timed(action, "POST", f"/votes/{vote}/ballot",
                       {"csrf_token": self.token, "coop": str(self.delegate["coop_id"]),
                        "choice": self.rng.choice(("for", "against", "abstain")), "note": f"Mandate {self.sent}"},
                       expect=302, location="#your-ballot")

    def pause(self) -> None:
        if self.think:
            time.sleep(self.rng.uniform(0.5 * self.think, 1.5 * self.think))


class Results:
    """Latencies and errors per action, for the measured window only (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        # nginx's X-Cache-Status (production): how many answers came from its one-second cache.
        self.cache: dict[str, int] = defaultdict(int)
        self.timeline: list[tuple[float, float]] = []  # (when it ended, ms) of every request

    def record(self, action: str, ms: float, cache: str | None = None) -> None:
        with self.lock:
            self.latencies[action].append(ms)
            self.timeline.append((time.monotonic(), ms))
            if cache:
                self.cache[cache] += 1

    def error(self, action: str, message: str) -> None:
        with self.lock:
            self.errors[action].append(message)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_load(port: int, ids: dict, users: int, seconds: float, think: float, seed: int,
             on_start=lambda: None, on_stop=lambda: None, warm: int = 1) -> dict:
    """Sign the delegates in and let ``warm`` users of each kind take each action once (a warm-up,
    not measured: templates compile, caches fill; behind nginx several, so that both web processes
    warm up), then run every user for ``seconds``; the figures. ``on_start`` and ``on_stop`` run as
    the measured window opens and closes."""
    delegates = ids["delegates"]
    signed = min(len(delegates), delegates_for(users))
    warmup, measured = Results(), Results()
    people = [User(i, port, ids, delegates[i] if i < signed else None, warmup, think, random.Random(seed + i))
              for i in range(users)]
    for user in people:
        if user.delegate:
            user.sign_in()
    if warmup.errors:
        raise SystemExit(f"sign-in failed: {dict(warmup.errors)}")
    sign_in_ms = warmup.latencies["sign_in"]
    for user in people[:min(warm, signed)] + people[max(signed, users - warm):]:  # delegates and readers
        for action, _weight in user.actions():
            user.step(action)
    if warmup.errors:
        raise SystemExit(f"the warm-up failed: {dict(warmup.errors)}")
    for user in people:
        user.results = measured
    stop = threading.Event()
    start = threading.Barrier(users + 1)

    def live(user: User) -> None:
        start.wait()
        time.sleep(user.rng.uniform(0, think or 0.01))  # users arrive spread over one think time
        while not stop.is_set():
            user.step()
            user.pause()

    threads = [threading.Thread(target=live, args=(u,), daemon=True) for u in people]
    for thread in threads:
        thread.start()
    start.wait()
    on_start()
    cpu_before, started = time.process_time(), time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    client_cpu = (time.process_time() - cpu_before) / elapsed
    on_stop()
    actions = {}
    for action in sorted(set(measured.latencies) | set(measured.errors)):
        values = measured.latencies.get(action, [])
        actions[action] = {"requests": len(values), "errors": len(measured.errors.get(action, [])),
                           "rps": round(len(values) / elapsed, 1),
                           "p50_ms": round(percentile(values, 0.50), 1) if values else None,
                           "p95_ms": round(percentile(values, 0.95), 1) if values else None,
                           "p99_ms": round(percentile(values, 0.99), 1) if values else None}
    everything = [v for values in measured.latencies.values() for v in values]
    # p95 of each tenth of the window: a run that turned slow at one moment (a stall, a queue
    # that formed and stayed) looks different here from one slow throughout.
    tenths: list[list[float]] = [[] for _ in range(10)]
    for at, ms in measured.timeline:
        tenths[min(9, max(0, int((at - started) / elapsed * 10)))].append(ms)
    sample_errors = [e for errors in measured.errors.values() for e in errors][:5]
    return {"users": users, "signed_in": signed, "seconds": round(elapsed, 1), "think_s": think,
            "requests": len(everything), "rps": round(len(everything) / elapsed, 1),
            "errors": sum(len(e) for e in measured.errors.values()), "sample_errors": sample_errors,
            "p50_ms": round(percentile(everything, 0.50), 1), "p95_ms": round(percentile(everything, 0.95), 1),
            "p99_ms": round(percentile(everything, 0.99), 1),
            "p95_by_tenth_ms": [round(percentile(t, 0.95)) if t else None for t in tenths],
            "max_p95_ms": max(a["p95_ms"] or 0 for a in actions.values()),
            "client_cpu_cores": round(client_cpu, 2), "sign_in_median_ms": round(statistics.median(sign_in_ms), 1),
            "cache": dict(measured.cache), "actions": actions}


def show(name: str, figures: dict) -> None:
    production = "web_cpu_cores" in figures
    server = "the stack (nginx, both web processes, the worker)" if production else "the server"
    print(f"\n{name}: {figures['users']} users ({figures['signed_in']} signed in), {figures['seconds']:g}s, "
          f"think time {figures['think_s']:g}s: {figures['rps']:.1f} req/s, {figures['errors']} errors; "
          f"server CPU {figures['server_cpu_cores']:.2f} cores, load generator CPU {figures['client_cpu_cores']:.2f} "
          f"cores (of {os.cpu_count()}); sign-in (argon2id) median {figures['sign_in_median_ms']:.0f} ms, not in the "
          f"window.\n  {server[0].upper() + server[1:]} spent {figures['server_cpu_ms_per_request']:.1f} ms of CPU per "
          f"request; other processes on this machine used {figures['other_processes_cores']:.2f} cores meanwhile"
          f" (the hypervisor's steal among them: {figures['steal_cores']:.2f})"
          f"{', a busy machine: these latencies are not the server alone' if figures['other_processes_cores'] > 0.3 else ''}"
          f"; load average {figures['load_average']:.2f}.\n  p95 of each tenth of the window (ms): "
          f"{', '.join(str(v) for v in figures['p95_by_tenth_ms'])}.")
    if production:
        web = figures["web"]
        print(f"  Web processes {figures['web_cpu_cores'][0]:.2f} and {figures['web_cpu_cores'][1]:.2f} cores, nginx "
              f"{figures['nginx_cpu_cores']:.2f}; PostgreSQL (counted among the other processes): on average "
              f"{figures['database_active_connections']:.2f} connections running a statement, "
              f"{figures['database_sessions_opened']} connections opened, {figures['database_connections']} open at the end.")
        states = "; ".join(f"{state} {count:.2f}" for state, count in figures["database_states"].items())
        print(f"  Its connections, on average, were: {states or 'all idle'}.")
        shares = ", ".join(f"{k} {v}" for k, v in sorted(figures["cache"].items()))
        print(f"  nginx's access log: {web['requests']} requests, {web['hits']} from its cache (answers seen by the "
              f"users: {shares or 'none'}); p95 {web['nginx_p95_ms']:.1f} ms inside nginx "
              f"(the users saw {figures['p95_ms']:.1f} ms).")
        for upstream, row in web["upstreams"].items():
            print(f"    web process {upstream}: {row['requests']} requests, upstream time p50 {row['p50_ms']:.1f} ms, "
                  f"p95 {row['p95_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms")
    print(f"  {'action':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = list(figures["actions"].items()) + [("all", figures)]
    for action, row in rows:
        print(f"  {action:<16}{row['requests']:>9}{row['rps']:>8.1f}{row['p50_ms'] or 0:>9.1f}{row['p95_ms'] or 0:>9.1f}"
              f"{row['p99_ms'] or 0:>9.1f}{row['errors']:>8}")
    for message in figures["sample_errors"]:
        print(f"  error: {message}")


# The stacks --------------------------------------------------------------------------------------

def run_embedded(stack: str, workdir: Path, args: argparse.Namespace, users: int) -> dict:
    """`make run`'s server on SQLite or PostgreSQL."""
    database = "sqlite" if stack == "embedded-sqlite" else "postgresql"
    started = time.monotonic()
    process, port, ids = start_server(database, workdir, args.pg_url, delegates_for(users))
    print(f"{stack}: migrated, seeded and serving in {time.monotonic() - started:.1f}s "
          f"(load average {os.getloadavg()[0]:.2f}).", flush=True)
    try:
        marks: dict[str, tuple[float, ...]] = {}

        def mark(name: str) -> None:
            marks[name] = (time.monotonic(), cpu_seconds(process.pid), machine_busy_seconds(), time.process_time(),
                           machine_steal_seconds())

        figures = run_load(port, ids, users, args.seconds, args.think, args.seed,
                           on_start=lambda: mark("start"), on_stop=lambda: mark("stop"))
        wall, server, busy, client, steal = (b - a for a, b in zip(marks["start"], marks["stop"], strict=True))
        others = busy - server - client
        figures["server_cpu_cores"] = round(server / wall, 2)
        # The server's own cost of a request (it does nothing else meanwhile), and what the
        # rest of the machine took: a busy machine starves the server and the figures say so.
        figures["server_cpu_ms_per_request"] = round(server * 1000 / max(1, figures["requests"]), 1)
        figures["other_processes_cores"] = round(max(0.0, others) / wall, 2)
        figures["steal_cores"] = round(steal / wall, 2)
        figures["load_average"] = round(os.getloadavg()[0], 2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return figures


ACCESS_LINE = re.compile(r'" (\d{3}) \d+ rt=(\S+) urt=(\S+) ua=(\S+) cache=(\S*)$')


def access_log_figures(lines: list[str], web_ports: list[int]) -> dict:
    """What nginx's access log (tests/stack/harness.py's format) says of the measured window: requests,
    answers from its cache, its own request time and each web process's upstream time."""
    names = {f"127.0.0.1:{port}": str(index) for index, port in enumerate(web_ports)}
    nginx_ms, upstream_ms = [], defaultdict(list)
    hits = 0
    for line in lines:
        found = ACCESS_LINE.search(line)
        if not found:
            continue
        _status, request_time, upstream_time, upstream, cache = found.groups()
        nginx_ms.append(float(request_time) * 1000)
        hits += cache == "HIT"
        if upstream != "-":
            # "a, b" when nginx had to try a second server: the last one answered.
            upstream_ms[names.get(upstream.split(", ")[-1], upstream)].append(float(upstream_time.split(", ")[-1]) * 1000)
    return {"requests": len(nginx_ms), "hits": hits,
            "nginx_p95_ms": round(percentile(nginx_ms, 0.95), 1) if nginx_ms else 0.0,
            "upstreams": {name: {"requests": len(values), "p50_ms": round(percentile(values, 0.50), 1),
                                 "p95_ms": round(percentile(values, 0.95), 1), "p99_ms": round(percentile(values, 0.99), 1)}
                          for name, values in sorted(upstream_ms.items())}}


def database_stats(database_url: str) -> dict[str, float]:
    """PostgreSQL's own counters for this database (pg_stat_database, PostgreSQL 14+): connections
    opened so far, milliseconds its connections spent running statements, connections open now.
    (Backends come and go with the app's connection pool, so their CPU cannot be read from /proc.)"""
    import psycopg

    from tests.stack.harness import plain_url

    url = plain_url(database_url)
    with psycopg.connect(url.rpartition("/")[0] + "/postgres", connect_timeout=5) as conn:
        sessions, active, backends = conn.execute(
            "SELECT sessions, active_time, numbackends FROM pg_stat_database WHERE datname = %s",
            (url.rpartition("/")[2],)).fetchone()
    return {"sessions": sessions, "active_ms": active, "backends": backends}


class DatabaseSampler:
    """What this database's connections are doing, four times a second during the window
    (pg_stat_activity): running a statement, waiting (for a lock, I/O…), or idle inside a
    transaction, that is the app running Python between two statements of a transaction."""

    def __init__(self, database_url: str) -> None:
        from tests.stack.harness import plain_url

        url = plain_url(database_url)
        self.server, self.name = url.rpartition("/")[0] + "/postgres", url.rpartition("/")[2]
        self.counts: dict[str, int] = defaultdict(int)
        self.samples = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True, connect_timeout=5) as conn:
            while not self.stopped.wait(0.25):
                rows = conn.execute("SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                                    "WHERE datname = %s AND state <> 'idle'", (self.name,)).fetchall()
                self.samples += 1
                for state, wait_type, wait in rows:
                    if state == "active":
                        self.counts[f"waiting: {wait_type}/{wait}" if wait_type else "running a statement"] += 1
                    else:
                        self.counts[state] += 1

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> dict[str, float]:
        """Connections in each state, on average over the samples."""
        self.stopped.set()
        self.thread.join(timeout=5)
        return {state: round(count / max(1, self.samples), 2)
                for state, count in sorted(self.counts.items(), key=lambda item: -item[1])}


def run_production(workdir: Path, args: argparse.Namespace, users: int) -> dict:
    """The production stack (tests/stack/harness.py) with deploy/'s settings as they are."""
    from tests.stack.harness import NGINX, running_stack, services_available

    if NGINX is None:
        raise SystemExit("production: needs Debian's nginx (make nginx)")
    if not services_available(args.redis_queue):
        raise SystemExit("production: needs PostgreSQL and Redis on this machine (make services)")
    tmp = workdir / "production"
    tmp.mkdir()
    ids_file = tmp / "ids.json"

    def seed(stack) -> None:
        # As a host is set up (docs/deployment.md), with `make run`'s demo and the bench's network.
        flask = [sys.executable, "-m", "flask", "--app", "deliberate"]
        stack.run(flask + ["db", "upgrade"])
        stack.run(flask + ["seed-demo", "--if-empty"])
        stack.run([sys.executable, __file__, "--prepare-network", str(ids_file), "--coops", str(delegates_for(users))])

    started = time.monotonic()
    with running_stack(tmp, args.pg_url, args.redis_queue, args.redis_limits, seed=seed, timeout=120) as stack:
        print(f"production: migrated, seeded and serving through nginx in {time.monotonic() - started:.1f}s "
              f"(load average {os.getloadavg()[0]:.2f}).", flush=True)
        ids = json.loads(ids_file.read_text())
        parts = {name: process_tree(stack.pid(name)) for name in ("nginx", "web0", "web1", "worker")}
        access_log = tmp / "access.log"
        marks: dict[str, dict] = {}
        sampler = DatabaseSampler(args.pg_url)

        def mark(name: str) -> None:
            (sampler.start if name == "start" else sampler.stop)()
            marks[name] = {"wall": time.monotonic(), "client": time.process_time(), "busy": machine_busy_seconds(),
                           "steal": machine_steal_seconds(),
                           "parts": {part: cpu_of(pids) for part, pids in parts.items()},
                           "database": database_stats(args.pg_url),
                           "log": access_log.stat().st_size}

        figures = run_load(stack.port, ids, users, args.seconds, args.think, args.seed,
                           on_start=lambda: mark("start"), on_stop=lambda: mark("stop"), warm=5)
        start, stop = marks["start"], marks["stop"]
        with open(access_log, "rb") as log:
            log.seek(start["log"])
            window = log.read(stop["log"] - start["log"]).decode(errors="replace").splitlines()
        web_ports = stack.web_ports
    wall = stop["wall"] - start["wall"]
    used = {part: cpu_between(start["parts"][part], stop["parts"][part]) for part in parts}
    server = sum(used.values())
    others = (stop["busy"] - start["busy"]) - server - (stop["client"] - start["client"])
    figures.update({
        "server_cpu_cores": round(server / wall, 2),
        "server_cpu_ms_per_request": round(server * 1000 / max(1, figures["requests"]), 1),
        "web_cpu_cores": [round(used["web0"] / wall, 2), round(used["web1"] / wall, 2)],
        "nginx_cpu_cores": round(used["nginx"] / wall, 2),
        # How many connections were running a statement, on average (waiting for the CPU included),
        # how many it opened (the pool closes those it holds beyond its size) and has open at the end.
        "database_active_connections": round((stop["database"]["active_ms"] - start["database"]["active_ms"]) / 1000 / wall, 2),
        "database_sessions_opened": stop["database"]["sessions"] - start["database"]["sessions"],
        "database_connections": stop["database"]["backends"],
        "database_states": sampler.stop(),
        "other_processes_cores": round(max(0.0, others) / wall, 2),
        "steal_cores": round((stop["steal"] - start["steal"]) / wall, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "web": access_log_figures(window, web_ports)})
    return figures


def parse_users(text: str, stacks: list[str]) -> dict[str, int]:
    """``--users``: a number for every stack, or ``stack=N`` pairs over the defaults."""
    users = {stack: DEFAULT_USERS[stack] for stack in stacks}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, number = part.rpartition("=")
        if name and name not in STACKS:
            raise SystemExit(f"--users: unknown stack {name!r}")
        if not number.isdigit() or not 1 <= int(number) <= MAX_USERS:
            raise SystemExit(f"--users: {part!r} is not a number of users from 1 to {MAX_USERS}")
        for stack in ([name] if name else stacks):
            users[stack] = int(number)
    return {stack: users[stack] for stack in stacks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", default=os.environ.get("LOAD_STACKS", ",".join(STACKS)),
                        help="comma-separated: embedded-sqlite, embedded-postgres, production (default: all three)")
    parser.add_argument("--users", default=os.environ.get("LOAD_USERS", ""),
                        help="users per stack: a number for all, or stack=N pairs (default: "
                             + ", ".join(f"{k}={v}" for k, v in DEFAULT_USERS.items()) + ")")
    parser.add_argument("--seconds", "--duration", dest="seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 60)))
    parser.add_argument("--think", type=float, default=float(os.environ.get("LOAD_THINK", 2.0)),
                        help="mean seconds a user waits between requests (uniform, ±50%%); 0: no wait")
    parser.add_argument("--pg-url", default=os.environ.get("LOAD_PG_URL", PG_URL),
                        help="the PostgreSQL database the bench empties and uses (default %(default)s)")
    parser.add_argument("--redis-queue", default=os.environ.get("LOAD_REDIS_QUEUE", REDIS_QUEUE),
                        help="production: the Socket.IO message queue's Redis database (default %(default)s)")
    parser.add_argument("--redis-limits", default=os.environ.get("LOAD_REDIS_LIMITS", REDIS_LIMITS),
                        help="production: the rate limits' Redis database, emptied (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the working folder (servers' logs; nginx's access and error logs) and say where")
    parser.add_argument("--prepare-network", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--coops", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_network:
        prepare_network(Path(args.prepare_network), args.coops)
        return 0
    stacks = [s.strip() for s in args.stacks.split(",") if s.strip()]
    for stack in stacks:
        if stack not in STACKS:
            raise SystemExit(f"unknown stack {stack!r}: use {', '.join(STACKS)}")
    users = parse_users(args.users, stacks)

    workdir = Path(tempfile.mkdtemp(prefix="deliberate-bench-load-"))
    results = {}
    try:
        for stack in stacks:
            if stack == "production":
                figures = run_production(workdir, args, users[stack])
            else:
                figures = run_embedded(stack, workdir, args, users[stack])
            show(stack, figures)
            results[stack] = figures
    finally:
        if args.keep:
            print(f"\nThe logs are in {workdir}.")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    verdicts = {}
    for stack, f in results.items():
        if stack == "production":
            verdicts[stack] = f["errors"] == 0 and f["p95_ms"] <= PRODUCTION_TARGET_P95_MS
            rule = f"no errors and p95 of at most {PRODUCTION_TARGET_P95_MS} ms over all requests"
        else:
            verdicts[stack] = f["errors"] == 0 and f["max_p95_ms"] < TARGET_P95_MS
            rule = f"no errors and p95 under {TARGET_P95_MS} ms for every action"
        print(f"\nTarget for {stack}: {rule}: {'met' if verdicts[stack] else 'NOT met'}.", end="")
    print()
    figures = {}
    for stack, f in results.items():
        key = FIGURES[stack]
        figures[key] = {name: f[name] for name in ("users", "signed_in", "seconds", "think_s", "rps", "requests",
                                                   "errors", "p50_ms", "p95_ms", "p99_ms", "p95_by_tenth_ms", "max_p95_ms",
                                                   "server_cpu_cores", "server_cpu_ms_per_request", "client_cpu_cores",
                                                   "other_processes_cores", "steal_cores", "load_average")}
        figures[key]["actions"] = {a: {k: v[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors")}
                                   for a, v in f["actions"].items()}
        if stack == "production":
            figures[key].update({name: f[name] for name in ("web_cpu_cores", "nginx_cpu_cores", "database_active_connections",
                                                            "database_sessions_opened", "database_connections", "database_states",
                                                            "cache", "web")})
    # Each stack's headline figures at the top, named with its users (production_200_errors,
    # production_200_p95_ms, sqlite_50_errors, …), the production stack's beside the embedded ones,
    # with the target of each under the same name (bench/summary.py reads them).
    targets: dict[str, dict[str, float]] = {}
    for stack, f in results.items():
        prefix = f"{FIGURES[stack]}_{f['users']}"
        figures[f"{prefix}_errors"] = f["errors"]
        figures[f"{prefix}_p95_ms"] = f["p95_ms"]
        figures[f"{prefix}_rps"] = f["rps"]
        targets[f"{prefix}_errors"] = {"max": 0}
        if stack == "production":
            targets[f"{prefix}_p95_ms"] = {"max": PRODUCTION_TARGET_P95_MS}
        else:  # every action's p95 under the target: the slowest action's
            figures[f"{prefix}_max_p95_ms"] = f["max_p95_ms"]
            targets[f"{prefix}_max_p95_ms"] = {"max": TARGET_P95_MS}
    print(json.dumps({"bench": "load", "figures": figures, "targets": targets}))
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
