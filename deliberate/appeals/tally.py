"""Counting the council's votes. Pure: receives who sits and how each voted, never queries.

Three kinds of question go to a council, each decided by its own rule:

- ``proposal`` (the short circuit): the mediator's proposal is adopted when at least 80% of the
  seated council vote yes and none votes no, within 14 days of the question being put. Abstaining
  is allowed and counts as neither (it does not help reach 80%). Once the 14 days pass without
  that, the question has lapsed and the council goes on to decide the objection itself.
- ``dismiss``: a member is dismissed when more than half of the *other* seated members vote yes.
- ``decision``: a written decision is the council's when more than half of the seated members
  vote yes.

Only the ballots of co-ops seated now count (a dismissed member's ballots stop counting; its
replacement may vote). A co-op's last ballot on a question is the one that counts.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

CHOICES = ("yes", "no", "abstain")
QUESTION_KINDS = ("proposal", "dismiss", "decision")
SHORT_CIRCUIT_DAYS = 14
# 80% as a fraction, compared in integers: yes * DENOMINATOR >= NUMERATOR * seats.
NUMERATOR, DENOMINATOR = 4, 5


@dataclass(frozen=True)
class Tally:
    """Where a council question stands: ``status`` is "passed", "open" or "lapsed"."""

    status: str
    yes: int
    no: int
    abstain: int
    voters: int  # who may vote on it (the seated council, less the member a dismissal is about)
    needed: int  # yes votes needed

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def _count(electorate: Iterable[str], ballots: Mapping[str, str]) -> tuple[int, int, int, int]:
    members = set(electorate)
    counted = [choice for coop, choice in ballots.items() if coop in members]
    return counted.count("yes"), counted.count("no"), counted.count("abstain"), len(members)


def eighty_percent(seats: int) -> int:
    """The fewest yes votes that make at least 80% of ``seats`` (ceil(0.8 * seats))."""
    return -(-NUMERATOR * seats // DENOMINATOR)


def short_circuit(council: Iterable[str], ballots: Mapping[str, str], put_at: datetime, now: datetime,
                  days: int = SHORT_CIRCUIT_DAYS) -> Tally:
    """The mediator's proposal: passed with >= 80% of the seated council yes and no nay, while
    ``now`` is before ``put_at + days``; lapsed after that; open otherwise."""
    yes, no, abstain, seats = _count(council, ballots)
    needed = eighty_percent(seats)
    if seats and no == 0 and yes >= needed and now < put_at + timedelta(days=days):
        status = "passed"
    elif now >= put_at + timedelta(days=days):
        status = "lapsed"
    else:
        status = "open"
    return Tally(status, yes, no, abstain, seats, needed)


def dismissal(council: Iterable[str], member: str, ballots: Mapping[str, str]) -> Tally:
    """Dismissing ``member``: passed when more than half of the other seated members vote yes."""
    others = [coop for coop in council if coop != member]
    yes, no, abstain, seats = _count(others, ballots)
    needed = seats // 2 + 1
    return Tally("passed" if seats and yes >= needed else "open", yes, no, abstain, seats, needed)


def decision(council: Iterable[str], ballots: Mapping[str, str]) -> Tally:
    """A written decision: passed when more than half of the seated council vote yes."""
    yes, no, abstain, seats = _count(council, ballots)
    needed = seats // 2 + 1
    return Tally("passed" if seats and yes >= needed else "open", yes, no, abstain, seats, needed)
