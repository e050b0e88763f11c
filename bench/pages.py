"""Benchmark: requests per second of a standard's public page and changelog, next to a minimal
Flask "hello" route served the same way.

The app is served as ``make run`` serves it (``python -m deliberate.serve``: Flask-SocketIO in
threading mode on Werkzeug's threaded server, one process, SQLite in a temporary instance
folder), after migrating and seeding a standard with 30 sections, 10 ratified versions (each
decided by a vote, nine of them bringing in an adopted amendment) and 300 comments, all through
the services. The "hello" app is a one-route Flask app wrapped in Flask-SocketIO and started with
the same ``socketio.run`` arguments, in its own process. The load comes from ``wrk`` (Debian
package ``wrk``, which ``make bench`` installs) or, when it is absent, a small threaded Python load
generator (slower than the server it measures: the ratios it gives are too low). The load is that of
observers (no account), who are served from the page cache validated by the events table
(deliberate/versions/pagecache.py).

The machine is shared and noisy, so the figures are ratios measured side by side: each round
measures hello, the public page and the changelog one after the other (in a rotating order), and
the ratio of each page to hello in that round is kept; the figure is the median over the rounds,
printed with the lowest and highest. The time a page takes to render without the cache (what a
signed-in person gets) is the median of 30 renders in process, beside the CPU time they used
(which the other processes on the machine disturb less).

Run from the repository root:  .venv/bin/python bench/pages.py [--rounds 5] [--seconds 3] [--connections 8]
The last line printed is one JSON object: {"bench": "pages", "figures": {...}, "targets": {...}}.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.5  # each page at least half the requests per second of hello (issue 19)
TARGET_RENDER_MS = 20.0  # the public page rendered without the cache, median (issue 19)
RENDERS = 30
SLUG = "bench-principles"
PASSWORD = "a long benchmark password"


# Data ---------------------------------------------------------------------------------------------

def _body(i: int, variant: int = 0) -> str:
    """A section of a few paragraphs with some Markdown, different for each section."""
    extra = f" Revised {variant} times after discussion." if variant else ""
    return (f"Principle {i} protects the members of every co-op in the network.{extra} It applies to workers, "
            f"users and the co-op itself, and is reviewed at each general assembly.\n\n"
            f"- Members are told **before** any change under principle {i} takes effect.\n"
            f"- Records of decisions under it are kept for *ten years*.\n\n"
            f"See the [guide](https://example.org/guide/{i}) for examples from member co-ops.")


def people(prefix: str = "bench"):
    """A steward and three member co-ops with a delegate each (inside an app context)."""
    from deliberate.members import services as members

    steward = members.create_steward(email=f"{prefix}-steward@example.org", name="Bench Steward", password=PASSWORD)
    delegates = []
    for n in range(3):
        coop = members.register_coop(actor=steward, name=f"{prefix.title()} Co-op {n}", country="ES", kind="worker")
        coop = members.change_coop_status(actor=steward, coop=coop, status="member")
        _invitation, token = members.invite_delegate(actor=steward, coop=coop)
        delegates.append(members.accept_invitation(token=token, name=f"Delegate {n}",
                                                   email=f"{prefix}-delegate{n}@example.org", password=PASSWORD))
    return steward, delegates


def build_standard(*, sections: int = 30, versions: int = 10, comments: int = 300, slug_title: str = "Bench Principles",
                   steward=None, delegates=None, prefix: str = "bench"):
    """Create a standard with ``sections`` sections, ``versions`` ratified versions and ``comments``
    comments through the services (call inside an app context). Returns the standard.

    Each version after the first brings in one amendment, proposed and opened by a delegate and
    adopted by a steward (the standard's policy allows it), and is ratified by a vote in which
    every delegate's co-op votes for it (so they should be all the member co-ops: see ``people``).
    A third of the comments go to the standard's own discussion (shown on its public page), the
    rest to its sections' discussions.
    """
    from datetime import timedelta

    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.extensions import db
    from deliberate.proposals import adoption
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions_services
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    if steward is None or delegates is None:
        steward, delegates = people(prefix)
    standard = standards.create_standard(actor=steward, title=slug_title, summary="A standard for measuring pages.",
                                         sections=[(f"Principle {i}", _body(i)) for i in range(1, sections + 1)])
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    for k in range(versions):
        if k:
            current = standards.get_standard(standard.slug)
            section = current.sections[(k - 1) % len(current.sections)]
            index = section.position
            amendment = proposals.propose_amendment(
                actor=delegates[k % len(delegates)], standard=current, kind="modify", section=section,
                summary=f"Say how often principle {index} was revised.", rationale="Members asked for it.",
                proposed_title=section.title, proposed_body=_body(index, k))
            amendment = proposals.open_amendment(actor=delegates[k % len(delegates)], amendment=amendment)
            adoption.adopt_directly(actor=steward, amendment=amendment)
        version = versions_services.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                                     summary=f"Version {k + 1} of the benchmark standard.")
        vote = versions_services.open_ratification_vote(actor=steward, version=version,
                                                        closes_at=utcnow() + timedelta(days=7))
        for delegate in delegates:
            voting.cast_ballot(actor=delegate, vote=vote, choice="for")
        closing.close_vote(actor=steward, vote=vote)
    current = standards.get_standard(standard.slug)
    on_standard = comments // 3
    for n in range(comments):
        author = delegates[n % len(delegates)]
        if n < on_standard:
            kind, ident = "standard", current.id
        else:
            kind, ident = "section", current.sections[n % len(current.sections)].id
        discussions.post_comment(actor=author, subject_kind=kind, subject_id=ident,
                                 body=f"Comment {n}: I think this **works** for our co-op, with one question about "
                                      f"how it applies to seasonal workers.")
    return standards.get_standard(standard.slug)


def prepare(instance: Path) -> None:
    """Migrate a fresh SQLite database in ``instance`` and build the benchmark standard."""
    os.environ["DELIBERATE_INSTANCE"] = str(instance)
    from flask_migrate import upgrade

    from deliberate import create_app
    from deliberate.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        standard = build_standard()
        assert standard.slug == SLUG, standard.slug
        db.session.remove()
        db.engine.dispose()
    # For the record: how long a page takes to render when it is not served from the observers'
    # page cache (what a signed-in person gets), in this process, without the HTTP server.
    uncached = create_app({"OBSERVER_PAGE_CACHE": False})
    client = uncached.test_client()
    timings = {}
    for name, path in (("public_page", f"/standards/{SLUG}"), ("changelog", f"/standards/{SLUG}/changelog")):
        for _ in range(3):
            assert client.get(path).status_code == 200
        wall, cpu = [], []
        for _ in range(RENDERS):
            started, used = time.perf_counter(), time.thread_time()
            client.get(path)
            wall.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - used)
        timings[f"{name}_render_ms"] = round(statistics.median(wall) * 1000, 1)
        timings[f"{name}_render_min_ms"] = round(min(wall) * 1000, 1)
        timings[f"{name}_render_cpu_ms"] = round(statistics.median(cpu) * 1000, 1)
    (instance / "render_ms.json").write_text(json.dumps(timings))
    with uncached.app_context():
        db.engine.dispose()


# Servers ------------------------------------------------------------------------------------------

def serve_hello(port: int) -> None:
    """A minimal Flask app with one route, served exactly as deliberate.serve serves the real one."""
    from flask import Flask
    from flask_socketio import SocketIO

    app = Flask("hello")

    @app.get("/hello")
    def hello():
        return "Hello, World!"

    socketio = SocketIO(app, async_mode="threading")
    development = os.environ.get("DELIBERATE_ENV", "development") == "development"
    socketio.run(app, host="127.0.0.1", port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True,
                 log_output=development)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_for(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not answer {path} within {timeout:.0f}s")


# Load ---------------------------------------------------------------------------------------------

def run_wrk(url: str, seconds: float, connections: int, threads: int) -> float:
    output = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", url],
                            capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def run_python(url: str, seconds: float, connections: int) -> float:
    """Keep-alive GETs from ``connections`` threads for ``seconds``; requests per second."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    counts = [0] * connections
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        while time.monotonic() < stop:
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{url}: {response.status}")
                    return
                counts[index] += 1
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return sum(counts) / (time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of side-by-side measurements (default 5); "
                                                              "the median ratio is kept")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--serve-hello", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello(args.serve_hello)
        return 0
    if args.prepare:
        prepare(Path(args.prepare))
        return 0

    tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "python":
        print("wrk is not installed (Debian: apt-get install -y wrk): using the built-in Python load generator, "
              "which measures lower figures on both sides.", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="deliberate-bench-pages-"))
    instance = workdir / "instance"
    started = time.monotonic()
    subprocess.run([sys.executable, __file__, "--prepare", str(instance)], cwd=ROOT, check=True,
                   env={**os.environ, "DELIBERATE_INSTANCE": str(instance)})
    print(f"Seeded a standard with 30 sections, 10 versions and 300 comments in {time.monotonic() - started:.1f}s "
          f"({instance}).", flush=True)
    rendering = json.loads((instance / "render_ms.json").read_text())
    print(f"Rendered without the observers' page cache (median of {RENDERS}, in process): public page "
          f"{rendering['public_page_render_ms']} ms (fastest {rendering['public_page_render_min_ms']} ms, CPU "
          f"{rendering['public_page_render_cpu_ms']} ms), changelog {rendering['changelog_render_ms']} ms "
          f"(CPU {rendering['changelog_render_cpu_ms']} ms).", flush=True)

    app_port, hello_port = free_port(), free_port()
    env = {**os.environ, "DELIBERATE_INSTANCE": str(instance), "PORT": str(app_port)}
    env.pop("DATABASE_URL", None)
    servers = [start([sys.executable, "-m", "deliberate.serve"], env, workdir / "app.log"),
               start([sys.executable, __file__, "--serve-hello", str(hello_port)], env, workdir / "hello.log")]
    try:
        wait_for(app_port, "/healthz")
        wait_for(hello_port, "/hello")
        urls = {"hello": f"http://127.0.0.1:{hello_port}/hello",
                "public_page": f"http://127.0.0.1:{app_port}/standards/{SLUG}",
                "changelog": f"http://127.0.0.1:{app_port}/standards/{SLUG}/changelog"}
        for url in urls.values():  # warm up: caches, connections, lazily built regexes
            wait_for(int(url.split(":")[2].split("/")[0]), "/" + url.split("/", 3)[3])
            run_python(url, 0.5, 2)
        rates: dict[str, list[float]] = {name: [] for name in urls}
        names = list(urls)
        for round_ in range(args.rounds):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:  # rotating order
                url = urls[name]
                rate = run_wrk(url, args.seconds, args.connections, args.threads) if tool == "wrk" \
                    else run_python(url, args.seconds, args.connections)
                rates[name].append(rate)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    median = {name: statistics.median(values) for name, values in rates.items()}
    per_round = {page: [rate / hello for rate, hello in zip(rates[page], rates["hello"], strict=True)]
                 for page in ("public_page", "changelog")}
    ratios = {f"{page}_ratio": round(statistics.median(values), 3) for page, values in per_round.items()}
    spread = {f"{page}_ratio_spread": [round(min(values), 3), round(max(values), 3)] for page, values in per_round.items()}
    print(f"Load: {tool}, {args.connections} connections, {args.rounds} rounds of {args.seconds:g}s each, side by side "
          f"(medians; lowest and highest ratio of the rounds in brackets).")
    print(f"{'hello':<14}{median['hello']:>10.0f} req/s   (rounds: {', '.join(f'{r:.0f}' for r in rates['hello'])})")
    for page, label in (("public_page", "public page"), ("changelog", "changelog")):
        low, high = spread[f"{page}_ratio_spread"]
        print(f"{label:<14}{median[page]:>10.0f} req/s   ratio {ratios[f'{page}_ratio']:.2f} [{low:.2f}-{high:.2f}]")
    ok_ratio = min(ratios.values()) >= TARGET_RATIO
    ok_render = rendering["public_page_render_ms"] <= TARGET_RENDER_MS
    print(f"Target: each page at least {TARGET_RATIO:.0%} of hello: {'met' if ok_ratio else 'NOT met'}; "
          f"the public page rendered without the cache in at most {TARGET_RENDER_MS:g} ms: "
          f"{'met' if ok_render else 'NOT met'}.")
    figures = {"hello_rps": round(median["hello"], 1), "public_page_rps": round(median["public_page"], 1),
               "changelog_rps": round(median["changelog"], 1), **ratios, **spread, "load_tool": tool,
               "connections": args.connections, "seconds": args.seconds, "rounds": args.rounds, "sections": 30,
               "versions": 10, "comments": 300, **rendering, "load_average": round(os.getloadavg()[0], 2)}
    targets = {"public_page_ratio": {"min": TARGET_RATIO}, "changelog_ratio": {"min": TARGET_RATIO},
               "public_page_render_ms": {"max": TARGET_RENDER_MS}}
    print(json.dumps({"bench": "pages", "figures": figures, "targets": targets}))
    return 0 if ok_ratio and ok_render else 1


if __name__ == "__main__":
    sys.exit(main())
