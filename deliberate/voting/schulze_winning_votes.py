"""The ranked tally that records closed before December 2026 declare, kept so they still verify.

Until then a ranked vote compared the strength of links by winning votes alone (a tie of strength
stayed a tie) and published a ranking by how many options each option beats. Such a record's
`closed` entry says `"strength": "winning votes"` in its details; `record_check` recomputes it
with this function, exactly as it was computed then. New votes use schulze.py (Schulze 2011:
ties of winning votes broken by the smaller opposition). Nothing here is used to decide a vote.
"""
from __future__ import annotations

from collections.abc import Sequence

from .rules import STATUS_QUO, Counts, Outcome, Rule, _finish
from .schulze import pairwise_counts

STRENGTH = "winning votes"


def schulze_winning_votes(d: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[int], list[list[int]]]:
    """(strongest path strengths, potential winners, ranking tiers by number of options beaten)."""
    n = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(n):
            if j == i or p[j][i] == 0:
                continue
            for k in range(n):
                if k != i and k != j:
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    beats = [sum(1 for j in range(n) if j != i and p[i][j] > p[j][i]) for i in range(n)]
    winners = [i for i in range(n) if all(p[i][j] >= p[j][i] for j in range(n) if j != i)]
    tiers = [[i for i in range(n) if beats[i] == count] for count in sorted(set(beats), reverse=True)]
    return p, winners, tiers


def tally_ranked_winning_votes(rule: Rule, c: Counts) -> Outcome:
    """The ranked tally as it was before December 2026 (same details; the same wording, which
    explanation.explain writes from them)."""
    options = c.options
    d = pairwise_counts(options, c.rankings)
    p, winners, tiers = schulze_winning_votes(d)
    sq = options.index(STATUS_QUO)
    abstained = c.rankings.get((), 0)
    ranked_weight = c.turnout_weight - abstained
    counts = {"ranked": ranked_weight, "abstain": abstained}
    ok, winner = False, None
    if len(winners) == 1 and winners[0] != sq:
        w = winners[0]
        if d[w][sq] > d[sq][w]:
            ok, winner = True, options[w]
    n = len(options)
    details = {
        "options": list(options),
        "strength": STRENGTH,
        "pairwise": {options[i]: {options[j]: d[i][j] for j in range(n) if j != i} for i in range(n)},
        "strongest_paths": {options[i]: {options[j]: p[i][j] for j in range(n) if j != i} for i in range(n)},
        "schulze_winners": [options[i] for i in winners],
        "ranking": [[options[i] for i in tier] for tier in tiers],
    }
    return _finish(rule, c, ok, counts, winner, details)
