"""The life of a formal objection, as one table. Pure.

    filed ──mediate/propose──▶ mediation ──convene──▶ council ──decide──▶ decided
      │                            │                    │ └──short_circuit──▶ settled
      └──────────── withdraw ──────┴──── withdraw ──────┘                  (mediator's proposal adopted)

Pending (it blocks ratifying a version that includes what it objects to): filed, mediation, council.
"""
from __future__ import annotations

STATES = ("filed", "mediation", "council", "decided", "settled", "withdrawn")
PENDING = ("filed", "mediation", "council")
ENDED = ("decided", "settled", "withdrawn")

TRANSITIONS: dict[tuple[str, str], str] = {
    ("filed", "mediate"): "mediation",
    ("mediation", "mediate"): "mediation",
    ("filed", "propose"): "mediation",
    ("mediation", "propose"): "mediation",
    # A mediator may still put a proposal while the council sits: it is what the short circuit votes on.
    ("council", "propose"): "council",
    ("filed", "convene"): "council",
    ("mediation", "convene"): "council",
    ("filed", "withdraw"): "withdrawn",
    ("mediation", "withdraw"): "withdrawn",
    ("council", "withdraw"): "withdrawn",
    ("council", "ballot"): "council",
    ("council", "draft_decision"): "council",
    ("council", "dismiss"): "council",
    ("council", "short_circuit"): "settled",
    ("council", "decide"): "decided",
    ("decided", "minority_opinion"): "decided",
}
ACTIONS = tuple(sorted({action for _state, action in TRANSITIONS}))


class TransitionError(ValueError):
    """The action is not possible in this state."""


def next_state(state: str, action: str) -> str:
    """The state after ``action``; TransitionError if it is not allowed from ``state``."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionError(f"cannot {action} an objection that is {state}") from None


def allowed_actions(state: str) -> list[str]:
    return sorted(action for (source, action) in TRANSITIONS if source == state)


def is_pending(state: str) -> bool:
    return state in PENDING
