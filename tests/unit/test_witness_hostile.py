"""A witness runs on a co-op's own machine: a hostile server must not turn it against that machine
(no other host, no redirect followed) nor make it crash or forget what it kept."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from deliberate.voting.ledger import entry_hash
from deliberate.witness import chain, client


def _log(record_url: str) -> list[dict]:
    payload = {"vote_id": 1, "final": "closed", "record_head": "a" * 64, "record_url": record_url}
    return [chain.make_entry(None, "vote", 1, payload, "2026-12-06T09:00:00Z")]


@pytest.mark.parametrize("path", ["@169.254.169.254/latest", ".evil.example/x", ":1@127.0.0.1:6379/x",
                                  "//evil.example/x", "/votes/1/record.jsonl?x=@evil", "/a b"])
def test_a_record_address_naming_another_host_is_refused(path):
    log = _log("/votes/1/record.jsonl")
    log[0]["payload"]["record_url"] = path
    log[0]["hash"] = entry_hash(log[0])
    assert any("record_url a plain path" in p for p in chain.verify(log))
    with pytest.raises(chain.WitnessError):
        chain.vote_payload(1, "closed", "a" * 64, path)


def test_the_record_address_stays_on_the_logs_site():
    entry = {"payload": {"record_url": "/votes/1/record.jsonl"}}
    assert client.record_url("https://coop.example/net/witness.jsonl", entry) == \
        "https://coop.example/net/votes/1/record.jsonl"
    with pytest.raises(client.FetchError):
        client.record_url("https://coop.example/witness.jsonl", {"payload": {"record_url": "@127.0.0.1/x"}})


def test_a_redirect_is_not_followed():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            if self.path == "/witness.jsonl":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{server.server_port}/internal")
                self.end_headers()
            else:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"secret-internal\n")

        def log_message(self, *args):
            """Keep the test's output quiet."""

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(client.FetchError, match="does not follow redirects"):
            client.fetch(f"http://127.0.0.1:{server.server_port}/witness.jsonl")
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/witness.jsonl"]


def test_malformed_logs_are_refused_with_a_reason_not_a_crash():
    with pytest.raises(chain.WitnessError):
        chain.loads("[" * 200_000)
    odd = _log("/votes/1/record.jsonl")
    odd[0]["kind"] = {"a": 1}
    assert chain.verify(odd)  # problems, no TypeError


def test_an_empty_kept_copy_is_not_taken_for_a_first_run(tmp_path: Path):
    state = tmp_path / "kept.jsonl"
    state.write_text("")
    said: list[str] = []

    class Err:
        def write(self, text):
            said.append(text)

    code = client.run("https://coop.example/witness.jsonl", state, fetcher=lambda url: b"", err=Err())
    assert code == client.UNREACHABLE and "empty" in "".join(said)
