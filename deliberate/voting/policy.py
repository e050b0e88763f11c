"""A standard's voting policy: which rule preset decides what. Pure: no Flask, no database.

A policy is a small JSON object stored on the standard and shown to everyone, for example::

    {"amendments": {"principle": "consent", "guidance": "simple-majority",
                    "editorial": "simple-majority"},
     "sections": {"data-rights": "two-thirds"},
     "versions": "two-thirds",
     "groups": "ranked",
     "admissions": "simple-majority",
     "steward_may_adopt": ["editorial"]}

- ``amendments`` maps each kind of section to the preset that decides amendments to it;
- ``sections`` (optional) overrides that for single sections, by their stable key;
- ``versions`` decides the ratification of a version of the whole standard;
- ``groups`` decides competing amendments together (a ranked preset);
- ``admissions`` decides a co-op's admission (the network's policy, not a standard's);
- ``steward_may_adopt`` lists the kinds of section whose amendments a steward may adopt without
  a vote (typo fixes and other editorial changes);
- ``phases`` gives, for each kind of change (:data:`CHANGE_KINDS`: the three kinds of section,
  ``version`` for ratifying a version or a standard's maturity, ``admission``), the minimum days of
  discussion, the days of last call, the days a vote stays open, the days after a decision during
  which a formal objection may be filed, and whether the kind is ``urgent`` (a vote may be opened
  before the discussion and last call have run their course);
- ``quorums`` (optional) overrides the preset's quorum for a kind of change (a fraction, "3/5");
- ``opening`` says who starts the last call (``authors`` or ``stewards``) and who opens the vote
  (``stewards``, or ``automatic`` when the last call ends);
- ``proxies`` and ``council`` are the network's: how many co-ops one co-op may hold the vote of,
  and how large a council deciding a formal objection is;
- ``registry``: how long a declaration holds, how many co-ops' evidence makes a section a standard,
  and when a section without it is at risk (see ``deliberate/registry/terms.py``).

Every key is optional: what a stored policy leaves out comes from :data:`DEFAULT_POLICY`.

:func:`terms_for` gives the *terms* of one process: the flat dict of everything the policy says
about one kind of change, copied into each amendment and vote when it starts, so that changing
a policy never changes a running process (DESIGN invariant 13).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..registry.terms import DEFAULTS as REGISTRY_DEFAULTS
from ..registry.terms import TermsError
from ..registry.terms import validate as validate_registry_terms
from ..translatable import M_, N_, Code, Message
from .rules import PRESET_LABELS, PRESETS

# Mirrors deliberate.standards.models.SECTION_KINDS (that module needs SQLAlchemy; this one may not).
SECTION_KINDS = ("principle", "guidance", "editorial")

# Kinds of change a policy decides: amendments to each kind of section, versions (and a
# standard's maturity), admissions of co-ops.
CHANGE_KINDS = (*SECTION_KINDS, "version", "admission")
PHASE_FIELDS = ("discussion_days", "last_call_days", "voting_days", "objection_days")
MAX_DAYS = 365
OPENERS = {"last_call": ("authors", "stewards"), "vote": ("stewards", "automatic")}

# Plain names of the kinds of change, for "decided under rule X because this is a change of kind Y".
CHANGE_KIND_LABELS = {
    "principle": N_("a change to a core principle"),
    "guidance": N_("a change to guidance"),
    "editorial": N_("an editorial fix"),
    "version": N_("the ratification of a version"),
    "admission": N_("the admission of a co-op"),
}

DEFAULT_PHASES: dict[str, dict[str, Any]] = {
    "principle": {"discussion_days": 14, "last_call_days": 7, "voting_days": 14, "objection_days": 30, "urgent": False},
    "guidance": {"discussion_days": 7, "last_call_days": 7, "voting_days": 14, "objection_days": 30, "urgent": False},
    "editorial": {"discussion_days": 2, "last_call_days": 3, "voting_days": 7, "objection_days": 14, "urgent": True},
    "version": {"discussion_days": 0, "last_call_days": 14, "voting_days": 14, "objection_days": 30, "urgent": False},
    "admission": {"discussion_days": 0, "last_call_days": 0, "voting_days": 14, "objection_days": 30, "urgent": False},
}

DEFAULT_POLICY: dict[str, Any] = {
    "amendments": {"principle": "consent", "guidance": "simple-majority", "editorial": "simple-majority"},
    "sections": {},
    "versions": "two-thirds",
    "groups": "ranked",
    "admissions": "simple-majority",
    "steward_may_adopt": ["editorial"],
    "phases": DEFAULT_PHASES,
    "quorums": {},
    "opening": {"last_call": "authors", "vote": "stewards"},
    "proxies": {"max_per_coop": 2},
    "council": {"size": 5},
    "registry": dict(REGISTRY_DEFAULTS),
}

_KEYS = frozenset(DEFAULT_POLICY)
_SECTION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class PolicyError(ValueError):
    """The policy does not make sense; the message says which entry and why."""


def _preset(where: str, value: Any, *, ranked: bool = False) -> str:
    if not isinstance(value, str) or value not in PRESETS:
        names = ", ".join(sorted(PRESETS))
        raise PolicyError(f"{where}: {value!r} is not a rule preset (choose one of {names})")
    is_ranked = PRESETS[value].method == "ranked"
    if ranked and not is_ranked:
        raise PolicyError(f"{where}: competing amendments are decided by ranked choice, not {value!r}")
    if not ranked and is_ranked:
        raise PolicyError(f"{where}: ranked choice is only for groups of competing amendments")
    return value


def validate_policy(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check a policy and return it complete (defaults filled in); PolicyError says what is wrong.

    ``None`` and ``{}`` give the default policy.
    """
    if policy is None:
        policy = {}
    if not isinstance(policy, Mapping):
        raise PolicyError(f"a policy must be an object, got {type(policy).__name__}")
    unknown = sorted(map(str, set(policy) - _KEYS))
    if unknown:
        raise PolicyError(f"unknown policy entries: {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    result = copy.deepcopy(DEFAULT_POLICY)
    amendments = policy.get("amendments", {})
    if not isinstance(amendments, Mapping):
        raise PolicyError("amendments: must map kinds of section to presets")
    for kind, preset in amendments.items():
        if kind not in SECTION_KINDS:
            raise PolicyError(f"amendments: {kind!r} is not a kind of section ({', '.join(SECTION_KINDS)})")
        result["amendments"][kind] = _preset(f"amendments.{kind}", preset)
    sections = policy.get("sections", {})
    if not isinstance(sections, Mapping):
        raise PolicyError("sections: must map section keys to presets")
    for key, preset in sections.items():
        if not isinstance(key, str) or not _SECTION_KEY.match(key):
            raise PolicyError(f"sections: {key!r} is not a section key (like 'data-rights')")
        result["sections"][key] = _preset(f"sections.{key}", preset)
    for name in ("versions", "admissions"):
        if name in policy:
            result[name] = _preset(name, policy[name])
    if "groups" in policy:
        result["groups"] = _preset("groups", policy["groups"], ranked=True)
    if "steward_may_adopt" in policy:
        kinds = policy["steward_may_adopt"]
        if not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds):
            raise PolicyError("steward_may_adopt: must be a list of kinds of section")
        bad = [k for k in kinds if k not in SECTION_KINDS]
        if bad:
            raise PolicyError(f"steward_may_adopt: {', '.join(map(repr, bad))} is not a kind of section "
                              f"({', '.join(SECTION_KINDS)})")
        result["steward_may_adopt"] = sorted(set(kinds), key=SECTION_KINDS.index)
    _validate_phases(policy.get("phases", {}), result)
    _validate_quorums(policy.get("quorums", {}), result)
    _validate_opening(policy.get("opening", {}), result)
    result["proxies"]["max_per_coop"] = _count(policy.get("proxies", {}), "proxies", "max_per_coop",
                                               result["proxies"]["max_per_coop"], low=0, high=100)
    result["council"]["size"] = _count(policy.get("council", {}), "council", "size", result["council"]["size"],
                                       low=3, high=25)
    try:
        result["registry"] = validate_registry_terms(_mapping(policy.get("registry", {}), "registry")).as_dict()
    except TermsError as error:
        raise PolicyError(f"registry: {error}") from None
    return result


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: must be an object")
    return value


def _count(section: Any, where: str, name: str, default: int, *, low: int, high: int) -> int:
    section = _mapping(section, where)
    unknown = sorted(map(str, set(section) - {name}))
    if unknown:
        raise PolicyError(f"{where}: unknown entries: {', '.join(unknown)} (known: {name})")
    value = section.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PolicyError(f"{where}.{name}: a whole number from {low} to {high}, got {value!r}")
    return value


def _validate_phases(phases: Any, result: dict[str, Any]) -> None:
    for kind, fields in _mapping(phases, "phases").items():
        if kind not in CHANGE_KINDS:
            raise PolicyError(f"phases: {kind!r} is not a kind of change ({', '.join(CHANGE_KINDS)})")
        fields = _mapping(fields, f"phases.{kind}")
        unknown = sorted(map(str, set(fields) - {*PHASE_FIELDS, "urgent"}))
        if unknown:
            raise PolicyError(f"phases.{kind}: unknown entries: {', '.join(unknown)} "
                              f"(known: {', '.join((*PHASE_FIELDS, 'urgent'))})")
        for name, value in fields.items():
            if name == "urgent":
                if not isinstance(value, bool):
                    raise PolicyError(f"phases.{kind}.urgent: true or false, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
                raise PolicyError(f"phases.{kind}.{name}: a whole number of days from 0 to {MAX_DAYS}, got {value!r}")
            result["phases"][kind][name] = value
        if result["phases"][kind]["voting_days"] < 1:
            raise PolicyError(f"phases.{kind}.voting_days: a vote stays open at least one day")


def parse_share(value: Any) -> Fraction:
    """A share of the electorate written "3/5", "60%" or 0.6 as a Fraction in (0, 1]; PolicyError otherwise."""
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            share = Fraction(value.strip()[:-1]) / 100
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            share = Fraction(value).limit_denominator(1000) if isinstance(value, float) else Fraction(value)
        else:
            raise ValueError(value)
    except (ValueError, ZeroDivisionError):
        raise PolicyError(f"{value!r} is not a share (write it like 3/5 or 60%)") from None
    if not 0 < share <= 1:
        raise PolicyError(f"{value!r}: a share is more than 0 and at most 1")
    return share


def _validate_quorums(quorums: Any, result: dict[str, Any]) -> None:
    for kind, value in _mapping(quorums, "quorums").items():
        if kind not in CHANGE_KINDS:
            raise PolicyError(f"quorums: {kind!r} is not a kind of change ({', '.join(CHANGE_KINDS)})")
        try:
            share = parse_share(value)
        except PolicyError as error:
            raise PolicyError(f"quorums.{kind}: {error}") from None
        result["quorums"][kind] = f"{share.numerator}/{share.denominator}"


def _validate_opening(opening: Any, result: dict[str, Any]) -> None:
    for name, value in _mapping(opening, "opening").items():
        if name not in OPENERS:
            raise PolicyError(f"opening: {name!r} is not a step ({', '.join(OPENERS)})")
        if value not in OPENERS[name]:
            raise PolicyError(f"opening.{name}: {value!r} is not one of {', '.join(OPENERS[name])}")
        result["opening"][name] = value


def rule_preset_for(policy: Mapping[str, Any] | None, change_kind: str, section_key: str | None = None) -> str:
    """The preset deciding one kind of change (a per-section override wins for sections)."""
    full = validate_policy(policy)
    if change_kind == "version":
        return full["versions"]
    if change_kind == "admission":
        return full["admissions"]
    return preset_for_section(full, change_kind, section_key)


def terms_for(policy: Mapping[str, Any] | None, change_kind: str, section_key: str | None = None) -> dict[str, Any]:
    """Everything the policy says about one kind of change, as a flat dict to copy into a process.

    Keys: ``change_kind``, ``rule`` (a preset name), ``quorum`` (a fraction "3/5" overriding the
    preset's, or None), the four phase durations in days, ``urgent``, ``steward_may_adopt``,
    ``last_call_by`` and ``vote_opened_by``.
    """
    if change_kind not in CHANGE_KINDS:
        raise PolicyError(f"{change_kind!r} is not a kind of change ({', '.join(CHANGE_KINDS)})")
    full = validate_policy(policy)
    phases = full["phases"][change_kind]
    return {
        "change_kind": change_kind,
        "rule": rule_preset_for(full, change_kind, section_key),
        "quorum": full["quorums"].get(change_kind),
        **{name: phases[name] for name in PHASE_FIELDS},
        "urgent": phases["urgent"],
        "steward_may_adopt": change_kind in full["steward_may_adopt"],
        "last_call_by": full["opening"]["last_call"],
        "vote_opened_by": full["opening"]["vote"],
    }


def _kind(kind: str) -> str:
    if kind not in SECTION_KINDS:
        raise PolicyError(f"{kind!r} is not a kind of section ({', '.join(SECTION_KINDS)})")
    return kind


def preset_for_section(policy: Mapping[str, Any] | None, kind: str, key: str | None = None) -> str:
    """The preset deciding amendments to a section of ``kind`` (a per-section override wins)."""
    full = validate_policy(policy)
    if key is not None and key in full["sections"]:
        return full["sections"][key]
    return full["amendments"][_kind(kind)]


def preset_for_version(policy: Mapping[str, Any] | None) -> str:
    """The preset ratifying a version of the whole standard."""
    return validate_policy(policy)["versions"]


def preset_for_group(policy: Mapping[str, Any] | None) -> str:
    """The (ranked) preset deciding a group of competing amendments."""
    return validate_policy(policy)["groups"]


def preset_for_admission(policy: Mapping[str, Any] | None = None) -> str:
    """The preset deciding a co-op's admission."""
    return validate_policy(policy)["admissions"]


def steward_may_adopt(policy: Mapping[str, Any] | None, kind: str) -> bool:
    """True when a steward may adopt an amendment to a section of ``kind`` without a vote."""
    return _kind(kind) in validate_policy(policy)["steward_may_adopt"]


def describe_policy(policy: Mapping[str, Any] | None) -> list[Message]:
    """The policy in plain words, one message per decision, for the standard's page (``.english()``
    gives the English, ``i18n.say`` the reader's language)."""
    full = validate_policy(policy)

    def rule(preset: str) -> Message:
        return Message(PRESET_LABELS[preset])

    lines = [M_("Amendments to %(kind)s sections: %(rule)s.", kind=Code(kind), rule=rule(full["amendments"][kind]))
             for kind in SECTION_KINDS]
    lines += [M_("Amendments to the section “%(key)s”: %(rule)s.", key=key, rule=rule(preset))
              for key, preset in sorted(full["sections"].items())]
    lines.append(M_("Competing amendments: %(rule)s.", rule=rule(full["groups"])))
    lines.append(M_("Ratifying a version: %(rule)s.", rule=rule(full["versions"])))
    if full["steward_may_adopt"]:
        kinds: Any = Code(full["steward_may_adopt"][0])
        for kind in full["steward_may_adopt"][1:]:
            kinds = M_("%(first)s and %(second)s", first=kinds, second=Code(kind))
        lines.append(M_("A steward may adopt amendments to %(kinds)s sections without a vote.", kinds=kinds))
    return lines


__all__ = ["CHANGE_KINDS", "CHANGE_KIND_LABELS", "DEFAULT_POLICY", "PHASE_FIELDS", "PolicyError", "SECTION_KINDS", "describe_policy",
           "parse_share", "preset_for_admission", "preset_for_group", "preset_for_section", "preset_for_version",
           "rule_preset_for", "steward_may_adopt", "terms_for", "validate_policy"]
