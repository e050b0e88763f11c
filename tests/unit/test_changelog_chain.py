"""The changelog chain (pure): hashing, tamper detection, binding to ballot records, the canonical
version text and its round trip, and `deliberate verify` on a changelog."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.verify_cli import main
from deliberate.versions import chain, document
from deliberate.voting.ledger import GENESIS, ballot_data, closed_data, dumps_jsonl, hash_text, make_entry, opened_data, replay
from deliberate.voting.rules import PRESETS

REPO = Path(__file__).resolve().parents[2]
SECTIONS = [{"key": "member-ownership", "kind": "principle", "title": "Member ownership",
             "body": "Members own the platform.\n\nEach holds one share."},
            {"key": "interoperability", "kind": "guidance", "title": "Interoperability",
             "body": "Data moves in an open format."}]


def text_of(number: str, sections=SECTIONS) -> str:
    return document.render("Platform Co-op Principles", number, sections)


def ballot_record(vote_id: int, version_id: int, text: str, choices=("for",) * 4) -> list[dict]:
    """A closed two-thirds vote of five co-ops on a version whose canonical text is ``text``."""
    rule = PRESETS["two-thirds"]
    opened = opened_data(vote_id, {"kind": "version", "id": version_id}, rule,
                         [{"voter": f"coop-{i}", "weight": 1} for i in range(5)], None, hash_text(text),
                         "2025-05-01T09:00:00Z", "2025-05-08T09:00:00Z", False)
    entries = [make_entry(None, "opened", opened, "2025-05-01T09:00:00Z")]
    for i, choice in enumerate(choices):
        entries.append(make_entry(entries[-1], "ballot", ballot_data(f"coop-{i}", f"d-{i}", choice, None, None),
                                  f"2025-05-02T09:00:0{i}Z"))
    outcome = replay(entries).recompute()
    entries.append(make_entry(entries[-1], "closed", closed_data(outcome), "2025-05-03T09:00:00Z"))
    return entries


def history() -> tuple[list[dict], dict[int, list[dict]]]:
    """A changelog of two versions and the records of the votes that ratified them."""
    entries: list[dict] = []
    records: dict[int, list[dict]] = {}
    for seq, (number, sections) in enumerate([("1.0", SECTIONS), ("1.1", [SECTIONS[0], {**SECTIONS[1],
                                                                          "body": "Open and documented."}])]):
        text = text_of(number, sections)
        vote_id = 10 + seq
        records[vote_id] = ballot_record(vote_id, seq + 1, text)
        outcome = replay(records[vote_id]).recompute()
        entries.append(chain.make_entry(
            entries[-1] if entries else None, standard="platform-co-op-principles", version=number,
            ratified_at=f"2025-0{seq + 5}-03T09:00:00Z", summary=f"Version {number}.",
            content_hash=document.content_hash(text),
            amendments=[{"id": seq + 1, "ref": f"A{seq + 1}", "title": "A change", "kind": "modify",
                         "section": "interoperability"}],
            vote={"id": vote_id, "record_head": records[vote_id][-1]["hash"], "passed": True,
                  "explanation": outcome.explanation}))
    return entries, records


def test_entries_chain_from_genesis_and_verify():
    entries, records = history()
    assert entries[0]["prev"] == GENESIS and entries[1]["prev"] == entries[0]["hash"]
    assert [e["seq"] for e in entries] == [0, 1]
    report = chain.verify_changelog(entries)
    assert report.ok and report.versions == ("1.0", "1.1") and report.head == entries[-1]["hash"]
    assert report.summary() == ("OK: changelog of platform-co-op-principles — 2 versions (1.0, 1.1), "
                                "chain intact")
    assert chain.check_records(entries, records) == []
    assert chain.loads_jsonl(chain.dumps_jsonl(entries)) == entries


@pytest.mark.parametrize("field, value", [("summary", "Something never agreed."), ("version", "1.2"),
                                           ("content_hash", "f" * 64), ("ratified_at", "2025-05-04T09:00:00Z"),
                                           ("amendments", [])])
def test_a_changed_field_is_caught(field, value):
    entries, _records = history()
    entries[0] = {**entries[0], field: value}
    report = chain.verify_changelog(entries)
    assert not report.ok and report.problems[0].startswith("entry 0: hash mismatch")


def test_removed_reordered_or_rehashed_entries_are_caught():
    entries, _records = history()
    assert "seq is 1, expected 0" in chain.verify_changelog(entries[1:]).problems[0]
    swapped = chain.verify_changelog([entries[1], entries[0]])
    assert not swapped.ok
    # A forger who rewrites an entry and rehashes the chain still cannot match the ballot records.
    forged = chain.make_entry(None, **{k: entries[0][k] for k in ("standard", "version", "ratified_at",
                                                                  "amendments", "vote")},
                              summary="Forged.", content_hash="e" * 64)
    report = chain.verify_changelog([forged])
    assert report.ok  # the chain alone holds …
    problems = chain.check_records([forged], history()[1])
    assert problems and "different text" in problems[0]  # … but the vote was on another text


def test_versions_must_increase_and_belong_to_one_standard():
    entries, _records = history()
    second = chain.make_entry(entries[0], **{**{k: entries[1][k] for k in (
        "standard", "ratified_at", "summary", "content_hash", "amendments", "vote")}, "version": "1.0"})
    assert "does not come after" in " ".join(chain.verify_changelog([entries[0], second]).problems)
    other = chain.make_entry(entries[0], **{**{k: entries[1][k] for k in (
        "version", "ratified_at", "summary", "content_hash", "amendments", "vote")}, "standard": "other"})
    assert "different standards" in " ".join(chain.verify_changelog([entries[0], other]).problems)


def test_the_ballot_records_must_verify_pass_and_match():
    entries, records = history()
    assert "no ballot record given for vote 10" in chain.check_records(entries, {11: records[11]})[0]
    failed = ballot_record(10, 1, text_of("1.0"), ("against",) * 4)
    problems = chain.check_records(entries[:1], {10: failed})
    assert any("did not pass" in p for p in problems) and any("ends with" in p for p in problems)
    tampered = [dict(e) for e in records[10]]
    tampered[1] = {**tampered[1], "data": {**tampered[1]["data"], "choice": "against"}}
    assert "does not verify" in chain.check_records(entries[:1], {10: tampered})[0]
    open_record = records[10][:-1]
    assert "has not closed" in chain.check_records(entries[:1], {10: open_record})[0]


def test_an_entry_needs_a_real_hash_and_vote():
    with pytest.raises(chain.ChangelogError):
        chain.make_entry(None, standard="s", version="1.0", ratified_at="2025-05-01T09:00:00Z", summary="",
                         content_hash="nothex", amendments=[], vote={"id": 1, "record_head": "0" * 64,
                                                                    "passed": True, "explanation": ""})
    with pytest.raises(chain.ChangelogError):
        chain.make_entry(None, standard="s", version="one", ratified_at="2025-05-01T09:00:00Z", summary="",
                         content_hash="0" * 64, amendments=[], vote={"id": 1, "record_head": "0" * 64,
                                                                     "passed": True, "explanation": ""})


# The canonical text --------------------------------------------------------------------------------

def test_the_canonical_text_reads_back_exactly():
    text = text_of("1.0")
    parsed = document.parse(text)
    assert (parsed.title, parsed.number, list(parsed.sections)) == ("Platform Co-op Principles", "1.0", SECTIONS)
    assert document.render(parsed.title, parsed.number, parsed.sections) == text


@pytest.mark.parametrize("broken", [
    "# T\n\nVersion 1.0\n\nrandom\n", "# T\n\nVersion 1.0", "Title\n",
    "# T\n\nVersion 1.0\n\n[//]: # (deliberate section key=a kind=principle lines=5)\n## 1. A\n\nshort\n",
    "# T\n\nVersion 1.0\n\n[//]: # (deliberate section key=a kind=principle lines=0)\n## 2. A\n"])
def test_a_broken_text_is_refused(broken):
    with pytest.raises(document.DocumentError):
        document.parse(broken)


_line = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30) \
    .map(str.strip).filter(bool)
# Any body at all, even one with blank edges, carriage returns, trailing spaces or lines that look
# like headings and section markers, reads back exactly (the marker counts the body's lines).
_body = st.one_of(
    st.lists(st.one_of(_line, st.just(""), st.just("## a heading"), st.just("```"), st.just("  spaced  \r"),
                       st.just("[//]: # (deliberate section key=x kind=principle lines=1)")),
             max_size=8).map("\n".join),
    st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_line, st.sampled_from(["principle", "guidance", "editorial"]), _body), max_size=6))
def test_any_sections_round_trip(raw):
    sections = [{"key": f"s{i}", "kind": kind, "title": title, "body": body}
                for i, (title, kind, body) in enumerate(raw)]
    text = document.render("A standard", "2.1", sections)
    parsed = document.parse(text)
    assert list(parsed.sections) == sections and parsed.number == "2.1"


# `deliberate verify` on a changelog ----------------------------------------------------------------

def write(tmp_path, entries, records):
    log = tmp_path / "changelog.jsonl"
    log.write_text(dumps_jsonl(entries))
    folder = tmp_path / "records"
    folder.mkdir()
    for vote_id, record in records.items():
        (folder / f"vote-{vote_id}.jsonl").write_text(dumps_jsonl(record))
    return log, folder


def test_verify_checks_a_changelog_and_its_records(tmp_path, capsys):
    entries, records = history()
    log, folder = write(tmp_path, entries, records)
    assert main(["verify", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: changelog of platform-co-op-principles — 2 versions (1.0, 1.1)")
    assert "pass their ballot records with --records" in out
    assert main(["verify", str(log), "--records", str(folder)]) == 0
    assert "each of the 2 ratifying votes' records verifies and passed" in capsys.readouterr().out
    files = sorted(str(p) for p in folder.iterdir())
    assert main(["verify", str(log), "--records", *files]) == 0
    capsys.readouterr()
    assert main(["verify", str(log), "--records", files[0]]) == 1
    assert "no ballot record given for vote 11" in capsys.readouterr().out


def test_verify_catches_a_changed_byte_in_the_changelog_or_a_record(tmp_path, capsys):
    entries, records = history()
    log, folder = write(tmp_path, entries, records)
    log.write_text(log.read_text().replace("Version 1.0.", "Version 1.0!"))
    assert main(["verify", str(log)]) == 1
    assert capsys.readouterr().out.startswith("FAILED: entry 0: hash mismatch")
    (tmp_path / "again").mkdir()
    log, folder = write(tmp_path / "again", entries, records)
    record = folder / "vote-10.jsonl"
    record.write_text(record.read_text().replace('"choice":"for"', '"choice":"against"', 1))
    assert main(["verify", str(log), "--records", str(folder)]) == 1
    assert "the record of vote 10 does not verify" in capsys.readouterr().out


def test_the_verifier_runs_without_flask_or_sqlalchemy(tmp_path):
    entries, records = history()
    log, folder = write(tmp_path, entries, records)
    code = ("import sys, runpy; sys.argv = ['deliberate', 'verify', %r, '--records', %r]\n"
            "from deliberate.verify_cli import main\nstatus = main()\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
            "assert not loaded, loaded\nsys.exit(status)") % (str(log), str(folder))
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: changelog of platform-co-op-principles")
