"""A vote's words as messages (voting/explanation.py): the English is exactly what the platform has
always written (records that were published with it must still verify), and a stored result is
explained again from its own fields, in any language."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.translatable import M_, MN_, Code, Joined, Message, Percent, english_sentences
from deliberate.voting.explanation import explain, explanation, rule_wording
from deliberate.voting.policy import describe_policy
from deliberate.voting.rules import CHOICES, METHODS, PRESETS, BallotInput, Outcome, Rule, tally
from deliberate.voting.schulze import STRENGTH

# Each case's rule text and explanation as the code before the messages wrote them (kept verbatim:
# they are in published records): tests/unit/data/explanations.json.
GOLDEN = json.loads((Path(__file__).parent / "data" / "explanations.json").read_text())


def _ballots(case: dict) -> list[BallotInput]:
    return [BallotInput(voter=b["voter"], ranking=tuple(b["ranking"])) if "ranking" in b
            else BallotInput(voter=b["voter"], choice=b["choice"], objection_resolved=b["resolved"]) for b in case["ballots"]]


@pytest.mark.parametrize("case", GOLDEN, ids=[case["case"] for case in GOLDEN])
def test_the_english_is_what_it_always_was(case):
    rule = Rule.from_dict(case["rule"])
    assert rule.describe() == case["describe"]
    assert english_sentences(rule_wording(rule), "; ") == case["describe"]
    assert tally(rule, case["electorate"], _ballots(case), case["alternatives"]).explanation == case["explanation"]


@pytest.mark.parametrize("case", GOLDEN, ids=[case["case"] for case in GOLDEN])
def test_a_stored_result_is_explained_again_from_its_fields(case):
    rule = Rule.from_dict(case["rule"])
    stored = json.loads(json.dumps(tally(rule, case["electorate"], _ballots(case), case["alternatives"]).to_dict()))
    messages = explain(rule, Outcome.from_dict(stored))
    assert all(isinstance(message, Message) for message in messages)
    assert english_sentences(messages) == case["explanation"] == explanation(rule, Outcome.from_dict(stored))


@st.composite
def _votes(draw):
    method = draw(st.sampled_from(METHODS))
    data = {"method": method, "weighted": draw(st.booleans()),
            "quorum": draw(st.sampled_from([None, "1/2", "3/5", "1/3"])), "quorum_count": draw(st.sampled_from([None, 1, 3]))}
    if method == "supermajority":
        data["threshold"] = draw(st.sampled_from(["2/3", "3/4", "1"]))
    if method in ("majority", "supermajority"):
        data["threshold_basis"] = draw(st.sampled_from(["cast", "electorate"]))
    if data["quorum"] and draw(st.booleans()):
        data["second_call_quorum"] = "1/4"
    rule = Rule.from_dict(data)
    voters = [f"c{i}" for i in range(draw(st.integers(0, 7)))]
    electorate = {v: draw(st.integers(1, 500)) for v in voters}
    alternatives = ["A1", "A2", "A3"][:draw(st.integers(1, 3))] if method == "ranked" else None
    ballots = []
    for voter in voters:
        if draw(st.booleans()):
            if method == "ranked":
                options = [*alternatives, "status_quo"]
                ballots.append(BallotInput(voter=voter, ranking=tuple(draw(st.permutations(options))[:draw(st.integers(0, len(options)))])))
            else:
                choice = draw(st.sampled_from(CHOICES[method]))
                ballots.append(BallotInput(voter=voter, choice=choice, objection_resolved=choice == "object" and draw(st.booleans())))
    return rule, electorate, ballots, alternatives


@given(_votes())
def test_every_outcome_is_explained_again_exactly(vote):
    rule, electorate, ballots, alternatives = vote
    outcome = tally(rule, electorate, ballots, alternatives)
    stored = Outcome.from_dict(json.loads(json.dumps(outcome.to_dict())))
    assert english_sentences(explain(rule, stored)) == outcome.explanation


def test_the_ranked_rule_text_names_the_strength_of_schulze_py():
    assert STRENGTH in PRESETS["ranked"].describe()


def test_messages_in_english():
    assert M_("Rebased onto revision %(number)s.", number=3).english() == "Rebased onto revision 3."
    assert M_("Simple majority, quorum 50%").english() == "Simple majority, quorum 50%"  # not %-formatted
    assert MN_("%(num)s co-op", "%(num)s co-ops", 1).english() == "1 co-op"
    assert MN_("%(num)s co-op", "%(num)s co-ops", 2).english() == "2 co-ops"
    nested = M_("%(first)s and %(second)s", first=Code("major"), second=Joined(("A1", M_("the status quo"))))
    assert nested.english() == "major and A1, the status quo"
    assert [Percent(Fraction(3, 5)).english(), Percent(Fraction(1, 3)).english(), Percent(Fraction(501, 1000), 1).english()] \
        == ["60%", "1/3", "50.1%"]


def test_the_policy_in_messages():
    lines = describe_policy({"steward_may_adopt": ["editorial", "guidance"]})
    assert all(isinstance(line, Message) for line in lines)
    assert lines[-1].english() == "A steward may adopt amendments to guidance and editorial sections without a vote."
