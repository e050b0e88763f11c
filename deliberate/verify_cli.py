"""`deliberate verify FILE [FILE...] [--allow-open] [--receipt HASH...] [--records RECORD...]`:
check exported ballot records and standards' changelogs without the app; and
`deliberate witness URL [--state FILE]`: check the network's witness log (deliberate.witness.client).

Anyone can run it on a downloaded file: it needs only the standard library and the pure modules
deliberate.voting.ledger, deliberate.voting.rules and deliberate.versions.chain (never Flask, the
database or any other installed package), so a member co-op can check a result on its own
machine from a copy of the source. A ballot record must end with its "closed" or "cancelled"
entry unless --allow-open is given (a vote still open). ``--receipt HASH`` says whether the
ballot a co-op was given that receipt for is in the record, and whether it is the one counted.
A file whose entries are versions is a changelog: its hash chain is checked and, given the
ballot records of the votes that ratified its versions (``--records``, files or folders of
.jsonl), each of those records is verified too, and must have passed, end with the hash the
changelog names and be a vote on exactly the version's text. Exit status: 0 when everything
verifies, 1 when anything fails or a receipt is absent, 2 on usage or read errors.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from deliberate.versions.chain import ENTRY_TYPE, check_records, record_vote_id, verify_changelog
from deliberate.voting.ledger import LedgerError, ReceiptMatch, VerifyReport, find_receipt, loads_jsonl, verify

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_EXTRA_PROBLEMS = 20
_RECEIPT = re.compile(r"[0-9a-fA-F]{64}")


def _parser() -> argparse.ArgumentParser:
    """The argument parser: "verify", taking files or "-" for stdin; "witness" is listed for
    --help but dispatched before parsing (see main)."""
    parser = argparse.ArgumentParser(
        prog="deliberate",
        description="Check Deliberate ballot records and changelogs (JSON lines) without the database.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "verify",
        help="recompute every hash and the result of exported ballot records and changelogs",
        description="Recompute every hash and the declared result of each ballot record, or check the "
                    "hash chain of a standard's changelog (and, with --records, the votes that ratified "
                    "its versions). See docs/ballot-record.md and docs/changelog.md.",
    )
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="a .jsonl export of a vote's record or of a changelog, or - for standard input")
    check.add_argument("--allow-open", action="store_true",
                       help="accept a ballot record without its final 'closed' or 'cancelled' entry: "
                            "a vote still open (a record whose end was cut off looks the same)")
    check.add_argument("--require-closed", action="store_true",
                       help="no longer needed, kept for old scripts: a final entry is now always "
                            "required unless --allow-open is given")
    check.add_argument("--receipt", action="append", default=[], metavar="HASH",
                       help="a co-op's ballot receipt (64 hex characters, repeatable): say whether that "
                            "ballot is in the record and whether it is the one counted; fail if absent")
    check.add_argument("--records", nargs="+", action="extend", default=[], metavar="RECORD",
                       help="with a changelog: the ballot records (.jsonl files, or folders of them) of the "
                            "votes that ratified its versions")
    commands.add_parser(
        "witness", add_help=False,
        help="check the network's witness log against the copy kept last time "
             "(deliberate witness --help)")
    return parser


def _read(name: str) -> bytes:
    """Bytes of a file, or of standard input for "-" (bytes, so a bad byte is reported, not
    silently decoded)."""
    if name == "-":
        stream = sys.stdin
        buffer = getattr(stream, "buffer", None)
        return buffer.read() if buffer is not None else stream.read().encode("utf-8")
    with open(name, "rb") as handle:
        return handle.read()


def _write(stream: TextIO, line: str) -> None:
    """Print a line even on a terminal that cannot show "—" or "…"."""
    try:
        stream.write(line + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(line.encode(encoding, "replace").decode(encoding) + "\n")


def load_records(paths: list[str]) -> tuple[dict[Any, list[dict[str, Any]]], list[str]]:
    """Ballot records by vote id from files and folders of .jsonl; and the problems reading them."""
    records: dict[Any, list[dict[str, Any]]] = {}
    problems: list[str] = []
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        files += sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    for path in files:
        try:
            entries = loads_jsonl(path.read_bytes())
        except OSError as exc:
            problems.append(f"cannot read the record {path}: {exc.strerror or exc}")
            continue
        except LedgerError as exc:
            problems.append(f"the record {path} cannot be read: {exc}")
            continue
        if entries and entries[0].get("type") == ENTRY_TYPE:
            continue  # a changelog among the records (e.g. the same folder): not a ballot record
        vote_id = record_vote_id(entries)
        if vote_id is None:
            problems.append(f"{path} is not a ballot record (no 'opened' entry)")
        elif vote_id in records and records[vote_id] != entries:
            problems.append(f"two different records were given for vote {vote_id}")
        else:
            records[vote_id] = entries
    return records, problems


def check_changelog(entries: list[dict[str, Any]], record_paths: list[str] | None = None) -> tuple[int, list[str]]:
    """Verify a changelog's chain and, given record files, the votes that ratified its versions."""
    report = verify_changelog(entries)
    problems = list(report.problems)
    checked = ""
    if record_paths:
        records, read_problems = load_records(record_paths)
        found = check_records(entries, records)
        problems += found + read_problems
        if not found and not read_problems:
            checked = f"; each of the {report.entries} ratifying votes' records verifies and passed"
    lines = [f"FAILED: {problems[0]}"] if problems else [report.summary() + checked]
    if not problems and report.entries and not record_paths:
        lines.append("  (the ratifying votes were not checked: pass their ballot records with --records)")
    extra = problems[1:]
    lines += [f"  also: {problem}" for problem in extra[:MAX_EXTRA_PROBLEMS]]
    if len(extra) > MAX_EXTRA_PROBLEMS:
        lines.append(f"  … and {len(extra) - MAX_EXTRA_PROBLEMS} more problems")
    return (EXIT_FAILED if problems else EXIT_OK), lines


def receipt_line(match: ReceiptMatch, report: VerifyReport) -> str:
    """One line saying where a receipt's ballot is and whether it is the one that counts."""
    if not match.found:
        return f"  receipt {match.receipt}: NOT FOUND (no ballot or objection in this record has it)"
    where = f"  receipt {match.receipt}: found ({match.kind}, entry {match.entry})"
    if not match.counted:
        return (where + " but REPLACED by a later ballot from the same co-op, which is the one that counts"
                " (if your co-op did not cast a later ballot, someone else did)")
    if report.final == "closed":
        return where + ": the co-op's counted ballot"
    if report.final == "cancelled":
        return where + ": the co-op's last ballot (the vote was cancelled: nothing was counted)"
    return where + ": the co-op's latest ballot (the vote is still open)"


def check_record(entries: list[dict[str, Any]], allow_open: bool = False, receipts: Sequence[str] = (),
                 report_absent: bool = True) -> tuple[int, list[str], set[str]]:
    """Verify a ballot record and look up receipts; returns (exit status, lines, receipts found).
    With `report_absent` false, receipts not in this record are left out (main names those found
    in none of several files)."""
    report = verify(entries, allow_open=allow_open)
    lines = [report.summary()]
    extra = report.problems[1:]
    lines += [f"  also: {problem}" for problem in extra[:MAX_EXTRA_PROBLEMS]]
    if len(extra) > MAX_EXTRA_PROBLEMS:
        lines.append(f"  … and {len(extra) - MAX_EXTRA_PROBLEMS} more problems")
    found: set[str] = set()
    replaced = False
    for wanted in receipts:
        match = find_receipt(entries, wanted)
        if match.found:
            found.add(match.receipt)
            # The receipt a co-op keeps is its counted ballot's: one that no longer counts fails the
            # check, so a cron job that reads only the exit status notices a ballot cast over its own.
            replaced |= not match.counted
        if match.found or report_absent:
            lines.append(receipt_line(match, report))
    return (EXIT_OK if report.ok and not replaced else EXIT_FAILED), lines, found


def check_file(name: str, allow_open: bool = False, records: list[str] | None = None,
               receipts: Sequence[str] = (), report_absent: bool = True) -> tuple[int, list[str], set[str]]:
    """Verify one record or changelog file; returns (exit status, lines to print, receipts found)."""
    try:
        data = _read(name)
    except OSError as exc:
        return EXIT_USAGE, [f"ERROR: cannot read {name}: {exc.strerror or exc}"], set()
    try:
        entries = loads_jsonl(data)
    except LedgerError as exc:
        return EXIT_FAILED, [f"FAILED: {exc}"], set()
    if entries and isinstance(entries[0], dict) and entries[0].get("type") == ENTRY_TYPE:
        status, lines = check_changelog(entries, records)
        return status, lines, set()
    return check_record(entries, allow_open, receipts, report_absent)


def _witness(argv: list[str]) -> int:
    """`deliberate witness …`: the witness-log client, imported only when asked for."""
    try:
        from deliberate.witness.client import main as witness_main
    except ImportError as exc:
        _write(sys.stderr, f"ERROR: this copy of Deliberate has no witness client ({exc})")
        return EXIT_USAGE
    return witness_main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `deliberate` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["witness"]:
        return _witness(argv[1:])
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    bad = [value for value in args.receipt if not _RECEIPT.fullmatch(value.strip())]
    if bad:
        _write(sys.stderr, f"ERROR: {bad[0]!r} is not a receipt (64 hexadecimal characters)")
        return EXIT_USAGE
    worst = EXIT_OK
    several = len(args.files) > 1
    found: set[str] = set()
    for name in args.files:
        status, lines, in_file = check_file(name, args.allow_open, args.records, args.receipt,
                                            report_absent=not several)
        found |= in_file
        for number, line in enumerate(lines):
            # With several files, name each one; a single file prints exactly the summary.
            prefix = f"{name}: " if several and number == 0 else ""
            _write(sys.stderr if status == EXIT_USAGE else sys.stdout, prefix + line)
        # Read errors (2) outrank failed records (1), which outrank success (0).
        worst = max(worst, status)
    missing = {value.strip().lower() for value in args.receipt} - found
    if missing:
        if several:
            for value in sorted(missing):
                _write(sys.stdout, f"receipt {value}: NOT FOUND in any of the records given")
        worst = max(worst, EXIT_FAILED)
    return worst


if __name__ == "__main__":
    sys.exit(main())
