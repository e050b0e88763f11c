"""The phase machine (deliberate.proposals.phases): every state × moment, and time orderings."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deliberate.proposals.phases import (
    ORDER_CHECK,
    PHASE_HELP,
    PHASE_LABELS,
    PHASES,
    Times,
    earliest_vote,
    ordered,
    phase_of,
    timeline,
)
from deliberate.proposals.states import STATES

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
TERMS = {"discussion_days": 14, "last_call_days": 7, "voting_days": 14, "urgent": False,
         "last_call_by": "authors", "vote_opened_by": "stewards"}
URGENT = {**TERMS, "discussion_days": 2, "last_call_days": 3, "urgent": True}
NO_LAST_CALL = {**TERMS, "discussion_days": 0, "last_call_days": 0}
OPENED = Times(opened_at=T0)
IN_LAST_CALL = Times(opened_at=T0, last_call_at=T0 + 15 * DAY, last_call_ends_at=T0 + 22 * DAY)

# state, terms, times, days after T0 → phase, may start a last call, may open a vote, may join a group
CASES = [
    ("draft", TERMS, Times(), 0, "draft", False, False, False),
    ("open", TERMS, OPENED, 0, "discussion", False, False, True),
    ("open", TERMS, OPENED, 13.9, "discussion", False, False, True),
    ("open", TERMS, OPENED, 14, "discussion", True, False, True),
    ("open", TERMS, OPENED, 40, "discussion", True, False, True),  # never had its last call
    ("open", TERMS, IN_LAST_CALL, 15, "last_call", False, False, True),
    ("open", TERMS, IN_LAST_CALL, 21.9, "last_call", False, False, True),
    ("open", TERMS, IN_LAST_CALL, 22, "ready", False, True, False),
    ("open", TERMS, IN_LAST_CALL, 90, "ready", False, True, False),
    ("open", URGENT, OPENED, 0, "discussion", False, True, True),
    ("open", URGENT, OPENED, 2, "discussion", True, True, True),
    ("open", NO_LAST_CALL, OPENED, 0, "ready", False, True, True),
    ("open", {**NO_LAST_CALL, "discussion_days": 3}, OPENED, 1, "discussion", False, False, True),
    ("open", {**NO_LAST_CALL, "discussion_days": 3}, OPENED, 3, "ready", False, True, True),
    ("voting", TERMS, Times(opened_at=T0, last_call_at=T0 + 15 * DAY, last_call_ends_at=T0 + 22 * DAY,
                            vote_opened_at=T0 + 23 * DAY), 24, "voting", False, False, False),
    ("adopted", TERMS, Times(opened_at=T0, decided_at=T0 + 40 * DAY), 41, "decided", False, False, False),
    ("rejected", TERMS, Times(opened_at=T0, decided_at=T0 + 40 * DAY), 41, "decided", False, False, False),
    ("withdrawn", TERMS, Times(opened_at=T0, decided_at=T0 + 3 * DAY), 4, "withdrawn", False, False, False),
    ("withdrawn", TERMS, Times(decided_at=T0), 4, "withdrawn", False, False, False),
    ("superseded", TERMS, Times(opened_at=T0, decided_at=T0 + 3 * DAY), 4, "superseded", False, False, False),
    ("conflicted", TERMS, OPENED, 20, "conflicted", False, False, True),
    ("conflicted", TERMS, IN_LAST_CALL, 23, "conflicted", False, False, False),
    ("conflicted", TERMS, Times(), 1, "conflicted", False, False, False),  # never opened: private
]


@pytest.mark.parametrize(("state", "terms", "times", "days", "phase", "last_call", "vote", "join"), CASES)
def test_every_state_and_moment(state, terms, times, days, phase, last_call, vote, join):
    seen = phase_of(state, terms, times, T0 + days * DAY)
    assert (seen.phase, seen.can_start_last_call, seen.can_open_vote, seen.can_join_group) == \
           (phase, last_call, vote, join)


def test_every_state_has_a_phase_with_words():
    assert {c[0] for c in CASES} == set(STATES)
    for state in STATES:
        assert phase_of(state, TERMS, OPENED, T0).phase in PHASES
    assert set(PHASE_LABELS) == set(PHASES) == set(PHASE_HELP)


def test_what_the_page_says_of_each_phase():
    discussion = phase_of("open", TERMS, OPENED, T0 + DAY)
    assert (discussion.started_at, discussion.ends_at, discussion.ends_fixed) == (T0, T0 + 14 * DAY, False)
    assert discussion.last_call_from == T0 + 14 * DAY and discussion.vote_from is None
    last_call = phase_of("open", TERMS, IN_LAST_CALL, T0 + 16 * DAY)
    assert (last_call.started_at, last_call.ends_at, last_call.ends_fixed) == (T0 + 15 * DAY, T0 + 22 * DAY, True)
    assert last_call.vote_from == T0 + 22 * DAY and last_call.join_until == T0 + 22 * DAY
    ready = phase_of("open", TERMS, IN_LAST_CALL, T0 + 30 * DAY)
    assert (ready.started_at, ready.ends_at, ready.vote_from) == (T0 + 22 * DAY, None, T0 + 22 * DAY)
    automatic = phase_of("open", {**TERMS, "vote_opened_by": "automatic", "last_call_by": "stewards"}, OPENED, T0)
    assert automatic.vote_opens_automatically and automatic.last_call_by == "stewards"


@pytest.mark.parametrize(("terms", "times", "days", "expected"), [
    (TERMS, OPENED, 0, 21),          # 14 days of discussion, then 7 of last call
    (TERMS, OPENED, 30, 37),         # late: a last call started now
    (TERMS, IN_LAST_CALL, 16, 22),   # the running last call's end
    (URGENT, OPENED, 0, 0),          # urgent: at once
    (NO_LAST_CALL, OPENED, 0, 0),
    ({**NO_LAST_CALL, "discussion_days": 5}, OPENED, 1, 5),
])
def test_earliest_vote(terms, times, days, expected):
    assert earliest_vote(terms, times, T0 + days * DAY) == T0 + expected * DAY


def test_earliest_vote_of_a_draft_is_unknown():
    assert earliest_vote(TERMS, Times(), T0) is None


def test_timeline_in_order_with_what_is_to_come():
    times = Times(opened_at=T0, last_call_at=T0 + 15 * DAY, last_call_ends_at=T0 + 22 * DAY)
    steps = timeline("open", TERMS, times, T0 + 16 * DAY)
    assert [(s.key, (s.when - T0).days, s.done) for s in steps] == [
        ("opened", 0, True), ("discussion_min", 14, True), ("last_call", 15, True), ("last_call_ends", 22, False)]
    decided = Times(opened_at=T0, vote_opened_at=T0 + DAY, decided_at=T0 + 9 * DAY)
    assert [s.key for s in timeline("adopted", URGENT, decided, T0 + 10 * DAY)] == [
        "opened", "vote_opened", "discussion_min", "decided"]
    assert timeline("draft", TERMS, Times(), T0) == []


# Time orderings ----------------------------------------------------------------------------------

moments = st.one_of(st.none(), st.integers(min_value=0, max_value=60).map(lambda d: T0 + d * DAY))
times_strategy = st.builds(Times, opened_at=moments, last_call_at=moments, last_call_ends_at=moments,
                           vote_opened_at=moments, decided_at=moments)


def reference_ordered(times: Times) -> bool:
    """Independently: the set timestamps, in the process's order, never go back in time."""
    sequence = [times.opened_at, times.last_call_at, times.last_call_ends_at, times.vote_opened_at, times.decided_at]
    if (times.last_call_at is None) != (times.last_call_ends_at is None):
        return False
    if times.opened_at is None and (times.last_call_at or times.vote_opened_at):
        return False
    if times.decided_at is not None and times.last_call_ends_at is not None and times.vote_opened_at is None:
        if times.last_call_ends_at < times.last_call_at:
            return False
        sequence[2] = None  # withdrawn (or adopted by a steward) before the last call's planned end
    present = [t for t in sequence if t is not None]
    return present == sorted(present)


@settings(max_examples=500)
@given(times_strategy)
def test_ordered_agrees_with_an_independent_reading(times):
    assert ordered(times) == reference_ordered(times)


@given(times_strategy)
def test_ordered_agrees_with_the_sql_check(times):
    import sqlite3

    connection = sqlite3.connect(":memory:")
    columns = ("opened_at", "last_call_at", "last_call_ends_at", "vote_opened_at", "decided_at")
    connection.execute(f"CREATE TABLE amendments ({', '.join(columns)}, CHECK ({ORDER_CHECK}))")
    values = [None if t is None else t.strftime("%Y-%m-%d %H:%M:%S.%f") for t in
              (getattr(times, c) for c in columns)]
    try:
        connection.execute(f"INSERT INTO amendments VALUES ({', '.join('?' * len(columns))})", values)
        accepted = True
    except sqlite3.IntegrityError:
        accepted = False
    assert accepted == ordered(times)


@settings(max_examples=300)
@given(st.sampled_from(STATES), st.sampled_from([TERMS, URGENT, NO_LAST_CALL]), times_strategy,
       st.integers(min_value=0, max_value=90))
def test_the_machine_never_contradicts_itself(state, terms, times, days):
    assume(ordered(times))  # the database refuses any other (test_ordered_agrees_with_the_sql_check)
    now = T0 + days * DAY
    # What has happened, happened before now (a last call's end alone may lie ahead).
    assume(all(t is None or t <= now for t in (times.opened_at, times.last_call_at, times.vote_opened_at,
                                               times.decided_at)))
    seen = phase_of(state, terms, times, now)
    assert seen.phase in PHASES
    if seen.can_open_vote:
        assert state == "open" and seen.vote_from is not None and seen.vote_from <= now
    if seen.can_start_last_call:
        assert seen.phase == "discussion" and seen.last_call_from <= now
    if seen.phase == "last_call":
        assert seen.started_at <= now < seen.ends_at and not seen.can_open_vote or terms["urgent"]
    if state != "open":
        assert not seen.can_open_vote and not seen.can_start_last_call
    if seen.can_join_group and times.last_call_ends_at is not None:
        assert now < times.last_call_ends_at
    if seen.ends_at is not None and seen.started_at is not None:
        assert seen.started_at <= seen.ends_at


@given(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30),
       st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=80))
def test_a_vote_never_opens_before_discussion_and_last_call(discussion, last_call, started_after, days):
    terms = {**TERMS, "discussion_days": discussion, "last_call_days": last_call}
    start = T0 + (discussion + started_after) * DAY
    times = Times(opened_at=T0, last_call_at=start, last_call_ends_at=start + last_call * DAY) if last_call else OPENED
    now = T0 + days * DAY
    seen = phase_of("open", terms, times, now)
    if seen.can_open_vote:
        assert now >= T0 + (discussion + (started_after if last_call else 0) + last_call) * DAY
    assert ordered(times)
