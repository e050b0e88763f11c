"""`deliberate verify FILE [FILE...]`: check exported ballot records without the app.

Anyone can run it on a downloaded record: it needs only the standard library and the pure
modules deliberate.voting.ledger and deliberate.voting.rules (never Flask or the database), so a
member co-op can check a result on its own machine. Exit status: 0 when every record verifies,
1 when any fails, 2 on usage or read errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from deliberate.voting.ledger import LedgerError, loads_jsonl, verify

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_EXTRA_PROBLEMS = 20


def _parser() -> argparse.ArgumentParser:
    """The argument parser: one subcommand, "verify", taking files or "-" for stdin."""
    parser = argparse.ArgumentParser(
        prog="deliberate",
        description="Check Deliberate ballot records (JSON lines) without the database.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "verify",
        help="recompute every hash and the result of exported ballot records",
        description="Recompute every hash and the declared result of each record. "
                    "See docs/ballot-record.md.",
    )
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="a .jsonl export of a vote's record, or - for standard input")
    check.add_argument("--require-closed", action="store_true",
                       help="fail records that have no 'closed' entry (a cut-off tail)")
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


def check_file(name: str, require_closed: bool = False) -> tuple[int, list[str]]:
    """Verify one record file; returns (exit status, lines to print)."""
    try:
        data = _read(name)
    except OSError as exc:
        return EXIT_USAGE, [f"ERROR: cannot read {name}: {exc.strerror or exc}"]
    try:
        entries = loads_jsonl(data)
    except LedgerError as exc:
        return EXIT_FAILED, [f"FAILED: {exc}"]
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
        status, lines = check_file(name, args.require_closed)
        for number, line in enumerate(lines):
            # With several files, name each one; a single file prints exactly the summary.
            prefix = f"{name}: " if several and number == 0 else ""
            _write(sys.stderr if status == EXIT_USAGE else sys.stdout, prefix + line)
        # Read errors (2) outrank failed records (1), which outrank success (0).
        worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main())
