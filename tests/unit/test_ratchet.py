"""The ratchet (deliberate/policies/ratchet.py): a change to the rules is decided under the stricter
of the old and the new rule. Table cases, and Hypothesis properties checked against an independent
implementation of the documented order."""
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.policies import ratchet
from deliberate.voting.policy import PHASE_FIELDS, terms_for, validate_policy
from deliberate.voting.rules import PRESETS

SINGLE = [name for name, rule in PRESETS.items() if rule.method != "ranked"]
# The documented order, written out by hand (loosest first): the independent implementation.
ORDER = ["simple-majority", "two-thirds", "three-quarters", "consent", "unanimity"]


def terms(rule="simple-majority", quorum=None, days=(7, 7, 14, 30), urgent=False, adopt=False,
          last_call_by="authors", vote_opened_by="stewards"):
    return {"change_kind": "principle", "rule": rule, "quorum": quorum,
            **dict(zip(PHASE_FIELDS, days)), "urgent": urgent, "steward_may_adopt": adopt,
            "last_call_by": last_call_by, "vote_opened_by": vote_opened_by}


def test_the_order_covers_every_single_change_preset():
    assert sorted(ORDER) == sorted(SINGLE)


@pytest.mark.parametrize(("a", "b", "stricter"), [
    ("simple-majority", "two-thirds", "two-thirds"),
    ("two-thirds", "three-quarters", "three-quarters"),
    ("three-quarters", "consent", "consent"),
    ("consent", "unanimity", "unanimity"),
    ("unanimity", "simple-majority", "unanimity"),
    ("consent", "simple-majority", "consent"),
    ("two-thirds", "two-thirds", "two-thirds"),
])
def test_stricter_preset_table(a, b, stricter):
    assert ratchet.stricter_preset(a, b) == stricter == ratchet.stricter_preset(b, a)


def test_ranked_choice_is_not_a_rule_for_one_change():
    with pytest.raises(ratchet.RatchetError):
        ratchet.agreement_rank("ranked")
    with pytest.raises(ratchet.RatchetError):
        ratchet.agreement_rank("no-such-preset")


@pytest.mark.parametrize(("a", "b", "expected"), [
    # Quorum: the preset's own counts when the policy sets none; the higher wins.
    (terms("simple-majority"), terms("two-thirds"), {"rule": "two-thirds", "quorum": None}),
    (terms("two-thirds"), terms("consent"), {"rule": "consent", "quorum": "3/5"}),
    (terms("consent", quorum="3/4"), terms("unanimity"), {"rule": "unanimity", "quorum": "3/4"}),
    (terms("consent", quorum="1/2"), terms("consent"), {"rule": "consent", "quorum": None}),
    # Time: the longer; shortcuts: only if both allow them; who starts: a steward.
    (terms(days=(2, 3, 7, 14), urgent=True, adopt=True), terms(days=(14, 1, 7, 30), urgent=True, adopt=False),
     {"discussion_days": 14, "last_call_days": 3, "voting_days": 7, "objection_days": 30, "urgent": True,
      "steward_may_adopt": False}),
    (terms(last_call_by="authors", vote_opened_by="automatic"), terms(last_call_by="stewards", vote_opened_by="automatic"),
     {"last_call_by": "stewards", "vote_opened_by": "automatic"}),
])
def test_stricter_terms_table(a, b, expected):
    result = ratchet.stricter_terms(a, b)
    assert {k: result[k] for k in expected} == expected


@pytest.mark.parametrize(("current", "proposed", "decided_by"), [
    (terms("consent"), terms("consent"), "same"),
    (terms("consent"), terms("simple-majority"), "current"),
    (terms("simple-majority"), terms("unanimity"), "proposed"),
    (terms("consent", days=(3, 3, 3, 3)), terms("simple-majority", days=(30, 3, 3, 3)), "combined"),
])
def test_which_rule_decides(current, proposed, decided_by):
    assert ratchet.which(current, proposed) == decided_by


def test_policy_change_terms_record_both_rules():
    loosened = validate_policy({"amendments": {"principle": "simple-majority"}})
    result = ratchet.policy_change_terms(validate_policy({}), loosened)
    assert result["rule"] == "consent" and result["change_kind"] == "principle"
    assert result["ratchet"] == {"current": {"rule": "consent", "quorum": "1/2"},
                                 "proposed": {"rule": "simple-majority", "quorum": "1/2"}, "decided_by": "current"}


# Properties ------------------------------------------------------------------------------------

shares = st.one_of(st.none(), st.fractions(min_value=Fraction(1, 20), max_value=1, max_denominator=20)
                   .map(lambda f: f"{f.numerator}/{f.denominator}"))
terms_strategy = st.builds(
    terms, rule=st.sampled_from(SINGLE), quorum=shares,
    days=st.tuples(*[st.integers(0, 365)] * 4), urgent=st.booleans(), adopt=st.booleans(),
    last_call_by=st.sampled_from(["authors", "stewards"]), vote_opened_by=st.sampled_from(["automatic", "stewards"]))


def independent_quorum(t):
    return Fraction(t["quorum"]) if t["quorum"] else PRESETS[t["rule"]].quorum


def independent_at_least(a, b) -> bool:
    return (ORDER.index(a["rule"]) >= ORDER.index(b["rule"]) and independent_quorum(a) >= independent_quorum(b)
            and all(a[f] >= b[f] for f in PHASE_FIELDS) and a["urgent"] <= b["urgent"]
            and a["steward_may_adopt"] <= b["steward_may_adopt"]
            and (a["last_call_by"] == "stewards" or b["last_call_by"] == "authors")
            and (a["vote_opened_by"] == "stewards" or b["vote_opened_by"] == "automatic"))


def comparable(t):
    return {**t, "quorum": independent_quorum(t)}


@given(terms_strategy, terms_strategy)
def test_stricter_is_at_least_as_strict_as_each(a, b):
    result = ratchet.stricter_terms(a, b)
    assert independent_at_least(result, a) and independent_at_least(result, b)
    assert ratchet.at_least_as_strict(result, a) and ratchet.at_least_as_strict(result, b)


@given(terms_strategy, terms_strategy)
def test_stricter_is_the_least_such_terms(a, b):
    # Every component comes from a or b: nothing stricter than needed.
    result = ratchet.stricter_terms(a, b)
    assert result["rule"] in (a["rule"], b["rule"])
    assert independent_quorum(result) in (independent_quorum(a), independent_quorum(b))
    assert all(result[f] in (a[f], b[f]) for f in PHASE_FIELDS)


@given(terms_strategy, terms_strategy)
def test_stricter_is_commutative(a, b):
    assert comparable(ratchet.stricter_terms(a, b)) == comparable(ratchet.stricter_terms(b, a))


@given(terms_strategy)
def test_stricter_is_idempotent(a):
    assert comparable(ratchet.stricter_terms(a, a)) == comparable(a)


@given(terms_strategy, terms_strategy, terms_strategy)
def test_stricter_is_associative(a, b, c):
    left = ratchet.stricter_terms(ratchet.stricter_terms(a, b), c)
    right = ratchet.stricter_terms(a, ratchet.stricter_terms(b, c))
    assert comparable(left) == comparable(right)


@given(terms_strategy, terms_strategy)
def test_at_least_as_strict_agrees_with_the_independent_order(a, b):
    assert ratchet.at_least_as_strict(a, b) == independent_at_least(a, b)


@given(st.sampled_from(SINGLE), st.sampled_from(SINGLE))
def test_policy_change_terms_never_looser_than_either_policy(old, new):
    current = validate_policy({"amendments": {"principle": old}})
    proposed = validate_policy({"amendments": {"principle": new}})
    result = ratchet.policy_change_terms(current, proposed)
    assert ratchet.at_least_as_strict(result, terms_for(current, "principle"))
    assert ratchet.at_least_as_strict(result, terms_for(proposed, "principle"))
