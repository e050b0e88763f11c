"""The policy form's fields, read into a policy, and a policy's errors put back on its fields.
Pure: no Flask, no database.

The form names one field per entry (``rule-principle``, ``quorum-principle``,
``discussion_days-principle``, ``urgent-principle``, ``steward_may_adopt-editorial``, ``groups``,
``last_call_by``, ``vote_opened_by``, ``max_per_coop``, ``council_size``); :func:`policy_from_form`
makes the complete policy they describe, which ``voting.policy.validate_policy`` then checks, and
:func:`field_for_error` says which field a ``PolicyError`` is about.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..voting.policy import CHANGE_KINDS, DEFAULT_POLICY, PHASE_FIELDS, SECTION_KINDS, parse_share, validate_policy
from ..voting.rules import PRESETS


class FormErrors(ValueError):
    """Some fields are not numbers or shares: ``fields`` maps each field name to its message."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
        self.fields = fields


def form_values(policy: Mapping[str, Any], *, network: bool) -> dict[str, Any]:
    """The form's initial values for a complete ``policy``."""
    values: dict[str, Any] = {}
    for kind in CHANGE_KINDS:
        if kind == "admission" and not network:
            continue
        preset = {"version": policy["versions"], "admission": policy["admissions"]}.get(kind) or policy["amendments"][kind]
        values[f"rule-{kind}"] = preset
        values[f"quorum-{kind}"] = policy["quorums"].get(kind) or ""
        for name in PHASE_FIELDS:
            values[f"{name}-{kind}"] = policy["phases"][kind][name]
        values[f"urgent-{kind}"] = policy["phases"][kind]["urgent"]
    for kind in SECTION_KINDS:
        values[f"steward_may_adopt-{kind}"] = kind in policy["steward_may_adopt"]
    values["groups"] = policy["groups"]
    values["last_call_by"] = policy["opening"]["last_call"]
    values["vote_opened_by"] = policy["opening"]["vote"]
    if network:
        values["max_per_coop"] = policy["proxies"]["max_per_coop"]
        values["council_size"] = policy["council"]["size"]
    return values


def _whole(form: Mapping[str, Any], name: str, errors: dict[str, str]) -> Any:
    raw = str(form.get(name, "") or "").strip()
    try:
        return int(raw)
    except ValueError:
        errors[name] = "a whole number" if raw else "required"
        return 0


def policy_from_form(form: Mapping[str, Any], base: Mapping[str, Any], *, network: bool) -> dict[str, Any]:
    """The complete policy the form describes (``base``, complete, gives what the form does not
    show: a standard's admissions, proxies, council and per-section rules). FormErrors when a field
    is not a number or a share; the result may still fail ``validate_policy``."""
    errors: dict[str, str] = {}
    policy: dict[str, Any] = {"amendments": {}, "sections": dict(base["sections"]), "phases": {}, "quorums": {},
                              "steward_may_adopt": [k for k in SECTION_KINDS
                                                    if form.get(f"steward_may_adopt-{k}") in ("on", "y", "true", "1", True)]}
    for kind in CHANGE_KINDS:
        if kind == "admission" and not network:
            policy["admissions"] = base["admissions"]
            policy["phases"][kind] = dict(base["phases"][kind])
            if base["quorums"].get(kind):
                policy["quorums"][kind] = base["quorums"][kind]
            continue
        preset = str(form.get(f"rule-{kind}", "") or "")
        if kind == "version":
            policy["versions"] = preset
        elif kind == "admission":
            policy["admissions"] = preset
        else:
            policy["amendments"][kind] = preset
        quorum = str(form.get(f"quorum-{kind}", "") or "").strip()
        if quorum:
            try:
                share = parse_share(quorum)
            except ValueError as error:
                errors[f"quorum-{kind}"] = str(error)
            else:
                own = PRESETS[preset].quorum if preset in PRESETS else None
                if share != own:
                    policy["quorums"][kind] = f"{share.numerator}/{share.denominator}"
        policy["phases"][kind] = {name: _whole(form, f"{name}-{kind}", errors) for name in PHASE_FIELDS}
        policy["phases"][kind]["urgent"] = form.get(f"urgent-{kind}") in ("on", "y", "true", "1", True)
    policy["groups"] = str(form.get("groups", "") or base["groups"])
    policy["opening"] = {"last_call": str(form.get("last_call_by", "") or ""),
                         "vote": str(form.get("vote_opened_by", "") or "")}
    if network:
        policy["proxies"] = {"max_per_coop": _whole(form, "max_per_coop", errors)}
        policy["council"] = {"size": _whole(form, "council_size", errors)}
    else:
        policy["proxies"], policy["council"] = dict(base["proxies"]), dict(base["council"])
    if errors:
        raise FormErrors(errors)
    return policy


_FIELDS = {"proxies.max_per_coop": "max_per_coop", "proxies": "max_per_coop", "council.size": "council_size",
           "council": "council_size", "groups": "groups", "versions": "rule-version", "admissions": "rule-admission",
           "opening.last_call": "last_call_by", "opening.vote": "vote_opened_by"}


def field_for_error(message: str) -> str:
    """The form field a PolicyError's message is about (messages start with the entry's path,
    e.g. "phases.guidance.voting_days: …"); "policy" when it names none."""
    path = message.split(":", 1)[0].strip()
    if path in _FIELDS:
        return _FIELDS[path]
    parts = path.split(".")
    if len(parts) == 2 and parts[0] == "amendments" and parts[1] in SECTION_KINDS:
        return f"rule-{parts[1]}"
    if len(parts) == 2 and parts[0] == "quorums":
        return f"quorum-{parts[1]}"
    if len(parts) == 3 and parts[0] == "phases":
        return f"{parts[2]}-{parts[1]}"
    return "policy"


_PATH = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_-]+){0,2}$")


def path_for_error(message: str) -> str:
    """The policy entry a PolicyError's message is about, as a dotted path ("phases.guidance.voting_days",
    "quorums.principle", "proxies.max_per_coop"), or "" when it names none (the API's field errors)."""
    path = message.split(":", 1)[0].strip() if ":" in message else ""
    top = path.split(".", 1)[0]
    return path if _PATH.match(path) and top in DEFAULT_POLICY else ""


def delta(base: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """What ``new`` sets differently from ``base`` (both complete), as a policy to lay over ``base``
    (``policies.queries.overlay``): a standard stores only how it departs from the network's rules."""
    result: dict[str, Any] = {}
    for key, value in new.items():
        old = base.get(key)
        if value == old:
            continue
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            inner = {k: v for k, v in value.items() if old.get(k) != v}
            if inner:
                result[key] = inner
        else:
            result[key] = value
    return result


def complete(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """``validate_policy``'s complete policy (re-exported for the services)."""
    return validate_policy(policy)


__all__ = ["FormErrors", "complete", "delta", "field_for_error", "form_values", "path_for_error", "policy_from_form"]
