"""Check a formal objection's record offline, and redo a council's draw, without the app.

    python -m deliberate.appeals.check verify objection-4.jsonl
    python -m deliberate.appeals.check draw --seed HEX [--size N] SLUG [SLUG ...]
    python -m deliberate.appeals.check seed WITNESS_HEAD RECORD_HEAD

(``flask appeals verify FILE`` and ``flask appeals draw …`` run the same code.) Only the standard
library and the pure modules record, draw, tally and deliberate.voting.ledger are needed. Exit
status: 0 when the record holds, 1 when it does not, 2 on usage or read errors.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import draw, record

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def verify_text(text: str | bytes, out: TextIO) -> int:
    try:
        entries = record.loads(text)
    except record.RecordError as error:
        print(f"cannot read the record: {error}", file=out)
        return EXIT_USAGE
    problems = record.verify(entries)
    if problems:
        for problem in problems:
            print(f"FAIL {problem}", file=out)
        return EXIT_FAILED
    state = record.replay(entries)
    ended = state.ended or "pending"
    print(f"OK {len(entries)} entries, head {record.head(entries)}, {ended}", file=out)
    drawn = next((e for e in entries if e["kind"] == "council_drawn"), None)
    if drawn is not None:
        print(f"   seed {drawn['payload']['seed']}", file=out)
        print(f"   draw order {' '.join(state.order)}", file=out)
        print(f"   council now {' '.join(state.council)}", file=out)
    return EXIT_OK


def draw_lines(seed: str, slugs: Sequence[str], size: int | None) -> list[str]:
    order = draw.draw_order(seed, slugs)
    lines = [f"{i + 1}. {slug}" for i, slug in enumerate(order)]
    if size is not None:
        lines.append(f"council: {' '.join(draw.seated(order, size))}")
    return lines


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m deliberate.appeals.check",
                                     description="Check formal objections' records and council draws offline.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="check a record (.jsonl) exported from /objections/<id>/record.jsonl")
    check.add_argument("file")
    redo = commands.add_parser("draw", help="the draw order a seed gives over co-ops' slugs")
    redo.add_argument("--seed", required=True)
    redo.add_argument("--size", type=int)
    redo.add_argument("slugs", nargs="+")
    seed = commands.add_parser("seed", help="the seed from the witness log's head and the record's head")
    seed.add_argument("witness_head")
    seed.add_argument("record_head")
    args = parser.parse_args(argv)
    try:
        if args.command == "verify":
            data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
            return verify_text(data, out)
        if args.command == "draw":
            for text in draw_lines(args.seed, args.slugs, args.size):
                print(text, file=out)
            return EXIT_OK
        print(draw.derive_seed(args.witness_head, args.record_head), file=out)
        return EXIT_OK
    except (OSError, draw.DrawError) as error:
        print(f"error: {error}", file=out)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
