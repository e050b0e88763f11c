"""The network's rules in plain words (deliberate/policies/rules_text.py) and the policy form's
reading (deliberate/policies/editing.py)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.policies import editing, rules_text
from deliberate.voting.policy import PolicyError, validate_policy


def test_every_section_is_rendered_in_order_with_stable_keys():
    sections = rules_text.render_sections({})
    assert [key for key, _t, _b in sections] == list(rules_text.SECTION_KEYS)
    assert all(body.strip() for _k, _t, body in sections)


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"amendments": {"guidance": "two-thirds"}}, "kinds-of-change", "A change to guidance: 2/3 supermajority, quorum 60%."),
    ({"quorums": {"principle": "3/4"}}, "kinds-of-change", "Consent, with at least 75% of member co-ops taking part."),
    ({"phases": {"guidance": {"discussion_days": 1}}}, "phases", "at least 1 day of discussion"),
    ({"proxies": {"max_per_coop": 0}}, "proxies", "no co-op may hold another's vote"),
    ({"proxies": {"max_per_coop": 1}}, "proxies", "at most 1 other co-op."),
    ({"council": {"size": 7}}, "council", "a council of 7 member co-ops"),
    ({"opening": {"vote": "automatic"}}, "who-starts", "The vote opens by itself"),
    ({"admissions": "two-thirds"}, "admission", "2/3 supermajority"),
    ({"steward_may_adopt": []}, "kinds-of-change", "no steward adopts one alone"),
])
def test_a_change_shows_in_its_own_section_only(change, key, words):
    before = dict((k, b) for k, _t, b in rules_text.render_sections({}))
    after = dict((k, b) for k, _t, b in rules_text.render_sections(change))
    assert words in after[key]
    assert {k for k in after if after[k] != before[k]} == {key}


def test_rendering_a_stored_or_complete_policy_gives_the_same_words():
    stored = {"council": {"size": 9}}
    assert rules_text.render_sections(stored) == rules_text.render_sections(validate_policy(stored))


def test_a_standards_text_leaves_out_the_network_only_parts():
    text = rules_text.render_text({}, network=False)
    assert "How each kind of change is decided" in text and "Proxies between co-ops" not in text


def test_the_form_reads_back_the_policy_it_shows():
    for network in (True, False):
        full = validate_policy({"amendments": {"guidance": "three-quarters"}, "quorums": {"version": "4/5"},
                                "steward_may_adopt": ["editorial", "guidance"]})
        values = editing.form_values(full, network=network)
        form = {k: ("on" if v is True else str(v)) for k, v in values.items() if v is not False}
        assert validate_policy(editing.policy_from_form(form, full, network=network)) == full


def test_the_form_names_fields_that_are_not_numbers():
    full = validate_policy({})
    form = {k: ("on" if v is True else str(v)) for k, v in editing.form_values(full, network=True).items() if v is not False}
    form.update({"voting_days-guidance": "two weeks", "quorum-principle": "lots", "council_size": ""})
    with pytest.raises(editing.FormErrors) as caught:
        editing.policy_from_form(form, full, network=True)
    assert set(caught.value.fields) == {"voting_days-guidance", "quorum-principle", "council_size"}


@pytest.mark.parametrize(("policy", "field"), [
    ({"phases": {"guidance": {"voting_days": 0}}}, "voting_days-guidance"),
    ({"amendments": {"principle": "ranked"}}, "rule-principle"),
    ({"council": {"size": 2}}, "council_size"),
    ({"proxies": {"max_per_coop": 101}}, "max_per_coop"),
    ({"quorums": {"version": "2"}}, "quorum-version"),
    ({"opening": {"vote": "never"}}, "vote_opened_by"),
    ({"versions": "ranked"}, "rule-version"),
])
def test_a_policy_error_is_put_on_its_field(policy, field):
    with pytest.raises(PolicyError) as caught:
        validate_policy(policy)
    assert editing.field_for_error(str(caught.value)) == field


@given(st.sampled_from(["simple-majority", "two-thirds", "consent"]), st.integers(3, 25))
def test_delta_laid_over_its_base_gives_the_new_policy(rule, size):
    from deliberate.policies.queries import overlay

    base = validate_policy({})
    new = validate_policy({"amendments": {"guidance": rule}, "council": {"size": size}})
    assert validate_policy(overlay(base, editing.delta(base, new))) == new
    assert editing.delta(base, base) == {}


@pytest.mark.parametrize(("policy", "path"), [
    ({"phases": {"guidance": {"voting_days": 0}}}, "phases.guidance.voting_days"),
    ({"phases": {"nope": {}}}, "phases"),
    ({"quorums": {"principle": "2"}}, "quorums.principle"),
    ({"amendments": {"guidance": "whatever"}}, "amendments.guidance"),
    ({"amendments": {"chapter": "consent"}}, "amendments"),
    ({"proxies": {"max_per_coop": "two"}}, "proxies.max_per_coop"),
    ({"council": {"size": 0}}, "council.size"),
    ({"opening": {"vote": "nobody"}}, "opening.vote"),
    ({"registry": {"declaration_months": 0}}, "registry"),
    ({"unknown": 1}, ""),
    ([], ""),
])
def test_a_policy_error_names_its_entry_for_the_api(policy, path):
    with pytest.raises(PolicyError) as caught:
        validate_policy(policy)
    assert editing.path_for_error(str(caught.value)) == path


@given(st.text(max_size=60))
def test_the_entry_path_is_always_a_known_entry_or_nothing(message):
    path = editing.path_for_error(message)
    assert path == "" or (path.split(".")[0] in validate_policy({}) and path + ":" in message.replace(" ", ""))
