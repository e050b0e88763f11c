"""Load: 50 concurrent users reading, commenting and voting for 60 seconds, on SQLite and PostgreSQL.

Starts the server as `make run` does (`flask db upgrade`, `flask seed-demo --if-empty`, then
`python -m deliberate.serve`, same environment) against a fresh database: an SQLite file in a
temporary instance folder, then the PostgreSQL database of --pg-url (emptied first). Before the
server starts, twenty more member co-ops with a delegate each join the demo network, and a vote
on admitting one more co-op opens, so that every signed-in user speaks and votes for a co-op of
their own.

The users are threads of this process, each on its own keep-alive connection from its own
loopback address (127.0.0.2, 127.0.0.3, …: the sign-in rate limit counts per address, as it
would for people on their own machines). Three users in five are anonymous readers (the
standard, its changelog, the vote); the others sign in through the real form and read, post
comments (on the standard, one of its principles or the vote) and cast or change their co-op's
ballot, with the form's CSRF token. Each user waits a
think time between requests: uniform between half and one and a half times --think (default 2 s,
so 1 to 3 s, as a brisk person clicks); --think 0 makes it a saturation test.

Prints, per database and per action, throughput, p50/p95/p99 latency in ms and errors (any
unexpected status or failed request), the CPU the load generator itself used (so a starved
server would show), and, as its last line, one JSON object. Target: no errors and p95 under
500 ms for every action.
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

TARGET_P95_MS = 500
STANDARD = "platform-co-op-principles"
PASSWORD = "cooperate-together"  # the demo's (deliberate.seed.DEMO_PASSWORD)
BENCH_COOPS = 20
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
CSRF = re.compile(r'name="csrf[-_]token"[^>]*?(?:value|content)="([^"]+)"')
READER_SHARE = 0.6
# What a signed-in delegate does next, with weights.
DELEGATE_ACTIONS = (("read_standard", 3), ("read_vote", 2), ("comment", 2), ("ballot", 2), ("read_changelog", 1))
READER_ACTIONS = (("read_standard", 6), ("read_changelog", 2), ("read_vote", 2))


# Preparing the database ---------------------------------------------------------------------------

def prepare_network(out: Path) -> None:
    """Add the bench co-ops and delegates to the seeded demo and open a vote they all take part
    in (runs in a subprocess with the server's environment). Writes the ids the users need."""
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
        for n in range(1, BENCH_COOPS + 1):
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


def start_server(database: str, workdir: Path, pg_url: str) -> tuple[subprocess.Popen, int, dict]:
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
    subprocess.run([sys.executable, __file__, "--prepare-network", str(ids)], cwd=ROOT, env=env, check=True,
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The users ---------------------------------------------------------------------------------------

class Failure(Exception):
    """A request answered something else than expected."""


class User:
    """One person at one browser: a keep-alive connection from its own loopback address, cookies."""

    def __init__(self, index: int, port: int, ids: dict, delegate: dict | None, results, think: float,
                 rng: random.Random) -> None:
        self.index, self.port, self.ids, self.delegate = index, port, ids, delegate
        self.results, self.think, self.rng = results, think, rng
        self.source = f"127.0.0.{2 + index}"
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
        self.results.record(action, (time.perf_counter() - started) * 1000)
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
        self.measuring = True

    def record(self, action: str, ms: float) -> None:
        with self.lock:
            self.latencies[action].append(ms)

    def error(self, action: str, message: str) -> None:
        with self.lock:
            self.errors[action].append(message)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_load(port: int, ids: dict, users: int, seconds: float, think: float, seed: int,
             on_start=lambda: None, on_stop=lambda: None) -> dict:
    """Sign the delegates in and let each kind of user take each action once (a warm-up, not
    measured: templates compile, caches fill), then run every user for ``seconds``; the figures.
    ``on_start`` and ``on_stop`` run as the measured window opens and closes."""
    delegates = ids["delegates"]
    signed = min(len(delegates), users - int(users * READER_SHARE))
    warmup, measured = Results(), Results()
    people = [User(i, port, ids, delegates[i] if i < signed else None, warmup, think, random.Random(seed + i))
              for i in range(users)]
    for user in people:
        if user.delegate:
            user.sign_in()
    if warmup.errors:
        raise SystemExit(f"sign-in failed: {dict(warmup.errors)}")
    sign_in_ms = warmup.latencies["sign_in"]
    for user in (people[0], people[-1]):  # a delegate and a reader
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
    sample_errors = [e for errors in measured.errors.values() for e in errors][:5]
    return {"users": users, "signed_in": signed, "seconds": round(elapsed, 1), "think_s": think,
            "requests": len(everything), "rps": round(len(everything) / elapsed, 1),
            "errors": sum(len(e) for e in measured.errors.values()), "sample_errors": sample_errors,
            "p50_ms": round(percentile(everything, 0.50), 1), "p95_ms": round(percentile(everything, 0.95), 1),
            "p99_ms": round(percentile(everything, 0.99), 1),
            "max_p95_ms": max(a["p95_ms"] or 0 for a in actions.values()),
            "client_cpu_cores": round(client_cpu, 2), "sign_in_median_ms": round(statistics.median(sign_in_ms), 1),
            "actions": actions}


def show(database: str, figures: dict) -> None:
    print(f"\n{database}: {figures['users']} users ({figures['signed_in']} signed in), {figures['seconds']:g}s, "
          f"think time {figures['think_s']:g}s: {figures['rps']:.1f} req/s, {figures['errors']} errors; "
          f"server CPU {figures['server_cpu_cores']:.2f} cores, load generator CPU {figures['client_cpu_cores']:.2f} "
          f"cores (of {os.cpu_count()}); sign-in (argon2id) median {figures['sign_in_median_ms']:.0f} ms, not in the "
          f"window.\n  The server spent {figures['server_cpu_ms_per_request']:.1f} ms of CPU per request; other "
          f"processes on this machine used {figures['other_processes_cores']:.2f} cores meanwhile"
          f"{' (a busy machine: these latencies are not the server alone)' if figures['other_processes_cores'] > 0.3 else ''}.")
    print(f"  {'action':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = list(figures["actions"].items()) + [("all", figures)]
    for action, row in rows:
        print(f"  {action:<16}{row['requests']:>9}{row['rps']:>8.1f}{row['p50_ms'] or 0:>9.1f}{row['p95_ms'] or 0:>9.1f}"
              f"{row['p99_ms'] or 0:>9.1f}{row['errors']:>8}")
    for message in figures["sample_errors"]:
        print(f"  error: {message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 50)))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 60)))
    parser.add_argument("--think", type=float, default=float(os.environ.get("LOAD_THINK", 2.0)),
                        help="mean seconds a user waits between requests (uniform, ±50%%); 0: no wait")
    parser.add_argument("--databases", default=os.environ.get("LOAD_DATABASES", "sqlite,postgresql"),
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("LOAD_PG_URL", PG_URL),
                        help="the PostgreSQL database the bench empties and uses (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prepare-network", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_network:
        prepare_network(Path(args.prepare_network))
        return 0
    if args.users > 250:
        raise SystemExit("at most 250 users (one loopback address each, 127.0.0.2 to 127.0.0.251)")

    workdir = Path(tempfile.mkdtemp(prefix="deliberate-bench-load-"))
    results = {}
    try:
        for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if database not in ("sqlite", "postgresql"):
                raise SystemExit(f"unknown database {database!r}: use sqlite or postgresql")
            started = time.monotonic()
            process, port, ids = start_server(database, workdir, args.pg_url)
            print(f"{database}: migrated, seeded and serving in {time.monotonic() - started:.1f}s "
                  f"(load average {os.getloadavg()[0]:.2f}).", flush=True)
            try:
                marks: dict[str, tuple[float, ...]] = {}

                def mark(name: str, marks=marks, process=process) -> None:
                    marks[name] = (time.monotonic(), cpu_seconds(process.pid), machine_busy_seconds(),
                                   time.process_time())

                figures = run_load(port, ids, args.users, args.seconds, args.think, args.seed,
                                   on_start=lambda: mark("start"), on_stop=lambda: mark("stop"))
                wall, server, busy, client = (b - a for a, b in zip(marks["start"], marks["stop"]))
                others = busy - server - client
                figures["server_cpu_cores"] = round(server / wall, 2)
                # The server's own cost of a request (it does nothing else meanwhile), and what the
                # rest of the machine took: a busy machine starves the server and the figures say so.
                figures["server_cpu_ms_per_request"] = round(server * 1000 / max(1, figures["requests"]), 1)
                figures["other_processes_cores"] = round(max(0.0, others) / wall, 2)
                figures["load_average"] = round(os.getloadavg()[0], 2)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            show(database, figures)
            results[database] = figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    ok = all(f["errors"] == 0 and f["max_p95_ms"] < TARGET_P95_MS for f in results.values())
    print(f"\nTarget: no errors and p95 under {TARGET_P95_MS} ms for every action: {'met' if ok else 'NOT met'}.")
    figures = {}
    for database, f in results.items():
        figures[database] = {key: f[key] for key in ("users", "signed_in", "seconds", "think_s", "rps", "requests",
                                                     "errors", "p50_ms", "p95_ms", "p99_ms", "max_p95_ms",
                                                     "server_cpu_cores", "server_cpu_ms_per_request", "client_cpu_cores",
                                                     "other_processes_cores", "load_average")}
        figures[database]["actions"] = {a: {k: v[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors")}
                                        for a, v in f["actions"].items()}
    print(json.dumps({"bench": "load", "figures": figures, "targets": {"p95_ms": TARGET_P95_MS, "errors": 0}}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
