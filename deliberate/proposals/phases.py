"""The phases of an amendment's public process, read from its state, terms and timestamps. Pure.

An amendment that is opened goes through **discussion** (at least ``discussion_days``), then a
**last call** (exactly ``last_call_days``, announced to every member co-op: the moment to object
or to propose a competing change), then it is **ready** for a vote, then **voting**, then
**decided**. Its ``state`` (``states.TRANSITIONS``) says where it is in the state table; the phase
adds the clock to the "open" state:

- ``open`` and no last call yet: ``discussion`` (or ``ready`` when the policy has no last call
  for this kind, ``last_call_days == 0``, and the discussion's minimum has passed);
- ``open`` during the last call: ``last_call``; after it ended: ``ready``.

Rules the services and the database enforce (this module says when; it never writes):

- a last call may start once ``discussion_days`` have passed since the amendment was opened, and
  ends ``last_call_days`` later; a kind with ``last_call_days == 0`` has none;
- a vote may open once the discussion and the last call have passed (``vote_from``), at any
  time while the amendment is open if its kind is ``urgent``;
- another amendment may join it in a group of competing amendments until its last call ends;
- with ``vote_opened_by == "automatic"`` the vote opens by itself when the last call ends;
- timestamps are ordered: opened ≤ last call ≤ last call's end ≤ vote opened ≤ decided.

:func:`phase_of` gives a :class:`PhaseView`; :func:`timeline` the dates to show.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..translatable import N_

PHASES = ("draft", "discussion", "last_call", "ready", "voting", "decided", "withdrawn", "superseded",
          "conflicted")

PHASE_LABELS = {
    "draft": N_("Draft"),
    "discussion": N_("Discussion"),
    "last_call": N_("Last call"),
    "ready": N_("Ready for a vote"),
    "voting": N_("Voting"),
    "decided": N_("Decided"),
    "withdrawn": N_("Withdrawn"),
    "superseded": N_("Superseded"),
    "conflicted": N_("Needs a person's attention"),
}

PHASE_HELP = {
    "draft": N_("Its authors are still writing it. Nobody else can see it yet."),
    "discussion": N_("Everyone can read it and comment. Its authors can still improve it."),
    "last_call": N_("Last call: every member co-op has been told. Now is the time to raise concerns or to "
                    "propose a competing change. A change to the text ends the last call."),
    "ready": N_("The discussion and the last call are over: the amendment can be put to a vote."),
    "voting": N_("The member co-ops are voting on this exact text."),
    "decided": N_("The member co-ops have decided."),
    "withdrawn": N_("Withdrawn by its authors."),
    "superseded": N_("Another change to the same passage was adopted instead."),
    "conflicted": N_("The text changed underneath it: an author must bring it up to date first."),
}

_STATE_PHASE = {"draft": "draft", "voting": "voting", "adopted": "decided", "rejected": "decided",
                "withdrawn": "withdrawn", "superseded": "superseded", "conflicted": "conflicted"}


@dataclass(frozen=True)
class Times:
    """An amendment's process timestamps (all timezone-aware, or None)."""

    opened_at: datetime | None = None
    last_call_at: datetime | None = None
    last_call_ends_at: datetime | None = None
    vote_opened_at: datetime | None = None
    decided_at: datetime | None = None

    @classmethod
    def of(cls, amendment: Any) -> Times:
        """The timestamps of anything with these attributes (an Amendment row)."""
        return cls(**{name: getattr(amendment, name, None) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PhaseView:
    """Where an amendment stands and what may happen now.

    ``ends_at`` is when the current phase ends (``ends_fixed``: it ends then, as a last call does)
    or may end at the earliest (a discussion: ``ends_fixed`` False). ``last_call_from`` and
    ``vote_from`` are the first moments a last call may start and a vote may open (None when that
    cannot happen from this phase); ``join_until`` is the end of the time during which another
    amendment may join it in a competing group (None: open-ended, its last call has not started).
    """

    phase: str
    state: str
    started_at: datetime | None
    ends_at: datetime | None
    ends_fixed: bool
    last_call_from: datetime | None
    can_start_last_call: bool
    vote_from: datetime | None
    can_open_vote: bool
    can_join_group: bool
    join_until: datetime | None
    urgent: bool
    vote_opens_automatically: bool
    last_call_by: str

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def help(self) -> str:
        return PHASE_HELP[self.phase]


def _days(terms: Mapping[str, Any], name: str) -> timedelta:
    value = terms.get(name) or 0
    return timedelta(days=int(value))


def discussion_ends(terms: Mapping[str, Any], opened_at: datetime | None) -> datetime | None:
    """The end of the minimum discussion (None before the amendment is opened)."""
    return None if opened_at is None else opened_at + _days(terms, "discussion_days")


def has_last_call(terms: Mapping[str, Any]) -> bool:
    """Whether this kind of change goes through a last call at all (``last_call_days`` > 0)."""
    return int(terms.get("last_call_days") or 0) > 0


def last_call_end(terms: Mapping[str, Any], starts: datetime) -> datetime:
    """When a last call started at ``starts`` ends."""
    return starts + _days(terms, "last_call_days")


def phase_of(state: str, terms: Mapping[str, Any], times: Times, now: datetime) -> PhaseView:
    """The phase of an amendment in ``state`` with ``terms`` and ``times``, seen at ``now``."""
    urgent = bool(terms.get("urgent"))
    automatic = terms.get("vote_opened_by") == "automatic"
    last_call_by = terms.get("last_call_by") or "authors"
    phase = _STATE_PHASE.get(state, "discussion")
    started: datetime | None = None
    ends: datetime | None = None
    fixed = False
    lc_from: datetime | None = None
    vote_from: datetime | None = None
    join = state in ("open", "conflicted") and times.opened_at is not None and (
        times.last_call_ends_at is None or now < times.last_call_ends_at)
    join_until = times.last_call_ends_at if state in ("open", "conflicted") else None
    if state == "open":
        discussed = discussion_ends(terms, times.opened_at) or now
        if times.last_call_at is not None and times.last_call_ends_at is not None:
            if now < times.last_call_ends_at:
                phase, started, ends, fixed = "last_call", times.last_call_at, times.last_call_ends_at, True
            else:
                phase, started = "ready", times.last_call_ends_at
            vote_from = times.last_call_ends_at
        elif not has_last_call(terms):
            vote_from = discussed
            if now >= discussed:
                phase, started = "ready", discussed
            else:
                phase, started, ends = "discussion", times.opened_at, discussed
        else:
            phase, started, ends = "discussion", times.opened_at, discussed
            lc_from = discussed
        if urgent:
            vote_from = times.opened_at or now
    elif state == "voting":
        started = times.vote_opened_at
    elif state in ("adopted", "rejected", "withdrawn", "superseded"):
        started = times.decided_at
    can_lc = lc_from is not None and now >= lc_from
    can_vote = state == "open" and vote_from is not None and now >= vote_from
    return PhaseView(phase=phase, state=state, started_at=started, ends_at=ends, ends_fixed=fixed,
                     last_call_from=lc_from, can_start_last_call=can_lc, vote_from=vote_from,
                     can_open_vote=can_vote, can_join_group=join, join_until=join_until, urgent=urgent,
                     vote_opens_automatically=automatic, last_call_by=last_call_by)


def earliest_vote(terms: Mapping[str, Any], times: Times, now: datetime) -> datetime | None:
    """The first moment a vote could open if every step were taken as soon as allowed (for "from
    when" in a refusal): the last call's end, or, before it started, the discussion's end plus a
    last call started then (or now, if later)."""
    if times.opened_at is None:
        return None
    if terms.get("urgent"):
        return times.opened_at
    if times.last_call_ends_at is not None:
        return times.last_call_ends_at
    discussed = discussion_ends(terms, times.opened_at)
    if not has_last_call(terms):
        return discussed
    return last_call_end(terms, max(discussed, now))


@dataclass(frozen=True)
class Step:
    """One date of the process timeline: what (a key of :data:`STEP_LABELS`), when, and whether it
    has happened (False: planned or the earliest possible)."""

    key: str
    when: datetime
    done: bool


STEP_LABELS = {
    "opened": N_("Opened for discussion"),
    "discussion_min": N_("Discussion may end"),
    "last_call": N_("Last call started"),
    "last_call_ends": N_("Last call ends"),
    "vote_opened": N_("Vote opened"),
    "decided": N_("Decided"),
}


def timeline(state: str, terms: Mapping[str, Any], times: Times, now: datetime) -> list[Step]:
    """The dates of the process in order: those that happened and those to come."""
    steps: list[Step] = []
    if times.opened_at is None:
        return steps
    steps.append(Step("opened", times.opened_at, True))
    discussed = discussion_ends(terms, times.opened_at)
    if discussed is not None and discussed > times.opened_at:
        steps.append(Step("discussion_min", discussed, discussed <= now))
    if times.last_call_at is not None:
        steps.append(Step("last_call", times.last_call_at, True))
    if times.last_call_ends_at is not None:
        steps.append(Step("last_call_ends", times.last_call_ends_at, times.last_call_ends_at <= now))
    if times.vote_opened_at is not None:
        steps.append(Step("vote_opened", times.vote_opened_at, True))
    if times.decided_at is not None and state in ("adopted", "rejected", "withdrawn", "superseded"):
        steps.append(Step("decided", times.decided_at, True))
    return sorted(steps, key=lambda step: step.when)


def ordered(times: Times) -> bool:
    """The database's CHECK, in Python: opened ≤ last call ≤ its end ≤ vote opened ≤ decided (a decision may come during a last call: withdrawn).
    where set (a last call and its end are set together, and only once opened), except that a
    decision may come before a last call's planned end (withdrawn during it)."""
    if (times.last_call_at is None) != (times.last_call_ends_at is None):
        return False
    if times.last_call_at is not None:
        if times.opened_at is None or not times.opened_at <= times.last_call_at <= times.last_call_ends_at:
            return False
    if times.vote_opened_at is not None:
        if times.opened_at is None or times.vote_opened_at < times.opened_at:
            return False
        if times.last_call_ends_at is not None and times.vote_opened_at < times.last_call_ends_at:
            return False
    if times.decided_at is not None:
        if times.opened_at is not None and times.decided_at < times.opened_at:
            return False
        if times.last_call_at is not None and times.decided_at < times.last_call_at:
            return False
        if times.vote_opened_at is not None and times.decided_at < times.vote_opened_at:
            return False
    return True


# The same rule as SQL, for the CHECK constraint of the amendments table (both databases compare
# these timestamps in order: PostgreSQL as timestamps, SQLite as fixed-width UTC text).
ORDER_CHECK = (
    "((last_call_at IS NULL AND last_call_ends_at IS NULL)"
    " OR (last_call_at IS NOT NULL AND last_call_ends_at IS NOT NULL"
    " AND opened_at IS NOT NULL AND opened_at <= last_call_at AND last_call_at <= last_call_ends_at))"
    " AND (vote_opened_at IS NULL OR (opened_at IS NOT NULL AND opened_at <= vote_opened_at"
    " AND (last_call_ends_at IS NULL OR last_call_ends_at <= vote_opened_at)))"
    " AND (decided_at IS NULL OR ((opened_at IS NULL OR opened_at <= decided_at)"
    " AND (last_call_at IS NULL OR last_call_at <= decided_at)"
    " AND (vote_opened_at IS NULL OR vote_opened_at <= decided_at)))"
)


__all__ = ["ORDER_CHECK", "PHASES", "PHASE_HELP", "PHASE_LABELS", "STEP_LABELS", "PhaseView", "Step", "Times",
           "discussion_ends", "earliest_vote", "has_last_call", "last_call_end", "ordered", "phase_of", "timeline"]
