"""Crash safety: what the server acknowledged survives a SIGKILL, exactly once.

The real server (``python -m deliberate.serve``) runs as a subprocess on a seeded demo database
with the demo's open admission vote. One client thread per voting co-op signs in through the real
form and, in turn, posts comments and casts (changes) its co-op's ballot, each with a unique
marker (the comment's text, the ballot's mandate note). The test notes every write the server
acknowledged (the redirect a successful form post answers with), kills the server with SIGKILL
while the writers are busy, starts it again on the same database and checks:

- every acknowledged comment is there exactly once, and no comment is there twice;
- every acknowledged ballot is in the vote's record exactly once, nothing attempted is there twice,
  and each co-op's counted ballot is its last acknowledged one or one sent after it (a write in
  flight at the kill may or may not have committed, never half);
- the vote's record verifies (chain, hashes, ballots) and agrees with the counted ballots;
- the restarted server serves pages and takes writes again.

It runs on SQLite, or on PostgreSQL when DATABASE_URL points there (in a database of its own).
"""
from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import BASE_CONFIG, DATABASE_URL, ON_POSTGRES, _ensure_database, _migrate
from tests.reliability.server import Server, signed_in

# Delegates of the demo's member co-ops (Maya acts for two).
VOTERS = [("amara@example.org", "Kazi Riders"), ("lucia@example.org", "Dades Comunes"),
          ("jonas@example.org", "Fairbnb Kollektiv"), ("maya@example.org", "Loom Makers"),
          ("maya@example.org", "Open Ledger")]
CHOICES = ("for", "against", "abstain")
ACKED_BEFORE_KILL = 60  # acknowledged writes (all writers together) before the kill, or…
BURST_SECONDS = 20  # …this long, on a slow machine
MIN_ACKED = 10  # fewer acknowledged writes than this, and the test would test too little
MARKER = re.compile(r"crash-[a-z]+-\d+-\d+")


@dataclass
class Writer:
    """One co-op's writes: what it sent, in order, and which of them the server acknowledged."""

    email: str
    coop_name: str
    coop_id: int = 0
    comments_sent: list[str] = field(default_factory=list)
    comments_acked: set[str] = field(default_factory=set)
    ballots_sent: list[tuple[str, str]] = field(default_factory=list)  # (note marker, choice)
    ballots_acked: set[str] = field(default_factory=set)
    stopped_by: str = ""
    error: str = ""

    @property
    def prefix(self) -> str:
        """The start of every marker this writer sends."""
        return f"crash-{re.sub(r'[^a-z]', '', self.coop_name.lower())}-{self.coop_id}-"


def _prepare(tmp_path: Path, request) -> str:
    """A migrated database seeded with the demo network (cheap password hashing: testing config)."""
    from deliberate import create_app
    from deliberate.extensions import db
    from deliberate.seed import seed

    if ON_POSTGRES:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from deliberate.config import normalise_database_url

        url = make_url(normalise_database_url(DATABASE_URL))
        url = url.set(database=f"{url.database}_crash").render_as_string(hide_password=False)
        _ensure_database(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        _migrate(app)
    else:
        import shutil

        path = tmp_path / "crash.sqlite3"
        shutil.copyfile(request.getfixturevalue("database_template"), path)
        url = f"sqlite:///{path}"
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        seed()
        db.session.remove()
        db.engine.dispose()
    return url


def _open_vote_and_coops(app) -> tuple[int, dict[str, int]]:
    from sqlalchemy import select

    from deliberate.extensions import db
    from deliberate.members.models import Cooperative
    from deliberate.voting.models import Vote

    vote = db.session.scalar(select(Vote).where(Vote.subject_kind == "admission", Vote.state == "open"))
    coops = {c.name: c.id for c in db.session.scalars(select(Cooperative))}
    return vote.id, coops


def _write(writer: Writer, url: str, vote_id: int, stop: threading.Event, acked: Counter, lock) -> None:
    """Alternate a comment and a ballot until told to stop or the server goes away."""
    try:
        http, token = signed_in(url, writer.email, page=f"/votes/{vote_id}")
    except requests.RequestException as error:  # killed before this writer got going
        writer.stopped_by = f"sign-in: {error.__class__.__name__}"
        return
    except AssertionError as error:
        writer.error = str(error)
        return
    for n in itertools.count():
        if stop.is_set():
            writer.stopped_by = "stop"
            return
        marker = f"{writer.prefix}{n}"
        try:
            if n % 2 == 0:
                writer.comments_sent.append(marker)
                response = http.post(f"{url}/discussions/vote/{vote_id}/comments", allow_redirects=False, timeout=10,
                                     data={"csrf_token": token, "coop": str(writer.coop_id),
                                           "body": f"Our members discussed this: {marker}."})
                if response.status_code == 302 and "#comment-" in response.headers["Location"]:
                    writer.comments_acked.add(marker)
                else:
                    writer.error = f"comment refused: {response.status_code}"
                    return
            else:
                choice = CHOICES[(n // 2 + writer.coop_id) % len(CHOICES)]
                writer.ballots_sent.append((marker, choice))
                response = http.post(f"{url}/votes/{vote_id}/ballot", allow_redirects=False, timeout=10,
                                     data={"csrf_token": token, "coop": str(writer.coop_id), "choice": choice,
                                           "note": f"Mandate {marker}"})
                if response.status_code == 302 and response.headers["Location"].endswith("#your-ballot"):
                    writer.ballots_acked.add(marker)
                else:
                    writer.error = f"ballot refused: {response.status_code}"
                    return
        except requests.RequestException as error:  # the server was killed: this write is in doubt
            writer.stopped_by = error.__class__.__name__
            return
        with lock:
            acked[0] += 1


def test_acknowledged_writes_survive_sigkill_exactly_once(tmp_path, request):
    from deliberate import create_app
    from deliberate.extensions import db

    url = _prepare(tmp_path, request)
    check_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with check_app.app_context():
        vote_id, coops = _open_vote_and_coops(check_app)
        db.session.remove()
    writers = [Writer(email, coop, coops[coop]) for email, coop in VOTERS]

    instance = tmp_path / "instance"
    instance.mkdir()
    server = Server(url, instance, tmp_path / "server.log")
    server.start()
    try:
        stop, lock, acked = threading.Event(), threading.Lock(), Counter()
        threads = [threading.Thread(target=_write, args=(w, server.url, vote_id, stop, acked, lock), daemon=True)
                   for w in writers]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + BURST_SECONDS
        while acked[0] < ACKED_BEFORE_KILL and time.monotonic() < deadline and not any(w.error for w in writers):
            time.sleep(0.01)
        assert not [w.error for w in writers if w.error], [w.error for w in writers if w.error]
        assert acked[0] >= MIN_ACKED, f"only {acked[0]} writes acknowledged in {BURST_SECONDS} s"
        server.kill()  # mid-burst: every writer has a request in flight or about to be
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        assert not any(t.is_alive() for t in threads)
        in_doubt = [w.stopped_by for w in writers if w.stopped_by != "stop"]
        assert in_doubt, "the kill interrupted no writer: the test did not test a crash"

        server.start()
        # It serves again: pages, and a new write.
        assert requests.get(f"{server.url}/votes/{vote_id}", timeout=10).status_code == 200
        http, token = signed_in(server.url, "steward@example.org", page=f"/votes/{vote_id}")
        after = http.post(f"{server.url}/discussions/vote/{vote_id}/comments", allow_redirects=False, timeout=10,
                          data={"csrf_token": token, "body": "Written after the restart: crash-after-0-0."})
        assert after.status_code == 302 and "#comment-" in after.headers["Location"]
    except BaseException:
        with check_app.app_context():
            db.engine.dispose()
        raise
    finally:
        server.stop()

    with check_app.app_context():
        try:
            _check_comments(writers)
            _check_ballots(writers, vote_id)
            if not ON_POSTGRES:
                assert db.session.execute(db.text("PRAGMA integrity_check")).scalar() == "ok"
        finally:
            db.session.remove()
            db.engine.dispose()


def _check_comments(writers: list[Writer]) -> None:
    from sqlalchemy import select

    from deliberate.discussions.models import Comment
    from deliberate.extensions import db

    found = Counter(m for body in db.session.scalars(select(Comment.body).where(Comment.body.like("%crash-%")))
                    for m in MARKER.findall(body))
    assert found["crash-after-0-0"] == 1
    twice = [m for m, n in found.items() if n > 1]
    assert not twice, f"comments stored twice: {twice}"
    for writer in writers:
        missing = writer.comments_acked - set(found)
        assert not missing, f"acknowledged comments lost: {sorted(missing)}"
        stored = {m for m in found if m.startswith(writer.prefix)}
        assert stored <= set(writer.comments_sent), "a comment nobody sent"
        # At most the one in flight at the kill was stored without an acknowledgement.
        assert len(stored - writer.comments_acked) <= 1


def _check_ballots(writers: list[Writer], vote_id: int) -> None:
    from sqlalchemy import select

    from deliberate.extensions import db
    from deliberate.voting import ledger, queries
    from deliberate.voting.models import Ballot, ElectorateMember

    vote = queries.get_vote(vote_id)
    entries = queries.ledger_entries(vote)
    report = ledger.verify(entries, allow_open=True)  # the vote is still open
    assert report.ok, report.problems
    voters = {m.coop_id: m.voter for m in db.session.scalars(
        select(ElectorateMember).where(ElectorateMember.vote_id == vote_id))}
    in_record = Counter(m for e in entries if e["type"] == "ballot" for m in MARKER.findall(e["data"].get("note") or ""))
    twice = [m for m, n in in_record.items() if n > 1]
    assert not twice, f"ballots recorded twice: {twice}"
    state = ledger.replay(entries)
    counted = {b.coop_id: b for b in db.session.scalars(select(Ballot).where(Ballot.vote_id == vote_id))}
    for writer in writers:
        missing = writer.ballots_acked - set(in_record)
        assert not missing, f"acknowledged ballots lost from the record: {sorted(missing)}"
        sent = [marker for marker, _choice in writer.ballots_sent]
        recorded = {m for m in in_record if m.startswith(writer.prefix)}
        assert recorded <= set(sent), "a ballot nobody sent"
        assert len(recorded - writer.ballots_acked) <= 1
        ballot = counted.get(writer.coop_id)
        acked_positions = [i for i, m in enumerate(sent) if m in writer.ballots_acked]
        if not acked_positions:
            continue
        assert ballot is not None, f"{writer.coop_name}: its acknowledged ballot is not counted"
        # The counted ballot: the last acknowledged one, or one sent after it (in flight at the kill).
        allowed = writer.ballots_sent[acked_positions[-1]:]
        assert (ballot.note.removeprefix("Mandate "), ballot.choice) in allowed, (writer.coop_name, ballot.note)
        # The record's final ballot for this co-op is the counted one, entry for entry.
        final = state.ballots[voters[writer.coop_id]]
        assert final["choice"] == ballot.choice and final["note"] == ballot.note
        last_entry = [e for e in entries if e["type"] == "ballot" and e["data"]["voter"] == voters[writer.coop_id]][-1]
        assert ballot.entry_hash == last_entry["hash"]
