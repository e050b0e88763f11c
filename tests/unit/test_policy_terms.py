"""Policy v2: per-kind terms (rule, quorum, phases, who opens what), and the overlay of a standard's
policy on the network's."""
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.policies.queries import overlay
from deliberate.voting.policy import (
    CHANGE_KINDS,
    DEFAULT_POLICY,
    PHASE_FIELDS,
    PolicyError,
    parse_share,
    terms_for,
    validate_policy,
)
from deliberate.voting.rules import PRESETS

TERM_KEYS = {"change_kind", "rule", "quorum", *PHASE_FIELDS, "urgent", "steward_may_adopt", "last_call_by",
             "vote_opened_by"}


@pytest.mark.parametrize("kind", CHANGE_KINDS)
def test_every_kind_has_complete_terms_by_default(kind):
    terms = terms_for({}, kind)
    assert set(terms) == TERM_KEYS and terms["change_kind"] == kind
    assert terms["rule"] in PRESETS and terms["quorum"] is None
    assert terms["voting_days"] >= 1 and all(terms[name] >= 0 for name in PHASE_FIELDS)


@pytest.mark.parametrize("kind, key, expected", [
    ("principle", None, "consent"), ("guidance", None, "simple-majority"), ("editorial", None, "simple-majority"),
    ("version", None, "two-thirds"), ("admission", None, "simple-majority"),
    ("guidance", "data-rights", "unanimity"), ("version", "data-rights", "two-thirds"),
])
def test_the_rule_of_each_kind_and_section_overrides(kind, key, expected):
    assert terms_for({"sections": {"data-rights": "unanimity"}}, kind, key)["rule"] == expected


def test_phases_quorums_and_opening_are_read_per_kind():
    policy = {"phases": {"guidance": {"discussion_days": 3, "urgent": True}}, "quorums": {"guidance": "75%"},
              "opening": {"vote": "automatic"}, "steward_may_adopt": ["guidance"]}
    terms = terms_for(policy, "guidance")
    assert terms["discussion_days"] == 3 and terms["urgent"] is True and terms["last_call_days"] == 7
    assert terms["quorum"] == "3/4" and terms["vote_opened_by"] == "automatic" and terms["steward_may_adopt"]
    assert terms_for(policy, "principle")["discussion_days"] == 14 and terms_for(policy, "principle")["quorum"] is None


@pytest.mark.parametrize("policy, message", [
    ({"phases": {"bylaws": {}}}, "'bylaws' is not a kind of change"),
    ({"phases": {"principle": {"discussion_days": -1}}}, "a whole number of days"),
    ({"phases": {"principle": {"discussion_days": 1.5}}}, "a whole number of days"),
    ({"phases": {"principle": {"discussion_days": True}}}, "a whole number of days"),
    ({"phases": {"principle": {"voting_days": 0}}}, "at least one day"),
    ({"phases": {"principle": {"urgent": "yes"}}}, "true or false"),
    ({"phases": {"principle": {"quiet_days": 3}}}, "unknown entries: quiet_days"),
    ({"phases": []}, "must be an object"),
    ({"quorums": {"version": "0"}}, "more than 0"),
    ({"quorums": {"version": "two thirds"}}, "is not a share"),
    ({"quorums": {"version": "150%"}}, "at most 1"),
    ({"opening": {"vote": "anyone"}}, "not one of stewards, automatic"),
    ({"opening": {"ratify": "stewards"}}, "not a step"),
    ({"proxies": {"max_per_coop": -1}}, "from 0 to 100"),
    ({"proxies": {"chains": True}}, "unknown entries"),
    ({"council": {"size": 2}}, "from 3 to 25"),
])
def test_invalid_terms_say_what_is_wrong(policy, message):
    with pytest.raises(PolicyError, match=message):
        validate_policy(policy)


def test_unknown_kinds_of_change_are_refused():
    with pytest.raises(PolicyError):
        terms_for({}, "bylaws")


@pytest.mark.parametrize("text, share", [("3/5", Fraction(3, 5)), ("60%", Fraction(3, 5)), (" 50% ", Fraction(1, 2)),
                                         (1, Fraction(1)), (0.6, Fraction(3, 5)), ("1", Fraction(1))])
def test_shares_are_read_in_every_usual_form(text, share):
    assert parse_share(text) == share


def test_terms_are_copies_that_never_touch_the_defaults():
    terms = terms_for({}, "principle")
    terms["discussion_days"] = 0
    assert DEFAULT_POLICY["phases"]["principle"]["discussion_days"] == 14
    assert terms_for({}, "principle")["discussion_days"] == 14


@given(st.dictionaries(st.sampled_from(CHANGE_KINDS),
                       st.fixed_dictionaries({}, optional={name: st.integers(0, 365) for name in PHASE_FIELDS})))
def test_a_standard_overlays_only_what_it_sets(phases):
    network = {"phases": {"principle": {"discussion_days": 21}}, "council": {"size": 7}}
    standard = {"phases": {kind: {k: max(v, 1) if k == "voting_days" else v for k, v in fields.items()}
                           for kind, fields in phases.items()}}
    merged = validate_policy(overlay(network, standard))
    for kind in CHANGE_KINDS:
        for name in PHASE_FIELDS:
            mine = standard["phases"].get(kind, {}).get(name)
            theirs = network["phases"].get(kind, {}).get(name)
            expected = mine if mine is not None else theirs if theirs is not None else DEFAULT_POLICY["phases"][kind][name]
            assert merged["phases"][kind][name] == expected
    assert merged["council"]["size"] == 7
