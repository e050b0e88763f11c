"""``deliberate witness`` (deliberate/witness/client.py) against a network served from memory: it
keeps a copy, notices a log that was rewritten or shortened, a chain that does not hold, and a
vote record that no longer ends in the head the log names; and it never replaces its evidence."""
from __future__ import annotations

import io
import json

import pytest

from deliberate.voting.ledger import ballot_data as _ballot_data
from deliberate.voting.ledger import (
    closed_data,
    dumps_jsonl,
    hash_text,
    make_entry,
    opened_data,
    replay,
)
from deliberate.voting.rules import PRESETS
from deliberate.witness import chain, client

URL = "https://standards.example.coop/net/witness.jsonl"
OPENS, CLOSES = "2026-05-01T09:00:00Z", "2026-05-08T09:00:00Z"


def vote_record(vote_id: int, choices: list[str]) -> list[dict]:
    rule = PRESETS["simple-majority"]
    data = opened_data(vote_id, {"kind": "admission", "id": 1}, rule,
                       [{"voter": f"coop-{i}", "weight": 1} for i in range(len(choices))], None,
                       hash_text("Admit the co-op."), OPENS, CLOSES, False)
    entries = [make_entry(None, "opened", data, OPENS)]
    for i, choice in enumerate(choices):
        entries.append(make_entry(entries[-1], "ballot", _ballot_data(f"coop-{i}", f"d-{i}", choice, None, None),
                                  f"2026-05-02T09:00:0{i}Z"))
    entries.append(make_entry(entries[-1], "closed", closed_data(replay(entries).recompute()), CLOSES))
    return entries


class Network:
    """A served network: its witness log and its published records, as bytes by address."""

    def __init__(self):
        self.log: list[dict] = []
        self.records: dict[int, list[dict]] = {}
        self.down = False

    def _at(self) -> str:
        return f"2026-05-09T09:{len(self.log):02d}:00Z"

    def end_vote(self, vote_id: int, choices: list[str]) -> None:
        self.records[vote_id] = vote_record(vote_id, choices)
        payload = chain.vote_payload(vote_id, "closed", self.records[vote_id][-1]["hash"],
                                     f"/votes/{vote_id}/record.jsonl")
        self.log.append(chain.make_entry(self.log[-1] if self.log else None, "vote", vote_id, payload,
                                         self._at()))

    def ratify(self, version_id: int) -> None:
        payload = chain.version_payload(1, "member-data-rights", version_id, "1.0", "cd" * 32, "ef" * 32)
        self.log.append(chain.make_entry(self.log[-1] if self.log else None, "version", version_id, payload,
                                         self._at()))

    def fetch(self, url: str) -> bytes:
        if self.down:
            raise client.FetchError(f"{url}: connection refused")
        if url == URL:
            return chain.dumps(self.log).encode()
        prefix = "https://standards.example.coop/net/votes/"
        assert url.startswith(prefix) and url.endswith("/record.jsonl"), url
        return dumps_jsonl(self.records[int(url[len(prefix):].split("/")[0])]).encode()


@pytest.fixture
def net():
    network = Network()
    network.end_vote(1, ["for", "for", "against"])
    network.ratify(1)
    network.end_vote(2, ["against", "against", "for"])
    return network


def run(net, state, **kw):
    out, err = io.StringIO(), io.StringIO()
    code = client.run(URL, state, fetcher=net.fetch, out=out, err=err, **kw)
    return code, out.getvalue() + err.getvalue()


def test_a_first_run_checks_everything_and_keeps_a_copy(net, tmp_path):
    state = tmp_path / "kept" / "witness.jsonl"
    code, said = run(net, state)
    assert code == client.OK and "3 entries (3 new)" in said and "2 ballot record(s) checked" in said
    assert chain.loads(state.read_text()) == net.log


def test_a_log_that_grew_is_accepted_and_the_copy_follows_it(net, tmp_path):
    state = tmp_path / "witness.jsonl"
    assert run(net, state)[0] == client.OK
    net.end_vote(3, ["for"])
    code, said = run(net, state)
    assert code == client.OK and "4 entries (1 new)" in said and "3 ballot record(s)" in said
    assert len(chain.loads(state.read_text())) == 4
    assert run(net, state, only_new=True)[1].count("0 ballot record(s)") == 1


def forge(net, vote_id, choices):
    """Rewrite a vote's record and re-chain the log over its new head, as the server's owner could."""
    net.records[vote_id] = vote_record(vote_id, choices)
    rebuilt: list[dict] = []
    for entry in net.log:
        payload = dict(entry["payload"])
        if entry["kind"] == "vote" and entry["ref"] == vote_id:
            payload["record_head"] = net.records[vote_id][-1]["hash"]
        rebuilt.append(chain.make_entry(rebuilt[-1] if rebuilt else None, entry["kind"], entry["ref"], payload,
                                        entry["at"]))
    net.log = rebuilt


def test_a_rewritten_history_exits_2_naming_the_first_changed_entry_and_keeps_the_evidence(net, tmp_path):
    state = tmp_path / "witness.jsonl"
    run(net, state)
    kept = state.read_bytes()
    forge(net, 1, ["against", "against", "against"])
    assert chain.verify(net.log) == []  # the forged log holds together on its own
    code, said = run(net, state)
    assert code == client.REWRITTEN
    assert "HISTORY WAS REWRITTEN: entry seq 0 is not the one kept earlier" in said
    assert state.read_bytes() == kept


def test_a_shortened_log_exits_2(net, tmp_path):
    state = tmp_path / "witness.jsonl"
    run(net, state)
    net.log = net.log[:1]
    code, said = run(net, state)
    assert code == client.REWRITTEN and "fewer than the 3 kept earlier: entries from seq 1 on were removed" in said


def test_a_record_that_no_longer_ends_in_its_head_exits_1(net, tmp_path):
    state = tmp_path / "witness.jsonl"
    run(net, state)
    net.records[2] = vote_record(2, ["for", "for", "for"])  # verifies, but is not what was witnessed
    code, said = run(net, state)
    assert code == client.FAILED and "vote 2: its published record ends in" in said
    assert "witness entry 2 says it ended in" in said


def test_a_record_with_a_changed_byte_exits_1(net, tmp_path):
    net.records[1][1]["data"]["choice"] = "against"
    code, said = run(net, tmp_path / "witness.jsonl")
    assert code == client.FAILED and "vote 1: entry 1: hash mismatch" in said
    assert not (tmp_path / "witness.jsonl").exists()  # nothing kept from a run that failed


def test_a_log_whose_chain_is_broken_exits_1(net, tmp_path):
    net.log[1]["payload"]["number"] = "2.0"
    code, said = run(net, tmp_path / "witness.jsonl")
    assert code == client.FAILED and "entry 1: hash mismatch" in said


def test_an_unreachable_server_exits_3_and_keeps_the_copy(net, tmp_path):
    state = tmp_path / "witness.jsonl"
    run(net, state)
    net.down = True
    code, said = run(net, state)
    assert code == client.UNREACHABLE and "connection refused" in said and state.exists()


def test_an_unreadable_state_file_exits_3(net, tmp_path):
    state = tmp_path / "witness.jsonl"
    state.write_text("this is not a log\n")
    assert run(net, state)[0] == client.UNREACHABLE


@pytest.mark.parametrize("url, base", [
    ("https://x.org/witness.jsonl", "https://x.org"),
    ("https://x.org/net/witness.jsonl", "https://x.org/net"),
    ("http://127.0.0.1:5000/witness.jsonl?fresh=1", "http://127.0.0.1:5000"),
])
def test_records_are_read_from_the_logs_site(url, base):
    assert client.base_of(url) == base


def test_only_http_addresses_are_fetched():
    with pytest.raises(client.FetchError, match="only http"):
        client.fetch("file:///etc/passwd")


def test_main_parses_its_arguments(monkeypatch, tmp_path, net):
    monkeypatch.setattr(client, "fetch", net.fetch)
    seen = {}
    real_run = client.run

    def spy(url, state, **kw):
        seen.update(url=url, state=state, **kw)
        return real_run(url, state, fetcher=net.fetch, **kw)

    monkeypatch.setattr(client, "run", spy)
    assert client.main([URL, "--state", str(tmp_path / "w.jsonl")]) == client.OK
    assert seen["url"] == URL and seen["state"] == tmp_path / "w.jsonl" and seen["only_new"] is False
    monkeypatch.setenv("HOME", str(tmp_path))
    assert client.main(["witness", URL, "--only-new"]) == client.OK  # as `deliberate witness …` passes it
    assert seen["state"] == tmp_path / ".deliberate-witness.jsonl" and json.loads(
        (tmp_path / ".deliberate-witness.jsonl").read_text().splitlines()[0])["seq"] == 0


def test_the_client_is_stdlib_only():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(client))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in modules if m.split(".")[0] in ("flask", "sqlalchemy", "werkzeug", "requests")}
