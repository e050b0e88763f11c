"""The amendment state table: one mapping, one function that refuses what is not in it.

Pure: no Flask, no database. Who may take an action is decided in ``permissions``; this module
only says which actions exist in which state and where they lead.
"""
from __future__ import annotations

from ..translatable import N_

STATES = ("draft", "open", "voting", "adopted", "rejected", "withdrawn", "superseded", "conflicted")
FINAL_STATES = frozenset({"adopted", "rejected", "withdrawn", "superseded"})
# States in which the proposed text may still change (and so must follow its base).
LIVE_STATES = frozenset({"draft", "open", "conflicted"})

# state -> action -> next state. "resolve" returns a conflicted amendment to where it was
# (draft or open); its target is decided by resolve_target().
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"edit": "draft", "open": "open", "withdraw": "withdrawn", "conflict": "conflicted",
              "rebase": "draft", "supersede": "superseded"},
    "open": {"edit": "open", "start_vote": "voting", "adopt": "adopted", "withdraw": "withdrawn",
             "conflict": "conflicted", "rebase": "open", "supersede": "superseded"},
    "conflicted": {"resolve": "open", "withdraw": "withdrawn", "supersede": "superseded", "conflict": "conflicted"},
    "voting": {"adopt": "adopted", "reject": "rejected", "cancel_vote": "open", "supersede": "superseded",
               "conflict": "conflicted", "rebase": "voting"},
    "adopted": {},
    "rejected": {},
    "withdrawn": {},
    "superseded": {},
}

ACTIONS = tuple(sorted({action for actions in TRANSITIONS.values() for action in actions}))

# Plain-language names, shown on buttons and in the timeline.
ACTION_LABELS = {
    "edit": N_("edited"), "open": N_("opened for discussion"), "start_vote": N_("put to a vote"), "adopt": N_("adopted"),
    "reject": N_("rejected"), "withdraw": N_("withdrawn"), "conflict": N_("marked as conflicting"),
    "rebase": N_("brought up to date"), "supersede": N_("superseded"), "resolve": N_("conflict resolved"),
    "cancel_vote": N_("vote cancelled"),
}

STATE_HELP = {
    "draft": N_("Being written by its authors; only they and the stewards can see it."),
    "open": N_("Open for discussion. It can be improved until it is put to a vote."),
    "voting": N_("The co-ops are voting on this exact text."),
    "adopted": N_("Adopted: the text of the standard now includes this change."),
    "rejected": N_("The vote did not pass; the text stays as it was."),
    "withdrawn": N_("Withdrawn by its authors."),
    "superseded": N_("Another amendment to the same passage was adopted instead."),
    "conflicted": N_("The text changed underneath this amendment in the same place. "
                  "An author must bring it up to date before it can go to a vote."),
}


class InvalidTransition(ValueError):
    """The action is not possible in the amendment's current state."""

    def __init__(self, state: str, action: str):
        label = ACTION_LABELS.get(action, action)
        super().__init__(f"An amendment that is {state} cannot be {label}.")
        self.state, self.action = state, action


def next_state(state: str, action: str) -> str:
    """The state after ``action``; raises :class:`InvalidTransition` when it is not allowed."""
    try:
        return TRANSITIONS[state][action]
    except KeyError:
        raise InvalidTransition(state, action) from None


def resolve_target(state_before_conflict: str | None) -> str:
    """Where a resolved conflict returns: to the draft or open state it was in."""
    return "draft" if state_before_conflict == "draft" else "open"


def allowed_actions(state: str) -> frozenset[str]:
    """Every action the table allows in ``state``."""
    return frozenset(TRANSITIONS.get(state, {}))
