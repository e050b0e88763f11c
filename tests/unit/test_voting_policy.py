"""A standard's voting policy: which preset decides what (pure)."""
import pytest

from deliberate.voting.policy import (
    DEFAULT_POLICY,
    PolicyError,
    describe_policy,
    preset_for_admission,
    preset_for_group,
    preset_for_section,
    preset_for_version,
    steward_may_adopt,
    validate_policy,
)
from deliberate.voting.rules import PRESETS

EXAMPLE = {"amendments": {"principle": "consent", "guidance": "simple-majority", "editorial": "simple-majority"},
           "versions": "two-thirds", "admissions": "simple-majority", "steward_may_adopt": ["editorial"]}


@pytest.mark.parametrize("policy", [None, {}, EXAMPLE])
def test_defaults_fill_in_what_a_policy_leaves_out(policy):
    full = validate_policy(policy)
    assert set(full) == set(DEFAULT_POLICY)
    assert full["amendments"]["principle"] == "consent" and full["versions"] == "two-thirds"
    assert all(value in PRESETS for value in full["amendments"].values())


@pytest.mark.parametrize("kind, key, expected", [
    ("principle", None, "three-quarters"),
    ("guidance", None, "simple-majority"),
    ("editorial", None, "simple-majority"),
    ("guidance", "data-rights", "unanimity"),
    ("principle", "other-key", "three-quarters"),
])
def test_preset_for_section(kind, key, expected):
    policy = {"amendments": {"principle": "three-quarters"}, "sections": {"data-rights": "unanimity"}}
    assert preset_for_section(policy, kind, key) == expected


def test_versions_groups_and_admissions():
    assert preset_for_version({"versions": "unanimity"}) == "unanimity"
    assert preset_for_version({}) == "two-thirds"
    assert preset_for_group({}) == "ranked"
    assert preset_for_admission() == "simple-majority"
    assert preset_for_admission({"admissions": "consent"}) == "consent"


@pytest.mark.parametrize("kind, allowed", [("editorial", True), ("guidance", False), ("principle", False)])
def test_steward_may_adopt(kind, allowed):
    assert steward_may_adopt({}, kind) is allowed
    assert steward_may_adopt({"steward_may_adopt": ["guidance", "editorial"]}, "guidance") is True
    assert steward_may_adopt({"steward_may_adopt": []}, "editorial") is False


@pytest.mark.parametrize("policy, message", [
    ("consent", "must be an object"),
    ({"amendment": {}}, "unknown policy entries: amendment"),
    ({"amendments": {"principle": "majority"}}, "'majority' is not a rule preset"),
    ({"amendments": {"preamble": "consent"}}, "'preamble' is not a kind of section"),
    ({"amendments": ["consent"]}, "must map kinds"),
    ({"amendments": {"principle": "ranked"}}, "ranked choice is only for groups"),
    ({"groups": "consent"}, "competing amendments are decided by ranked choice"),
    ({"versions": 2}, "versions: 2 is not a rule preset"),
    ({"sections": {"Data Rights": "consent"}}, "is not a section key"),
    ({"sections": {"data-rights": "3/4"}}, "sections.data-rights"),
    ({"steward_may_adopt": "editorial"}, "must be a list"),
    ({"steward_may_adopt": ["typos"]}, "'typos' is not a kind of section"),
])
def test_invalid_policies_say_what_is_wrong(policy, message):
    with pytest.raises(PolicyError, match=message):
        validate_policy(policy)


def test_reading_functions_refuse_unknown_kinds_and_bad_policies():
    with pytest.raises(PolicyError):
        preset_for_section({}, "preamble")
    with pytest.raises(PolicyError):
        steward_may_adopt({"versions": "nope"}, "editorial")


def test_the_policy_in_plain_words():
    lines = [line.english() for line in describe_policy({"sections": {"data-rights": "unanimity"}})]
    assert lines[0] == "Amendments to principle sections: Consent, quorum 50%."
    assert "Amendments to the section “data-rights”: Unanimity of votes cast, quorum 50%." in lines
    assert lines[-1] == "A steward may adopt amendments to editorial sections without a vote."


def test_validation_does_not_change_its_input_or_the_defaults():
    policy = {"amendments": {"guidance": "two-thirds"}}
    validate_policy(policy)["amendments"]["principle"] = "unanimity"
    assert policy == {"amendments": {"guidance": "two-thirds"}}
    assert DEFAULT_POLICY["amendments"]["principle"] == "consent"
