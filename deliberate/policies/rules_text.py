"""The network's rules in plain words: a policy rendered into the sections of the Network rules
standard. Pure: no Flask, no database.

The sections are generated, never written by hand: the policy is the source, and these words are
how it reads in the standard, its versions and its changelog. The same policy always gives the
same words (tests/unit/test_rules_text.py), so a section changes exactly when the part of the
policy it states changes. Like every stored text of the platform (a section's words), the words
are stored in English; the policy page shows the same policy in the reader's language.
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..voting.policy import CHANGE_KIND_LABELS, CHANGE_KINDS, SECTION_KINDS, validate_policy
from ..voting.rules import PRESET_LABELS, PRESETS, percent_text

# (key, title) of each generated section, in order. Keys are stable: they are the sections' ids.
SECTIONS = (
    ("kinds-of-change", "How each kind of change is decided"),
    ("phases", "How long each step lasts"),
    ("who-starts", "Who starts each step"),
    ("admission", "Admitting a co-op"),
    ("proxies", "Proxies between co-ops"),
    ("council", "Formal objections and the council"),
    ("changing-these-rules", "Changing these rules"),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)
# The parts that also make sense for one standard's policy (admissions, proxies and the council
# follow the network's rules alone).
STANDARD_SECTIONS = tuple((key, title) for key, title in SECTIONS if key in ("kinds-of-change", "phases", "who-starts"))


def _days(count: int) -> str:
    return "no days" if count == 0 else ("1 day" if count == 1 else f"{count} days")


def _quorum(preset: str, override: str | None) -> str:
    share = Fraction(override) if override else PRESETS[preset].quorum
    return f"at least {percent_text(share)} of member co-ops taking part" if share else "no quorum"


def _rule(policy: Mapping[str, Any], preset: str, kind: str | None) -> str:
    label = PRESET_LABELS[preset]
    override = policy["quorums"].get(kind) if kind else None
    if override:
        return f"{label.split(',')[0]}, with {_quorum(preset, override)}"
    return label


def rule_for_kind(policy: Mapping[str, Any], kind: str) -> tuple[str, str | None]:
    """(preset, quorum override) deciding ``kind`` under a complete policy."""
    if kind == "version":
        preset = policy["versions"]
    elif kind == "admission":
        preset = policy["admissions"]
    else:
        preset = policy["amendments"][kind]
    return preset, policy["quorums"].get(kind)


def _kinds(policy: Mapping[str, Any]) -> str:
    lines = []
    for kind in CHANGE_KINDS:
        if kind == "admission":  # its own section, "Admitting a co-op"
            continue
        preset, _override = rule_for_kind(policy, kind)
        lines.append(f"- {CHANGE_KIND_LABELS[kind][0].upper()}{CHANGE_KIND_LABELS[kind][1:]}: "
                     f"{_rule(policy, preset, kind)}.")
    for key, preset in sorted(policy["sections"].items()):
        lines.append(f"- A change to the section “{key}” of any standard that has it: {PRESET_LABELS[preset]}.")
    lines.append(f"- Competing amendments to the same passage, decided together: {PRESET_LABELS[policy['groups']]}.")
    adopt = [kind for kind in SECTION_KINDS if kind in policy["steward_may_adopt"]]
    if adopt:
        lines.append("")
        lines.append(f"A steward may adopt an amendment to {' and '.join(adopt)} sections without a vote.")
    else:
        lines.append("")
        lines.append("Every amendment is decided by a vote of the member co-ops: no steward adopts one alone.")
    return "Unless a standard's own policy says otherwise:\n\n" + "\n".join(lines)


def _phases(policy: Mapping[str, Any]) -> str:
    lines = []
    for kind in CHANGE_KINDS:
        p = policy["phases"][kind]
        line = (f"- {CHANGE_KIND_LABELS[kind][0].upper()}{CHANGE_KIND_LABELS[kind][1:]}: "
                f"at least {_days(p['discussion_days'])} of discussion, then {_days(p['last_call_days'])} of last call; "
                f"the vote stays open {_days(p['voting_days'])}; formal objections within "
                f"{_days(p['objection_days'])} after the decision.")
        if p["urgent"]:
            line += " Urgent: a vote may open before the discussion and last call have run their course."
        lines.append(line)
    return "\n".join(lines)


def _who(policy: Mapping[str, Any]) -> str:
    last_call = ("An amendment's authors announce its last call" if policy["opening"]["last_call"] == "authors"
                 else "A steward announces an amendment's last call")
    vote = ("The vote opens by itself when the last call ends." if policy["opening"]["vote"] == "automatic"
            else "A steward opens the vote once the last call has ended.")
    return f"{last_call}, once the discussion has lasted long enough.\n\n{vote}"


def _admission(policy: Mapping[str, Any]) -> str:
    preset, _override = rule_for_kind(policy, "admission")
    p = policy["phases"]["admission"]
    return (f"A co-op that applies becomes a member when the member co-ops admit it by vote: "
            f"{_rule(policy, preset, 'admission')}. The vote stays open {_days(p['voting_days'])}.")


def _proxies(policy: Mapping[str, Any]) -> str:
    most = policy["proxies"]["max_per_coop"]
    if most == 0:
        return "A member co-op votes for itself only: no co-op may hold another's vote."
    others = "1 other co-op" if most == 1 else f"{most} other co-ops"
    return (f"A member co-op may give its vote to another member co-op (a proxy). "
            f"One co-op may hold the votes of at most {others}. A ballot a co-op casts itself always counts "
            f"instead of its proxy's.")


def _council(policy: Mapping[str, Any]) -> str:
    size = policy["council"]["size"]
    return (f"After a decision, any member co-op may file a formal objection within the period its kind of change "
            f"allows (see “How long each step lasts”). An objection that is not withdrawn goes to a council of "
            f"{size} member co-ops, drawn at random among those not party to it.")


def _changing(policy: Mapping[str, Any]) -> str:
    return ("These rules change only through an amendment to them, proposed on the network's policy page and "
            "decided by a vote of the member co-ops. That vote follows the stricter of the current rule and the "
            "proposed one, so a change can never loosen the rule that decides it. A change takes effect for "
            "processes started after it is adopted: an amendment or vote already under way keeps the rules it "
            "started with.")


_RENDERERS = {"kinds-of-change": _kinds, "phases": _phases, "who-starts": _who, "admission": _admission,
              "proxies": _proxies, "council": _council, "changing-these-rules": _changing}


def render_sections(policy: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """The policy's sections as (key, title, Markdown body), in order (``policy`` may be stored or
    complete; the defaults fill in what it leaves out)."""
    full = validate_policy(policy)
    return [(key, title, _RENDERERS[key](full)) for key, title in SECTIONS]


def render_text(policy: Mapping[str, Any] | None, *, network: bool = True) -> str:
    """The whole policy as one Markdown text (headings and sections), e.g. to compare two policies;
    ``network=False`` keeps only the parts a standard's own policy sets."""
    keys = SECTION_KEYS if network else tuple(key for key, _title in STANDARD_SECTIONS)
    return "\n\n".join(f"## {title}\n\n{body}" for key, title, body in render_sections(policy) if key in keys)


__all__ = ["SECTIONS", "SECTION_KEYS", "STANDARD_SECTIONS", "render_sections", "render_text", "rule_for_kind"]
