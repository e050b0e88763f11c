"""One counted ballot per co-op, and a contiguous record, under concurrent submissions."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.members.models import Cooperative, Person
from deliberate.voting import closing, ledger, queries, services
from deliberate.voting.models import Ballot, LedgerEntry, Vote
from tests.concurrency import WRITERS, run_together

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
CHOICES = ("for", "against", "abstain")


def _open(steward, make_coop):
    applicant = make_coop("applicant")
    return services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                              closes_at=T0 + timedelta(days=7), now=T0)


def test_twenty_delegates_of_one_coop_at_the_same_moment_leave_one_ballot_the_last_one(app, steward, make_coop,
                                                                                         make_delegate):
    coop = make_coop()
    delegates = [make_delegate(coop=coop).id for _ in range(WRITERS)]
    make_delegate()  # a second member co-op, so the electorate is not just this one
    vote = _open(steward, make_coop)
    vote_id, coop_id = vote.id, coop.id

    def work(i):
        actor = db.session.get(Person, delegates[i])
        return services.cast_ballot(actor=actor, vote=db.session.get(Vote, vote_id), coop=db.session.get(Cooperative, coop_id),
                                    choice=CHOICES[i % 3], note=f"writer {i}", now=T0 + timedelta(hours=1)).id

    results, errors = run_together(app, work)
    assert errors == []
    rows = db.session.scalars(select(Ballot).where(Ballot.vote_id == vote_id)).all()
    assert len(rows) == 1 and set(results) == {rows[0].id}
    entries = queries.ledger_entries(db.session.get(Vote, vote_id))
    assert [e["seq"] for e in entries] == list(range(WRITERS + 1))
    ballots = [e for e in entries if e["type"] == "ballot"]
    assert len(ballots) == WRITERS and len({e["data"]["note"] for e in ballots}) == WRITERS
    # The counted ballot is the last one written to the record.
    last = ballots[-1]
    assert (rows[0].choice, rows[0].note, rows[0].entry_hash) == (last["data"]["choice"], last["data"]["note"], last["hash"])
    assert ledger.verify(entries, allow_open=True).ok  # the vote is still open
    replayed = ledger.replay(entries)
    assert replayed.ballots[f"coop-{rows[0].coop.slug}"]["choice"] == rows[0].choice


def test_twenty_coops_voting_at_once_each_get_their_ballot_and_the_record_stays_contiguous(app, steward, make_coop,
                                                                                             make_delegate):
    delegates = [make_delegate() for _ in range(WRITERS)]
    pairs = [(d.id, d.coops[0].id) for d in delegates]
    vote = _open(steward, make_coop)
    vote_id = vote.id

    def work(i):
        person_id, coop_id = pairs[i]
        return services.cast_ballot(actor=db.session.get(Person, person_id), vote=db.session.get(Vote, vote_id),
                                    coop=db.session.get(Cooperative, coop_id), choice="for",
                                    now=T0 + timedelta(hours=1)).id

    results, errors = run_together(app, work)
    assert errors == []
    assert db.session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == vote_id)) == WRITERS
    seqs = db.session.scalars(select(LedgerEntry.seq).where(LedgerEntry.vote_id == vote_id).order_by(LedgerEntry.seq)).all()
    assert seqs == list(range(WRITERS + 1))
    closed = closing.close_vote(actor=services.SYSTEM, vote=db.session.get(Vote, vote_id), now=T0 + timedelta(days=7))
    assert closed.passed and closed.result["counts"]["for"] == WRITERS
    assert ledger.verify(queries.ledger_entries(closed)).ok


def test_closing_from_many_processes_at_once_closes_once(app, steward, make_coop, make_delegate):
    delegate = make_delegate()
    vote = _open(steward, make_coop)
    services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + timedelta(hours=1))
    vote_id = vote.id

    def work(_i):
        return closing.close_due_votes(T0 + timedelta(days=7))

    results, errors = run_together(app, work)
    assert errors == []
    assert sorted(r for result in results for r in result) == [vote_id]
    entries = queries.ledger_entries(db.session.get(Vote, vote_id))
    assert [e["type"] for e in entries].count("closed") == 1 and ledger.verify(entries).ok
