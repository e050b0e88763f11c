"""A vote's words in the reader's language: its rule, its result's explanation.

The pure module ``explanation.py`` writes both as messages; ``Rule.describe()`` and
``Outcome.explanation`` are their English, which the API and the ballot record keep. Pages call the
functions here, which translate the same messages, so that a page never shows an English sentence
built by the platform.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import notices
from ..i18n import say, say_all, say_notice
from ..translatable import Percent
from .explanation import explain, rule_wording
from .rules import Outcome, Rule, RuleError


def share_text(value: Fraction) -> str:
    """"60%" / "60 %" when the share is a whole percentage, otherwise the fraction itself ("1/3")."""
    return say(Percent(value))


def describe_rule(rule: Rule) -> str:
    """The rule in plain words, e.g. "2/3 supermajority of votes cast, quorum 60% of member co-ops"."""
    return say_all(rule_wording(rule), "; ")


def explanation_text(vote: Any) -> str:
    """A closed vote's explanation in the reader's language.

    Written again from the stored rule and result; if that does not give, in English, exactly the
    explanation stored with the vote (a result written by an older version of the platform), the
    stored text is shown as it is: a page never words a result differently from its record.
    """
    stored = getattr(vote, "explanation", "") or ""
    rule, result = getattr(vote, "rule", None), getattr(vote, "result", None)
    if not rule or not result:
        return stored
    try:
        rule_ = Rule.from_dict(rule)
        messages = explain(rule_, Outcome.from_dict(result))
    except (RuleError, KeyError, TypeError, ValueError, IndexError):
        return stored
    if " ".join(message.english() for message in messages) != stored:
        return stored
    return say_all(messages)


def decision_text(version: Any, vote: Any) -> str:
    """How a version was decided, in the reader's language: a version that failed its vote says so
    with the vote's explanation; any other decision note is shown with ``say_notice``."""
    if version.state == "failed" and vote is not None and vote.id == version.vote_id and vote.result:
        return say(notices.NOT_RATIFIED_NOTE.message(vote=str(vote.id), explanation=explanation_text(vote)))
    return say_notice(version.decision_note)
