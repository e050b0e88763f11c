"""The registry's terms, read from a standard's policy (``policy["registry"]``). Pure.

    {"registry": {"declaration_months": 18, "evidence_coops": 2, "at_risk_months": 12}}

- ``declaration_months``: how long a declaration holds before it lapses (OpenChain's 18 months);
- ``evidence_coops``: how many independent member co-ops must declare a section met, with
  evidence, before that section is a *standard* rather than a *specification*;
- ``at_risk_months``: how long after ratification a section may stay a specification before it
  is flagged *at risk*.

Every key is optional; a missing one takes its default. A value that is not a whole number in
its range is refused (TermsError), so that a bad policy is noticed when it is saved, not when a
page is read. The owner folds these keys into the policy module at merge.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULTS = {"declaration_months": 18, "evidence_coops": 2, "at_risk_months": 12}
# (lowest, highest) accepted for each key.
RANGES = {"declaration_months": (1, 120), "evidence_coops": (1, 100), "at_risk_months": (1, 120)}


class TermsError(ValueError):
    """A registry policy value is missing its meaning: not a whole number, or out of range."""


@dataclass(frozen=True)
class RegistryTerms:
    """The three numbers the registry's rules read."""

    declaration_months: int = DEFAULTS["declaration_months"]
    evidence_coops: int = DEFAULTS["evidence_coops"]
    at_risk_months: int = DEFAULTS["at_risk_months"]

    def as_dict(self) -> dict[str, int]:
        """The terms as the policy stores them."""
        return {"declaration_months": self.declaration_months, "evidence_coops": self.evidence_coops,
                "at_risk_months": self.at_risk_months}


def validate(values: Mapping[str, Any] | None) -> RegistryTerms:
    """The terms in ``values`` (a standard's ``policy.get("registry", {})``), with defaults for the
    keys it lacks. Raises TermsError for an unknown key or a value out of range."""
    values = dict(values or {})
    if not isinstance(values, dict):
        raise TermsError("the registry policy must be an object")
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise TermsError(f"unknown registry policy keys: {', '.join(unknown)}")
    chosen = {}
    for key, default in DEFAULTS.items():
        value = values.get(key, default)
        low, high = RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise TermsError(f"{key} must be a whole number from {low} to {high}")
        chosen[key] = value
    return RegistryTerms(**chosen)


def from_policy(policy: Mapping[str, Any] | None) -> RegistryTerms:
    """The terms of a standard's whole policy dict (its ``registry`` part, or the defaults)."""
    return validate((policy or {}).get("registry") or {})
