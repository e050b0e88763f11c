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
  a vote (typo fixes and other editorial changes).

Every key is optional: what a stored policy leaves out comes from :data:`DEFAULT_POLICY`.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from ..translatable import M_, Code, Message
from .rules import PRESET_LABELS, PRESETS

# Mirrors deliberate.standards.models.SECTION_KINDS (that module needs SQLAlchemy; this one may not).
SECTION_KINDS = ("principle", "guidance", "editorial")

DEFAULT_POLICY: dict[str, Any] = {
    "amendments": {"principle": "consent", "guidance": "simple-majority", "editorial": "simple-majority"},
    "sections": {},
    "versions": "two-thirds",
    "groups": "ranked",
    "admissions": "simple-majority",
    "steward_may_adopt": ["editorial"],
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
    return result


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


__all__ = ["DEFAULT_POLICY", "PolicyError", "SECTION_KINDS", "describe_policy", "preset_for_admission",
           "preset_for_group", "preset_for_section", "preset_for_version", "steward_may_adopt",
           "validate_policy"]
