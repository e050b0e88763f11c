"""Benchmark: requests per second of a standard's public page and changelog, next to a minimal
Flask "hello" route served the same way.

The app is served as ``make run`` serves it (``python -m deliberate.serve``: Flask-SocketIO in
threading mode on Werkzeug's threaded server, one process, SQLite in a temporary instance
folder), after migrating and seeding a standard with 30 sections, 10 ratified versions (each
decided by a vote, nine of them bringing in an adopted amendment) and 300 comments, all through
the services. The "hello" app is a one-route Flask app wrapped in Flask-SocketIO and started with
the same ``socketio.run`` arguments, in its own process. The load comes from ``wrk`` (Debian
package ``wrk``) or, when it is absent, a small threaded Python load generator; both sides are
measured with the same tool, alternately, in one run. The load is that of observers (no account),
who are served from the page cache validated by the events table (deliberate/versions/pagecache.py);
the time a page takes to render without that cache is printed too.

Run from the repository root:  .venv/bin/python bench/pages.py [--seconds 5] [--connections 8]
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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.25
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
        started = time.perf_counter()
        for _ in range(20):
            client.get(path)
        timings[f"{name}_render_ms"] = round((time.perf_counter() - started) / 20 * 1000, 1)
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
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
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
    print(f"Rendered without the observers' page cache: public page {rendering['public_page_render_ms']} ms, "
          f"changelog {rendering['changelog_render_ms']} ms (in process).", flush=True)

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
        best = dict.fromkeys(urls, 0.0)
        for _ in range(args.rounds):
            for name, url in urls.items():
                rate = run_wrk(url, args.seconds, args.connections, args.threads) if tool == "wrk" \
                    else run_python(url, args.seconds, args.connections)
                best[name] = max(best[name], rate)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    ratios = {"public_page_ratio": round(best["public_page"] / best["hello"], 3),
              "changelog_ratio": round(best["changelog"] / best["hello"], 3)}
    print(f"Load: {tool}, {args.connections} connections, {args.seconds:g}s x {args.rounds} rounds (best kept).")
    print(f"{'hello':<14}{best['hello']:>10.0f} req/s")
    print(f"{'public page':<14}{best['public_page']:>10.0f} req/s   ratio {ratios['public_page_ratio']:.2f}")
    print(f"{'changelog':<14}{best['changelog']:>10.0f} req/s   ratio {ratios['changelog_ratio']:.2f}")
    ok = min(ratios.values()) >= TARGET_RATIO
    print(f"Target: each page at least {TARGET_RATIO:.0%} of hello: {'met' if ok else 'NOT met'}.")
    figures = {"hello_rps": round(best["hello"], 1), "public_page_rps": round(best["public_page"], 1),
               "changelog_rps": round(best["changelog"], 1), **ratios, "load_tool": tool,
               "connections": args.connections, "seconds": args.seconds, "sections": 30, "versions": 10,
               "comments": 300, **rendering}
    print(json.dumps({"bench": "pages", "figures": figures,
                      "targets": {"public_page_ratio": TARGET_RATIO, "changelog_ratio": TARGET_RATIO}}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
