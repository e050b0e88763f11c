"""The words of a vote: a rule in plain language and a result's explanation, as messages.

Pure (no Flask): each function returns :class:`~deliberate.translatable.Message` objects. Their English
(``english_sentences``) is what ``Rule.describe()`` and ``Outcome.explanation`` have always said, and what
the ballot record, the API and ``deliberate verify`` keep; pages translate the same messages
(``voting/wording.py``). An explanation is built from the outcome's own fields (counts, details), so a
page can explain a stored result in any language without recounting its ballots.
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ..translatable import M_, MN_, N_, Joined, Message, Percent, english_sentences

if TYPE_CHECKING:
    from .rules import Outcome, Rule

STATUS_QUO = "status_quo"  # rules.STATUS_QUO (imported there from here)


# --------------------------------------------------------------------------- rules


def rule_wording(rule: Rule) -> list[Message]:
    """The rule in plain words, one message per clause (``describe()`` joins them with "; "),
    e.g. "2/3 supermajority of votes cast, quorum 60% of member co-ops"."""
    basis = M_("votes cast") if rule.threshold_basis == "cast" else M_("the whole electorate")
    if rule.method == "majority":
        head = M_("Simple majority of %(basis)s", basis=basis)
    elif rule.method == "supermajority" and rule.threshold == 1:
        head = M_("Unanimity of %(basis)s", basis=basis)
    elif rule.method == "supermajority":
        head = M_("%(threshold)s supermajority of %(basis)s", threshold=str(rule.threshold), basis=basis)
    elif rule.method == "consent":
        head = M_("Consent (adopted unless an objection stands)")
    else:
        # schulze.STRENGTH, written out so that it can be translated (a unit test keeps them equal).
        head = M_("Ranked choice (Schulze method, winning votes, ties of strength broken by the smaller opposition; "
                  "the winner must also beat the status quo head to head)")
    quorum = []
    if rule.quorum is not None:
        if rule.weighted:
            quorum.append(M_("quorum %(share)s of the weighted votes of member co-ops", share=Percent(rule.quorum)))
        else:
            quorum.append(M_("quorum %(share)s of member co-ops", share=Percent(rule.quorum)))
    if rule.quorum_count is not None:
        quorum.append(MN_("at least %(num)s co-op taking part", "at least %(num)s co-ops taking part", rule.quorum_count))
    if quorum:
        both = quorum[0] if len(quorum) == 1 else M_("%(first)s and %(second)s", first=quorum[0], second=quorum[1])
        parts = [M_("%(head)s, %(quorum)s", head=head, quorum=both)]
    else:
        parts = [M_("%(head)s, no quorum", head=head)]
    if rule.weighted:
        parts.append(M_("weighted votes"))
    if rule.secret:
        parts.append(M_("secret ballot"))
    if rule.live_totals:
        parts.append(M_("running totals shown while open"))
    if rule.second_call_quorum is not None:
        # What rules.second_call lowers: the share, and any minimum number of co-ops is dropped.
        share = Percent(rule.second_call_quorum)
        if rule.quorum_count is None:
            parts.append(M_("if only the quorum fails, the question is called once more with quorum %(share)s",
                            share=share))
        else:
            parts.append(M_("if only the quorum fails, the question is called once more with quorum %(share)s "
                            "and no minimum number of co-ops", share=share))
    return parts


def describe(rule: Rule) -> str:
    """The rule in plain English, as ``Rule.describe()`` gives it."""
    return english_sentences(rule_wording(rule), "; ")


# --------------------------------------------------------------------------- results


def share_shown(part: int, whole: int, bar: Fraction, strict: bool, ok: bool) -> Percent:
    """The share part/whole as a percentage for explanations, e.g. "83%".

    Rounded half up to as few decimals as keep it on the right side of the bar: 3328 of 6647
    shows as "50.1%" rather than a "50%" that would seem to contradict "more than half".
    """
    share = Fraction(100 * part, whole)
    target = bar * 100
    for places in range(7):
        scale = 10 ** places
        shown = Fraction((2 * share * scale + 1).__floor__() // 2, scale)
        above = shown > target if strict else shown >= target
        if above == ok:
            break
    return Percent(shown / 100, places)


def explain(rule: Rule, outcome: Outcome) -> list[Message]:
    """The explanation of ``outcome`` under ``rule``, one message per sentence.

    Read from the outcome's fields only (what ``tally`` computed and the record declares), so that a
    stored result is explained again, in any language, exactly as it was the day it was counted.
    Raises ``KeyError``/``TypeError`` if an outcome lacks the details its method writes.
    """
    # Whether the count alone passed (before the quorum): see rules._finish.
    ok = outcome.passed or outcome.failed_only_on_quorum
    if rule.method in ("majority", "supermajority"):
        lines, verdict = _yes_no(rule, outcome, ok)
    elif rule.method == "consent":
        lines, verdict = _consent(rule, outcome)
    else:
        lines, verdict = _ranked(rule, outcome, ok)
    text = [_quorum(rule, outcome), *lines]
    if outcome.quorum_met:
        text.append(verdict)
    else:
        text.append(M_("The status quo stands: rejected."))
        if ok:
            text.append(M_("It would otherwise have been adopted."))
            if rule.second_call_quorum is not None:
                text.append(M_("It may be called once more with quorum %(share)s.", share=Percent(rule.second_call_quorum)))
    return text


def explanation(rule: Rule, outcome: Outcome) -> str:
    """The explanation in English, as ``Outcome.explanation`` holds it."""
    return english_sentences(explain(rule, outcome))


def _quorum(rule: Rule, outcome: Outcome) -> Message:
    details = outcome.details
    taking, coops = details["participating_coops"], details["electorate_coops"]
    if rule.weighted:
        took_part = MN_("%(part)s of %(num)s co-op took part, holding %(votes)s of %(total)s votes",
                        "%(part)s of %(num)s co-ops took part, holding %(votes)s of %(total)s votes", coops,
                        part=taking, votes=outcome.turnout, total=outcome.electorate_size)
    else:
        took_part = MN_("%(part)s of %(num)s co-op took part", "%(part)s of %(num)s co-ops took part", coops, part=taking)
    if rule.quorum is None and rule.quorum_count is None:
        return M_("No quorum required: %(took_part)s.", took_part=took_part)
    needed_texts = []
    if rule.quorum is not None:
        q = rule.quorum
        # Smallest whole weight w with w / electorate >= q, by integer ceiling division.
        needed = -(-q.numerator * outcome.electorate_size // q.denominator)
        needed_texts.append(MN_("%(num)s vote needed", "%(num)s votes needed", needed) if rule.weighted
                            else M_("%(num)s needed", num=needed))
    if rule.quorum_count is not None:
        needed_texts.append(MN_("at least %(num)s co-op needed", "at least %(num)s co-ops needed", rule.quorum_count))
    if rule.quorum is None:
        label = MN_("Quorum of %(num)s co-op", "Quorum of %(num)s co-ops", rule.quorum_count)
    elif rule.quorum_count is None:
        label = M_("Quorum %(share)s", share=Percent(rule.quorum))
    else:
        label = MN_("Quorum %(share)s and at least %(num)s co-op", "Quorum %(share)s and at least %(num)s co-ops",
                    rule.quorum_count, share=Percent(rule.quorum))
    if outcome.quorum_met:
        return M_("%(label)s met: %(took_part)s.", label=label, took_part=took_part)
    needed_text = needed_texts[0] if len(needed_texts) == 1 else M_("%(first)s and %(second)s", first=needed_texts[0],
                                                                    second=needed_texts[1])
    return M_("%(label)s not met: %(took_part)s, %(needed)s.", label=label, took_part=took_part, needed=needed_text)


def _yes_no(rule: Rule, outcome: Outcome, ok: bool) -> tuple[list[Message], Message]:
    counts = outcome.counts
    yes, no, abstain = counts["for"], counts["against"], counts["abstain"]
    if rule.weighted:
        counts_line = M_("%(yes)s for, %(no)s against, %(abstain)s abstained (weighted votes).", yes=yes, no=no,
                         abstain=abstain)
    else:
        counts_line = M_("%(yes)s for, %(no)s against, %(abstain)s abstained.", yes=yes, no=no, abstain=abstain)
    basis = outcome.details["basis_total"]
    cast = rule.threshold_basis == "cast"
    if basis == 0:
        if cast:
            return [counts_line], M_("No votes for or against were cast: rejected.")
        return [counts_line], M_("The electorate is empty: rejected.")
    tie = not ok and yes == no and cast
    share = share_shown(yes, basis, rule.threshold, rule.method == "majority", ok)
    values = {"yes": yes, "basis": basis, "share": share}
    if rule.method == "majority":
        verdict = Message(_MAJORITY[cast, ok, tie], values)
    elif rule.threshold == 1:
        verdict = Message(_UNANIMITY[cast, ok, tie], values)
    else:
        verdict = Message(_SUPERMAJORITY[cast, ok, tie], {**values, "threshold": str(rule.threshold)})
    return [counts_line], verdict


# Whole sentences, so that each reads naturally when translated: (votes cast?, passed?, a tie?) -> verdict.
_MAJORITY = {
    (True, True, False): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which is more than half: adopted."),
    (True, False, False): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which is not more than half: rejected."),
    (True, False, True): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which is not more than half (a tie fails): rejected."),
    (False, True, False): N_(
        "%(yes)s of %(basis)s votes in the electorate (%(share)s) were for, which is more than half: adopted."),
    (False, False, False): N_(
        "%(yes)s of %(basis)s votes in the electorate (%(share)s) were for, which is not more than half: rejected."),
}
_UNANIMITY = {
    (True, True, False): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which meets unanimity: adopted."),
    (True, False, False): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which does not meet unanimity: rejected."),
    (True, False, True): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which does not meet unanimity (a tie fails): rejected."),
    (False, True, False): N_(
        "%(yes)s of %(basis)s votes in the electorate (%(share)s) were for, which meets unanimity: adopted."),
    (False, False, False): N_(
        "%(yes)s of %(basis)s votes in the electorate (%(share)s) were for, which does not meet unanimity: rejected."),
}
_SUPERMAJORITY = {
    (True, True, False): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which meets %(threshold)s: adopted."),
    (True, False, False): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which does not meet %(threshold)s: rejected."),
    (True, False, True): N_(
        "%(yes)s of %(basis)s votes cast (%(share)s) were for, which does not meet %(threshold)s (a tie fails): "
        "rejected."),
    (False, True, False): N_(
        "%(yes)s of %(basis)s votes in the electorate (%(share)s) were for, which meets %(threshold)s: adopted."),
    (False, False, False): N_(
        "%(yes)s of %(basis)s votes in the electorate (%(share)s) were for, which does not meet %(threshold)s: "
        "rejected."),
}


def _consent(rule: Rule, outcome: Outcome) -> tuple[list[Message], Message]:
    counts = outcome.counts
    standing, resolved = counts["object"], counts["object_resolved"]
    values = {"consented": counts["consent"], "stood_aside": counts["stand_aside"],
              "objections": MN_("%(num)s standing objection", "%(num)s standing objections", standing)}
    if resolved:
        values["resolved"] = MN_("%(num)s objection resolved or withdrawn", "%(num)s objections resolved or withdrawn",
                                 resolved)
        if rule.weighted:
            line = M_("%(consented)s consented, %(stood_aside)s stood aside, %(objections)s, %(resolved)s "
                      "(weighted votes).", **values)
        else:
            line = M_("%(consented)s consented, %(stood_aside)s stood aside, %(objections)s, %(resolved)s.", **values)
    elif rule.weighted:
        line = M_("%(consented)s consented, %(stood_aside)s stood aside, %(objections)s (weighted votes).", **values)
    else:
        line = M_("%(consented)s consented, %(stood_aside)s stood aside, %(objections)s.", **values)
    if outcome.details["participating_coops"] == 0:
        verdict = M_("No co-op took part: rejected.")
    elif standing:
        verdict = MN_("%(num)s objection still stands: rejected.", "%(num)s objections still stand: rejected.", standing)
    else:
        verdict = M_("No objection stands: adopted.")
    return [line], verdict


def _ranked(rule: Rule, outcome: Outcome, ok: bool) -> tuple[list[Message], Message]:
    counts, details = outcome.counts, outcome.details
    values = {"ranked": counts["ranked"], "abstained": counts["abstain"]}
    if rule.weighted:
        line = M_("%(ranked)s ranked the options, %(abstained)s abstained (weighted votes).", **values)
    else:
        line = M_("%(ranked)s ranked the options, %(abstained)s abstained.", **values)
    winners, pairwise = details["schulze_winners"], details["pairwise"]
    if len(winners) != 1:
        tied = Joined(tuple(option_name(option) for option in winners))
        return [line], M_("No single Schulze winner (%(tied)s tie): rejected, the status quo stands.", tied=tied)
    w = winners[0]
    if w == STATUS_QUO:
        return [line], M_("The status quo is the Schulze winner: rejected.")
    pro, con = pairwise[w][STATUS_QUO], pairwise[STATUS_QUO][w]
    if ok:
        return [line], M_("Schulze winner: %(winner)s, which beats the status quo head to head %(pro)s to %(con)s: "
                          "%(winner)s adopted.", winner=w, pro=pro, con=con)
    return [line], M_("%(option)s is the Schulze winner but does not beat the status quo head to head (%(pro)s to "
                      "%(con)s): rejected, the status quo stands.", option=w, pro=pro, con=con)


def option_name(option: str) -> Message | str:
    """How an option is named in explanations: its id, or the status quo."""
    return M_("the status quo") if option == STATUS_QUO else option
