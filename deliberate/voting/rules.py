"""Voting rules as data, and the pure tally functions that apply them.

A `Rule` is stored on a vote when it opens and never changes afterwards. `tally()` checks the
ballots against the frozen electorate, reduces them to `Counts`, and hands those to the function
registered for the rule's method in `TALLIES` (ranked votes apply the Schulze method of
schulze.py). The tally functions never query anything, so the web app, the offline verifier
(`deliberate verify`) and the tests all compute byte-identical outcomes.

Every comparison uses integers or `Fraction`: a float could round 2/3 the wrong way and make the
recomputed result differ from the declared one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, cast

from ..translatable import N_, Percent
from .explanation import STATUS_QUO, describe, explanation
from .schulze import STRENGTH, pairwise_counts, ranked_winner, schulze

METHODS = ("majority", "supermajority", "consent", "ranked")
BASES = ("cast", "electorate")
HALF = Fraction(1, 2)

YES_NO_CHOICES = ("for", "against", "abstain")
CONSENT_CHOICES = ("consent", "stand_aside", "object")
CHOICES: dict[str, tuple[str, ...]] = {
    "majority": YES_NO_CHOICES,
    "supermajority": YES_NO_CHOICES,
    "consent": CONSENT_CHOICES,
    "ranked": (),  # ranked ballots carry a ranking, not a choice
}


class RuleError(ValueError):
    """A rule, an electorate or a ballot does not make sense; the message says why (in English,
    for the record's verifier). ``field`` and ``code`` (with ``params``) name what is wrong for an
    interface to say it in its reader's language (voting/services.py, ``rule_problem``)."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.field, self.code, self.params = field, code, params


# --------------------------------------------------------------------------- rules


def _fraction(name: str, value: Any) -> Fraction:
    """Parse a fraction from a Fraction, an int or a string such as "2/3"; floats are refused."""
    if isinstance(value, bool):
        raise RuleError(f"{name}: expected a fraction such as '2/3', got {value!r}", field=name, code="fraction")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        # 0.6 is not exactly 3/5 in binary; accepting it would make "exactly met" ambiguous.
        raise RuleError(f"{name}: give an exact fraction such as '3/5', not the float {value!r}", field=name,
                        code="fraction")
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise RuleError(f"{name}: {value!r} is not a fraction such as '2/3'", field=name, code="fraction") from None
    raise RuleError(f"{name}: expected a fraction such as '2/3', got {type(value).__name__}", field=name,
                    code="fraction")


def _fraction_text(value: Fraction) -> str:
    """Render a fraction the way to_dict() stores it: "2/3", "1/2", "1"."""
    return str(value)


def percent_text(value: Fraction) -> str:
    """Plain-language share: "60%" when exact, otherwise the fraction itself ("1/3")."""
    return Percent(value).english()


@dataclass(frozen=True)
class Rule:
    """How a vote is decided. Stored on the vote when it opens, shown to everyone, never changed.

    - method: "majority" (strictly more than half of the basis), "supermajority" (at least
      `threshold` of the basis), "consent" (no standing objection) or "ranked" (Schulze over the
      alternatives plus the status quo, winning votes with ties of strength broken by the
      smaller opposition, see schulze.py; the winner must beat the status quo head to head).
    - threshold: only for supermajority, 1/2 < threshold <= 1 (1 is unanimity).
    - quorum: share of the electorate's weight that must take part; quorum_count: number of co-ops
      that must take part. Either, both or neither. Abstaining and standing aside count.
    - threshold_basis: "cast" (for + against) or "electorate" (all weight in the electorate).
    - weighted: use the electorate's weights; otherwise one co-op, one vote.
    - secret / live_totals: how ballots and running totals are shown; they do not change the count.
    - second_call_quorum: a vote that fails only on quorum is called once more with this lower
      share and without quorum_count (see `second_call`); `describe()` says both.
    """

    method: str
    threshold: Fraction = HALF
    quorum: Fraction | None = None
    quorum_count: int | None = None
    threshold_basis: str = "cast"
    weighted: bool = False
    secret: bool = False
    live_totals: bool = False
    second_call_quorum: Fraction | None = None

    def __post_init__(self) -> None:
        """Validate on construction so that no invalid rule can exist, however it was built."""
        if self.method not in METHODS:
            raise RuleError(f"method: {self.method!r} is not one of {', '.join(METHODS)}")
        # Coerce ints (threshold=1) but never floats; frozen, hence object.__setattr__.
        for name in ("threshold", "quorum", "second_call_quorum"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Fraction):
                if isinstance(value, int) and not isinstance(value, bool):
                    object.__setattr__(self, name, Fraction(value))
                else:
                    raise RuleError(f"{name}: expected a Fraction, got {value!r}")
        if self.method == "supermajority":
            if not HALF < self.threshold <= 1:
                raise RuleError(
                    f"threshold: a supermajority needs more than 1/2 and at most 1, "
                    f"got {self.threshold}", field="threshold", code="threshold_range"
                )
        elif self.threshold != HALF:
            raise RuleError(f"threshold: only a supermajority has a threshold ({self.method} "
                            f"is fixed), got {self.threshold}", field="threshold", code="threshold_method")
        if self.quorum is not None and not 0 < self.quorum <= 1:
            raise RuleError(f"quorum: must be more than 0 and at most 1, got {self.quorum}", field="quorum",
                            code="quorum_range")
        if self.quorum_count is not None and (
            isinstance(self.quorum_count, bool) or not isinstance(self.quorum_count, int)
            or self.quorum_count < 1
        ):
            raise RuleError(f"quorum_count: must be a whole number of co-ops, at least 1, "
                            f"got {self.quorum_count!r}")
        if self.threshold_basis not in BASES:
            raise RuleError(f"threshold_basis: {self.threshold_basis!r} is not 'cast' or "
                            f"'electorate'")
        if self.threshold_basis != "cast" and self.method not in ("majority", "supermajority"):
            raise RuleError(f"threshold_basis: only majority and supermajority votes can count "
                            f"against the whole electorate, not {self.method}", field="threshold_basis",
                            code="basis_method")
        for name in ("weighted", "secret", "live_totals"):
            if not isinstance(getattr(self, name), bool):
                raise RuleError(f"{name}: must be true or false, got {getattr(self, name)!r}")
        if self.second_call_quorum is not None:
            if self.quorum is None:
                raise RuleError("second_call_quorum: needs a quorum share to lower", field="second_call_quorum",
                                code="second_call_without_quorum")
            if not 0 < self.second_call_quorum < self.quorum:
                raise RuleError(f"second_call_quorum: must be more than 0 and lower than the "
                                f"quorum {self.quorum}, got {self.second_call_quorum}", field="second_call_quorum",
                                code="second_call_range", quorum=_fraction_text(self.quorum))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form with every field present; fractions become strings such as "2/3"."""
        return {
            "method": self.method,
            "threshold": _fraction_text(self.threshold),
            "quorum": None if self.quorum is None else _fraction_text(self.quorum),
            "quorum_count": self.quorum_count,
            "threshold_basis": self.threshold_basis,
            "weighted": self.weighted,
            "secret": self.secret,
            "live_totals": self.live_totals,
            "second_call_quorum": (None if self.second_call_quorum is None
                                   else _fraction_text(self.second_call_quorum)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Build a rule from `to_dict()` output (missing optional fields take their defaults).

        Raises RuleError naming the offending field for unknown fields, wrong types and values
        out of range.
        """
        if not isinstance(data, Mapping):
            raise RuleError(f"a rule must be an object, got {type(data).__name__}")
        unknown = sorted(set(data) - _RULE_FIELDS)
        if unknown:
            raise RuleError(f"unknown rule field(s): {', '.join(map(str, unknown))}")
        if "method" not in data:
            raise RuleError("method: missing")
        kwargs: dict[str, Any] = {"method": data["method"]}
        for name in ("threshold", "quorum", "second_call_quorum"):
            if data.get(name) is not None:
                kwargs[name] = _fraction(name, data[name])
        for name in ("quorum_count", "threshold_basis", "weighted", "secret", "live_totals"):
            if name in data and (data[name] is not None or name == "quorum_count"):
                kwargs[name] = data[name]
        return cls(**kwargs)

    def describe(self) -> str:
        """Plain-language summary, e.g. "2/3 supermajority of votes cast, quorum 60% of member
        co-ops" (the English of ``explanation.rule_wording``, which pages translate)."""
        return describe(self)


_RULE_FIELDS = frozenset(Rule.__dataclass_fields__)


def second_call(rule: Rule) -> Rule:
    """The rule for reopening a vote that failed only on quorum: the lower share replaces the
    quorum, any count quorum is dropped, and there is no third call."""
    if rule.second_call_quorum is None:
        raise RuleError("this rule has no second-call quorum")
    data = rule.to_dict()
    data.update(quorum=data["second_call_quorum"], second_call_quorum=None, quorum_count=None)
    return Rule.from_dict(data)


PRESETS: dict[str, Rule] = {
    "simple-majority": Rule("majority", quorum=Fraction(1, 2)),
    "two-thirds": Rule("supermajority", threshold=Fraction(2, 3), quorum=Fraction(3, 5)),
    "three-quarters": Rule("supermajority", threshold=Fraction(3, 4), quorum=Fraction(3, 5)),
    "unanimity": Rule("supermajority", threshold=Fraction(1), quorum=Fraction(1, 2)),
    "consent": Rule("consent", quorum=Fraction(1, 2)),
    "ranked": Rule("ranked", quorum=Fraction(1, 2)),
}
PRESET_LABELS: dict[str, str] = {
    "simple-majority": N_("Simple majority, quorum 50%"),
    "two-thirds": N_("2/3 supermajority, quorum 60%"),
    "three-quarters": N_("3/4 supermajority, quorum 60%"),
    "unanimity": N_("Unanimity of votes cast, quorum 50%"),
    "consent": N_("Consent, quorum 50%"),
    "ranked": N_("Ranked choice (Schulze), quorum 50%"),
}


# --------------------------------------------------------------------------- ballots and outcome


@dataclass(frozen=True)
class BallotInput:
    """One co-op's final ballot as the tally sees it.

    `choice` for majority/supermajority ("for", "against", "abstain") and consent ("consent",
    "stand_aside", "object"); `ranking` for ranked votes (most preferred first, may be partial,
    empty means abstain). `objection_resolved` marks an objection that was resolved or withdrawn:
    it no longer blocks and counts like standing aside. `weight` is informational only: the
    tally always takes weights from the frozen electorate, so a ballot cannot carry its own.
    """

    voter: str
    choice: str | None = None
    ranking: tuple[str, ...] | None = None
    weight: int = 1
    objection_resolved: bool = False


_OUTCOME_FIELDS = ("passed", "winner", "quorum_met", "turnout", "electorate_size", "counts",
                   "explanation", "failed_only_on_quorum", "details")


@dataclass(frozen=True)
class Outcome:
    """The result of a tally. `turnout` and `electorate_size` are weights (co-ops when
    unweighted). `counts` and `details` hold only JSON types so that the declared result in a
    ledger can be compared with a recomputed one byte for byte."""

    passed: bool
    winner: str | None
    quorum_met: bool
    turnout: int
    electorate_size: int
    counts: dict[str, int]
    explanation: str
    failed_only_on_quorum: bool
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe copy with every field; equal outcomes give equal dicts."""
        return {name: copy.deepcopy(getattr(self, name)) for name in _OUTCOME_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Outcome:
        """Rebuild an outcome from `to_dict()` output; RuleError if fields are missing or
        mistyped."""
        if not isinstance(data, Mapping):
            raise RuleError(f"an outcome must be an object, got {type(data).__name__}")
        missing = [name for name in _OUTCOME_FIELDS if name not in data]
        extra = sorted(set(map(str, data)) - set(_OUTCOME_FIELDS))
        if missing or extra:
            raise RuleError(f"outcome fields: missing {missing or 'none'}, unexpected "
                            f"{extra or 'none'}")
        types: dict[str, tuple[type, ...]] = {
            "passed": (bool,), "quorum_met": (bool,), "failed_only_on_quorum": (bool,),
            "winner": (str, type(None)), "turnout": (int,), "electorate_size": (int,),
            "counts": (dict,), "explanation": (str,), "details": (dict,),
        }
        for name, allowed in types.items():
            value = data[name]
            if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
                raise RuleError(f"outcome field {name}: unexpected value {value!r}")
        return cls(**{name: copy.deepcopy(data[name]) for name in _OUTCOME_FIELDS})


@dataclass(frozen=True)
class Counts:
    """What a tally function receives: ballots already checked and reduced to weights.

    `choices` maps each choice (and "object_resolved" for consent) to the weight that chose it;
    `rankings` maps each distinct ranking to its weight (ranked votes only); `options` are the
    ranked alternatives followed by the status quo.
    """

    electorate_weight: int
    electorate_coops: int
    turnout_weight: int
    turnout_coops: int
    choices: dict[str, int]
    rankings: dict[tuple[str, ...], int]
    options: tuple[str, ...]
    standing_objectors: tuple[str, ...]


# --------------------------------------------------------------------------- checking ballots


def options_for(rule: Rule, alternatives: Sequence[str] | None) -> tuple[str, ...]:
    """The options a ranked ballot may list: the alternatives, in order, then the status quo.
    Empty for the other methods, which must not be given alternatives."""
    alternatives = tuple(alternatives or ())
    if rule.method != "ranked":
        if alternatives:
            raise RuleError(f"a {rule.method} vote has no alternatives, got {list(alternatives)}")
        return ()
    if not alternatives:
        raise RuleError("a ranked vote needs at least one alternative besides the status quo")
    for alt in alternatives:
        if not isinstance(alt, str) or not alt:
            raise RuleError(f"alternative ids must be non-empty strings, got {alt!r}")
    # The status quo is always an option; listing it explicitly is harmless.
    options = tuple(a for a in alternatives if a != STATUS_QUO)
    if len(set(options)) != len(options):
        raise RuleError(f"alternatives are listed more than once: {list(alternatives)}")
    if not options:
        raise RuleError("a ranked vote needs at least one alternative besides the status quo")
    return options + (STATUS_QUO,)


def check_ballot(rule: Rule, ballot: BallotInput, options: Sequence[str] = ()) -> None:
    """Raise RuleError if the ballot's choice or ranking is not valid for the rule's method.

    Eligibility is checked by `tally` (it needs the electorate); this is the per-ballot part
    that the ledger verifier also applies entry by entry.
    """
    if rule.method == "ranked":
        if ballot.choice is not None:
            raise RuleError(f"ballot from {ballot.voter}: a ranked ballot has a ranking, "
                            f"not the choice {ballot.choice!r}")
        _check_ranking(ballot.voter, ballot.ranking, options)
        return
    if ballot.ranking is not None:
        raise RuleError(f"ballot from {ballot.voter}: a {rule.method} ballot has no ranking")
    if ballot.choice not in CHOICES[rule.method]:
        raise RuleError(f"ballot from {ballot.voter}: {ballot.choice!r} is not a valid choice "
                        f"for a {rule.method} vote ({', '.join(CHOICES[rule.method])})")
    if ballot.objection_resolved and ballot.choice != "object":
        raise RuleError(f"ballot from {ballot.voter}: only an objection can be resolved")


def _check_ranking(voter: str, ranking: Any, options: Sequence[str]) -> None:
    """A ranking lists known options, each at most once; it may be partial or empty."""
    if not isinstance(ranking, tuple):
        raise RuleError(f"ballot from {voter}: a ranked ballot needs a ranking (a tuple of "
                        f"alternative ids), got {ranking!r}")
    known = frozenset(options)
    try:  # the common case in one pass in C: every item a known option, none repeated
        if known.issuperset(ranking) and len(set(ranking)) == len(ranking):
            return
    except TypeError:  # an unhashable item: the loop below names it
        pass
    for item in ranking:
        if not isinstance(item, str) or item not in known:
            raise RuleError(f"ballot from {voter}: {item!r} is not one of the options "
                            f"({', '.join(options)})")
    if len(set(ranking)) != len(ranking):
        raise RuleError(f"ballot from {voter}: the ranking lists an option more than once")


def _electorate_weights(rule: Rule, electorate: Mapping[str, int]) -> dict[str, int]:
    """Voter -> weight; every weight is 1 unless the rule explicitly asks for weighting."""
    if not isinstance(electorate, Mapping):
        raise RuleError("the electorate must map each co-op to its weight")
    if not rule.weighted:
        return dict.fromkeys(electorate, 1)
    for voter, weight in electorate.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise RuleError(f"electorate: weight of {voter} must be a whole number of at least "
                            f"1, got {weight!r}")
    return dict(electorate)


def count_ballots(rule: Rule, electorate: Mapping[str, int], ballots: Iterable[BallotInput],
                  alternatives: Sequence[str] | None = None) -> Counts:
    """Check every ballot (eligible voter, one ballot each, valid choice) and reduce to Counts."""
    weights = _electorate_weights(rule, electorate)
    options = options_for(rule, alternatives)
    ranked = rule.method == "ranked"
    choices = dict.fromkeys(CHOICES[rule.method], 0)
    if rule.method == "consent":
        choices["object_resolved"] = 0
    valid = frozenset(CHOICES[rule.method])
    rankings: dict[tuple[str, ...], int] = {}
    seen: set[str] = set()
    objectors: list[str] = []
    turnout = 0
    for ballot in ballots:
        voter = ballot.voter
        weight = weights.get(voter)
        if weight is None:
            raise RuleError(f"ballot from {voter!r}, who is not in the electorate")
        if voter in seen:
            raise RuleError(f"more than one ballot from {voter!r}; only the last one counts, "
                            f"pass only that")
        seen.add(voter)
        turnout += weight
        if ranked:
            ranking = ballot.ranking
            # Identical rankings aggregate, so each distinct ranking is checked only once.
            if not isinstance(ranking, tuple) or ballot.choice is not None \
                    or ranking not in rankings:
                check_ballot(rule, ballot, options)  # raises unless it is a valid ranking
            valid_ranking = cast(tuple[str, ...], ranking)
            rankings[valid_ranking] = rankings.get(valid_ranking, 0) + weight
            continue
        choice = ballot.choice
        if choice not in valid or ballot.ranking is not None or ballot.objection_resolved:
            check_ballot(rule, ballot, options)  # raises, or allows a resolved objection
        choice = cast(str, choice)
        if choice == "object":
            if ballot.objection_resolved:
                choice = "object_resolved"
            else:
                objectors.append(voter)
        choices[choice] += weight
    return Counts(
        electorate_weight=sum(weights.values()),
        electorate_coops=len(weights),
        turnout_weight=turnout,
        turnout_coops=len(seen),
        choices=choices,
        rankings=rankings,
        options=options,
        standing_objectors=tuple(sorted(objectors)),
    )


# --------------------------------------------------------------------------- outcome


def _finish(rule: Rule, c: Counts, ok: bool, counts: dict[str, int], winner: str | None,
            details: dict[str, Any]) -> Outcome:
    """Combine the quorum and the count into an Outcome; its explanation is written from the
    outcome's own fields (explanation.explain), so that pages can say it again in any language."""
    # Smallest whole weight w with w / electorate >= q, by integer ceiling division.
    needed = None if rule.quorum is None else -(-rule.quorum.numerator * c.electorate_weight // rule.quorum.denominator)
    quorum_met = True
    if rule.quorum is not None:
        quorum_met = c.turnout_weight * rule.quorum.denominator >= rule.quorum.numerator * c.electorate_weight
    if rule.quorum_count is not None:
        quorum_met = quorum_met and c.turnout_coops >= rule.quorum_count
    passed = quorum_met and ok
    details = {
        "method": rule.method,
        "electorate_coops": c.electorate_coops,
        "participating_coops": c.turnout_coops,
        "quorum_needed": needed,
        **details,
    }
    outcome = Outcome(
        passed=passed,
        winner=winner if passed else None,
        quorum_met=quorum_met,
        turnout=c.turnout_weight,
        electorate_size=c.electorate_weight,
        counts=counts,
        explanation="",
        failed_only_on_quorum=(not quorum_met) and ok,
        details=details,
    )
    return replace(outcome, explanation=explanation(rule, outcome))


# --------------------------------------------------------------------------- tally functions


def tally_yes_no(rule: Rule, c: Counts) -> Outcome:
    """Majority (strictly more than half of the basis) and supermajority (at least the threshold
    of the basis). A tie, or no votes for or against, fails."""
    yes, no, abstain = c.choices["for"], c.choices["against"], c.choices["abstain"]
    basis = yes + no if rule.threshold_basis == "cast" else c.electorate_weight
    if rule.method == "majority":
        ok = 2 * yes > basis  # strictly more than half: a tie fails
        need = "more than half"
    else:
        t = rule.threshold
        ok = basis > 0 and yes * t.denominator >= t.numerator * basis
        need = "unanimity" if t == 1 else str(t)
    details = {
        "basis": rule.threshold_basis,
        "basis_total": basis,
        "threshold": "more than 1/2" if rule.method == "majority" else str(rule.threshold),
        "share_for": None if basis == 0 else str(Fraction(yes, basis)),
        "required": need,
    }
    counts = {"for": yes, "against": no, "abstain": abstain}
    return _finish(rule, c, ok, counts, None, details)


def tally_consent(rule: Rule, c: Counts) -> Outcome:
    """Adopted when the quorum is met and no objection stands (resolved or withdrawn objections
    count like standing aside). A vote nobody took part in fails even without a quorum rule."""
    ch = c.choices
    standing, resolved = ch["object"], ch["object_resolved"]
    ok = standing == 0 and c.turnout_coops > 0
    details = {"standing_objections": list(c.standing_objectors)}
    counts = {"consent": ch["consent"], "stand_aside": ch["stand_aside"], "object": standing,
              "object_resolved": resolved}
    return _finish(rule, c, ok, counts, None, details)


def tally_ranked(rule: Rule, c: Counts) -> Outcome:
    """Schulze (winning votes, ties of strength broken by the smaller opposition; see schulze.py)
    over the alternatives plus the status quo. Passes only with a unique Schulze winner that is
    not the status quo and that strictly more voters prefer to the status quo than the
    reverse."""
    options = c.options
    result = schulze(pairwise_counts(options, c.rankings))
    d, p, winners = result.d, result.p, result.winners
    sq = options.index(STATUS_QUO)
    abstained = c.rankings.get((), 0)
    counts = {"ranked": c.turnout_weight - abstained, "abstain": abstained}
    adopted = ranked_winner(result, sq)
    winner = None if adopted is None else options[adopted]
    n = len(options)
    details = {
        "options": list(options),
        "strength": STRENGTH,
        "pairwise": {options[i]: {options[j]: d[i][j] for j in range(n) if j != i}
                     for i in range(n)},
        # [support, opposition] of each strongest path; [0, 0] where there is no path.
        "strongest_paths": {options[i]: {options[j]: list(p[i][j]) for j in range(n) if j != i}
                            for i in range(n)},
        "schulze_winners": [options[i] for i in winners],
        "ranking": [[options[i] for i in tier] for tier in result.tiers],
    }
    return _finish(rule, c, winner is not None, counts, winner, details)


TallyFunction = Callable[[Rule, Counts], Outcome]
TALLIES: dict[str, TallyFunction] = {
    "majority": tally_yes_no,
    "supermajority": tally_yes_no,
    "consent": tally_consent,
    "ranked": tally_ranked,
}


def tally(rule: Rule, electorate: Mapping[str, int], ballots: Iterable[BallotInput],
          alternatives: Sequence[str] | None = None) -> Outcome:
    """Decide a vote: check the ballots against the frozen electorate, count, and apply the
    rule's method from TALLIES. Ties and failed quorum fail (the status quo stands).

    `electorate` maps each co-op (or receipt) to its weight, ignored unless rule.weighted;
    `ballots` holds at most one final ballot per voter, in any order; `alternatives` lists the
    ranked alternatives (the status quo is added). Raises RuleError for ineligible or duplicate
    voters and invalid choices.
    """
    if not isinstance(rule, Rule):
        raise RuleError(f"expected a Rule, got {type(rule).__name__}")
    counts = count_ballots(rule, electorate, ballots, alternatives)
    return TALLIES[rule.method](rule, counts)
