"""What a ballot does while it holds its vote's row lock, counted in statements.

Every ballot of a vote queues on that lock (voting.storage.lock_vote), so the statements a
ballot runs from taking it to its commit are the queue's length per ballot. A count, not a time:
the same figure on any machine (docs/performance.md, "Ballots under load").
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from deliberate.extensions import db
from deliberate.realtime.events import Event
from deliberate.voting import services, storage
from tests.conftest import ON_POSTGRES

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


@contextmanager
def statements_under_lock(monkeypatch):
    """The statements run from lock_vote's to the end of the service (its commit's included)."""
    seen: list[str] = []
    locked = {"on": False}
    lock_vote = storage.lock_vote

    def spying_lock(session, vote_id):
        locked["on"] = True
        return lock_vote(session, vote_id)

    def record(conn, cursor, statement, *args):
        if locked["on"]:
            seen.append(statement)

    monkeypatch.setattr(storage, "lock_vote", spying_lock)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def ballot_vote(make_delegate, make_coop, steward):
    def do(**options):
        voters = [make_delegate() for _ in range(3)]
        applicant = make_coop("applicant")
        vote = services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                                  closes_at=T0 + WEEK, now=T0, **options)
        return vote, voters
    return do


# Under the lock: the lock itself, the record's head with the turnout (one statement), the entry's
# append, the ballot's upsert; at commit the events (PostgreSQL: after the events lock).
EXPECTED_PUBLIC = 4 + (2 if ON_POSTGRES else 1)
EXPECTED_SECRET = 4  # no event per ballot in a secret vote


@pytest.mark.parametrize("changed", [False, True], ids=["first", "changed"])
def test_a_public_ballot_runs_few_statements_under_its_vote_lock(ballot_vote, monkeypatch, changed):
    vote, voters = ballot_vote(rule_preset="simple-majority")
    delegate = voters[0]
    if changed:
        services.cast_ballot(actor=delegate, vote=vote, choice="against", now=T0 + timedelta(hours=1))
    with statements_under_lock(monkeypatch) as seen:
        ballot = services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + timedelta(hours=2))
    assert ballot.choice == "for"
    assert len(seen) == EXPECTED_PUBLIC, "\n".join(seen)
    # The turnout announced is the one counted, whether the co-op voted for the first time or not.
    announced = db.session.scalars(select(Event).where(Event.kind == "ballot_cast").order_by(Event.id.desc())).first()
    assert {k: announced.payload[k] for k in ("turnout", "electorate")} == storage.count_turnout(db.session, vote)
    assert announced.payload["turnout"] == 1


def test_a_secret_ballot_runs_few_statements_under_its_vote_lock(ballot_vote, monkeypatch):
    vote, voters = ballot_vote(rule_preset="simple-majority", secret=True)
    with statements_under_lock(monkeypatch) as seen:
        services.cast_ballot(actor=voters[0], vote=vote, choice="for", now=T0 + timedelta(hours=2))
    assert len(seen) == EXPECTED_SECRET, "\n".join(seen)
