"""Digest selection and timing (pure): what goes into whose digest, daily or weekly, and nothing
twice across a run of digests."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deliberate.mail.digest import Mark, Reader, VersionFact, VoteFact, due_at, is_due, period, select

T0 = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)  # a Monday, 07:00 UTC
DAY = timedelta(days=1)
HOUR = 7

KAZI, MESA = 1, 2
STANDARD, OTHER_STANDARD = 10, 11


# When ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("last, choice, expected", [
    (T0, "daily", T0 + DAY),
    (T0 + timedelta(minutes=4), "daily", T0 + DAY),          # a pass a few minutes late keeps the hour
    (T0 + timedelta(hours=20), "daily", T0 + DAY),           # ... and so does a late one
    (T0 - timedelta(minutes=1), "daily", T0),                # just before the hour: today's counts
    (T0, "weekly", T0 + 7 * DAY),
    (T0 + timedelta(hours=3), "weekly", T0 + 7 * DAY),
    (T0, "off", None),
    (T0, "hourly", None),
])
def test_when_the_next_digest_is_due(last, choice, expected):
    assert due_at(last, choice, HOUR) == expected


def test_is_due_only_from_that_moment():
    assert not is_due(T0, "daily", HOUR, T0 + DAY - timedelta(seconds=1))
    assert is_due(T0, "daily", HOUR, T0 + DAY)
    assert not is_due(T0, "off", HOUR, T0 + 365 * DAY)
    assert period("weekly") == 7 * DAY and period("off") is None


# What ----------------------------------------------------------------------------------------------

def vote(ident, closes_in, *, state="open", standard=STANDARD, electorate=(KAZI, MESA), waiting=(KAZI, MESA),
         opened=1, closed_event=None, closed_at=None, now=T0):
    return VoteFact(id=ident, standard_id=standard, closes_at=now + closes_in, state=state, opened_event_id=opened,
                    closed_event_id=closed_event, closed_at=closed_at, electorate=frozenset(electorate),
                    waiting=frozenset(waiting))


DELEGATE = Reader(coop_ids=frozenset({KAZI}))
FOLLOWER = Reader(follows={STANDARD: 0})
FIRST = Mark(since=T0 - 7 * DAY, first=True)


def pick(reader, votes=(), versions=(), mark=FIRST, now=T0, next_due=None, latest=100):
    return select(reader, votes, versions, mark, now, next_due or now + 7 * DAY, latest)


def test_a_vote_waiting_for_the_readers_coop_needs_its_vote():
    digest = pick(DELEGATE, [vote(1, 10 * DAY)])
    assert digest.needs_vote == (1,) and not digest.closing_soon


def test_a_vote_the_coop_has_voted_in_does_not():
    assert pick(DELEGATE, [vote(1, 10 * DAY, waiting=(MESA,))]).is_empty


def test_a_vote_of_other_coops_only_is_not_the_readers():
    assert pick(DELEGATE, [vote(1, 10 * DAY, electorate=(MESA,), waiting=(MESA,))]).is_empty


def test_a_vote_closing_before_the_next_digest_is_closing_soon_not_both():
    digest = pick(DELEGATE, [vote(1, 2 * DAY), vote(2, 10 * DAY)])
    assert digest.closing_soon == (1,) and digest.needs_vote == (2,)


def test_followers_see_closing_votes_and_results_of_their_standards_only():
    votes = [vote(1, 2 * DAY, electorate=(MESA,)), vote(2, 2 * DAY, standard=OTHER_STANDARD),
             vote(3, -DAY, state="closed", closed_event=50, closed_at=T0 - DAY),
             vote(4, -DAY, state="closed", closed_event=51, closed_at=T0 - DAY, standard=OTHER_STANDARD),
             vote(5, 10 * DAY)]
    digest = pick(FOLLOWER, votes)
    assert digest.closing_soon == (1,) and digest.results == (3,) and digest.needs_vote == ()


def test_results_are_of_the_coops_votes_or_followed_standards():
    votes = [vote(1, -DAY, state="closed", closed_event=50, closed_at=T0 - DAY, standard=OTHER_STANDARD),
             vote(2, -DAY, state="closed", closed_event=51, closed_at=T0 - DAY, standard=OTHER_STANDARD,
                  electorate=(MESA,)),
             vote(3, -DAY, state="cancelled", standard=OTHER_STANDARD)]
    assert pick(DELEGATE, votes).results == (1,)


def test_a_first_digest_lists_no_result_from_before_the_account():
    votes = [vote(1, -30 * DAY, state="closed", closed_event=5, closed_at=T0 - 30 * DAY),
             vote(2, -DAY, state="closed", closed_event=50, closed_at=T0 - DAY)]
    assert pick(DELEGATE, votes).results == (2,)


def test_versions_of_followed_standards_since_they_were_followed():
    reader = Reader(follows={STANDARD: 40})
    versions = [VersionFact(30, STANDARD), VersionFact(45, STANDARD), VersionFact(46, OTHER_STANDARD)]
    assert pick(reader, versions=versions).versions == (45,)
    assert pick(DELEGATE, versions=versions).versions == ()


def test_what_happened_after_the_facts_were_read_waits_for_the_next_digest():
    votes = [vote(1, 10 * DAY, opened=101), vote(2, -DAY, state="closed", closed_event=101, closed_at=T0)]
    digest = pick(Reader(coop_ids=frozenset({KAZI}), follows={STANDARD: 0}), votes, [VersionFact(101, STANDARD)],
                  latest=100)
    assert digest.is_empty and digest.mark.event_id == 100


def test_nothing_is_listed_twice_over_a_run_of_daily_digests():
    """A month of daily digests for a delegate who follows the standard, while votes open, enter
    their last day and close, and versions are ratified (every happening gets the next event id, as
    the events table numbers them): each item is listed once per part, never twice, nothing is lost."""
    reader = Reader(coop_ids=frozenset({KAZI}), follows={STANDARD: 0})
    listed: dict[str, list[int]] = {"needs_vote": [], "closing_soon": [], "results": [], "versions": []}
    votes: dict[int, dict] = {}
    versions: list[VersionFact] = []
    event = 0
    mark = Mark(since=T0 - DAY, first=True)
    for hour in range(30 * 24):
        now = T0 + timedelta(hours=hour)
        # Every 50 hours a vote opens, for 4 days or (every third one) 18 hours; a version every 5 days.
        if hour % 50 == 1:
            event += 1
            ident = len(votes) + 1
            votes[ident] = {"opened": event, "at": now, "closes": now + (timedelta(hours=18) if ident % 3 == 0 else 4 * DAY),
                            "closed": None}
        for item in votes.values():
            if item["closed"] is None and item["closes"] <= now:
                event += 1
                item["closed"] = event
        if hour % 120 == 60:
            event += 1
            versions.append(VersionFact(event, STANDARD))
        if hour % 24:
            continue  # a digest each day at 07:00
        facts = [VoteFact(ident, STANDARD, v["closes"], "closed" if v["closed"] else "open", v["opened"], v["closed"],
                          v["closes"] if v["closed"] else None, frozenset({KAZI}),
                          frozenset() if v["closed"] else frozenset({KAZI})) for ident, v in votes.items()]
        digest = select(reader, facts, versions, mark, now, now + DAY, event)
        assert not set(digest.needs_vote) & set(digest.closing_soon) & set(digest.results)
        for part in listed:
            listed[part].extend(getattr(digest, part))
        mark = digest.mark
    for part, items in listed.items():
        assert len(items) == len(set(items)), (part, items)
    last_digest = T0 + 29 * DAY
    closed = [ident for ident, v in votes.items() if v["closes"] <= last_digest]
    assert sorted(listed["results"]) == closed and len(closed) >= 10
    assert sorted(listed["versions"]) == [v.event_id for v in versions]
    # Each vote open at a digest was announced, as closing soon in its last day; the longer ones also
    # as needing the vote when new. (A vote opened and closed between two digests is only a result.)
    digests = [T0 + day * DAY for day in range(30)]
    seen = {ident for ident, v in votes.items() if any(v["at"] <= t < v["closes"] for t in digests)}
    assert set(listed["closing_soon"]) == {ident for ident in seen if votes[ident]["closes"] <= last_digest + DAY}
    assert set(listed["needs_vote"]) == {ident for ident in seen if votes[ident]["closes"] - votes[ident]["at"] > 2 * DAY}


def test_weekly_digests_do_not_repeat_closing_soon_votes_across_a_late_run():
    reader = DELEGATE
    first = pick(reader, [vote(1, 3 * DAY)], next_due=T0 + 7 * DAY)
    assert first.closing_soon == (1,)
    # The next digest runs late (the worker was down): the vote is still open, still not voted on.
    late = T0 + 2 * DAY
    again = select(reader, [vote(1, DAY, now=late)], [], first.mark, late, late + 7 * DAY, 100)
    assert again.is_empty


def test_a_vote_opened_since_the_last_digest_and_closing_before_the_next_is_listed_once():
    mark = Mark(since=T0 - DAY, event_id=50, closing_until=T0 + 2 * DAY)
    digest = pick(DELEGATE, [vote(1, DAY, opened=60)], mark=mark, next_due=T0 + DAY)
    assert digest.closing_soon == (1,)
    assert pick(DELEGATE, [vote(1, DAY, opened=40)], mark=mark, next_due=T0 + DAY).is_empty


def test_the_mark_moves_even_for_an_empty_digest():
    digest = pick(DELEGATE, [], latest=77, next_due=T0 + DAY)
    assert digest.is_empty
    assert digest.mark == Mark(since=T0, event_id=77, closing_until=T0 + DAY, first=False)


def test_council_seats_since_the_last_digest_are_listed_once():
    from deliberate.mail.digest import CouncilSeatFact

    seats = [CouncilSeatFact(event_id=5, person_id=3), CouncilSeatFact(event_id=40, person_id=3),
             CouncilSeatFact(event_id=120, person_id=3)]  # the last one after the facts were read
    first = select(DELEGATE, (), (), Mark(since=T0 - 7 * DAY, event_id=10), T0, T0 + 7 * DAY, 100,
                   council_seats=seats)
    assert first.council_seats == (40,) and not first.is_empty
    assert first.as_params()["council_seats"] == [40]
    later = select(DELEGATE, (), (), first.mark, T0 + 7 * DAY, T0 + 14 * DAY, 200, council_seats=seats)
    assert later.council_seats == (120,)
    assert "council_seats" not in pick(DELEGATE).as_params()  # older digests' params stay as they were
