"""Helpers for the witness log's tests: end a vote with the record head in its event, read the
app through its test client as the witness command would over the network, and rewrite history
with raw SQL as a steward with database access could."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import text

from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import db
from deliberate.realtime.events import record_event
from deliberate.voting import closing, ledger, queries
from deliberate.voting import services as voting
from deliberate.voting.models import Vote
from deliberate.witness import chain
from deliberate.witness.client import FetchError

LOG_URL = "http://localhost.test/witness.jsonl"


def record_head(vote: Vote) -> str:
    return ledger.loads_jsonl(queries.export_ledger(vote))[-1]["hash"]


def witness_ended(vote_id: int, kind: str = "vote_closed") -> None:
    """Record the event the voting services record when a vote ends, with its record head (as they
    do once they publish it; if they already did, the log keeps its one entry for the vote)."""
    vote = db.session.get(Vote, vote_id)
    head = record_head(vote)
    with unit_of_work() as session:
        record_event(session, kind, f"vote:{vote_id}", {"vote_id": vote_id, "record_head": head})


def closed_admission_vote(network, choice: str = "for") -> Vote:
    """An admission vote of the network's one member co-op, cast and closed, and witnessed."""
    vote = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                            closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice=choice)
    closing.close_vote(actor=network["steward"], vote=vote)
    db.session.expire_all()
    witness_ended(vote.id)
    db.session.expire_all()
    return db.session.get(Vote, vote.id)


def fetcher_for(client):
    """What client.fetch does over HTTP, through the Flask test client."""
    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code != 200:
            raise FetchError(f"{url}: HTTP {response.status_code}")
        return response.data
    return fetch


# Rewriting history with raw SQL ---------------------------------------------------------------

_TABLES = ("vote_ledger", "witness_entries")


def restore_triggers() -> None:
    """Turn PostgreSQL's triggers back on (its schema outlives the test; SQLite's file does not)."""
    if db.engine.dialect.name == "postgresql":
        db.session.rollback()
        for table in _TABLES:
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        db.session.commit()


def drop_triggers() -> None:
    """What a steward with database access does first: remove the append-only triggers (PostgreSQL:
    turn them off; ``restore_triggers`` turns them on again after the test)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        for table in _TABLES:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        names = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                                        "('vote_ledger', 'witness_entries')")).all()
        for name in names:
            db.session.execute(text(f'DROP TRIGGER "{name}"'))
    db.session.commit()


def _json_param() -> str:
    return "CAST(:value AS JSON)" if db.engine.dialect.name == "postgresql" else ":value"


def rewrite_record(vote_id: int, choice: str) -> str:
    """Change every ballot of the vote's record to ``choice``, recompute the result and re-chain the
    record so that it verifies again; return its new head."""
    rows = db.session.execute(text("SELECT seq, entry FROM vote_ledger WHERE vote_id = :v ORDER BY seq"),
                              {"v": vote_id}).all()
    old = [row.entry if isinstance(row.entry, dict) else json.loads(row.entry) for row in rows]
    new: list[dict] = []
    for entry in old:
        data = dict(entry["data"])
        if entry["type"] == "ballot":
            data["choice"] = choice
        if entry["type"] == "closed":
            data = ledger.closed_data(ledger.replay(new).recompute())
        new.append(ledger.make_entry(new[-1] if new else None, entry["type"], data, entry["at"]))
    for entry in new:
        db.session.execute(text(f"UPDATE vote_ledger SET entry = {_json_param()}, hash = :hash "
                                f"WHERE vote_id = :v AND seq = :seq"),
                           {"value": json.dumps(entry), "hash": entry["hash"], "v": vote_id, "seq": entry["seq"]})
    db.session.commit()
    assert ledger.verify(new).ok
    return new[-1]["hash"]


def rewrite_witness(vote_id: int, head: str) -> None:
    """Put ``head`` into the vote's witness entry and re-chain every entry from there on."""
    rows = db.session.execute(text("SELECT seq, kind, ref, payload, at, prev, hash FROM witness_entries "
                                   "ORDER BY seq")).all()
    entries = [{"seq": r.seq, "kind": r.kind, "ref": r.ref, "at": r.at, "prev": r.prev, "hash": r.hash,
                "payload": r.payload if isinstance(r.payload, dict) else json.loads(r.payload)} for r in rows]
    rebuilt: list[dict] = []
    for entry in entries:
        payload = dict(entry["payload"])
        if entry["kind"] == "vote" and entry["ref"] == vote_id:
            payload["record_head"] = head
        rebuilt.append(chain.make_entry(rebuilt[-1] if rebuilt else None, entry["kind"], entry["ref"], payload,
                                        entry["at"]))
    for entry in rebuilt:
        db.session.execute(text(f"UPDATE witness_entries SET payload = {_json_param()}, prev = :prev, hash = :hash "
                                f"WHERE seq = :seq"),
                           {"value": json.dumps(entry["payload"]), "prev": entry["prev"], "hash": entry["hash"],
                            "seq": entry["seq"]})
    db.session.commit()
    assert chain.verify(rebuilt) == []
