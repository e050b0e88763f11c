"""A vote's rule in the reader's language, built from the rule's fields at render time.

``Rule.describe()`` (pure, in rules.py) stays the English wording the API and the ballot record use;
pages call ``describe_rule`` instead, so that the rule reads naturally in every interface language.
"""
from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import ngettext

from ..i18n import format_percentage
from .rules import Rule


def share_text(value: Fraction) -> str:
    """"60%" / "60 %" when the share is a whole percentage, otherwise the fraction itself ("1/3")."""
    if (value * 100).denominator == 1:
        return format_percentage(float(value))
    return str(value)


def describe_rule(rule: Rule) -> str:
    """The rule in plain words, e.g. "2/3 supermajority of votes cast, quorum 60% of member co-ops"."""
    basis = _("votes cast") if rule.threshold_basis == "cast" else _("the whole electorate")
    if rule.method == "majority":
        head = _("Simple majority of %(basis)s", basis=basis)
    elif rule.method == "supermajority" and rule.threshold == 1:
        head = _("Unanimity of %(basis)s", basis=basis)
    elif rule.method == "supermajority":
        head = _("%(threshold)s supermajority of %(basis)s", threshold=str(rule.threshold), basis=basis)
    elif rule.method == "consent":
        head = _("Consent (adopted unless an objection stands)")
    else:
        head = _("Ranked choice (Schulze method, winning votes, ties of strength broken by the smaller opposition; "
                 "the winner must also beat the status quo head to head)")
    quorum = []
    if rule.quorum is not None:
        if rule.weighted:
            quorum.append(_("quorum %(share)s of the weighted votes of member co-ops", share=share_text(rule.quorum)))
        else:
            quorum.append(_("quorum %(share)s of member co-ops", share=share_text(rule.quorum)))
    if rule.quorum_count is not None:
        quorum.append(ngettext("at least %(num)s co-op taking part", "at least %(num)s co-ops taking part",
                               rule.quorum_count))
    if quorum:
        both = quorum[0] if len(quorum) == 1 else _("%(first)s and %(second)s", first=quorum[0], second=quorum[1])
        parts = [_("%(head)s, %(quorum)s", head=head, quorum=both)]
    else:
        parts = [_("%(head)s, no quorum", head=head)]
    if rule.weighted:
        parts.append(_("weighted votes"))
    if rule.secret:
        parts.append(_("secret ballot"))
    if rule.live_totals:
        parts.append(_("running totals shown while open"))
    if rule.second_call_quorum is not None:
        # What rules.second_call lowers: the share, and any minimum number of co-ops is dropped.
        share = share_text(rule.second_call_quorum)
        if rule.quorum_count is None:
            parts.append(_("if only the quorum fails, the question is called once more with quorum %(share)s",
                           share=share))
        else:
            parts.append(_("if only the quorum fails, the question is called once more with quorum %(share)s "
                           "and no minimum number of co-ops", share=share))
    return "; ".join(parts)
