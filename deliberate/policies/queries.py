"""Which policy is in force, for the network and for one standard (reads only).

A standard's stored policy (``Standard.policy``) says only what it changes from the network's
rules; the policy in force for it is the network's, with the standard's entries laid over it
(:func:`policy_for`). Admissions, proxies and councils follow the network's rules alone.
The terms of one process (``voting.policy.terms_for``) are copied from here into each amendment
and vote when it starts.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..voting.policy import terms_for, validate_policy


def network_policy_stored() -> dict[str, Any]:
    """The network's rules as stored: the Network rules standard's policy ({} while the network has
    none, which means the built-in defaults)."""
    from .netrules import stored_policy

    return stored_policy()


def network_policy() -> dict[str, Any]:
    """The network's rules in force, complete."""
    return validate_policy(network_policy_stored())


def overlay(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``top``'s entries laid over it, one level of objects deep (lists replace)."""
    result = {key: dict(value) if isinstance(value, Mapping) else value for key, value in base.items()}
    for key, value in (top or {}).items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            merged = dict(result[key])
            for inner, inner_value in value.items():
                if isinstance(inner_value, Mapping) and isinstance(merged.get(inner), Mapping):
                    merged[inner] = {**merged[inner], **inner_value}
                else:
                    merged[inner] = inner_value
            result[key] = merged
        else:
            result[key] = value
    return result


def policy_for(standard: Any) -> dict[str, Any]:
    """The complete policy in force for ``standard`` (the network's, with its own entries over it)."""
    return validate_policy(overlay(network_policy_stored(), standard.policy or {}))


def terms(standard: Any, change_kind: str, section_key: str | None = None) -> dict[str, Any]:
    """The terms to copy into a process deciding a change of ``change_kind`` to ``standard``."""
    return terms_for(policy_for(standard), change_kind, section_key)


def admission_terms() -> dict[str, Any]:
    """The terms to copy into an admission vote (the network's rules)."""
    return terms_for(network_policy(), "admission")
