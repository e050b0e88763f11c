"""Scale-out: two server processes on two ports, PostgreSQL and a Redis message queue, act as one.

A client connected to each process follows the same standard; a change saved through one
process reaches the client of the other.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live_server import wait_until

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "deliberate_scale_test"
REDIS = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _services_available() -> bool:
    try:
        import psycopg
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


# The processes always run on a PostgreSQL database of their own, whichever database the run uses:
# not rerun on PostgreSQL (db_independent).
pytestmark = [pytest.mark.slow, pytest.mark.db_independent,
              pytest.mark.skipif(not _services_available(), reason="needs PostgreSQL and Redis")]

# The demo network (``flask seed-demo``) without the later features' stories (registry, credit,
# proxies, appeals, network rules, phases), which these tests do not read and which take most of
# its time: the draft standard, the people and the open admission vote are there.
SEED_WITHOUT_FEATURES = """
from deliberate import create_app, seed as demo

demo.seed_features = lambda session: None
with create_app().app_context():
    demo.seed()
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    instance = tmp_path_factory.mktemp("scale")
    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{DATABASE}",
           "SOCKETIO_MESSAGE_QUEUE": REDIS, "DELIBERATE_INSTANCE": str(instance),
           "SECRET_KEY": "a-shared-secret-key-for-both-processes-0123", "RATELIMIT_ENABLED": "false"}
    flask = [sys.executable, "-m", "flask", "--app", "deliberate"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT, timeout=120)
    subprocess.run([sys.executable, "-c", SEED_WITHOUT_FEATURES], env=env, check=True, capture_output=True, cwd=ROOT,
                   timeout=120)
    processes, urls = [], []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen([sys.executable, "-m", "deliberate.serve"], env={**env, "PORT": str(port)},
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        urls.append(f"http://127.0.0.1:{port}")
    import requests

    for url in urls:
        wait_until(lambda url=url: _up(requests, url), timeout=30, message=f"{url} to serve")
    yield urls
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def _up(requests, url) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def _signed_in(url: str, email: str):
    import requests

    http = requests.Session()
    page = http.get(url + "/signin").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(url + "/signin", data={"email": email, "password": "cooperate-together", "csrf_token": token},
                         allow_redirects=False)
    assert response.status_code == 302
    return http


def _client(url: str, received: list, http=None):
    import socketio

    client = socketio.Client(reconnection=False)
    client.on("section_revised", lambda data: received.append(data))
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())} if http else {}
    client.connect(url, headers=headers, transports=["websocket"], wait_timeout=10)
    return client


def test_an_event_saved_through_one_process_reaches_a_client_of_the_other(cluster):
    import requests

    first, second = cluster
    standard = "member-data-rights"  # still a draft: its text may be edited directly
    page = requests.get(f"{second}/standards/{standard}").text
    room = re.search(r'data-live-room="(standard:\d+)"', page).group(1)
    received_first, received_second = [], []
    client_first = _client(first, received_first)
    client_second = _client(second, received_second)
    try:
        assert client_first.call("join", {"room": room}, timeout=10)["ok"]
        assert client_second.call("join", {"room": room}, timeout=10)["ok"]

        # A delegate saves a revision through the first process.
        http = _signed_in(first, "amara@example.org")
        form = http.get(f"{first}/standards/{standard}/s/scope/edit").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        base = re.search(r'name="base_revision_id" type="hidden" value="(\d+)"', form).group(1)
        started = time.monotonic()
        response = http.post(f"{first}/standards/{standard}/s/scope/edit", allow_redirects=False, data={
            "csrf_token": token, "base_revision_id": base, "title": "Scope",
            "body": "This policy covers every record a co-op keeps about its members, at no cost to them.",
            "message": "At no cost", "coop": ""})
        assert response.status_code == 302, response.text[:500]

        wait_until(lambda: received_second, timeout=10, message="the other process's client to get the event")
        wait_until(lambda: received_first, timeout=10, message="the same process's client to get the event")
        assert received_second[0]["id"] == received_first[0]["id"]
        assert received_second[0]["kind"] == "section_revised"
        assert time.monotonic() - started < 10
    finally:
        for client in (client_first, client_second):
            client.eio.disconnect(abort=True)


def test_a_vote_closed_through_one_process_reaches_its_page_on_the_other(cluster):
    """A state change (issue 16): a steward closes a vote through the first process; a reader of
    the vote's page connected to the second gets ``vote_closed`` in the vote's room, with what the
    page needs to show it (state, result, subject) and nothing about single ballots."""
    import requests
    import socketio

    first, second = cluster
    votes = requests.get(f"{second}/votes/").text
    vote_id = int(re.search(r'href="/votes/(\d+)"[^>]*>Admit Coop Courses', votes).group(1))
    page = requests.get(f"{second}/votes/{vote_id}").text
    assert f'data-live-about="vote:{vote_id}"' in page and 'data-live-since="' in page
    received = []
    reader = socketio.Client(reconnection=False)
    reader.on("vote_closed", lambda data: received.append(data))
    reader.connect(second, transports=["websocket"], wait_timeout=10)
    try:
        ack = reader.call("catch_up", {"last_event_id": 0, "rooms": [f"vote:{vote_id}"]}, timeout=10)
        assert ack["ok"] and ack["refused"] == []
        http = _signed_in(first, "steward@example.org")
        form = http.get(f"{first}/votes/{vote_id}").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        response = http.post(f"{first}/votes/{vote_id}/close", data={"csrf_token": token}, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        wait_until(lambda: received, timeout=10, message="the other process's reader to get vote_closed")
        (closed,) = received
        assert closed["scope"] == f"vote:{vote_id}" and closed["state"] == "closed"
        assert (closed["subject_kind"], closed["vote_id"]) == ("admission", vote_id)
        assert set(closed) == {"id", "kind", "scope", "at", "vote_id", "subject_kind", "subject_id", "state", "passed",
                               "explanation", "second_call_id", "record_head"}
    finally:
        reader.eio.disconnect(abort=True)


def test_signing_out_through_one_process_disconnects_the_sockets_on_the_other(cluster):
    """The close_room message flagged ``disconnect`` crosses the queue: a sign-out handled by the
    first process disconnects that sign-in's socket connected to the second, and signing out
    everywhere every socket of the person, wherever it is connected."""
    first, second = cluster
    http = _signed_in(first, "amara@example.org")
    on_second = _client(second, [], http=http)
    elsewhere = _signed_in(first, "amara@example.org")
    other_sign_in = _client(second, [], http=elsewhere)
    try:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', http.get(f"{first}/account").text).group(1)
        assert http.post(f"{first}/signout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
        wait_until(lambda: not on_second.connected, timeout=10, message="the other process to disconnect the socket")
        assert other_sign_in.connected

        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          elsewhere.get(f"{first}/account").text).group(1)
        assert elsewhere.post(f"{first}/account/sign-out-everywhere", data={"csrf_token": token},
                              allow_redirects=False).status_code == 302
        wait_until(lambda: not other_sign_in.connected, timeout=10, message="every socket of the person to go")
    finally:
        for client in (on_second, other_sign_in):
            if client.connected:
                client.eio.disconnect(abort=True)


def test_presence_is_shared_by_both_processes_and_forgets_a_reader_who_leaves(cluster):
    import requests

    first, second = cluster
    room = re.search(r'data-live-room="(standard:\d+)"',
                     requests.get(f"{first}/standards/platform-co-op-principles").text).group(1)
    amara = _client(first, [], _signed_in(first, "amara@example.org"))
    visitor = _client(second, [])
    try:
        assert amara.call("announce_presence", {"room": room}, timeout=10)["ok"]
        ack = visitor.call("announce_presence", {"room": room}, timeout=10)
        # The second process shows the reader connected to the first (presence lives in Redis).
        assert [p["name"] for p in ack["people"]] == ["Amara Okafor"] and ack["visitors"] == 1
        amara.disconnect()
        wait_until(lambda: visitor.call("announce_presence", {"room": room}, timeout=10)["people"] == [],
                   timeout=10, message="the reader who left to be forgotten by the other process")
    finally:
        for client in (amara, visitor):
            if client.connected:
                client.disconnect()
