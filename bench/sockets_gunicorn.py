"""Which gunicorn worker holds 1,000 concurrent Socket.IO connections in one web process?

Starts one production web process (gunicorn with deploy/gunicorn.conf.py, DELIBERATE_ENV=production)
per worker type, opens 1,000 WebSocket clients (the official socket.io-client in node,
bench/sockets_clients.js, 100 connecting at a time) that each join a standard's room, and measures:

- connect latency per client (p50, p95) and the time for all 1,000 to be in;
- the worker's memory (RSS) idle and with 1,000 connections, and its thread count;
- a page's latency while the 1,000 connections are open (the standard's page, 30 requests);
- fan-out: one posted comment reaching all 1,000 clients (p50, p95, 3 comments).

Worker types:
- ``gthread`` (what deploy/gunicorn.conf.py runs): the app as it is, threading mode,
  WebSockets through simple-websocket, one pool thread per open WebSocket;
- ``gevent``: ``-k gevent`` with Flask-SocketIO in gevent mode (bench/support/gevent_app.py). gevent is not
  in the project's venv: it is measured only if GEVENT_VENV (default /tmp/gevent-venv) holds a venv
  with the requirements, gevent and gunicorn, and this checkout installed with ``--no-deps -e``.

The database is PostgreSQL when it answers on 127.0.0.1 (a fresh database BENCH_DATABASE, default
deliberate_bench_sockets, dropped at the end), else SQLite in a temporary folder. Prints figures
and, as its last line, one JSON object.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from realtime import FANOUT_EVENT, STANDARD, free_port, percentile, post_comment, signed_in  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_SOCKETS", 1000))
EVENTS = 3
GEVENT_VENV = Path(os.environ.get("GEVENT_VENV", "/tmp/gevent-venv"))
PG = "postgresql://postgres@127.0.0.1:5432"
DATABASE = os.environ.get("BENCH_DATABASE", "deliberate_bench_sockets")


def postgres_url() -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=2) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        return f"{PG}/{DATABASE}"
    except Exception:
        return None


def drop_postgres() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=2) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def status(pid: int) -> dict[str, int]:
    """The process's resident memory (KiB) and thread count, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_kib": int(fields["VmRSS"].split()[0]), "threads": int(fields["Threads"])}


def start(kind: str, env: dict) -> tuple[subprocess.Popen, str, Path]:
    import requests

    port = free_port()
    log = Path(env["DELIBERATE_INSTANCE"]) / f"gunicorn-{kind}.log"
    config = str(ROOT / "deploy" / "gunicorn.conf.py")
    if kind == "gthread":
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", config]
    else:
        command = [str(GEVENT_VENV / "bin" / "gunicorn"), "-c", config, "-k", "gevent", "--worker-connections", "4000",
                   "--pythonpath", str(BENCH / "support"), "gevent_app:app"]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError(f"{kind}: gunicorn did not answer; see {log}")
    return process, url, log


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def page_latencies(url: str, runs: int = 30) -> list[float]:
    import requests

    times = []
    with requests.Session() as http:
        for _ in range(runs):
            started = time.perf_counter()
            response = http.get(f"{url}/standards/{STANDARD}", timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return times


def measure(kind: str, env: dict) -> dict[str, float]:
    import re

    import requests

    process, url, log = start(kind, env)
    try:
        worker = children(process.pid)[0]
        page_latencies(url, 10)  # warm: templates compiled, connections pooled
        idle = status(worker)
        room = re.search(r'data-live-room="(standard:\d+)"', requests.get(f"{url}/standards/{STANDARD}").text).group(1)
        node = subprocess.Popen(["node", str(BENCH / "sockets_clients.js"), url, str(CLIENTS), room, FANOUT_EVENT, "100"],
                                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")})
        try:
            ready = json.loads(node.stdout.readline())
            loaded = status(worker)
            pages = page_latencies(url)
            http = signed_in(url)
            connected = CLIENTS - ready["failed"]
            latencies: list[float] = []
            for n in range(EVENTS):
                post_comment(http, url, n)
                arrivals = [json.loads(node.stdout.readline()) for _ in range(connected)]
                latencies += [a["at"] - a["emitted"] for a in arrivals]
                time.sleep(0.5)
        finally:
            node.stdin.write("stop\n")
            node.stdin.flush()
            node.wait(timeout=30)
    finally:
        stop(process)
    output = log.read_text()
    assert "development server" not in output.lower(), output[-2000:]
    connect = ready["connect_ms"]
    return {
        "connected": connected,
        "connect_p50_ms": round(statistics.median(connect), 1),
        "connect_p95_ms": round(percentile(connect, 0.95), 1),
        "all_connected_s": round(ready["elapsed_ms"] / 1000, 2),
        "rss_idle_mb": round(idle["rss_kib"] / 1024, 1),
        "rss_loaded_mb": round(loaded["rss_kib"] / 1024, 1),
        "kib_per_connection": round((loaded["rss_kib"] - idle["rss_kib"]) / max(connected, 1), 1),
        "threads_loaded": loaded["threads"],
        "page_p50_ms_loaded": round(statistics.median(pages), 1),
        "page_p95_ms_loaded": round(percentile(pages, 0.95), 1),
        "fanout_p50_ms": round(statistics.median(latencies), 1),
        "fanout_p95_ms": round(percentile(latencies, 0.95), 1),
    }


def main() -> None:
    import secrets

    work = Path(tempfile.mkdtemp(prefix="deliberate-bench-sockets-"))
    database = postgres_url()
    env = {**os.environ, "DELIBERATE_INSTANCE": str(work), "DELIBERATE_ENV": "production",
           "SECRET_KEY": secrets.token_urlsafe(48), "SESSION_COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "false",
           "DATABASE_URL": database or f"sqlite:///{work}/bench.sqlite3", "GUNICORN_THREADS": str(CLIENTS + 500)}
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    flask = [sys.executable, "-m", "flask", "--app", "deliberate"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    kinds = ["gthread"] + (["gevent"] if (GEVENT_VENV / "bin" / "gunicorn").exists() else [])
    figures: dict[str, float] = {}
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
          f"database: {'PostgreSQL' if database else 'SQLite'}; {CLIENTS} WebSocket clients")
    try:
        for kind in kinds:
            try:
                result = measure(kind, env)
            except Exception as error:  # say which worker failed and how; keep the others' figures
                print(f"{kind}: failed: {error!r}")
                figures[f"{kind}_connected"] = 0
                continue
            figures.update({f"{kind}_{name}": value for name, value in result.items()})
            print(f"{kind}: {result['connected']} connected in {result['all_connected_s']} s "
                  f"(connect p50 {result['connect_p50_ms']} ms, p95 {result['connect_p95_ms']} ms); "
                  f"RSS {result['rss_idle_mb']} MB idle, {result['rss_loaded_mb']} MB loaded "
                  f"({result['kib_per_connection']} KiB per connection, {result['threads_loaded']} threads); "
                  f"page p95 {result['page_p95_ms_loaded']} ms while loaded; "
                  f"fan-out to all p50 {result['fanout_p50_ms']} ms, p95 {result['fanout_p95_ms']} ms")
        if "gevent" not in kinds:
            print(f"gevent: not measured (no {GEVENT_VENV}/bin/gunicorn; see this script's docstring)")
    finally:
        if database:
            drop_postgres()
    print(json.dumps({"bench": "sockets_gunicorn", "figures": figures,
                      "targets": {"gthread_connected": CLIENTS, "gthread_connect_p95_ms": 1000,
                                  "gthread_page_p95_ms_loaded": 500, "gthread_fanout_p95_ms": 1000,
                                  "gthread_rss_loaded_mb": 1024}}))


if __name__ == "__main__":
    main()
