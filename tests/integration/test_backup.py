"""Backups: ``flask --app deliberate backup PATH`` copies a live SQLite database consistently, and
the copy restores to a database whose every ballot record and changelog verifies.

The SQLite tests take the backup while another thread keeps casting ballots and posting comments,
then open the copy as a new app (the restore) and check it. On PostgreSQL the command refuses and
points at pg_dump.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deliberate.backup import BackupError, backup_sqlite, sqlite_path
from deliberate.database import utcnow
from deliberate.extensions import db
from tests.conftest import BASE_CONFIG, ON_POSTGRES

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup; PostgreSQL uses pg_dump")


@pytest.fixture
def live_network(steward, make_delegate, make_standard):
    """Three member co-ops, a standard with two ratified versions (two closed votes, a changelog of
    two entries) and a third version whose ratification vote is open."""
    from deliberate.versions import services as versions
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    delegates = [make_delegate() for _ in range(3)]
    standard = make_standard(title="Platform Co-op Principles")
    for n in range(2):
        from deliberate.standards import services as standards

        current = standards.get_standard(standard.slug)
        if n:
            section = current.sections[0]
            standards.revise_section(actor=steward, section=section, title=section.title,
                                     body=section.body + f" Revised {n}.", message="Clearer",
                                     base_revision_id=section.head_revision_id)
            current = standards.get_standard(standard.slug)
        version = versions.assemble_version(actor=steward, standard=current, summary=f"Version {n + 1}.")
        vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
        for delegate in delegates:
            voting.cast_ballot(actor=delegate, vote=vote, choice="for")
        closing.close_vote(actor=steward, vote=vote)
    current = standards.get_standard(standard.slug)
    section = current.sections[1]
    standards.revise_section(actor=steward, section=section, title=section.title, body=section.body + " Also.",
                             message="More", base_revision_id=section.head_revision_id)
    version = versions.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                        summary="Version 3.")
    open_vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    return {"delegates": [d.id for d in delegates], "standard_id": standard.id, "vote_id": open_vote.id}


class Writer(threading.Thread):
    """Casts and changes ballots and posts comments, one after another, until stopped."""

    def __init__(self, app, network) -> None:
        super().__init__(daemon=True)
        self.app, self.network = app, network
        self.stop = threading.Event()
        self.done = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from deliberate.discussions import services as discussions
        from deliberate.members.models import Person
        from deliberate.voting import services as voting
        from deliberate.voting.models import Vote

        choices = ("for", "against", "abstain")
        with self.app.app_context():
            try:
                n = 0
                while not self.stop.is_set():
                    person = db.session.get(Person, self.network["delegates"][n % 3])
                    if n % 2:
                        vote = db.session.get(Vote, self.network["vote_id"])
                        voting.cast_ballot(actor=person, vote=vote, choice=choices[n % 3], note=f"Mandate {n}")
                    else:
                        discussions.post_comment(actor=person, subject_kind="standard",
                                                 subject_id=self.network["standard_id"], body=f"Comment {n}")
                    n += 1
                    self.done = n
                    db.session.expire_all()
            except BaseException as error:  # reported by the test
                self.error = error
            finally:
                db.session.remove()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.done < count and self.error is None:
            assert time.monotonic() < deadline, f"the writer made only {self.done} writes"
            time.sleep(0.01)
        assert self.error is None, self.error


def _verify_everything() -> dict[str, int]:
    """Every vote's record verifies and agrees with its counted ballots; every changelog's chain
    verifies with the records of the votes that ratified it. Returns counts of what was checked."""
    from deliberate.discussions.models import Comment
    from deliberate.standards.models import Standard
    from deliberate.versions import chain
    from deliberate.versions.models import ChangelogEntry
    from deliberate.voting import ledger, queries
    from deliberate.voting.models import Ballot, ElectorateMember, Vote

    records = {}
    for vote in db.session.scalars(select(Vote).order_by(Vote.id)):
        entries = queries.ledger_entries(vote)
        report = ledger.verify(entries, allow_open=True)  # some votes are still open
        assert report.ok, (vote.id, report.problems)
        records[chain.record_vote_id(entries)] = entries
        voters = {m.coop_id: m.voter for m in db.session.scalars(
            select(ElectorateMember).where(ElectorateMember.vote_id == vote.id))}
        final = ledger.replay(entries).ballots
        counted = list(db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)))
        assert len(counted) == len(final)
        for ballot in counted:
            assert final[voters[ballot.coop_id]]["choice"] == ballot.choice
            last = [e for e in entries if e["type"] == "ballot" and e["data"]["voter"] == voters[ballot.coop_id]][-1]
            assert last["hash"] == ballot.entry_hash
    changelogs = 0
    for standard in db.session.scalars(select(Standard)):
        entries = list(db.session.scalars(select(ChangelogEntry.entry).where(ChangelogEntry.standard_id == standard.id)
                                          .order_by(ChangelogEntry.seq)))
        if entries:
            report = chain.verify_changelog(entries)
            assert report.ok, report.problems
            assert chain.check_records(entries, records) == []
            changelogs += 1
    return {"votes": len(records), "changelogs": changelogs,
            "comments": db.session.scalar(select(func.count(Comment.id))),
            "ledger": sum(len(r) for r in records.values())}


@sqlite_only
def test_a_backup_taken_during_writes_restores_to_a_database_that_verifies(app, live_network, tmp_path):
    from deliberate import create_app

    target = tmp_path / "backups" / "deliberate.sqlite3"
    target.parent.mkdir()
    writer = Writer(app, live_network)
    writer.start()
    try:
        writer.wait_for(10)
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        during = writer.done
        writer.wait_for(during + 10)  # the server kept writing after the snapshot
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert "Integrity check: ok" in result.output and "ballots" in result.output
    assert [p.name for p in target.parent.iterdir()] == ["deliberate.sqlite3"]  # no temporary left behind
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)

    # Restore: open the copy as the database of a new app.
    restored_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    with restored_app.app_context():
        restored = _verify_everything()
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"  # the app's own setting again
        db.session.remove()
        db.engine.dispose()
    db.session.remove()  # end the test's own read snapshot (taken before the writes)
    live = _verify_everything()
    assert restored["votes"] == live["votes"] == 3 and restored["changelogs"] == live["changelogs"] == 1
    # A snapshot from the middle of the writes: some of them, not all.
    assert 5 <= restored["comments"] < live["comments"]
    assert restored["ledger"] < live["ledger"]


@sqlite_only
def test_the_restored_copy_serves_pages(app, live_network, tmp_path):
    from deliberate import create_app

    target = tmp_path / "copy.sqlite3"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    restored_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    client = restored_app.test_client()
    assert client.get("/standards/platform-co-op-principles/changelog").status_code == 200
    assert client.get(f"/votes/{live_network['vote_id']}").status_code == 200
    with restored_app.app_context():
        db.engine.dispose()


@sqlite_only
def test_backup_refuses_to_overwrite_without_force(app, tmp_path):
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(b"an older backup")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert target.read_bytes() == b"an older backup"
    forced = runner.invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    copy.close()


@sqlite_only
@pytest.mark.parametrize("where, status, message", [
    ("missing-folder/backup.sqlite3", 1, "does not exist"),
    (".", 2, "is a directory"),  # click's own check of the argument
])
def test_backup_explains_a_bad_target(app, tmp_path, where, status, message):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / where)])
    assert result.exit_code == status
    assert message in result.output
    assert not list(tmp_path.glob("**/*.partial"))


def test_backup_of_a_database_that_is_not_a_file(tmp_path):
    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path("postgresql+psycopg://postgres@127.0.0.1/deliberate")
    with pytest.raises(BackupError, match="in-memory"):
        sqlite_path("sqlite:///:memory:")
    with pytest.raises(BackupError, match="Only SQLite"):
        sqlite_path("mysql://localhost/deliberate")
    assert sqlite_path("sqlite:////var/lib/deliberate/db.sqlite3") == Path("/var/lib/deliberate/db.sqlite3")
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "absent.sqlite3", tmp_path / "copy.sqlite3")
    assert not (tmp_path / "copy.sqlite3").exists()


def test_a_damaged_source_leaves_no_backup_behind(tmp_path):
    source = tmp_path / "damaged.sqlite3"
    source.write_bytes(b"this is not a database" * 500)
    with pytest.raises(BackupError, match="could not copy"):
        backup_sqlite(source, tmp_path / "copy.sqlite3")
    assert sorted(os.listdir(tmp_path)) == ["damaged.sqlite3"]


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL message")
def test_on_postgresql_the_command_points_at_pg_dump(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "docs/deployment.md" in result.output
    assert not (tmp_path / "copy.sqlite3").exists()


@pytest.mark.skipif(not ON_POSTGRES or not shutil.which("pg_dump"), reason="PostgreSQL's pg_dump and pg_restore")
def test_a_pg_dump_taken_during_writes_restores_to_a_database_that_verifies(app, live_network, tmp_path):
    """What docs/deployment.md tells PostgreSQL operators to do, done: pg_dump while writes go on,
    pg_restore into a new database, and every record and changelog there verifies."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from deliberate import create_app

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    restored_url = url.set(database=f"{url.database}_restored")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{restored_url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{restored_url.database}"'))
    admin.dispose()

    def libpq(u) -> str:
        return u.set(drivername="postgresql").render_as_string(hide_password=False)

    dump = tmp_path / "deliberate.dump"
    writer = Writer(app, live_network)
    writer.start()
    try:
        writer.wait_for(10)
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq(url)], check=True, timeout=120)
        writer.wait_for(writer.done + 10)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq(restored_url)}", str(dump)], check=True,
                       timeout=120)
        restored_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": libpq(restored_url)
                                   .replace("postgresql://", "postgresql+psycopg://", 1)})
        with restored_app.app_context():
            restored = _verify_everything()
            db.session.remove()
            db.engine.dispose()
        db.session.remove()
        live = _verify_everything()
        assert restored["votes"] == live["votes"] == 3 and restored["changelogs"] == 1
        assert 5 <= restored["comments"] < live["comments"]
    finally:
        dump.unlink(missing_ok=True)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored_url.database}" WITH (FORCE)'))
        admin.dispose()
