"""A proxy's states and what may happen to it. Pure.

A member co-op (the giver) offers its vote to another member co-op (the holder); the holder's
delegate accepts or declines; the giver may revoke it at any time; it expires at its end date::

    offered  --accept-->  accepted
    offered  --decline--> declined
    offered | accepted --revoke--> revoked
    offered | accepted --expire--> expired

``declined``, ``revoked`` and ``expired`` are final. Only an ``accepted`` proxy whose end date has
not passed counts (see resolution.py).
"""
from __future__ import annotations

SCOPES = ("network", "standard", "vote")
# How specific a scope is: a proxy for one vote beats one for its standard, which beats one for
# the whole network (resolution.applicable).
SPECIFICITY = {"network": 0, "standard": 1, "vote": 2}
STATES = ("offered", "accepted", "declined", "revoked", "expired")
LIVE_STATES = ("offered", "accepted")
FINAL_STATES = ("declined", "revoked", "expired")
ACTIONS = ("accept", "decline", "revoke", "expire")

TRANSITIONS: dict[tuple[str, str], str] = {
    ("offered", "accept"): "accepted",
    ("offered", "decline"): "declined",
    ("offered", "revoke"): "revoked",
    ("accepted", "revoke"): "revoked",
    ("offered", "expire"): "expired",
    ("accepted", "expire"): "expired",
}

# The record's entry kind for each change ("given" starts a proxy).
RECORD_KINDS = ("given", "accepted", "declined", "revoked", "expired")
KIND_OF_ACTION = {"accept": "accepted", "decline": "declined", "revoke": "revoked", "expire": "expired"}
# Who may do each action: the giver's delegates, the holder's delegates, or the platform.
ACTOR_OF_ACTION = {"accept": "holder", "decline": "holder", "revoke": "giver", "expire": "system"}


class ProxyStateError(ValueError):
    """The action cannot happen to a proxy in this state."""


def next_state(state: str, action: str) -> str:
    """The state after ``action``; ProxyStateError if it cannot happen in ``state``."""
    if state not in STATES:
        raise ProxyStateError(f"unknown state {state!r}")
    if action not in ACTIONS:
        raise ProxyStateError(f"unknown action {action!r}")
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise ProxyStateError(f"a proxy that is {state} cannot be {KIND_OF_ACTION[action]}") from None


def check_scope(scope: str, standard_id: int | None, vote_id: int | None) -> None:
    """A network proxy names nothing, a standard proxy its standard, a vote proxy its vote."""
    if scope not in SCOPES:
        raise ProxyStateError(f"unknown scope {scope!r}")
    wanted = {"network": (False, False), "standard": (True, False), "vote": (False, True)}[scope]
    if (standard_id is not None, vote_id is not None) != wanted:
        raise ProxyStateError(f"a {scope} proxy names " + {"network": "no standard and no vote",
                                                           "standard": "its standard only",
                                                           "vote": "its vote only"}[scope])
