"""Tests for `deliberate verify`: main() in process and the module run as a subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deliberate.verify_cli import main
from deliberate.voting.ledger import (
    ballot_data,
    closed_data,
    dumps_jsonl,
    hash_text,
    make_entry,
    opened_data,
    replay,
)
from deliberate.voting.rules import PRESETS

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


def test_require_closed(tmp_path, capsys):
    path = tmp_path / "open.jsonl"
    path.write_text(build_record(["for", "against"], close=False), encoding="utf-8")
    assert main(["verify", str(path)]) == 0
    assert "still open" in capsys.readouterr().out
    assert main(["verify", "--require-closed", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAILED: the record has no 'closed' entry")


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
