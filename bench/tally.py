"""Benchmark the pure voting core: `python bench/tally.py` from the repository root.

Times (median of several runs) a majority tally over 10,000 ballots, a Schulze tally with 10
alternatives over 10,000 random rankings, and verifying a 10,000-ballot record from its JSON-lines
export (parsing included, as `deliberate verify` does). Prints one line per figure, then as its
last line a JSON object with the figures and their targets, for CI to compare.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deliberate.voting.ledger import (
    ballot_data,
    closed_data,
    dumps_jsonl,
    hash_text,
    loads_jsonl,
    make_entry,
    opened_data,
    replay,
    verify,
)
from deliberate.voting.rules import PRESETS, STATUS_QUO, BallotInput, tally

N = 10_000
RUNS = 7
TARGETS = {"majority_10k_ms": 50, "schulze_10x10k_ms": 1000, "verify_10k_ms": 2000,
           "schulze_100x1k_ms": 50, "verify_10k_ranked_ms": 500}


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `action` in milliseconds, after one warm-up run."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def majority_case(rng: random.Random) -> Callable[[], object]:
    """10,000 co-ops, each casting for / against / abstain at random."""
    electorate = {f"coop-{i}": 1 for i in range(N)}
    ballots = [BallotInput(v, rng.choice(("for", "against", "abstain"))) for v in electorate]
    rule = PRESETS["simple-majority"]
    return lambda: tally(rule, electorate, ballots)


def schulze_case(rng: random.Random) -> Callable[[], object]:
    """10 alternatives plus the status quo, 10,000 random complete rankings (nearly all
    distinct, so aggregation does not help: the worst case)."""
    alternatives = [f"amendment-{i}" for i in range(10)]
    options = alternatives + [STATUS_QUO]
    ballots = []
    for i in range(N):
        rng.shuffle(options)
        ballots.append(BallotInput(f"coop-{i}", ranking=tuple(options)))
    electorate = {b.voter: 1 for b in ballots}
    rule = PRESETS["ranked"]
    return lambda: tally(rule, electorate, ballots, alternatives)


def schulze_wide_case(rng: random.Random) -> Callable[[], object]:
    """99 alternatives plus the status quo (100 options), 1,000 random complete rankings: the
    size a PHP Schulze library tallies in 44 ms."""
    alternatives = [f"amendment-{i}" for i in range(99)]
    options = alternatives + [STATUS_QUO]
    ballots = []
    for i in range(1_000):
        rng.shuffle(options)
        ballots.append(BallotInput(f"coop-{i}", ranking=tuple(options)))
    electorate = {b.voter: 1 for b in ballots}
    rule = PRESETS["ranked"]
    return lambda: tally(rule, electorate, ballots, alternatives)


def verify_case(rng: random.Random, n: int = N, ranked: bool = False) -> Callable[[], object]:
    """A closed record with `n` ballots, verified from its JSON-lines text. Ranked: 10
    alternatives plus the status quo, each ballot a random complete ranking."""
    rule = PRESETS["ranked" if ranked else "simple-majority"]
    alternatives = [f"amendment-{i}" for i in range(10)] if ranked else None
    options = [*alternatives, STATUS_QUO] if alternatives else []
    opened = opened_data(1, {"kind": "version", "id": 1}, rule,
                         {f"coop-{i}": 1 for i in range(n)}, alternatives, hash_text("bench"),
                         "2025-01-01T00:00:00Z", "2025-01-08T00:00:00Z", False)
    entries = [make_entry(None, "opened", opened, "2025-01-01T00:00:00Z")]
    start = datetime(2025, 1, 2, tzinfo=UTC)
    for i in range(n):
        if ranked:
            rng.shuffle(options)
            data = ballot_data(f"coop-{i}", f"d-{i}", None, list(options), None)
        else:
            data = ballot_data(f"coop-{i}", f"d-{i}", rng.choice(("for", "against", "abstain")),
                               None, None)
        entries.append(make_entry(entries[-1], "ballot", data, start + timedelta(seconds=i)))
    entries.append(make_entry(entries[-1], "closed", closed_data(replay(entries).recompute()),
                              "2025-01-08T00:00:00Z"))
    text = dumps_jsonl(entries)

    def run() -> None:
        report = verify(loads_jsonl(text))
        if not report.ok:
            raise SystemExit(f"bench record failed to verify: {report.problems[0]}")

    return run


def main() -> int:
    """Run the three cases and print the figures; the last line is JSON."""
    rng = random.Random(2025)
    figures = {
        "majority_10k_ms": median_ms(majority_case(rng)),
        "schulze_10x10k_ms": median_ms(schulze_case(rng)),
        "verify_10k_ms": median_ms(verify_case(rng), runs=5),
        "schulze_100x1k_ms": median_ms(schulze_wide_case(rng)),
        "verify_1k_ranked_ms": median_ms(verify_case(rng, 1_000, ranked=True)),
        "verify_10k_ranked_ms": median_ms(verify_case(rng, N, ranked=True), runs=5),
        "verify_100k_ranked_ms": median_ms(verify_case(rng, 100_000, ranked=True), runs=3),
    }
    labels = {
        "majority_10k_ms": "majority, 10,000 ballots",
        "schulze_10x10k_ms": "Schulze, 10 alternatives x 10,000 rankings",
        "verify_10k_ms": "verify a 10,000-ballot record (JSON lines)",
        "schulze_100x1k_ms": "Schulze, 100 options x 1,000 rankings",
        "verify_1k_ranked_ms": "verify a 1,000-ballot ranked record",
        "verify_10k_ranked_ms": "verify a 10,000-ballot ranked record",
        "verify_100k_ranked_ms": "verify a 100,000-ballot ranked record",
    }
    for key, value in figures.items():
        target = TARGETS.get(key)
        if target is None:  # shown for the shape of the growth (linear in the ballots)
            print(f"{labels[key]:<46} {value:>9.2f} ms")
            continue
        verdict = "ok" if value <= target else "SLOW"
        print(f"{labels[key]:<46} {value:>9.2f} ms  (target {target} ms, "
              f"{value / target:.2f} of target) {verdict}")
    print(json.dumps({"bench": "tally", "figures": figures, "targets": TARGETS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
