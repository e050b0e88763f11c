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

import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

STRENGTH = "winning votes, ties of strength broken by the smaller opposition"

Strength = tuple[int, int]
"""(support, opposition) of a link or a path."""

NO_PATH: Strength = (0, 0)


def pairwise_counts(options: Sequence[str], rankings: Mapping[tuple[str, ...], int]
                    ) -> list[list[int]]:
    """d[i][j] = weight of ballots ranking options[i] above options[j].

    Unranked options are tied last. Counted many ballots at a time: each option's place on
    every ballot is packed into one integer, a field per ballot with a spare high bit, so that
    one subtraction of two such integers compares the two options on all ballots at once (the
    spare bit of a field survives exactly where the first place is not smaller), and
    int.bit_count counts them. That is n² operations on integers of a few bits per ballot, all
    in C, instead of n² Python steps per ballot. Weights are counted bit by bit: a ballot of
    weight 5 is in the packs of 1 and 4.
    """
    n = len(options)
    index = {option: i for i, option in enumerate(options)}
    packs: dict[int, list[bytes]] = {}  # bit of the weight -> each ballot's places
    partial: set[int] = set()  # packs with a ballot leaving two options or more unranked
    # Places are 0..n (n: unranked) in fields one bit wider than the largest.
    code = next(c for c in "BHIQ" if n < 1 << (8 * array(c).itemsize - 1))
    everyone = bytes(range(n)) if code == "B" else b""
    for ranking, weight in rankings.items():
        if not ranking:
            continue  # an empty ranking is an abstention: it prefers nothing
        size = len(ranking)
        if everyone:
            # A translation table maps each option to its place: one C call per ballot.
            ranked = bytes(map(index.__getitem__, ranking))
            unranked = everyone.translate(None, ranked)
            places = bytes.maketrans(ranked + unranked,
                                     everyone[:size] + bytes([size]) * len(unranked))[:n]
        else:
            where = dict(zip(map(index.__getitem__, ranking), range(size)))
            places = array(code, map(where.get, range(n), repeat(size))).tobytes()
        bit = 0
        while weight:
            if weight & 1:
                packs.setdefault(bit, []).append(places)
                if size < n - 1:
                    partial.add(bit)
            weight >>= 1
            bit += 1
    d = [[0] * n for _ in range(n)]
    field = array(code).itemsize
    # Little-endian integers: turn the fields around on a big-endian machine.
    order = sys.byteorder
    for bit, ballots in packs.items():
        count = len(ballots)
        high = int.from_bytes(array(code, [1 << (8 * field - 1)]).tobytes() * count, order)
        blob = b"".join(ballots)
        if field == 1:
            packed = [int.from_bytes(blob[x::n], "little") for x in range(n)]
        else:
            values = array(code, blob)
            packed = [int.from_bytes(values[x::n].tobytes(), order) for x in range(n)]
        for x in range(n):
            raised = packed[x] | high
            if bit in partial:  # ties below the ranked options: count each direction
                not_above = map(int.bit_count, map(high.__and__, map(raised.__sub__, packed)))
                d[x] = [total + (count - ge << bit)
                        for total, ge in zip(d[x], not_above, strict=True)]
                continue
            # No ties: y is above x on exactly the ballots where x is not above y.
            not_above = map(int.bit_count, map(high.__and__, map(raised.__sub__, packed[x + 1:])))
            dx = d[x]
            for y, ge in enumerate(not_above, x + 1):
                dx[y] += count - ge << bit
                d[y][x] += ge << bit
        for x in range(n):
            d[x][x] = 0
    return d


def _key(strength: Strength) -> tuple[int, int]:
    """Sort key: larger is stronger (more support first, then less opposition)."""
    return strength[0], -strength[1]


def stronger(a: Strength, b: Strength) -> bool:
    """Whether strength a is stronger than b: more support, or equal support and less
    opposition."""
    return _key(a) > _key(b)


def strongest_paths(d: Sequence[Sequence[int]]) -> list[list[Strength]]:
    """p[i][j] = strength of the strongest path from i to j (widest paths).

    The diagonal is NO_PATH; so is every pair with no path.

    The strongest path from i to j is as strong as the weakest link in it, so it is the
    strength of the link whose addition first lets i reach j when links are added strongest
    first. Reachability is kept as one bit set (an integer) per option: a link u -> v that u
    could already follow adds nothing and is skipped, and the others extend the options that
    reach u by what v reaches. Each pair is settled once: about n² steps plus one step per
    useful link and option reaching its start, instead of Floyd-Warshall's n³. The tests compare
    it with Floyd-Warshall.
    """
    n = len(d)
    columns = list(zip(*d))
    links = []
    for i in range(n):
        links += [(support, -against, i, j)
                  for j, (support, against) in enumerate(zip(d[i], columns[i])) if support > against]
    links.sort(reverse=True)
    reach = [0] * n  # reach[x]: bit y is set when x reaches y
    reached_by = [1 << x for x in range(n)]  # reached_by[y]: bit x set when x reaches y (or x = y)
    p = [[NO_PATH] * n for _ in range(n)]
    for support, minus, u, v in links:
        if reach[u] >> v & 1:
            continue  # u already reaches v by stronger (or as strong) links
        strength = (support, -minus)
        onward = reach[v] | 1 << v
        sources = reached_by[u]
        while sources:
            low = sources & -sources
            sources ^= low
            x = low.bit_length() - 1
            new = onward & ~reach[x]
            if not new:
                continue
            reach[x] |= new
            px = p[x]
            while new:
                low_y = new & -new
                new ^= low_y
                y = low_y.bit_length() - 1
                px[y] = strength
                reached_by[y] |= low
    for x in range(n):
        p[x][x] = NO_PATH  # a cycle back to x is no path from x to itself
    return p


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
    keys = [[(support, -against) for support, against in row] for row in p]  # as _key
    beats = [[y for y in range(n) if y != x and keys[x][y] > keys[y][x]] for x in range(n)]
    # Each tier holds the options beaten by no option outside the tiers before it. The
    # relation is transitive, hence acyclic: some remaining option is always unbeaten.
    beaters = [0] * n
    for beaten in beats:
        for y in beaten:
            beaters[y] += 1
    tiers: list[list[int]] = []
    tier = [x for x in range(n) if not beaters[x]]
    while tier:
        tiers.append(tier)
        following = []
        for x in tier:
            for y in beats[x]:
                beaters[y] -= 1
                if not beaters[y]:
                    following.append(y)
        tier = sorted(following)
    return Schulze(d=[list(row) for row in d], p=p, winners=tiers[0] if tiers else [],
                   tiers=tiers)


def ranked_winner(result: Schulze, status_quo: int) -> int | None:
    """The option adopted, if any: the single Schulze winner, when it is not the status quo and
    strictly more weight ranks it above the status quo than the reverse (head to head)."""
    if len(result.winners) != 1 or result.winners[0] == status_quo:
        return None
    w = result.winners[0]
    return w if result.d[w][status_quo] > result.d[status_quo][w] else None
