"""`deliberate verify FILE [FILE...] [--records RECORD...]`: check exported ballot records and
standards' changelogs without the app.

Anyone can run it on a downloaded file: it needs only the standard library and the pure modules
deliberate.voting.ledger, deliberate.voting.rules and deliberate.versions.chain (never Flask or
the database), so a member co-op can check a result on its own machine. A file whose entries are
versions is a changelog: its hash chain is checked and, given the ballot records of the votes
that ratified its versions (``--records``, files or folders of .jsonl), each of those records is
verified too, and must have passed, end with the hash the changelog names and be a vote on
exactly the version's text. Exit status: 0 when everything verifies, 1 when anything fails, 2 on
usage or read errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from deliberate.versions.chain import ENTRY_TYPE, check_records, record_vote_id, verify_changelog
from deliberate.voting.ledger import LedgerError, loads_jsonl, verify

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_EXTRA_PROBLEMS = 20


def _parser() -> argparse.ArgumentParser:
    """The argument parser: one subcommand, "verify", taking files or "-" for stdin."""
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
    check.add_argument("--require-closed", action="store_true",
                       help="fail records that have no 'closed' entry (a cut-off tail)")
    check.add_argument("--records", nargs="+", action="extend", default=[], metavar="RECORD",
                       help="with a changelog: the ballot records (.jsonl files, or folders of them) of the "
                            "votes that ratified its versions")
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


def check_file(name: str, require_closed: bool = False, records: list[str] | None = None) -> tuple[int, list[str]]:
    """Verify one record or changelog file; returns (exit status, lines to print)."""
    try:
        data = _read(name)
    except OSError as exc:
        return EXIT_USAGE, [f"ERROR: cannot read {name}: {exc.strerror or exc}"]
    try:
        entries = loads_jsonl(data)
    except LedgerError as exc:
        return EXIT_FAILED, [f"FAILED: {exc}"]
    if entries and isinstance(entries[0], dict) and entries[0].get("type") == ENTRY_TYPE:
        return check_changelog(entries, records)
    report = verify(entries)
    if report.ok and require_closed and not report.closed:
        return EXIT_FAILED, ["FAILED: the record has no 'closed' entry (still open, or its end "
                             "was cut off)"]
    lines = [report.summary()]
    extra = report.problems[1:]
    lines += [f"  also: {problem}" for problem in extra[:MAX_EXTRA_PROBLEMS]]
    if len(extra) > MAX_EXTRA_PROBLEMS:
        lines.append(f"  … and {len(extra) - MAX_EXTRA_PROBLEMS} more problems")
    return (EXIT_OK if report.ok else EXIT_FAILED), lines


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `deliberate` console script; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    worst = EXIT_OK
    several = len(args.files) > 1
    for name in args.files:
        status, lines = check_file(name, args.require_closed, args.records)
        for number, line in enumerate(lines):
            # With several files, name each one; a single file prints exactly the summary.
            prefix = f"{name}: " if several and number == 0 else ""
            _write(sys.stderr if status == EXIT_USAGE else sys.stdout, prefix + line)
        # Read errors (2) outrank failed records (1), which outrank success (0).
        worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main())
