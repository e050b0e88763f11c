"""The amendment state table, over every state × action."""
import pytest

from deliberate.proposals.states import ACTIONS, FINAL_STATES, STATES, TRANSITIONS, InvalidTransition, allowed_actions, next_state, resolve_target

EXPECTED = {
    ("draft", "edit"): "draft", ("draft", "open"): "open", ("draft", "withdraw"): "withdrawn",
    ("draft", "conflict"): "conflicted", ("draft", "rebase"): "draft", ("draft", "supersede"): "superseded",
    ("open", "edit"): "open", ("open", "start_vote"): "voting", ("open", "adopt"): "adopted",
    ("open", "withdraw"): "withdrawn", ("open", "conflict"): "conflicted", ("open", "rebase"): "open",
    ("open", "supersede"): "superseded",
    ("conflicted", "resolve"): "open", ("conflicted", "withdraw"): "withdrawn", ("conflicted", "supersede"): "superseded",
    ("conflicted", "conflict"): "conflicted",
    ("voting", "adopt"): "adopted", ("voting", "reject"): "rejected", ("voting", "cancel_vote"): "open",
    ("voting", "supersede"): "superseded", ("voting", "conflict"): "conflicted", ("voting", "rebase"): "voting",
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(state, action):
    if (state, action) in EXPECTED:
        assert next_state(state, action) == EXPECTED[(state, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(InvalidTransition) as caught:
            next_state(state, action)
        assert state in str(caught.value)
        assert action not in allowed_actions(state)


def test_final_states_allow_nothing():
    for state in FINAL_STATES:
        assert TRANSITIONS[state] == {}


def test_nothing_can_be_adopted_or_voted_while_conflicted():
    assert "adopt" not in allowed_actions("conflicted") and "start_vote" not in allowed_actions("conflicted")


@pytest.mark.parametrize("before, after", [("draft", "draft"), ("open", "open"), ("voting", "open"), (None, "open")])
def test_a_resolved_conflict_returns_where_it_was(before, after):
    assert resolve_target(before) == after


def test_unknown_state_is_refused():
    with pytest.raises(InvalidTransition):
        next_state("lost", "open")
