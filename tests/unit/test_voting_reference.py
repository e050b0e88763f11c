"""Every voting method against an independent reference written from the published definitions.

The reference below is written from docs/voting.md ("Rules", "Ranked choice") and DESIGN.md
("Voting rules"), not from deliberate/voting/rules.py or schulze.py: it calls nothing of theirs but
the `Rule` data class (to read a rule's fields) and `tally` (the thing under test). It is written
the slow, obvious way: one ballot at a time, exact fractions, a comparison function for Schulze's
link strengths. Thousands of seeded random profiles then compare winners, passed, quorum_met,
counts and the Schulze ranking.
"""

from __future__ import annotations

import random
from fractions import Fraction as F
from typing import Any

import pytest

from deliberate.voting.rules import BallotInput, Rule, tally

SQ = "status_quo"

# --------------------------------------------------------------------------- the reference


def ref_weights(rule: Rule, electorate: dict[str, int]) -> dict[str, int]:
    """One co-op, one vote unless the rule is weighted."""
    return {voter: (weight if rule.weighted else 1) for voter, weight in electorate.items()}


def ref_quorum(rule: Rule, electorate: dict[str, int], ballots: list[BallotInput]) -> bool:
    """The share of the electorate's weight that took part reaches `quorum`, and at least
    `quorum_count` co-ops took part. Abstaining and standing aside count as taking part."""
    weights = ref_weights(rule, electorate)
    took_part = sum(weights[b.voter] for b in ballots)
    met = True
    if rule.quorum is not None:
        met = met and F(took_part, sum(weights.values())) >= rule.quorum
    if rule.quorum_count is not None:
        met = met and len(ballots) >= rule.quorum_count
    return met


def ref_yes_no(rule: Rule, electorate: dict[str, int], ballots: list[BallotInput]
               ) -> tuple[bool, dict[str, int]]:
    """Majority: strictly more than half of the basis. Supermajority: at least the threshold of
    the basis. Basis: for + against ("cast") or all the electorate's weight ("electorate")."""
    weights = ref_weights(rule, electorate)
    counts = {"for": 0, "against": 0, "abstain": 0}
    for ballot in ballots:
        counts[ballot.choice] += weights[ballot.voter]
    if rule.threshold_basis == "cast":
        basis = counts["for"] + counts["against"]
    else:
        basis = sum(weights.values())
    if basis == 0:
        return False, counts
    share = F(counts["for"], basis)
    if rule.method == "majority":
        return share > F(1, 2), counts
    return share >= rule.threshold, counts


def ref_consent(rule: Rule, electorate: dict[str, int], ballots: list[BallotInput]
                ) -> tuple[bool, dict[str, int]]:
    """Adopted when somebody took part and no objection stands; a resolved or withdrawn objection
    counts like standing aside (but is counted apart)."""
    weights = ref_weights(rule, electorate)
    counts = {"consent": 0, "stand_aside": 0, "object": 0, "object_resolved": 0}
    for ballot in ballots:
        key = "object_resolved" if ballot.objection_resolved else ballot.choice
        counts[key] += weights[ballot.voter]
    return bool(ballots) and counts["object"] == 0, counts


def ref_pairwise(options: list[str], rankings: list[tuple[tuple[str, ...], int]]
                 ) -> dict[tuple[str, str], int]:
    """d[x, y]: weight of the ballots ranking x above y; options a ranking leaves out are tied
    below all it lists, and an empty ranking prefers nothing."""
    d = {(x, y): 0 for x in options for y in options if x != y}
    for ranking, weight in rankings:
        for x, y in d:
            if x in ranking and (y not in ranking or ranking.index(x) < ranking.index(y)):
                d[x, y] += weight
    return d


def ref_stronger(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Schulze (2011): (support, opposition) a is stronger than b when its support is larger, or
    its support is equal and its opposition smaller. None (no path) is weaker than any link."""
    if a is None:
        return False
    if b is None:
        return True
    return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1])


def ref_weaker_of(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return b if ref_stronger(a, b) else a


def ref_schulze(options: list[str], d: dict[tuple[str, str], int]
                ) -> tuple[dict[tuple[str, str], tuple[int, int] | None], list[list[str]]]:
    """Strongest paths by Floyd-Warshall over (support, opposition) pairs, then the ranking:
    the options nobody beats, then those beaten only by options already placed, and so on."""
    p: dict[tuple[str, str], tuple[int, int] | None] = {}
    for x, y in d:
        p[x, y] = (d[x, y], d[y, x]) if d[x, y] > d[y, x] else None
    for via in options:
        for x in options:
            for y in options:
                if len({via, x, y}) < 3 or p[x, via] is None or p[via, y] is None:
                    continue
                through = ref_weaker_of(p[x, via], p[via, y])
                if ref_stronger(through, p[x, y]):
                    p[x, y] = through
    beats = {(x, y) for x, y in p if ref_stronger(p[x, y], p[y, x])}
    tiers, left = [], list(options)
    while left:
        tier = [x for x in left if not any((y, x) in beats for y in left)]
        assert tier, "the Schulze relation has a cycle"
        tiers.append(tier)
        left = [x for x in left if x not in tier]
    return p, tiers


def reference(rule: Rule, electorate: dict[str, int], ballots: list[BallotInput],
              alternatives: list[str] | None = None) -> dict[str, Any]:
    """The outcome as the published definitions give it."""
    weights = ref_weights(rule, electorate)
    quorum_met = ref_quorum(rule, electorate, ballots)
    winner, extra = None, {}
    if rule.method in ("majority", "supermajority"):
        ok, counts = ref_yes_no(rule, electorate, ballots)
    elif rule.method == "consent":
        ok, counts = ref_consent(rule, electorate, ballots)
    else:
        options = [*alternatives, SQ]
        rankings = [(b.ranking, weights[b.voter]) for b in ballots]
        d = ref_pairwise(options, rankings)
        p, tiers = ref_schulze(options, d)
        abstained = sum(w for r, w in rankings if not r)
        counts = {"ranked": sum(w for _, w in rankings) - abstained, "abstain": abstained}
        # Adopted: the single Schulze winner, not the status quo, beating the status quo head to
        # head (strictly more weight ranks it above the status quo than the reverse).
        ok = len(tiers[0]) == 1 and tiers[0][0] != SQ and d[tiers[0][0], SQ] > d[SQ, tiers[0][0]]
        winner = tiers[0][0] if ok else None
        extra = {
            "ranking": tiers,
            "schulze_winners": tiers[0],
            "pairwise": {x: {y: d[x, y] for y in options if y != x} for x in options},
            "strongest_paths": {x: {y: list(p[x, y] or (0, 0)) for y in options if y != x}
                                for x in options},
        }
    passed = quorum_met and ok
    return {
        "passed": passed,
        "winner": winner if passed else None,
        "quorum_met": quorum_met,
        "failed_only_on_quorum": not quorum_met and ok,
        "turnout": sum(weights[b.voter] for b in ballots),
        "electorate_size": sum(weights.values()),
        "counts": counts,
        **extra,
    }


def observed(rule: Rule, electorate: dict[str, int], ballots: list[BallotInput],
             alternatives: list[str] | None = None) -> dict[str, Any]:
    outcome = tally(rule, electorate, ballots, alternatives)
    result = {name: getattr(outcome, name) for name in (
        "passed", "winner", "quorum_met", "failed_only_on_quorum", "turnout", "electorate_size",
        "counts")}
    if rule.method == "ranked":
        for name in ("ranking", "schulze_winners", "pairwise", "strongest_paths"):
            result[name] = outcome.details[name]
    return result


# --------------------------------------------------------------------------- random profiles

THRESHOLDS = [F(2, 3), F(3, 4), F(1), F(3, 5), F(51, 100), F(4, 5)]
QUORUMS = [F(1, 2), F(3, 5), F(1, 3), F(2, 3), F(1), F(1, 10)]


def random_rule(rng: random.Random, method: str) -> Rule:
    quorum = rng.choice(QUORUMS) if rng.random() < 0.6 else None
    return Rule(
        method,
        threshold=rng.choice(THRESHOLDS) if method == "supermajority" else F(1, 2),
        quorum=quorum,
        quorum_count=rng.randint(1, 8) if rng.random() < 0.4 else None,
        threshold_basis=(rng.choice(["cast", "electorate"])
                         if method in ("majority", "supermajority") else "cast"),
        weighted=rng.random() < 0.4,
        second_call_quorum=quorum / 2 if quorum is not None and rng.random() < 0.3 else None,
    )


def random_profile(rng: random.Random, method: str
                   ) -> tuple[Rule, dict[str, int], list[BallotInput], list[str] | None]:
    """A small electorate (ties are likely), weights 1-5, some co-ops not voting."""
    rule = random_rule(rng, method)
    size = rng.randint(1, 12)
    electorate = {f"c{i:02d}": rng.randint(1, 5) for i in range(size)}
    turnout = rng.random()
    voters = [v for v in electorate if rng.random() < turnout]
    rng.shuffle(voters)  # ballots come in any order
    ballots, alternatives = [], None
    if method in ("majority", "supermajority"):
        ballots = [BallotInput(v, rng.choice(["for", "against", "abstain"])) for v in voters]
    elif method == "consent":
        for v in voters:
            choice = rng.choice(["consent", "consent", "stand_aside", "object"])
            resolved = choice == "object" and rng.random() < 0.5
            ballots.append(BallotInput(v, choice, objection_resolved=resolved))
    else:
        alternatives = [f"a{i}" for i in range(rng.randint(1, 4))]
        options = [*alternatives, SQ]
        # A few distinct rankings shared by many voters make ties and cycles likely.
        pool = []
        for _ in range(rng.randint(1, 5)):
            order = options[:]
            rng.shuffle(order)
            pool.append(tuple(order[:rng.randint(0, len(order))]))  # partial, maybe empty
        ballots = [BallotInput(v, ranking=rng.choice(pool)) for v in voters]
    return rule, electorate, ballots, alternatives


@pytest.mark.parametrize(("method", "profiles"), [
    ("majority", 5000), ("supermajority", 5000), ("consent", 4000), ("ranked", 15000)])
def test_every_method_matches_the_reference(method, profiles):
    rng = random.Random(f"reference-{method}")
    for n in range(profiles):
        rule, electorate, ballots, alternatives = random_profile(rng, method)
        want = reference(rule, electorate, ballots, alternatives)
        got = observed(rule, electorate, ballots, alternatives)
        assert got == want, (f"profile {n}: {rule.to_dict()}, electorate {electorate}, "
                             f"ballots {ballots}, alternatives {alternatives}")


# --------------------------------------------------------------------------- hand-made cases


def _ranked(profile: list[tuple[int, str]], alternatives: str, weights: list[int] | None = None
            ) -> tuple[Rule, dict[str, int], list[BallotInput], list[str]]:
    """(count, "ABQ") rankings, "Q" the status quo; each ranking from its own co-ops."""
    ballots, i = [], 0
    for count, order in profile:
        for _ in range(count):
            ballots.append(BallotInput(f"v{i:02d}", ranking=tuple(SQ if c == "Q" else c
                                                                 for c in order)))
            i += 1
    electorate = {b.voter: (weights[k] if weights else 1) for k, b in enumerate(ballots)}
    return Rule("ranked", weighted=weights is not None), electorate, ballots, list(alternatives)


# Wikipedia, "Schulze method": 45 voters, E wins, E > A > C > B > D.
WIKIPEDIA = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"),
             (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
# Schulze (2011), section 3.1, 30 voters: D > A > C > B.
SCHULZE_2011 = [(5, "ACBD"), (2, "ACDB"), (3, "ADCB"), (4, "BACD"), (3, "CBDA"), (3, "CDBA"),
                (1, "DACB"), (5, "DBAC"), (4, "DCBA")]

RANKED_CASES = [
    # The example: a0 and a1 both unbeaten, so both lead the ranking; neither is adopted.
    ("issue 14 example", (Rule("ranked"), {"c0": 1, "c1": 1},
                          [BallotInput("c0", ranking=("a0",)),
                           BallotInput("c1", ranking=("a1", SQ))], ["a0", "a1"]),
     None, [["a0", "a1"], [SQ]]),
    # Links A>B 4:3, B>Q 5:2, Q>A 4:2. By winning votes alone B->Q->A (4) ties A->B (4); the
    # smaller opposition (2 against 3) makes B beat A, and B beats the status quo 5 to 2.
    ("the 2011 tie-break decides", _ranked([(2, "QA"), (2, "AB"), (2, "BQ"), (1, "B")], "AB"),
     "B", [["B"], [SQ], ["A"]]),
    ("Wikipedia example", _ranked(WIKIPEDIA, "ABCDE"), "E",
     [["E"], ["A"], ["C"], ["B"], ["D"], [SQ]]),
    ("Schulze 2011 example", _ranked(SCHULZE_2011, "ABCD"), "D",
     [["D"], ["A"], ["C"], ["B"], [SQ]]),
    ("weights count times", _ranked([(1, "BA"), (2, "AB")], "AB", weights=[3, 1, 1]), "B",
     [["B"], ["A"], [SQ]]),
    ("all abstain", _ranked([(3, "")], "AB"), None, [["A", "B", SQ]]),
    ("a cycle of three", _ranked([(1, "ABCQ"), (1, "BCAQ"), (1, "CABQ")], "ABC"), None,
     [["A", "B", "C"], [SQ]]),
    ("winner loses to the status quo head to head",
     _ranked([(4, "ABQ"), (3, "BQA"), (2, "QAB")], "AB"), None, [["A"], ["B"], [SQ]]),
]


@pytest.mark.parametrize(("case", "winner", "ranking"), [c[1:] for c in RANKED_CASES],
                         ids=[c[0] for c in RANKED_CASES])
def test_ranked_cases(case, winner, ranking):
    want = reference(*case)
    assert (want["winner"], want["ranking"]) == (winner, ranking)
    assert observed(*case) == want


def test_the_tie_break_case_is_a_tie_by_winning_votes_alone():
    """The hand-made tie-break case really needs the tie-break: compared by support alone, the
    strongest paths between A and B are equal."""
    rule, electorate, ballots, alternatives = RANKED_CASES[1][1]
    paths = tally(rule, electorate, ballots, alternatives).details["strongest_paths"]
    assert paths["A"]["B"] == [4, 3] and paths["B"]["A"] == [4, 2]


YES_NO_CASES = [
    ("2/3 exactly met", Rule("supermajority", threshold=F(2, 3)), [1] * 6,
     ["for"] * 4 + ["against"] * 2, True),
    ("majority of the electorate, half is not enough", Rule("majority", threshold_basis="electorate"),
     [1] * 10, ["for"] * 5, False),
    ("quorum as a share of weight", Rule("majority", quorum=F(1, 2), weighted=True), [1, 1, 1, 5],
     [None, None, None, "for"], True),
    ("quorum as a count", Rule("majority", quorum_count=3), [1] * 10, ["for"] * 2, False),
    ("consent: a resolved objection no longer blocks", Rule("consent"), [1] * 3,
     ["consent", "object_resolved"], True),
    ("consent: nobody took part", Rule("consent"), [1] * 3, [], False),
]


@pytest.mark.parametrize(("rule", "weights", "choices", "passed"), [c[1:] for c in YES_NO_CASES],
                         ids=[c[0] for c in YES_NO_CASES])
def test_yes_no_and_consent_cases(rule, weights, choices, passed):
    electorate = {f"c{i}": w for i, w in enumerate(weights)}
    ballots = [BallotInput(f"c{i}", "object" if c == "object_resolved" else c,
                           objection_resolved=c == "object_resolved")
               for i, c in enumerate(choices) if c is not None]
    want = reference(rule, electorate, ballots)
    assert want["passed"] is passed
    assert observed(rule, electorate, ballots) == want
