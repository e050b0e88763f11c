"""A policy as people read it: one row per kind of change, and the sentence that says why a
process is decided the way it is."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ..voting.policy import CHANGE_KIND_LABELS, CHANGE_KINDS, terms_for
from ..voting.rules import PRESET_LABELS, PRESETS, percent_text
from ..voting.wording import describe_rule


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    rule_label: str
    rule_text: str
    quorum: str
    discussion: str
    last_call: str
    voting: str
    objections: str
    urgent: bool
    steward_may_adopt: bool


@dataclass(frozen=True)
class PolicyPage:
    network: bool
    rows: list[KindRow]
    sections: list[tuple[str, str]]  # (section key, rule label) overriding their kind's rule
    groups: str
    last_call_by: str
    vote_opened_by: str
    max_proxies: int
    council_size: int
    policy: dict[str, Any]


def days(count: int) -> str:
    return ngettext("%(num)s day", "%(num)s days", count) if count else _("none")


def preset_label(preset: str) -> str:
    return _(PRESET_LABELS[preset]) if preset in PRESET_LABELS else preset


def quorum_text(terms: dict[str, Any]) -> str:
    share = Fraction(terms["quorum"]) if terms.get("quorum") else PRESETS[terms["rule"]].quorum
    return _("%(share)s of member co-ops", share=percent_text(share)) if share else _("none")


def policy_page(policy: dict[str, Any], *, network: bool) -> PolicyPage:
    # A standard's page leaves out admissions: the network's rules alone decide them.
    kinds = CHANGE_KINDS if network else tuple(k for k in CHANGE_KINDS if k != "admission")
    rows = []
    for kind in kinds:
        terms = terms_for(policy, kind)
        rule = PRESETS[terms["rule"]]
        if terms.get("quorum"):
            rule = type(rule).from_dict({**rule.to_dict(), "quorum": terms["quorum"]})
        rows.append(KindRow(kind=kind, label=_(CHANGE_KIND_LABELS[kind]), rule_label=preset_label(terms["rule"]),
                            rule_text=describe_rule(rule), quorum=quorum_text(terms),
                            discussion=days(terms["discussion_days"]), last_call=days(terms["last_call_days"]),
                            voting=days(terms["voting_days"]), objections=days(terms["objection_days"]),
                            urgent=terms["urgent"], steward_may_adopt=terms["steward_may_adopt"]))
    sections = [(key, preset_label(preset)) for key, preset in sorted(policy["sections"].items())]
    return PolicyPage(network=network, rows=rows, sections=sections, groups=preset_label(policy["groups"]),
                      last_call_by=policy["opening"]["last_call"], vote_opened_by=policy["opening"]["vote"],
                      max_proxies=policy["proxies"]["max_per_coop"], council_size=policy["council"]["size"],
                      policy=policy)


def basis(terms: dict[str, Any] | None) -> str | None:
    """"Decided under the rule “Consent, quorum 50%” because this is a change to a core principle."
    None for a process that started before policies had terms."""
    if not terms or terms.get("change_kind") not in CHANGE_KIND_LABELS:
        return None
    if isinstance(terms.get("ratchet"), dict):
        return ratchet_basis(terms)
    return _("Decided under the rule “%(rule)s” because this is %(kind)s.", rule=preset_label(terms["rule"]),
             kind=_(CHANGE_KIND_LABELS[terms["change_kind"]]))


def _rule_with_quorum(rule: str, quorum: str | None) -> str:
    """"Consent, quorum 50%", or "Consent, with a quorum of 60% of member co-ops" when the policy's
    quorum is not the preset's own."""
    if not quorum or (rule in PRESETS and PRESETS[rule].quorum == Fraction(quorum)):
        return preset_label(rule)
    return _("%(rule)s, with a quorum of %(share)s", rule=preset_label(rule), share=percent_text(Fraction(quorum)))


def ratchet_basis(terms: dict[str, Any]) -> str:
    """Why a change to the rules is decided the way it is: the stricter of the two rules."""
    ratchet = terms["ratchet"]
    decided = _rule_with_quorum(terms["rule"], terms.get("quorum"))
    current = _rule_with_quorum(ratchet["current"]["rule"], ratchet["current"].get("quorum"))
    proposed = _rule_with_quorum(ratchet["proposed"]["rule"], ratchet["proposed"].get("quorum"))
    if ratchet.get("decided_by") == "same":
        return _("Decided under the rule “%(rule)s” because this changes the rules themselves: the current rule "
                 "and the proposed one are the same.", rule=decided)
    return _("Decided under the rule “%(rule)s” because this changes the rules themselves: the stricter of the "
             "current rule (“%(current)s”) and the proposed rule (“%(proposed)s”).", rule=decided, current=current,
             proposed=proposed)
