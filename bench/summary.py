"""One table of every benchmark's figures against its targets, from the benches' printed output.

Every script in bench/ prints, as its last line, one JSON object
``{"bench": NAME, "figures": {...}, "targets": {...}}``. ``make bench`` keeps each script's output
in a log (bench/results/NAME.log) and then runs this on them:

    .venv/bin/python bench/summary.py bench/results/*.log

A target is either explicit, ``{"min": x}`` (the figure must be at least x) or ``{"max": x}`` (at
most x), or a bare number, whose direction is read from the figure's name: a throughput relative
to a reference (``*_ratio``, as pages' ``public_page_ratio``) or a count that must be reached
(``*_rps``, ``*_connected``) must be at least the target; anything else (times, errors, lost
edits, a ratio of costs such as diff's ``ratio``) at most. A target may name a figure nested in
another with dots (``sqlite.p95_ms``). Prints the table and, as its own last line, a JSON object
in the same shape (``"bench": "summary"``); exits 1 if a target is not met or a bench printed no
figures.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

AT_LEAST_SUFFIXES = ("_ratio", "_rps", "_connected")


def last_json_line(text: str) -> dict[str, Any] | None:
    """The last line of ``text`` that is a JSON object with ``bench`` and ``figures``, if any."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict) and "bench" in found and "figures" in found:
            return found
    return None


def direction(name: str, target: Any) -> tuple[str, float]:
    """``("min" | "max", bound)`` of a target (see the module's doc)."""
    if isinstance(target, dict):
        (kind, bound), = target.items()
        if kind not in ("min", "max"):
            raise ValueError(f"target {name!r}: {target!r} is neither min nor max")
        return kind, float(bound)
    return ("min" if name.endswith(AT_LEAST_SUFFIXES) else "max"), float(target)


def figure(figures: dict[str, Any], name: str) -> Any:
    value: Any = figures
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def verdicts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target of one bench's result."""
    rows = []
    for name, target in (result.get("targets") or {}).items():
        kind, bound = direction(name, target)
        value = figure(result["figures"], name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            met = None
        else:
            met = value >= bound if kind == "min" else value <= bound
        rows.append({"bench": result["bench"], "figure": name, "value": value, "target": f"{'≥' if kind == 'min' else '≤'} {bound:g}",
                     "met": met})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    def shown(value: Any) -> str:
        if value is None:
            return "missing"
        return f"{value:g}" if isinstance(value, float) else str(value)

    cells = [("bench", "figure", "value", "target", "")]
    cells += [(r["bench"], r["figure"], shown(r["value"]), r["target"],
               {True: "met", False: "NOT MET", None: "no figure"}[r["met"]]) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("logs", nargs="+", type=Path, help="each bench's printed output")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    silent = []
    for log in args.logs:
        result = last_json_line(log.read_text(errors="replace"))
        if result is None:
            silent.append(log.stem)
            rows.append({"bench": log.stem, "figure": "(no JSON line: the bench failed?)", "value": None,
                         "target": "", "met": None})
            continue
        rows.extend(verdicts(result))
    print(table(rows))
    missed = [f"{r['bench']}.{r['figure']}" for r in rows if r["met"] is not True]
    print(f"\n{sum(r['met'] is True for r in rows)} of {len(rows)} targets met"
          + (f"; not met or missing: {', '.join(missed)}" if missed else "") + ".")
    print(json.dumps({"bench": "summary", "figures": {"met": sum(r["met"] is True for r in rows), "targets": len(rows),
                                                      "not_met_count": len(missed), "not_met": missed, "silent": silent},
                      "targets": {"not_met_count": {"max": 0}}}, ensure_ascii=False))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
