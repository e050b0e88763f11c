"""Tests for `deliberate verify`: main() in process and the module run as a subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from deliberate.verify_cli import main
from deliberate.voting.ledger import (
    GENESIS,
    ballot_data,
    ballot_receipt,
    cancelled_data,
    closed_data,
    dumps_jsonl,
    entry_hash,
    hash_text,
    loads_jsonl,
    make_entry,
    opened_data,
    receipt,
    replay,
    seal,
)
from deliberate.voting.rules import PRESETS, Rule

REPO = Path(__file__).resolve().parents[2]
OK_LINE = "OK: vote 12 — 9 entries, 7 ballots, result recomputed: adopted"


def build_record(choices: list[str], *, close: bool = True) -> str:
    """A two-thirds vote of 10 co-ops, exported as JSON lines."""
    rule = PRESETS["two-thirds"]
    start = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
    opened = opened_data(12, {"kind": "version", "id": 4}, rule,
                         [{"voter": f"coop-{i}", "weight": 1} for i in range(10)], None,
                         hash_text("text"), "2025-05-01T09:00:00Z", "2025-05-08T09:00:00Z",
                         False)
    entries = [make_entry(None, "opened", opened, "2025-05-01T09:00:00Z")]
    for i, choice in enumerate(choices):
        entries.append(make_entry(entries[-1], "ballot",
                                  ballot_data(f"coop-{i}", f"d-{i}", choice, None, None),
                                  start + timedelta(minutes=i)))
    if close:
        entries.append(make_entry(entries[-1], "closed", closed_data(replay(entries).recompute()),
                                  "2025-05-08T09:00:00Z"))
    return dumps_jsonl(entries)


GOOD = build_record(["for"] * 5 + ["against", "abstain"])


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "vote-12.jsonl"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def tampered_file(tmp_path: Path) -> Path:
    path = tmp_path / "vote-12-tampered.jsonl"
    # Turn the "against" ballot (entry 6) into a "for": valid JSON, same shape, wrong hash.
    lines = GOOD.split("\n")
    lines[6] = lines[6].replace('"choice":"against"', '"choice":"for"')
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_ok(good_file, capsys):
    assert main(["verify", str(good_file)]) == 0
    assert capsys.readouterr().out == OK_LINE + "\n"


def test_tampered(tampered_file, capsys):
    assert main(["verify", str(tampered_file)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED: entry 6: hash mismatch (a byte was changed)\n")


def test_invalid_json_fails_with_line_number(tmp_path, capsys):
    path = tmp_path / "broken.jsonl"
    path.write_text(GOOD[:-40] + "\n", encoding="utf-8")
    assert main(["verify", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAILED: line 9: not valid JSON")


def test_several_files_are_named_and_any_failure_fails(good_file, tampered_file, capsys):
    assert main(["verify", str(good_file), str(tampered_file)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{good_file}: {OK_LINE}"
    assert lines[1].startswith(f"{tampered_file}: FAILED: entry 6: hash mismatch")


def test_unreadable_file_is_exit_2(good_file, tmp_path, capsys):
    missing = tmp_path / "nope.jsonl"
    assert main(["verify", str(good_file), str(missing)]) == 2
    captured = capsys.readouterr()
    assert "ERROR: cannot read" in captured.err and str(missing) in captured.err
    assert OK_LINE in captured.out


@pytest.mark.parametrize(("argv", "code"), [
    ([], 2), (["verify"], 2), (["frobnicate", "x"], 2), (["--help"], 0), (["verify", "-h"], 0),
])
def test_usage(argv, code, capsys):
    assert main(argv) == code
    captured = capsys.readouterr()
    assert "usage: deliberate" in captured.out + captured.err


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.encode("utf-8"))))
    assert main(["verify", "-"]) == 0
    assert capsys.readouterr().out == OK_LINE + "\n"


def test_open_record_needs_allow_open(tmp_path, capsys):
    path = tmp_path / "open.jsonl"
    path.write_text(build_record(["for", "against"], close=False), encoding="utf-8")
    assert main(["verify", str(path)]) == 1
    assert capsys.readouterr().out.startswith(
        "FAILED: the record does not end with a 'closed' or 'cancelled' entry")
    assert main(["verify", "--allow-open", str(path)]) == 0
    assert "still open" in capsys.readouterr().out
    # --require-closed is kept for old scripts; it changes nothing (a final entry is required).
    assert main(["verify", "--require-closed", str(path)]) == 1


def test_require_closed_is_a_no_op_for_old_scripts(good_file, capsys):
    assert main(["verify", "--require-closed", str(good_file)]) == 0
    assert capsys.readouterr().out == OK_LINE + "\n"


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run a fresh interpreter from the repository root, as a co-op would run the verifier."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, timeout=60, check=False)


def test_subprocess_ok_and_failed(good_file, tampered_file):
    ok = _run("-m", "deliberate.verify_cli", "verify", str(good_file))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.decode("utf-8") == OK_LINE + "\n"
    failed = _run("-m", "deliberate.verify_cli", "verify", str(tampered_file))
    assert failed.returncode == 1
    assert failed.stdout.decode("utf-8").startswith("FAILED: entry 6: hash mismatch")
    usage = _run("-m", "deliberate.verify_cli")
    assert usage.returncode == 2
    piped = _run("-m", "deliberate.verify_cli", "verify", "-", stdin=GOOD.encode("utf-8"))
    assert piped.returncode == 0 and piped.stdout.decode("utf-8") == OK_LINE + "\n"


WEB_STACK = "{'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug', 'jinja2'}"


def test_verifier_needs_neither_the_app_package_nor_flask(good_file):
    # Stand in for deliberate/__init__.py with a bare package, so this checks only what the
    # verifier itself imports: it must work, and must not load the web stack.
    probe = (
        "import sys, types; "
        f"pkg = types.ModuleType('deliberate'); pkg.__path__ = [{str(REPO / 'deliberate')!r}]; "
        "sys.modules['deliberate'] = pkg; "
        "from deliberate.verify_cli import main; "
        f"code = main(['verify', {str(good_file)!r}]); "
        f"print(code, sorted({{m.split('.')[0] for m in sys.modules}} & {WEB_STACK}))"
    )
    result = _run("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8").splitlines()[-1] == "0 []"


def test_console_script_import_path_avoids_flask():
    # The console script does `from deliberate.verify_cli import main`, which runs
    # deliberate/__init__.py first: that file must import Flask lazily for the verifier to
    # stay light.
    probe = ("import sys, deliberate.verify_cli; "
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {WEB_STACK}))")
    result = _run("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == "[]"


# --------------------------------------------------------------------------- issue 14: a record ends


def rechain(entries: list[dict]) -> list[dict]:
    """What a forger would do after removing or adding entries: renumber and rehash all."""
    out: list[dict] = []
    for i, entry in enumerate(entries):
        body = {k: v for k, v in entry.items() if k != "hash"}
        body.update(seq=i, prev=out[-1]["hash"] if out else GENESIS)
        body["hash"] = entry_hash(body)
        out.append(body)
    return out


def write(tmp_path: Path, name: str, entries: list[dict]) -> str:
    path = tmp_path / name
    path.write_text(dumps_jsonl(entries), encoding="utf-8")
    return str(path)


def forged(entries: list[dict], at: str) -> list[dict]:
    """The record with a ballot from co-op 9 (who did not vote) appended and rechained."""
    entry = make_entry(entries[0], "ballot", ballot_data("coop-9", "d-9", "for", None, None), at)
    return rechain([*entries, entry])


CLOSED = loads_jsonl(GOOD)
CUT = "FAILED: the record does not end with a 'closed' or 'cancelled' entry"


def test_attack_closed_line_removed(tmp_path, capsys):
    path = write(tmp_path, "cut.jsonl", CLOSED[:-1])
    assert main(["verify", path]) == 1
    assert capsys.readouterr().out.startswith(CUT)
    # It passes only when the user says the vote is still open: it is exactly a genuine open record.
    assert CLOSED[:-1] == loads_jsonl(build_record(["for"] * 5 + ["against", "abstain"], close=False))
    assert main(["verify", "--allow-open", path]) == 0


def test_attack_closed_line_and_last_ballot_removed(tmp_path, capsys):
    path = write(tmp_path, "cut2.jsonl", CLOSED[:-2])
    assert main(["verify", path]) == 1
    assert capsys.readouterr().out.startswith(CUT)
    assert CLOSED[:-2] == loads_jsonl(build_record(["for"] * 5 + ["against"], close=False))
    assert main(["verify", "--allow-open", path]) == 0


@pytest.mark.parametrize(("at", "open_ok", "phrase"), [
    ("2025-05-08T09:00:01Z", False, "is after the vote closed"),  # after the voting window
    ("2025-05-02T08:00:00Z", False, "never go backwards"),        # before the last ballot
    ("2025-05-07T09:00:00Z", True, ""),                           # a well-formed open record
])
def test_attack_closed_line_removed_and_forged_ballot_appended(tmp_path, capsys, at, open_ok, phrase):
    path = write(tmp_path, "forged.jsonl", forged(CLOSED[:-1], at))
    assert main(["verify", path]) == 1
    assert CUT.removeprefix("FAILED: ") in capsys.readouterr().out
    assert main(["verify", "--allow-open", path]) == (0 if open_ok else 1)
    out = capsys.readouterr().out
    assert phrase in out and out.startswith("OK" if open_ok else "FAILED")


def test_cancelled_record(tmp_path, capsys):
    entries = CLOSED[:-1]
    entries.append(make_entry(entries[-1], "cancelled", cancelled_data("The text changed"),
                              "2025-05-03T09:00:00Z"))
    assert main(["verify", write(tmp_path, "cancelled.jsonl", entries)]) == 0
    assert capsys.readouterr().out == ("OK: vote 12 — 9 entries, 7 ballots, cancelled, no result "
                                       "(The text changed)\n")


# --------------------------------------------------------------------------- receipts


def receipt_record(close: bool = True) -> tuple[list[dict], list[str]]:
    """Co-ops 0-2 vote (co-op 0 twice), each ballot with a nonce; returns entries and receipts."""
    rule = PRESETS["two-thirds"]
    opened = opened_data(12, {"kind": "version", "id": 4}, rule,
                         [{"voter": f"coop-{i}", "weight": 1} for i in range(5)], None,
                         hash_text("text"), "2025-05-01T09:00:00Z", "2025-05-08T09:00:00Z", False)
    entries = [make_entry(None, "opened", opened, "2025-05-01T09:00:00Z")]
    receipts = []
    for k, (voter, choice) in enumerate([(0, "against"), (1, "for"), (2, "for"), (0, "for")]):
        data = ballot_data(f"coop-{voter}", None, choice, None, None, nonce=f"{k:032x}")
        receipts.append(ballot_receipt(data))
        entries.append(make_entry(entries[-1], "ballot", data, f"2025-05-02T09:00:0{k}Z"))
    if close:
        entries.append(make_entry(entries[-1], "closed", closed_data(replay(entries).recompute()),
                                  "2025-05-08T09:00:00Z"))
    return entries, receipts


def test_receipt_found_and_counted(tmp_path, capsys):
    entries, receipts = receipt_record()
    path = write(tmp_path, "r.jsonl", entries)
    assert main(["verify", path, "--receipt", receipts[1]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("OK: vote 12")
    assert lines[1] == f"  receipt {receipts[1]}: found (ballot, entry 2): the co-op's counted ballot"
    # The earlier ballot's receipt is in the record, but it no longer counts: the check fails.
    assert main(["verify", path, "--receipt", receipts[1], "--receipt", receipts[0].upper()]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == (f"  receipt {receipts[0]}: found (ballot, entry 1) but REPLACED by a later "
                        f"ballot from the same co-op, which is the one that counts (if your co-op did "
                        f"not cast a later ballot, someone else did)")


def test_receipt_absent_fails(tmp_path, capsys):
    entries, receipts = receipt_record()
    path = write(tmp_path, "r.jsonl", entries)
    # The co-op's ballot was removed and the record rechained (and re-closed): the receipt tells.
    without = [e for e in entries[:-1] if e.get("data", {}).get("nonce") != f"{1:032x}"]
    without.append(make_entry(rechain(without)[-1], "closed",
                              closed_data(replay(rechain(without)).recompute()), "2025-05-08T09:00:00Z"))
    doctored = write(tmp_path, "doctored.jsonl", rechain(without))
    assert main(["verify", doctored]) == 0  # the record alone looks fine...
    capsys.readouterr()
    assert main(["verify", doctored, "--receipt", receipts[1]]) == 1  # ...the co-op's receipt does not
    out = capsys.readouterr().out
    assert f"receipt {receipts[1]}: NOT FOUND" in out
    # With several records, a receipt is looked for in all of them.
    assert main(["verify", doctored, path, "--receipt", receipts[1]]) == 0
    assert "NOT FOUND" not in capsys.readouterr().out
    assert main(["verify", doctored, doctored, "--receipt", receipts[1]]) == 1
    assert f"receipt {receipts[1]}: NOT FOUND in any of the records given" in capsys.readouterr().out


def test_receipt_in_open_record_and_bad_receipt(tmp_path, capsys):
    entries, receipts = receipt_record(close=False)
    path = write(tmp_path, "open.jsonl", entries)
    assert main(["verify", "--allow-open", path, "--receipt", receipts[3]]) == 0
    assert "the co-op's latest ballot (the vote is still open)" in capsys.readouterr().out
    assert main(["verify", path, "--receipt", "not-a-hash"]) == 2
    assert "is not a receipt" in capsys.readouterr().err


# --------------------------------------------------------------------------- witness


def test_witness_subcommand_dispatches_to_the_witness_client(monkeypatch, capsys):
    calls = []
    client = types.ModuleType("deliberate.witness.client")
    client.main = lambda argv: calls.append(argv) or 3
    package = types.ModuleType("deliberate.witness")
    package.client = client
    monkeypatch.setitem(sys.modules, "deliberate.witness", package)
    monkeypatch.setitem(sys.modules, "deliberate.witness.client", client)
    assert main(["witness", "https://x.example/witness.jsonl", "--state", "s.json"]) == 3
    assert calls == [["https://x.example/witness.jsonl", "--state", "s.json"]]
    assert main(["--help"]) == 0
    assert "witness" in capsys.readouterr().out


def test_witness_subcommand_without_the_client(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "deliberate.witness.client", None)  # import fails
    assert main(["witness", "https://x.example/witness.jsonl"]) == 2
    assert "no witness client" in capsys.readouterr().err


# --------------------------------------------------------------------------- standard library only


def test_verifier_runs_from_a_source_copy_with_only_the_standard_library(tmp_path):
    """A co-op with a bare Python and a copy of the source (no virtualenv, no installed packages)
    can verify a record: -I ignores PYTHON* variables and the user's site, -S the site-packages."""
    record = tmp_path / "vote-12.jsonl"
    record.write_text(GOOD, encoding="utf-8")
    entries, receipts = receipt_record()
    receipted = write(tmp_path, "r.jsonl", entries)
    probe = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import runpy; "
             "sys.argv[0] = 'deliberate'; runpy.run_module('deliberate.verify_cli', run_name='__main__')")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"  # ignored under -I; the output is read as UTF-8 below
    base = [sys.executable, "-I", "-S", "-c", probe, str(REPO)]
    ok = subprocess.run([*base, "verify", str(record)], cwd=tmp_path, env=env, capture_output=True,
                        timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr.decode("utf-8", "replace")
    assert ok.stdout.decode("utf-8") == OK_LINE + "\n"
    found = subprocess.run([*base, "verify", receipted, "--receipt", receipts[3]], cwd=tmp_path,
                           env=env, capture_output=True, timeout=60, check=False)
    assert found.returncode == 0, found.stderr.decode("utf-8", "replace")
    assert "the co-op's counted ballot" in found.stdout.decode("utf-8")
    # And nothing outside the standard library was importable: the probe really was isolated.
    bare = subprocess.run([sys.executable, "-I", "-S", "-c", "import hypothesis"], env=env,
                          capture_output=True, timeout=60, check=False)
    assert bare.returncode != 0


def test_secret_record_is_checked_sealed_and_receipts_survive_sealing(tmp_path, capsys):
    key = b"test-secret-key-0123456789abcdef"
    rule = Rule("consent", quorum=Fraction(1, 2), secret=True)
    opened = opened_data(12, {"kind": "amendment", "id": 3}, rule,
                         [{"voter": f"coop-{i}", "weight": 1} for i in range(4)], None,
                         hash_text("text"), "2025-05-01T09:00:00Z", "2025-05-08T09:00:00Z", True,
                         secret_key=key)
    entries = [make_entry(None, "opened", opened, "2025-05-01T09:00:00Z")]
    receipts = []
    for k, (i, choice) in enumerate([(3, "consent"), (0, "stand_aside"), (2, "consent"), (0, "consent")]):
        data = ballot_data(receipt(key, 12, f"coop-{i}"), None, choice, None, None, nonce=f"{k:032x}")
        receipts.append(ballot_receipt(data))
        entries.append(make_entry(entries[-1], "ballot", data, f"2025-05-02T09:00:0{k}Z"))
    entries.append(make_entry(entries[-1], "closed", closed_data(replay(entries).recompute()),
                              "2025-05-08T09:00:00Z"))
    stored = write(tmp_path, "stored.jsonl", entries)
    assert main(["verify", stored]) == 1
    assert "a secret vote's record is published sealed" in capsys.readouterr().out
    sealed = write(tmp_path, "sealed.jsonl", seal(entries))
    assert main(["verify", sealed, "--receipt", receipts[3]]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(": the co-op's counted ballot")
    # A receipt whose ballot no longer counts fails the check (exit 1): a co-op keeps its counted
    # ballot's receipt, so a later ballot it did not cast must not pass unnoticed by a cron job.
    assert main(["verify", sealed, "--receipt", receipts[3], "--receipt", receipts[1]]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "OK: vote 12 — 6 entries, 3 ballots, result recomputed: adopted"
    assert out[1].endswith(": the co-op's counted ballot")
    assert "REPLACED by a later ballot from the same co-op, which is the one that counts" in out[2]
