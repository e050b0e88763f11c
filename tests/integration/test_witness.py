"""The witness log against the database (SQLite and PostgreSQL): entries appended with the events
they witness, in the same transaction, once per vote or version, contiguous; the table refuses
UPDATE and DELETE; and a rewrite of history done with raw SQL is caught by a witness that ran
before it."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import exc, select, text

from deliberate import ROOT
from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import db
from deliberate.realtime.events import record_event
from deliberate.voting import closing
from deliberate.voting import services as voting
from deliberate.voting.models import Vote
from deliberate.witness import chain, client, services
from deliberate.witness.models import WitnessEntry
from tests.witness_support import (
    LOG_URL,
    closed_admission_vote,
    fetcher_for,
    record_head,
    restore_triggers,
    rewrite_record,
    rewrite_witness,
    witness_ended,
)

HEAD = "ab" * 32


@pytest.fixture
def drop_triggers(app):
    from tests.witness_support import drop_triggers as drop

    yield drop
    restore_triggers()


def log() -> list[dict]:
    db.session.expire_all()
    return services.entries(db.session)


def event(kind, payload, scope="network"):
    with unit_of_work() as session:
        record_event(session, kind, scope, payload)


def test_vote_events_with_a_record_head_are_witnessed_once_in_order(app):
    event("vote_closed", {"vote_id": 7, "record_head": HEAD}, scope="vote:7")
    event("vote_closed", {"vote_id": 7, "record_head": HEAD}, scope="standard:1")  # the same vote's wider room
    event("vote_cancelled", {"vote_id": 8, "record_head": "cd" * 32, "reason": "The text changed."})
    event("comment_posted", {"comment_id": 1})
    entries = log()
    assert [(e["seq"], e["kind"], e["ref"]) for e in entries] == [(0, "vote", 7), (1, "vote", 8)]
    assert entries[0]["payload"] == {"vote_id": 7, "final": "closed", "record_head": HEAD,
                                     "record_url": "/votes/7/record.jsonl"}
    assert entries[1]["payload"]["final"] == "cancelled"
    assert chain.verify(entries) == [] and entries[1]["prev"] == entries[0]["hash"]
    assert services.head(db.session) == (1, entries[1]["hash"])


def test_an_event_without_a_record_head_adds_nothing(app):
    event("vote_closed", {"vote_id": 7, "passed": True})
    assert log() == []


def test_the_entry_rolls_back_with_its_event(app):
    with pytest.raises(RuntimeError), unit_of_work() as session:
        record_event(session, "vote_closed", "vote:9", {"vote_id": 9, "record_head": HEAD})
        raise RuntimeError("the service failed after recording the event")
    assert log() == []
    event("vote_closed", {"vote_id": 9, "record_head": HEAD})
    assert [e["seq"] for e in log()] == [0]


def test_a_ratified_version_is_witnessed_with_its_content_and_changelog_hashes(network):
    from tests.web.test_version_pages import ratify

    version = ratify(network)
    entries = [e for e in log() if e["kind"] == "version"]
    assert len(entries) == 1
    changelog = db.session.execute(text("SELECT hash FROM changelog_entries WHERE version_id = :v"),
                                   {"v": version.id}).scalar()
    assert entries[0]["ref"] == version.id
    assert entries[0]["payload"] == {"standard_id": network["standard"].id, "standard": network["standard"].slug,
                                     "version_id": version.id, "number": "1.0", "content_hash": version.content_hash,
                                     "changelog_hash": changelog}


@pytest.mark.parametrize("statement", ["UPDATE witness_entries SET hash = 'x'",
                                       "UPDATE witness_entries SET payload = payload",
                                       "DELETE FROM witness_entries"])
def test_the_database_refuses_to_change_or_remove_entries(app, statement):
    event("vote_closed", {"vote_id": 7, "record_head": HEAD})
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert len(log()) == 1


def test_the_orm_cannot_change_entries_either(app):
    event("vote_closed", {"vote_id": 7, "record_head": HEAD})
    row = db.session.scalar(select(WitnessEntry))
    row.payload = {"vote_id": 7}
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_truncate_is_refused_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    event("vote_closed", {"vote_id": 7, "record_head": HEAD})
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE witness_entries"))
    db.session.rollback()


def test_concurrent_appends_stay_contiguous(app):
    """Several threads ending votes at once: seq has no gap and no duplicate, and the chain holds."""
    from tests.concurrency import run_together

    _results, errors = run_together(app, lambda i: event("vote_closed", {"vote_id": 100 + i, "record_head": HEAD},
                                                         scope=f"vote:{100 + i}"), writers=6)
    assert errors == []
    entries = log()
    assert [e["seq"] for e in entries] == list(range(6)) and chain.verify(entries) == []


@pytest.mark.skipif(not hasattr(Vote, "record_head"), reason="needs the voting services that publish record_head")
def test_ending_votes_through_the_services_writes_the_log(network, make_coop):
    """End to end: closing and cancelling through the voting services, nothing else."""
    vote = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                            closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    other = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=make_coop("applicant").id,
                             closes_at=utcnow() + timedelta(days=7))
    closing.cancel_vote(actor=network["steward"], vote=other, reason="Opened by mistake.")
    db.session.expire_all()
    entries = log()
    assert [(e["ref"], e["payload"]["final"]) for e in entries] == [(vote.id, "closed"), (other.id, "cancelled")]
    assert entries[0]["payload"]["record_head"] == record_head(db.session.get(Vote, vote.id))
    assert entries[1]["payload"]["record_head"] == record_head(db.session.get(Vote, other.id))


def run_witness(app, state, **kw):
    out, err = io.StringIO(), io.StringIO()
    code = client.run(LOG_URL, state, fetcher=fetcher_for(app.test_client()), out=out, err=err, **kw)
    return code, out.getvalue() + err.getvalue()


def test_a_raw_sql_rewrite_of_a_record_and_the_log_is_caught_by_an_earlier_witness(app, network, tmp_path, drop_triggers):
    """The attack of issue 14: with the triggers dropped, a steward rewrites a closed vote's ballots in
    its record (recomputing the result so the record verifies) and the witness log (re-chained so it
    verifies too). A co-op that ran the witness before sees history was rewritten."""
    from tests.web.test_version_pages import ratify

    vote = closed_admission_vote(network, choice="for")

    ratify(network)  # a later entry, so the rewritten one is not the last
    state = tmp_path / "witness.jsonl"
    code, said = run_witness(app, state)
    assert code == client.OK, said
    kept = state.read_text()
    seq = next(e["seq"] for e in chain.loads(kept) if e["kind"] == "vote" and e["ref"] == vote.id)

    drop_triggers()
    new_head = rewrite_record(vote.id, "against")
    rewrite_witness(vote.id, new_head)
    code, said = run_witness(app, state)
    assert code == client.REWRITTEN, said
    assert f"entry seq {seq} is not the one kept earlier" in said and "HISTORY WAS REWRITTEN" in said
    assert state.read_text() == kept  # the evidence is kept


def test_a_raw_sql_rewrite_of_a_record_alone_is_caught_on_the_next_run(app, network, tmp_path, drop_triggers):
    vote = closed_admission_vote(network)
    state = tmp_path / "witness.jsonl"
    assert run_witness(app, state)[0] == client.OK
    drop_triggers()
    rewrite_record(vote.id, "against")
    code, said = run_witness(app, state)
    assert code == client.FAILED and f"vote {vote.id}: its published record ends in" in said
    assert "changed after the vote ended" in said


def test_removing_the_last_entries_is_caught(app, network, tmp_path, drop_triggers):
    closed_admission_vote(network)
    state = tmp_path / "witness.jsonl"
    assert run_witness(app, state)[0] == client.OK
    drop_triggers()
    db.session.execute(text("DELETE FROM witness_entries"))
    db.session.commit()
    code, said = run_witness(app, state)
    assert code == client.REWRITTEN and "entries from seq 0 on were removed" in said


def test_witnessed_twice_is_still_one_entry(network):
    vote = closed_admission_vote(network)
    witness_ended(vote.id)
    assert [e["ref"] for e in log()] == [vote.id]


def test_the_vote_closed_webhook_carries_the_record_head_and_the_witness_entry(network, steward):
    from deliberate.webhooks import services as webhooks
    from deliberate.webhooks.models import WebhookDelivery

    webhooks.create_webhook(actor=steward, coop=None, url="https://hooks.example.org/all", events=["vote.closed"])
    vote = closed_admission_vote(network)
    db.session.expire_all()
    bodies = [d.body for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    witnessed = [b["data"]["vote"] for b in bodies if b["data"]["vote"].get("record_head")]
    assert witnessed, bodies
    entry = services.vote_entries(db.session, [vote.id])[vote.id]
    assert witnessed[0]["record_head"] == record_head(vote) == entry["payload"]["record_head"]
    assert witnessed[0]["witness"] == {"seq": entry["seq"], "hash": entry["hash"],
                                       "url": "http://localhost.test/witness.jsonl"}


WITNESS_COMMAND = ("import sys; from deliberate.witness import client; code = client.main(sys.argv[1:]); "
                   "assert not {'flask', 'sqlalchemy'} & set(sys.modules), 'the witness needs only the stdlib'; "
                   "sys.exit(code)")


def test_the_witness_command_over_http_against_a_served_network(app, network, tmp_path, drop_triggers):
    """The command as a co-op runs it from cron: a separate process, urllib, a real port."""
    import subprocess
    import sys

    from tests.live_server import serving

    vote = closed_admission_vote(network)
    state = tmp_path / "kept.jsonl"
    with serving(app) as base:
        def witness():
            return subprocess.run([sys.executable, "-c", WITNESS_COMMAND, f"{base}/witness.jsonl", "--state", str(state)],
                                  capture_output=True, text=True, timeout=60, cwd=str(ROOT))

        first = witness()
        assert first.returncode == 0 and first.stdout.startswith("OK: 1 entries (1 new)"), first.stderr
        drop_triggers()
        rewrite_witness(vote.id, rewrite_record(vote.id, "against"))
        second = witness()
    assert second.returncode == 2 and "HISTORY WAS REWRITTEN: entry seq 0" in second.stderr
