"""The fast Schulze tally (bit-packed pairwise counts, strongest paths by adding links strongest
first) against the slow reference of test_voting_reference, on larger profiles: up to 40 options
drawn by hypothesis, with weights, partial and empty rankings, few distinct rankings (so ties of
counts and of strengths are common) and the status quo rule; and seeded profiles past 127
options, where a ballot's places no longer fit in a byte."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliberate.voting.rules import BallotInput, Rule
from deliberate.voting.schulze import pairwise_counts, strongest_paths
from tests.unit.test_voting_reference import SQ, observed, ref_pairwise, ref_schulze, reference


@st.composite
def ranked_profiles(draw: st.DrawFn) -> tuple[Rule, dict[str, int], list[BallotInput], list[str]]:
    alternatives = [f"a{i}" for i in range(draw(st.integers(1, 39)))]
    options = [*alternatives, SQ]
    rng = random.Random(draw(st.integers(0, 2**32)))
    pool = []
    for _ in range(draw(st.integers(1, 12))):
        order = options[:]
        rng.shuffle(order)
        cut = draw(st.sampled_from([len(order), len(order) - 1, rng.randint(0, len(order))]))
        pool.append(tuple(order[:cut]))
    weighted = draw(st.booleans())
    size = draw(st.integers(1, 60))
    big = draw(st.sampled_from([5, 5, 1000, 2**40]))  # past 16 and 64 bits of total weight too
    electorate = {f"c{i:02d}": rng.randint(1, big) for i in range(size)}
    ballots = [BallotInput(v, ranking=rng.choice(pool)) for v in electorate if rng.random() < 0.8]
    return Rule("ranked", weighted=weighted), electorate, ballots, alternatives


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranked_profiles())
def test_ranked_tally_matches_the_reference_on_larger_profiles(profile) -> None:
    rule, electorate, ballots, alternatives = profile
    assert observed(rule, electorate, ballots, alternatives) == \
        reference(rule, electorate, ballots, alternatives)


def _dense(options: list[str], d: dict[tuple[str, str], int]) -> list[list[int]]:
    return [[0 if x == y else d[x, y] for y in options] for x in options]


def test_more_options_than_fit_in_a_byte() -> None:
    rng = random.Random(130)
    for n in (127, 131):
        options = [f"o{i}" for i in range(n)]
        rankings: dict[tuple[str, ...], int] = {}
        for _ in range(6):
            order = options[:]
            rng.shuffle(order)
            ranking = tuple(order[:rng.choice([n, n - 1, rng.randint(0, n)])])
            rankings[ranking] = rankings.get(ranking, 0) + rng.randint(1, 9)
        want = ref_pairwise(options, [(r, w) for r, w in rankings.items()])
        assert pairwise_counts(options, rankings) == _dense(options, want)


def test_strongest_paths_match_floyd_warshall_on_a_100_option_profile() -> None:
    rng = random.Random(100)
    options = [f"o{i}" for i in range(100)]
    rankings: dict[tuple[str, ...], int] = {}
    for _ in range(30):  # few voters: many equal counts, so equal strengths
        order = options[:]
        rng.shuffle(order)
        rankings[tuple(order)] = rankings.get(tuple(order), 0) + 1
    d = pairwise_counts(options, rankings)
    p_ref, _ = ref_schulze(options, {(x, y): d[i][j] for i, x in enumerate(options)
                                     for j, y in enumerate(options) if i != j})
    p = strongest_paths(d)
    assert [[p[i][j] for j in range(100) if j != i] for i in range(100)] == \
        [[p_ref[x, y] or (0, 0) for y in options if y != x] for x in options]
