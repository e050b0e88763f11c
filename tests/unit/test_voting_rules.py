"""Unit tests for deliberate.voting.rules and .schulze: rules as data and the pure tallies.

test_voting_reference.py compares every method with an independent reference on random profiles.
"""

from __future__ import annotations

import json
import random
import time
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deliberate.voting.rules import (
    PRESET_LABELS,
    PRESETS,
    STATUS_QUO,
    TALLIES,
    BallotInput,
    Outcome,
    Rule,
    RuleError,
    percent_text,
    second_call,
    tally,
)
from deliberate.voting.schulze import NO_PATH, pairwise_counts, schulze, stronger

PROPERTY = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def coops(n: int) -> dict[str, int]:
    """An unweighted electorate of n co-ops named c00, c01, …"""
    return {f"c{i:02d}": 1 for i in range(n)}


def vote(rule: Rule, n: int, choices: list[str], weights: dict[str, int] | None = None
         ) -> Outcome:
    """Tally a yes/no or consent vote: the i-th choice is cast by the i-th co-op."""
    electorate = weights or coops(n)
    names = sorted(electorate)
    ballots = []
    for voter, choice in zip(names, choices, strict=False):  # the rest did not vote
        resolved = choice == "object_resolved"
        ballots.append(BallotInput(voter, "object" if resolved else choice,
                                   objection_resolved=resolved))
    return tally(rule, electorate, ballots)


def ranked(profile: list[tuple[int, str]], alternatives: str, rule: Rule | None = None,
           extra_electorate: int = 0) -> Outcome:
    """Tally a ranked vote from a profile of (count, "ABC") rankings; "Q" is the status quo."""
    ballots, n = [], 0
    for count, order in profile:
        ranking = tuple(STATUS_QUO if ch == "Q" else ch for ch in order)
        for _ in range(count):
            ballots.append(BallotInput(f"v{n:03d}", ranking=ranking))
            n += 1
    electorate = {f"v{i:03d}": 1 for i in range(n + extra_electorate)}
    return tally(rule or Rule("ranked"), electorate, ballots, list(alternatives))


MAJ = Rule("majority")
MAJ_Q = Rule("majority", quorum=F(1, 2))
TWO_THIRDS = Rule("supermajority", threshold=F(2, 3))
THREE_Q = Rule("supermajority", threshold=F(3, 4))
UNANIMITY = Rule("supermajority", threshold=F(1))
CONSENT = Rule("consent")
CONSENT_Q = Rule("consent", quorum=F(1, 2))

# id, rule, electorate size, choices, passed, quorum_met, failed_only_on_quorum
YES_NO_CASES = [
    ("majority no ballots, no quorum", MAJ, 10, [], False, True, False),
    ("majority no ballots, quorum", MAJ_Q, 10, [], False, False, False),
    ("majority all abstain", MAJ_Q, 10, ["abstain"] * 6, False, True, False),
    ("majority one more for", MAJ, 11, ["for"] * 6 + ["against"] * 5, True, True, False),
    ("majority tie fails", MAJ, 6, ["for"] * 3 + ["against"] * 3, False, True, False),
    ("majority abstain does not count against", MAJ, 10, ["for", "abstain", "abstain"],
     True, True, False),
    ("quorum exactly met", MAJ_Q, 10, ["for"] * 3 + ["against"] * 2, True, True, False),
    ("quorum missed by one", MAJ_Q, 10, ["for"] * 3 + ["against"], False, False, True),
    ("quorum missed and lost anyway", MAJ_Q, 10, ["for"] + ["against"] * 3,
     False, False, False),
    ("abstentions make the quorum", MAJ_Q, 10, ["for"] + ["abstain"] * 4, True, True, False),
    ("quorum 3/5 of 7 needs 5", Rule("majority", quorum=F(3, 5)), 7, ["for"] * 5,
     True, True, False),
    ("quorum 3/5 of 7, 4 is short", Rule("majority", quorum=F(3, 5)), 7, ["for"] * 4,
     False, False, True),
    ("2/3 exactly met passes", TWO_THIRDS, 6, ["for"] * 4 + ["against"] * 2, True, True, False),
    ("2/3 just below fails", TWO_THIRDS, 301, ["for"] * 200 + ["against"] * 101,
     False, True, False),
    ("2/3 large exact", TWO_THIRDS, 300, ["for"] * 200 + ["against"] * 100, True, True, False),
    ("3/4 exactly met passes", THREE_Q, 4, ["for"] * 3 + ["against"], True, True, False),
    ("3/4 just below fails", THREE_Q, 100, ["for"] * 74 + ["against"] * 26, False, True, False),
    ("supermajority no votes cast", TWO_THIRDS, 5, ["abstain"] * 5, False, True, False),
    ("unanimity with abstentions", UNANIMITY, 7, ["for"] * 5 + ["abstain"] * 2,
     True, True, False),
    ("unanimity one against", UNANIMITY, 7, ["for"] * 6 + ["against"], False, True, False),
    ("unanimity all abstain", UNANIMITY, 3, ["abstain"] * 3, False, True, False),
    ("majority of electorate: half is not enough",
     Rule("majority", threshold_basis="electorate"), 10, ["for"] * 5, False, True, False),
    ("majority of electorate: more than half",
     Rule("majority", threshold_basis="electorate"), 10, ["for"] * 6 + ["against"],
     True, True, False),
    ("2/3 of electorate: non-voters count", Rule("supermajority", threshold=F(2, 3),
                                                  threshold_basis="electorate"),
     9, ["for"] * 5, False, True, False),
    ("2/3 of electorate: exactly met", Rule("supermajority", threshold=F(2, 3),
                                             threshold_basis="electorate"),
     9, ["for"] * 6 + ["against"] * 3, True, True, False),
    ("quorum count met", Rule("majority", quorum_count=3), 100, ["for"] * 3, True, True, False),
    ("quorum count missed", Rule("majority", quorum_count=3), 100, ["for"] * 2,
     False, False, True),
    ("share met but count missed", Rule("majority", quorum=F(1, 10), quorum_count=5), 20,
     ["for"] * 4, False, False, True),
    ("share and count met", Rule("majority", quorum=F(1, 10), quorum_count=5), 20,
     ["for"] * 5, True, True, False),
    ("consent no ballots", CONSENT, 5, [], False, True, False),
    ("consent all consent", CONSENT, 5, ["consent"] * 5, True, True, False),
    ("consent stand aside only", CONSENT, 5, ["stand_aside"] * 2, True, True, False),
    ("consent standing objection blocks", CONSENT, 5, ["consent"] * 4 + ["object"],
     False, True, False),
    ("consent resolved objection no longer blocks", CONSENT, 5,
     ["consent"] * 4 + ["object_resolved"], True, True, False),
    ("consent quorum missed", CONSENT_Q, 10, ["consent"] * 4, False, False, True),
    ("consent stand aside makes the quorum", CONSENT_Q, 10, ["consent"] + ["stand_aside"] * 4,
     True, True, False),
    ("consent resolved objection makes the quorum", CONSENT_Q, 10,
     ["consent"] * 4 + ["object_resolved"], True, True, False),
    ("consent objection with quorum missed", CONSENT_Q, 10, ["consent"] * 3 + ["object"],
     False, False, False),
]


@pytest.mark.parametrize(("rule", "n", "choices", "passed", "quorum_met", "only_quorum"),
                         [case[1:] for case in YES_NO_CASES],
                         ids=[case[0] for case in YES_NO_CASES])
def test_yes_no_and_consent_table(rule, n, choices, passed, quorum_met, only_quorum):
    outcome = vote(rule, n, choices)
    assert (outcome.passed, outcome.quorum_met, outcome.failed_only_on_quorum) == (
        passed, quorum_met, only_quorum), outcome.explanation
    assert outcome.turnout == len(choices)
    assert outcome.electorate_size == n
    assert outcome.winner is None
    assert outcome.explanation.endswith(".")
    assert (": adopted." in outcome.explanation) == passed


@pytest.mark.parametrize(("weighted", "passed"), [(False, False), (True, True)])
def test_weights_only_count_when_chosen(weighted, passed):
    electorate = {"big": 5, "small-1": 1, "small-2": 1}
    rule = Rule("majority", weighted=weighted)
    ballots = [BallotInput("big", "for"), BallotInput("small-1", "against"),
               BallotInput("small-2", "against")]
    outcome = tally(rule, electorate, ballots)
    assert outcome.passed is passed
    assert outcome.counts == ({"for": 5, "against": 2, "abstain": 0} if weighted
                              else {"for": 1, "against": 2, "abstain": 0})
    assert outcome.electorate_size == (7 if weighted else 3)


@pytest.mark.parametrize(("weighted", "quorum_met"), [(False, False), (True, True)])
def test_weighted_quorum_is_a_share_of_weight(weighted, quorum_met):
    electorate = {"a": 1, "b": 1, "c": 1, "d": 5}
    outcome = tally(Rule("majority", quorum=F(1, 2), weighted=weighted), electorate,
                    [BallotInput("d", "for")])
    assert outcome.quorum_met is quorum_met
    assert outcome.turnout == (5 if weighted else 1)


def test_explanation_reads_plainly():
    outcome = vote(PRESETS["two-thirds"], 10, ["for"] * 5 + ["against", "abstain"])
    assert outcome.explanation == (
        "Quorum 60% met: 7 of 10 co-ops took part. 5 for, 1 against, 1 abstained. "
        "5 of 6 votes cast (83%) were for, which meets 2/3: adopted.")


@pytest.mark.parametrize(("rule", "choices", "expected"), [
    (MAJ_Q, ["for"] * 3 + ["against"],
     "Quorum 50% not met: 4 of 10 co-ops took part, 5 needed. 3 for, 1 against, 0 abstained. "
     "The status quo stands: rejected. It would otherwise have been adopted."),
    (Rule("majority", quorum=F(1, 2), second_call_quorum=F(1, 3)), ["for"] * 4,
     "Quorum 50% not met: 4 of 10 co-ops took part, 5 needed. 4 for, 0 against, 0 abstained. "
     "The status quo stands: rejected. It would otherwise have been adopted. It may be called "
     "once more with quorum 1/3."),
    (MAJ, ["for"] * 3 + ["against"] * 3,
     "No quorum required: 6 of 10 co-ops took part. 3 for, 3 against, 0 abstained. 3 of 6 "
     "votes cast (50%) were for, which is not more than half (a tie fails): rejected."),
    (TWO_THIRDS, ["abstain"] * 2,
     "No quorum required: 2 of 10 co-ops took part. 0 for, 0 against, 2 abstained. "
     "No votes for or against were cast: rejected."),
    (CONSENT_Q, ["consent"] * 4 + ["stand_aside", "object_resolved"],
     "Quorum 50% met: 6 of 10 co-ops took part. 4 consented, 1 stood aside, 0 standing "
     "objections, 1 objection resolved or withdrawn. No objection stands: adopted."),
    (CONSENT, ["consent"] * 4 + ["object"],
     "No quorum required: 5 of 10 co-ops took part. 4 consented, 0 stood aside, 1 standing "
     "objection. 1 objection still stands: rejected."),
    (Rule("majority", quorum_count=6), ["for"] * 5,
     "Quorum of 6 co-ops not met: 5 of 10 co-ops took part, at least 6 co-ops needed. 5 for, "
     "0 against, 0 abstained. The status quo stands: rejected. It would otherwise have been "
     "adopted."),
])
def test_explanations(rule, choices, expected):
    assert vote(rule, 10, choices).explanation == expected


def test_percent_never_contradicts_the_verdict():
    outcome = vote(MAJ, 6647, ["for"] * 3328 + ["against"] * 3319)
    assert outcome.passed
    assert "(50.1%) were for, which is more than half" in outcome.explanation
    outcome = vote(TWO_THIRDS, 10000, ["for"] * 6665 + ["against"] * 3335)
    assert not outcome.passed
    assert "(66.65%) were for, which does not meet 2/3" in outcome.explanation


# --------------------------------------------------------------------------- ranked / Schulze

# Wikipedia, "Schulze method", worked example: 45 voters, candidates A-E, winner E.
WIKIPEDIA = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"),
             (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
WIKIPEDIA_D = {
    "A": {"B": 20, "C": 26, "D": 30, "E": 22}, "B": {"A": 25, "C": 16, "D": 33, "E": 18},
    "C": {"A": 19, "B": 29, "D": 17, "E": 24}, "D": {"A": 15, "B": 12, "C": 28, "E": 14},
    "E": {"A": 23, "B": 27, "C": 21, "D": 31},
}
WIKIPEDIA_P = {
    "A": {"B": 28, "C": 28, "D": 30, "E": 24}, "B": {"A": 25, "C": 28, "D": 33, "E": 24},
    "C": {"A": 25, "B": 29, "D": 29, "E": 24}, "D": {"A": 25, "B": 28, "C": 28, "E": 24},
    "E": {"A": 25, "B": 28, "C": 28, "D": 31},
}
# Schulze (2011), Social Choice and Welfare 36: 267-303, example with 30 voters; winner D.
SCHULZE_2011 = [(5, "ACBD"), (2, "ACDB"), (3, "ADCB"), (4, "BACD"), (3, "CBDA"), (3, "CDBA"),
                (1, "DACB"), (5, "DBAC"), (4, "DCBA")]


def _matrix(options: str, rows: dict[str, dict[str, int]]) -> list[list[int]]:
    return [[0 if a == b else rows[a][b] for b in options] for a in options]


def _paths(options: str, rows: dict[str, dict[str, int]], voters: int
           ) -> list[list[tuple[int, int]]]:
    """Strongest paths of complete rankings: every link's opposition is voters - support."""
    return [[NO_PATH if a == b else (rows[a][b], voters - rows[a][b]) for b in options]
            for a in options]


def test_schulze_wikipedia_pairwise_paths_and_winner():
    d = pairwise_counts(tuple("ABCDE"), {tuple(order): n for n, order in WIKIPEDIA})
    assert d == _matrix("ABCDE", WIKIPEDIA_D)
    result = schulze(d)
    assert result.p == _paths("ABCDE", WIKIPEDIA_P, 45)
    assert result.winners == [4]
    assert result.tiers == [[4], [0], [2], [1], [3]]  # E > A > C > B > D


def test_schulze_wikipedia_through_tally():
    outcome = ranked(WIKIPEDIA, "ABCDE")
    assert outcome.passed and outcome.winner == "E"
    assert outcome.details["ranking"] == [["E"], ["A"], ["C"], ["B"], ["D"], [STATUS_QUO]]
    for a, row in WIKIPEDIA_D.items():
        for b, n in row.items():
            assert outcome.details["pairwise"][a][b] == n
            assert outcome.details["strongest_paths"][a][b] == [WIKIPEDIA_P[a][b],
                                                                45 - WIKIPEDIA_P[a][b]]
    # Nobody ranked the status quo, so it is tied last on every ballot.
    assert outcome.details["pairwise"]["E"][STATUS_QUO] == 45
    assert outcome.explanation.endswith("Schulze winner: E, which beats the status quo head to "
                                        "head 45 to 0: E adopted.")


def test_schulze_2011_example():
    d = pairwise_counts(tuple("ABCD"), {tuple(order): n for n, order in SCHULZE_2011})
    assert d == [[0, 11, 20, 14], [19, 0, 9, 12], [10, 21, 0, 17], [16, 18, 13, 0]]
    result = schulze(d)
    support = [[0, 20, 20, 17], [19, 0, 19, 17], [19, 21, 0, 17], [18, 18, 18, 0]]
    assert result.p == [[NO_PATH if i == j else (s, 30 - s) for j, s in enumerate(row)]
                        for i, row in enumerate(support)]
    assert result.winners == [3] and result.tiers == [[3], [0], [2], [1]]  # D > A > C > B
    assert ranked(SCHULZE_2011, "ABCD").winner == "D"


def test_strength_order_is_winning_votes_then_smaller_opposition():
    assert stronger((6, 5), (5, 0))      # more support wins, whatever the opposition
    assert stronger((5, 2), (5, 3))      # equal support: the smaller opposition is stronger
    assert not stronger((5, 3), (5, 3)) and not stronger((5, 3), (5, 2))
    assert stronger((1, 0), NO_PATH) and not stronger(NO_PATH, (1, 0))


def test_the_smaller_opposition_breaks_a_tie_of_winning_votes():
    # Links A->B (5:3), B->C (5:0), C->A (6:2). B->C->A has support 5 like A->B, but opposition 0
    # against 3: B beats A. By winning votes alone B and C would both be unbeaten.
    result = schulze([[0, 5, 2], [3, 0, 5], [6, 0, 0]])
    assert result.p[0][1] == (5, 3) and result.p[1][0] == (5, 0)
    assert result.winners == [1] and result.tiers == [[1], [2], [0]]


def test_ranking_leads_with_the_schulze_winners():
    """Issue 14: a0 and a1 are both unbeaten, so both lead the ranking (it gave [[a1], [a0, ...]])."""
    outcome = tally(Rule("ranked"), {"c0": 1, "c1": 1},
                    [BallotInput("c0", ranking=("a0",)), BallotInput("c1", ranking=("a1", STATUS_QUO))],
                    ["a0", "a1"])
    assert outcome.details["schulze_winners"] == ["a0", "a1"]
    assert outcome.details["ranking"] == [["a0", "a1"], [STATUS_QUO]]
    assert outcome.details["strength"] == ("winning votes, ties of strength broken by the smaller "
                                           "opposition")
    assert not outcome.passed and "No single Schulze winner (a0, a1 tie)" in outcome.explanation


PARTIAL_RANKINGS = st.dictionaries(st.permutations(["A", "B", "C", "D", "Q"]).flatmap(
    lambda order: st.integers(0, 5).map(lambda k: tuple(order[:k]))), st.integers(1, 5),
    max_size=8)


@PROPERTY
@given(PARTIAL_RANKINGS)
def test_ranking_tiers_follow_the_schulze_relation(rankings):
    result = schulze(pairwise_counts(tuple("ABCDQ"), rankings))
    assert sorted(x for tier in result.tiers for x in tier) == list(range(5))
    assert result.tiers[0] == result.winners
    for k, tier in enumerate(result.tiers):
        earlier = [y for t in result.tiers[:k] for y in t]
        for x in tier:
            # Nobody in its own tier or below beats x; somebody in an earlier tier does.
            assert not any(result.beats(y, x) for t in result.tiers[k:] for y in t)
            assert k == 0 or any(result.beats(y, x) for y in earlier)
    # The relation is transitive.
    for x in range(5):
        for y in range(5):
            for z in range(5):
                if result.beats(x, y) and result.beats(y, z):
                    assert result.beats(x, z)


@pytest.mark.parametrize(("profile", "alternatives", "passed", "winner", "phrase"), [
    ([], "AB", False, None, "No single Schulze winner"),
    ([(5, "")], "AB", False, None, "No single Schulze winner"),
    ([(3, "AB"), (1, "BA")], "AB", True, "A", "A adopted"),
    ([(2, "B")], "AB", True, "B", "B adopted"),  # partial ranking: the rest tied last
    ([(1, "ABCQ"), (1, "BCAQ"), (1, "CABQ")], "ABC", False, None, "(A, B, C tie)"),
    ([(3, "QAB"), (1, "ABQ")], "AB", False, None, "The status quo is the Schulze winner"),
    # A wins by beat-path (A>B 6:3, B>Q 7:2) but loses to the status quo head to head 4:5.
    ([(4, "ABQ"), (3, "BQA"), (2, "QAB")], "AB", False, None,
     "A is the Schulze winner but does not beat the status quo head to head (4 to 5)"),
    ([(2, "AQ"), (2, "QA")], "A", False, None, "(A, the status quo tie)"),
], ids=["no ballots", "all abstain", "clear winner", "partial ranking", "cycle",
        "status quo wins", "winner loses head to head", "tie with status quo"])
def test_ranked_table(profile, alternatives, passed, winner, phrase):
    outcome = ranked(profile, alternatives)
    assert (outcome.passed, outcome.winner) == (passed, winner)
    assert phrase in outcome.explanation


def test_ranked_quorum_and_abstention():
    rule = Rule("ranked", quorum=F(1, 2))
    outcome = ranked([(2, "AB"), (3, "")], "AB", rule, extra_electorate=5)
    assert outcome.quorum_met and outcome.passed and outcome.winner == "A"
    assert outcome.counts == {"ranked": 2, "abstain": 3}
    short = ranked([(2, "AB")], "AB", rule, extra_electorate=3)
    assert not short.quorum_met and short.failed_only_on_quorum and short.winner is None


def test_ranked_weighted_only_when_chosen():
    electorate = {"big": 3, "s1": 1, "s2": 1}
    ballots = [BallotInput("big", ranking=("B", "A")), BallotInput("s1", ranking=("A", "B")),
               BallotInput("s2", ranking=("A", "B"))]
    assert tally(Rule("ranked"), electorate, ballots, ["A", "B"]).winner == "A"
    assert tally(Rule("ranked", weighted=True), electorate, ballots, ["A", "B"]).winner == "B"


# --------------------------------------------------------------------------- rules as data


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_and_have_labels(name):
    rule = PRESETS[name]
    data = rule.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert Rule.from_dict(data) == rule
    assert PRESET_LABELS[name]
    assert rule.describe()
    assert not rule.weighted  # one co-op, one vote unless explicitly chosen


def test_fractions_are_strings():
    data = PRESETS["two-thirds"].to_dict()
    assert data["threshold"] == "2/3" and data["quorum"] == "3/5"
    assert Rule.from_dict({"method": "supermajority", "threshold": "3/4"}).threshold == F(3, 4)


@pytest.mark.parametrize(("rule", "text"), [
    (PRESETS["two-thirds"], "2/3 supermajority of votes cast, quorum 60% of member co-ops"),
    (PRESETS["simple-majority"], "Simple majority of votes cast, quorum 50% of member co-ops"),
    (Rule("majority", threshold_basis="electorate"), "Simple majority of the whole electorate, "
                                                     "no quorum"),
    (Rule("supermajority", threshold=F(1), quorum_count=4, secret=True),
     "Unanimity of votes cast, at least 4 co-ops taking part; secret ballot"),
    (Rule("consent", quorum=F(1, 3), weighted=True, live_totals=True),
     "Consent (adopted unless an objection stands), quorum 1/3 of the weighted votes of member "
     "co-ops; weighted votes; running totals shown while open"),
    (Rule("majority", quorum=F(1, 2), second_call_quorum=F(1, 3)),
     "Simple majority of votes cast, quorum 50% of member co-ops; if only the quorum fails, the "
     "question is called once more with quorum 1/3"),
    # The second call also drops the count quorum (see second_call): the rule says so.
    (Rule("majority", quorum=F(1, 2), quorum_count=4, second_call_quorum=F(1, 3)),
     "Simple majority of votes cast, quorum 50% of member co-ops and at least 4 co-ops taking "
     "part; if only the quorum fails, the question is called once more with quorum 1/3 and no "
     "minimum number of co-ops"),
    (PRESETS["ranked"], "Ranked choice (Schulze method, winning votes, ties of strength broken "
                        "by the smaller opposition; the winner must also beat the status quo "
                        "head to head), quorum 50% of member co-ops"),
])
def test_describe(rule, text):
    assert rule.describe() == text


SECOND_CALLS = [Rule("majority", quorum=F(1, 2), second_call_quorum=F(1, 3)),
                Rule("consent", quorum=F(3, 5), quorum_count=4, second_call_quorum=F(1, 5)),
                Rule("ranked", quorum=F(1, 2), quorum_count=2, second_call_quorum=F(1, 4),
                     weighted=True)]


@pytest.mark.parametrize("rule", SECOND_CALLS)
def test_the_rule_text_says_what_the_second_call_lowers(rule):
    """Whatever second_call changes from the first call's rule, the first call's text names."""
    again = second_call(rule)
    text = rule.describe()
    assert f"called once more with quorum {percent_text(again.quorum)}" in text
    assert again.quorum_count is None
    assert ("no minimum number of co-ops" in text) == (rule.quorum_count is not None)
    # Nothing else changes: same method, threshold, basis, weights, secrecy.
    unchanged = {k: v for k, v in rule.to_dict().items()
                 if k not in ("quorum", "quorum_count", "second_call_quorum")}
    assert {k: again.to_dict()[k] for k in unchanged} == unchanged


def _page_wording(rule: Rule, language: str) -> str:
    """describe_rule (wording.py) as a page in `language` renders it."""
    from pathlib import Path

    from flask import Flask
    from flask_babel import Babel

    from deliberate.voting.wording import describe_rule

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        Path(__file__).resolve().parents[2] / "deliberate" / "translations")
    Babel(app, locale_selector=lambda: language)
    with app.test_request_context("/"):
        return describe_rule(rule)


@pytest.mark.parametrize("rule", [*SECOND_CALLS, PRESETS["ranked"]])
def test_page_wording_is_the_rule_text_translated(rule):
    assert _page_wording(rule, "en") == rule.describe()
    spanish = _page_wording(rule, "es")
    assert spanish != rule.describe()
    if rule.second_call_quorum is not None:
        assert "una vez más" in spanish
        assert ("sin un número mínimo de cooperativas" in spanish) == (rule.quorum_count
                                                                      is not None)
    if rule.method == "ranked":
        assert "menor oposición" in spanish


@pytest.mark.parametrize(("data", "message"), [
    ({"method": "plurality"}, "method: 'plurality' is not one of"),
    ({}, "method: missing"),
    ([], "a rule must be an object"),
    ({"method": "majority", "colour": "red"}, "unknown rule field(s): colour"),
    ({"method": "supermajority", "threshold": 0.6667}, "not the float"),
    ({"method": "supermajority", "threshold": "1/2"}, "more than 1/2"),
    ({"method": "supermajority", "threshold": "5/4"}, "at most 1"),
    ({"method": "supermajority", "threshold": "two thirds"}, "is not a fraction"),
    ({"method": "majority", "threshold": "2/3"}, "only a supermajority has a threshold"),
    ({"method": "majority", "quorum": "0"}, "quorum: must be more than 0"),
    ({"method": "majority", "quorum": "3/2"}, "quorum: must be more than 0 and at most 1"),
    ({"method": "majority", "quorum_count": 0}, "quorum_count"),
    ({"method": "majority", "quorum_count": True}, "quorum_count"),
    ({"method": "majority", "threshold_basis": "members"}, "threshold_basis"),
    ({"method": "consent", "threshold_basis": "electorate"}, "only majority and supermajority"),
    ({"method": "majority", "weighted": "yes"}, "weighted: must be true or false"),
    ({"method": "majority", "second_call_quorum": "1/3"}, "needs a quorum share"),
    ({"method": "majority", "quorum": "1/3", "second_call_quorum": "1/2"}, "lower than"),
])
def test_from_dict_rejects_with_clear_messages(data, message):
    with pytest.raises(RuleError) as info:
        Rule.from_dict(data)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_second_call_lowers_the_quorum_once():
    rule = Rule("majority", quorum=F(1, 2), quorum_count=4, second_call_quorum=F(1, 3))
    again = second_call(rule)
    assert again.quorum == F(1, 3)
    assert again.second_call_quorum is None and again.quorum_count is None
    with pytest.raises(RuleError):
        second_call(again)


def test_registry_covers_every_method():
    assert set(TALLIES) == {"majority", "supermajority", "consent", "ranked"}


@pytest.mark.parametrize(("rule", "ballots", "alternatives", "message"), [
    (MAJ, [BallotInput("stranger", "for")], None, "not in the electorate"),
    (MAJ, [BallotInput("c00", "for"), BallotInput("c00", "against")], None,
     "more than one ballot"),
    (MAJ, [BallotInput("c00", "yes")], None, "'yes' is not a valid choice"),
    (MAJ, [BallotInput("c00", "consent")], None, "not a valid choice"),
    (CONSENT, [BallotInput("c00", "for")], None, "not a valid choice"),
    (CONSENT, [BallotInput("c00", "object_resolved")], None, "not a valid choice"),
    (MAJ, [BallotInput("c00", "for", objection_resolved=True)], None,
     "only an objection can be resolved"),
    (MAJ, [BallotInput("c00", "for", ranking=("A",))], None, "has no ranking"),
    (MAJ, [], ["A"], "has no alternatives"),
    (Rule("ranked"), [], None, "needs at least one alternative"),
    (Rule("ranked"), [], ["A", "A"], "more than once"),
    (Rule("ranked"), [BallotInput("c00", ranking=("A", "Z"))], ["A"], "'Z' is not one of"),
    (Rule("ranked"), [BallotInput("c00", ranking=("A", "A"))], ["A"], "more than once"),
    (Rule("ranked"), [BallotInput("c00", "for")], ["A"], "has a ranking, not the choice"),
    (Rule("ranked"), [BallotInput("c00")], ["A"], "needs a ranking"),
])
def test_tally_rejects_bad_input(rule, ballots, alternatives, message):
    with pytest.raises(RuleError) as info:
        tally(rule, coops(3), ballots, alternatives)
    assert message in str(info.value)


def test_weighted_electorate_needs_whole_positive_weights():
    with pytest.raises(RuleError, match="weight of a"):
        tally(Rule("majority", weighted=True), {"a": 0}, [])
    # Unweighted rules ignore weights entirely.
    assert tally(MAJ, {"a": 0}, [BallotInput("a", "for")]).passed


def test_outcome_round_trips_and_is_json():
    for outcome in (vote(PRESETS["two-thirds"], 10, ["for"] * 7), ranked(WIKIPEDIA, "ABCDE"),
                    vote(CONSENT, 4, ["consent", "object"])):
        data = outcome.to_dict()
        text = json.dumps(data, sort_keys=True)
        assert Outcome.from_dict(json.loads(text)) == outcome
        assert json.dumps(Outcome.from_dict(data).to_dict(), sort_keys=True) == text
    with pytest.raises(RuleError, match="missing"):
        Outcome.from_dict({"passed": True})


# --------------------------------------------------------------------------- properties

YES_NO = st.sampled_from(["for", "against", "abstain"])
METHOD_RULES = st.sampled_from([MAJ, MAJ_Q, TWO_THIRDS, UNANIMITY, PRESETS["two-thirds"],
                                Rule("majority", quorum=F(1, 2), weighted=True)])


@PROPERTY
@given(rule=METHOD_RULES, choices=st.lists(YES_NO, max_size=25), seed=st.integers())
def test_yes_no_result_independent_of_ballot_order(rule, choices, seed):
    electorate = {f"c{i:02d}": 1 + i % 3 for i in range(30)}
    ballots = [BallotInput(f"c{i:02d}", c) for i, c in enumerate(choices)]
    shuffled = ballots[:]
    random.Random(seed).shuffle(shuffled)
    assert tally(rule, electorate, ballots).to_dict() == tally(rule, electorate,
                                                               shuffled).to_dict()


@PROPERTY
@given(rankings=st.lists(st.permutations(["A", "B", "C", STATUS_QUO]).flatmap(
    lambda order: st.integers(0, 4).map(lambda k: tuple(order[:k]))), max_size=20),
    seed=st.integers())
def test_ranked_result_independent_of_ballot_order(rankings, seed):
    ballots = [BallotInput(f"v{i}", ranking=r) for i, r in enumerate(rankings)]
    electorate = {f"v{i}": 1 for i in range(25)}
    shuffled = ballots[:]
    random.Random(seed).shuffle(shuffled)
    assert (tally(Rule("ranked"), electorate, ballots, ["A", "B", "C"]).to_dict()
            == tally(Rule("ranked"), electorate, shuffled, ["A", "B", "C"]).to_dict())


@PROPERTY
@given(rule=METHOD_RULES, choices=st.lists(YES_NO, max_size=25))
def test_an_extra_for_never_turns_a_pass_into_a_fail(rule, choices):
    electorate = {f"c{i:02d}": 1 + i % 3 for i in range(30)}
    ballots = [BallotInput(f"c{i:02d}", c) for i, c in enumerate(choices)]
    before = tally(rule, electorate, ballots)
    after = tally(rule, electorate, ballots + [BallotInput("c29", "for")])
    if before.passed:
        assert after.passed
    if before.quorum_met:
        assert after.quorum_met


@PROPERTY
@given(choices=st.lists(st.sampled_from(["consent", "stand_aside", "object_resolved"]),
                        min_size=1, max_size=10))
def test_a_standing_objection_always_blocks_consent(choices):
    assert vote(CONSENT, 12, choices).passed
    assert not vote(CONSENT, 12, choices + ["object"]).passed


def _naive_pairwise(options, ballots):
    d = {(a, b): 0 for a in options for b in options if a != b}
    for ranking, weight in ballots.items():
        place = {o: ranking.index(o) if o in ranking else len(ranking) for o in options}
        for a, b in d:
            if place[a] < place[b]:
                d[a, b] += weight
    return [[0 if a == b else d[a, b] for b in options] for a in options]


@PROPERTY
@given(st.dictionaries(st.permutations("ABCDE").flatmap(
    lambda order: st.integers(0, 5).map(lambda k: tuple(order[:k]))),
    st.integers(1, 7), max_size=15))
def test_vectorised_pairwise_matches_the_definition(ballots):
    assert pairwise_counts(tuple("ABCDE"), ballots) == _naive_pairwise("ABCDE", ballots)


@PROPERTY
@given(st.lists(st.permutations("ABCD"), min_size=1, max_size=15))
def test_a_condorcet_winner_always_wins_schulze(orders):
    counts: dict[tuple[str, ...], int] = {}
    for order in orders:
        counts[tuple(order)] = counts.get(tuple(order), 0) + 1
    d = pairwise_counts(tuple("ABCD"), counts)
    condorcet = [i for i in range(4) if all(d[i][j] > d[j][i] for j in range(4) if j != i)]
    if condorcet:
        assert schulze(d).winners == condorcet


# --------------------------------------------------------------------------- speed
# Loose bounds (5x the targets in bench/tally.py) so a busy CI machine does not flake.


def test_majority_over_10k_ballots_is_fast():
    rng = random.Random(7)
    electorate = {f"c{i}": 1 for i in range(10_000)}
    ballots = [BallotInput(v, rng.choice(["for", "against", "abstain"])) for v in electorate]
    start = time.perf_counter()
    tally(PRESETS["simple-majority"], electorate, ballots)
    assert time.perf_counter() - start < 0.25


def test_schulze_10_alternatives_10k_ballots_is_fast():
    rng = random.Random(7)
    alternatives = [f"a{i}" for i in range(10)]
    options = alternatives + [STATUS_QUO]
    ballots = []
    for i in range(10_000):
        rng.shuffle(options)
        ballots.append(BallotInput(f"v{i}", ranking=tuple(options)))
    electorate = {b.voter: 1 for b in ballots}
    start = time.perf_counter()
    tally(PRESETS["ranked"], electorate, ballots, alternatives)
    assert time.perf_counter() - start < 5.0
