"""The ratchet: a change to the rules is decided under the stricter of the old and the new rule.

Pure: no Flask, no database. A change to a policy (the network's rules, or one standard's) could
otherwise loosen the very rule that decides it: a network whose principles need consent could
adopt "simple majority for everything" by a simple majority. So the process deciding a policy
change gets the *stricter* of the terms the current policy gives such a change and those the
proposed policy would give it (DESIGN invariant 13).

What "stricter" means, component by component (each component is totally ordered; two terms are
compared component-wise, and when neither dominates the other the combined terms take the stricter
value of every component, so the result can be a rule that neither policy names, e.g. "consent,
quorum 60%"):

1. **How many must agree** (the rule's method and threshold), from loosest to strictest:
   simple majority (more than half of the votes cast), then supermajorities by their threshold
   (2/3 before 3/4), then consent (nobody objects; a co-op may stand aside), then unanimity
   (every vote cast is "for"). Consent ranks below unanimity because a consent objection can be
   resolved or withdrawn and standing aside does not block, while under unanimity a single
   "against" decides. Ranked choice is not a rule for a single change and is refused.
2. **How many must take part** (quorum): the higher share is stricter. The quorum compared is the
   one that applies: the policy's quorum for the kind of change, else the preset's own.
3. **Time** (minimum discussion, last call, voting, formal objections): the longer is stricter.
4. **Shortcuts**: not urgent is stricter than urgent; no steward adoption is stricter than a
   steward may adopt without a vote.
5. **Who starts a step** (last call, opening the vote): a steward is stricter than the authors
   (last call) or than the calendar (an automatic vote): one more person must agree to go on.

:func:`stricter_terms` is commutative, idempotent and associative, and its result is at least as
strict as each argument in every component (tests/unit/test_ratchet.py checks these with
Hypothesis against an independent implementation).
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..voting.policy import PHASE_FIELDS, terms_for
from ..voting.rules import PRESETS

# The kind of change whose terms decide a change to a policy: the rules weigh as much as a core
# principle (the policy's rule for principles, old and new, ratcheted).
POLICY_CHANGE_KIND = "principle"

OPENER_STRICTNESS = {"last_call_by": ("authors", "stewards"), "vote_opened_by": ("automatic", "stewards")}


class RatchetError(ValueError):
    """The terms cannot be compared (e.g. a ranked rule for a single change)."""


def agreement_rank(preset: str) -> tuple[int, Fraction]:
    """Where a preset stands in the order of "how many must agree" (higher is stricter)."""
    rule = PRESETS.get(preset)
    if rule is None:
        raise RatchetError(f"{preset!r} is not a rule preset")
    if rule.method == "majority":
        return (0, rule.threshold)
    if rule.method == "supermajority" and rule.threshold < 1:
        return (1, rule.threshold)
    if rule.method == "consent":
        return (2, Fraction(0))
    if rule.method == "supermajority":  # threshold 1: unanimity
        return (3, rule.threshold)
    raise RatchetError(f"{preset!r} ({rule.method}) is not a rule for a single change")


def stricter_preset(a: str, b: str) -> str:
    """The preset on which more must agree (``a`` when they rank the same)."""
    return b if agreement_rank(b) > agreement_rank(a) else a


def effective_quorum(terms: Mapping[str, Any]) -> Fraction:
    """The share of member co-ops that must take part under ``terms`` (0 for none)."""
    if terms.get("quorum"):
        return Fraction(terms["quorum"])
    return PRESETS[terms["rule"]].quorum or Fraction(0)


def _fraction_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}"


def stricter_terms(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The terms as strict as the stricter of ``a`` and ``b`` in every component.

    Both are terms of one kind of change (``voting.policy.terms_for``); the result keeps ``a``'s
    ``change_kind``. Its ``quorum`` is None when the stricter quorum is the chosen preset's own.
    """
    rule = stricter_preset(a["rule"], b["rule"])
    quorum = max(effective_quorum(a), effective_quorum(b))
    own = PRESETS[rule].quorum or Fraction(0)
    result: dict[str, Any] = {
        "change_kind": a["change_kind"],
        "rule": rule,
        "quorum": None if quorum == own else _fraction_text(quorum),
    }
    for name in PHASE_FIELDS:
        result[name] = max(int(a[name]), int(b[name]))
    result["urgent"] = bool(a["urgent"]) and bool(b["urgent"])
    result["steward_may_adopt"] = bool(a["steward_may_adopt"]) and bool(b["steward_may_adopt"])
    for name, order in OPENER_STRICTNESS.items():
        result[name] = max(a[name], b[name], key=order.index)
    return result


def at_least_as_strict(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when ``a`` is at least as strict as ``b`` in every component."""
    return (agreement_rank(a["rule"]) >= agreement_rank(b["rule"])
            and effective_quorum(a) >= effective_quorum(b)
            and all(int(a[name]) >= int(b[name]) for name in PHASE_FIELDS)
            and (not a["urgent"] or b["urgent"])
            and (not a["steward_may_adopt"] or b["steward_may_adopt"])
            and all(order.index(a[name]) >= order.index(b[name]) for name, order in OPENER_STRICTNESS.items()))


def which(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> str:
    """Whose terms decide: "same" (they agree), "current", "proposed" (one is stricter in every
    component) or "combined" (each is stricter somewhere)."""
    if at_least_as_strict(current, proposed) and at_least_as_strict(proposed, current):
        return "same"
    if at_least_as_strict(current, proposed):
        return "current"
    if at_least_as_strict(proposed, current):
        return "proposed"
    return "combined"


def policy_change_terms(current_policy: Mapping[str, Any], proposed_policy: Mapping[str, Any]) -> dict[str, Any]:
    """The terms of a process changing ``current_policy`` into ``proposed_policy`` (complete or
    stored policies): the stricter of what each gives a change to a core principle, with a
    ``ratchet`` entry recording both rules and which decided, to show why."""
    current = terms_for(current_policy, POLICY_CHANGE_KIND)
    proposed = terms_for(proposed_policy, POLICY_CHANGE_KIND)
    terms = stricter_terms(current, proposed)
    terms["ratchet"] = {
        "current": {"rule": current["rule"], "quorum": _fraction_text(effective_quorum(current))},
        "proposed": {"rule": proposed["rule"], "quorum": _fraction_text(effective_quorum(proposed))},
        "decided_by": which(current, proposed),
    }
    return terms


__all__ = ["POLICY_CHANGE_KIND", "RatchetError", "agreement_rank", "at_least_as_strict", "effective_quorum",
           "policy_change_terms", "stricter_preset", "stricter_terms", "which"]
