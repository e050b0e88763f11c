"""The Schulze method, as Schulze (2011) defines it, on plain lists: no rule, no wording.

Pure: standard library only. `rules.tally_ranked` turns the result into an Outcome with its
explanation; the offline verifier and the tests recompute the same thing.

Definitions (Schulze, "A new monotonic, clone-independent, reversal symmetric, and
Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011)):

- d[x][y] is the weight of the ballots that rank x above y. A ranking may be partial: the options
  it leaves out are tied below every option it lists; an empty ranking prefers nothing.
- There is a link from x to y only when d[x][y] > d[y][x]. Its strength is the pair
  (d[x][y], d[y][x]): support, then opposition.
- One strength is stronger than another when its support is larger or, with equal support, when
  its opposition is smaller ("winning votes, ties of strength broken by the smaller opposition").
- A path is as strong as its weakest link; p[x][y] is the strongest path from x to y, or
  NO_PATH (0, 0), weaker than any link, when there is none.
- x beats y when p[x][y] is stronger than p[y][x]. This relation is transitive (Schulze 2011,
  section 4.1). The winners are the options no other option beats; the ranking puts them first,
  then the options beaten only by the winners, and so on.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress

STRENGTH = "winning votes, ties of strength broken by the smaller opposition"

Strength = tuple[int, int]
"""(support, opposition) of a link or a path."""

NO_PATH: Strength = (0, 0)


def pairwise_counts(options: Sequence[str], rankings: Mapping[tuple[str, ...], int]
                    ) -> list[list[int]]:
    """d[i][j] = weight of ballots ranking options[i] above options[j].

    Unranked options are tied last. Instead of a Python loop per ballot and pair, each option
    gets a column of positions (one per distinct ranking) and each pair is counted in one pass of
    `map(operator.lt, ...)`, which runs in C: about n² passes of length k instead of k·n² steps.
    """
    n = len(options)
    index = {option: i for i, option in enumerate(options)}
    rows: list[list[int]] = []
    weights: list[int] = []
    for ranking, weight in rankings.items():
        if not ranking:
            continue  # an empty ranking is an abstention: it prefers nothing
        tail = len(ranking)
        position = [tail] * n
        for place, option in enumerate(ranking):
            position[index[option]] = place
        rows.append(position)
        weights.append(weight)
    d = [[0] * n for _ in range(n)]
    if not rows:
        return d
    columns = list(zip(*rows, strict=True))
    unit = all(w == 1 for w in weights)
    lt = operator.lt
    for i in range(n):
        ci, di = columns[i], d[i]
        for j in range(n):
            if i != j:
                wins = map(lt, ci, columns[j])
                di[j] = sum(wins) if unit else sum(compress(weights, wins))
    return d


def _key(strength: Strength) -> tuple[int, int]:
    """Sort key: larger is stronger (more support first, then less opposition)."""
    return strength[0], -strength[1]


def stronger(a: Strength, b: Strength) -> bool:
    """Whether strength a is stronger than b: more support, or equal support and less
    opposition."""
    return _key(a) > _key(b)


def strongest_paths(d: Sequence[Sequence[int]]) -> list[list[Strength]]:
    """p[i][j] = strength of the strongest path from i to j (widest paths, Floyd-Warshall).

    The diagonal is NO_PATH; so is every pair with no path.
    """
    n = len(d)
    key = [[_key((d[i][j], d[j][i])) if i != j and d[i][j] > d[j][i] else (0, 0)
            for j in range(n)] for i in range(n)]
    for i in range(n):
        ki = key[i]
        for j in range(n):
            if j == i:
                continue
            kj = key[j]
            kji = kj[i]
            if kji[0] == 0:
                continue  # no path from j to i: it widens nothing
            for k in range(n):
                if k != i and k != j:
                    width = kji if kji < ki[k] else ki[k]
                    if width > kj[k]:
                        kj[k] = width
    return [[(support, -minus) for support, minus in row] for row in key]


@dataclass(frozen=True)
class Schulze:
    """The Schulze relation over options 0..n-1: pairwise counts, strongest paths, winners and
    the ranking in tiers (each tier in option order; the first tier is the winners)."""

    d: list[list[int]]
    p: list[list[Strength]]
    winners: list[int]
    tiers: list[list[int]]

    def beats(self, x: int, y: int) -> bool:
        """Whether x beats y: the strongest path from x to y is stronger than the reverse."""
        return stronger(self.p[x][y], self.p[y][x])


def schulze(d: Sequence[Sequence[int]]) -> Schulze:
    """Apply the Schulze method to a pairwise matrix."""
    p = strongest_paths(d)
    n = len(p)
    beaten_by = [[y for y in range(n) if y != x and stronger(p[y][x], p[x][y])]
                 for x in range(n)]
    tiers: list[list[int]] = []
    placed: set[int] = set()
    while len(placed) < n:
        # The relation is transitive, hence acyclic: some remaining option is always unbeaten.
        tier = [x for x in range(n) if x not in placed
                and all(y in placed for y in beaten_by[x])]
        tiers.append(tier)
        placed.update(tier)
    return Schulze(d=[list(row) for row in d], p=p, winners=tiers[0] if tiers else [],
                   tiers=tiers)


def ranked_winner(result: Schulze, status_quo: int) -> int | None:
    """The option adopted, if any: the single Schulze winner, when it is not the status quo and
    strictly more weight ranks it above the status quo than the reverse (head to head)."""
    if len(result.winners) != 1 or result.winners[0] == status_quo:
        return None
    w = result.winners[0]
    return w if result.d[w][status_quo] > result.d[status_quo][w] else None
