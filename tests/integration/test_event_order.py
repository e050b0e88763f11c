"""Events are written at commit, under the events lock held from their insert to the commit: ids
stay in commit order ("everything after id N" never skips a row), yet a writer that recorded an
event and then goes on working holds up no other writer (realtime/events.py)."""
import threading

import pytest
from sqlalchemy import select, text

from deliberate.database import unit_of_work
from deliberate.extensions import db
from deliberate.realtime import events
from deliberate.realtime.events import EVENTS_LOCK_KEY, Event, events_after, latest_event_id, record_event

WAIT = 60  # seconds before a stuck thread counts as a hang (a deadlock detector, not a timing)


def _holders_of_the_events_lock() -> int:
    """Transactions holding the events' advisory lock in this database now (read on a connection of
    its own; advisory locks are per database, and other test workers use databases of their own)."""
    with db.engine.connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = :key "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"), {"key": EVENTS_LOCK_KEY})


def test_a_writer_still_working_holds_up_no_other_and_ids_follow_the_commits(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no lock to wait for")
    start = latest_event_id()
    db.session.rollback()
    recorded, release, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        with app.app_context():
            try:
                with unit_of_work() as session:
                    record_event(session, "slow", "network", {"n": 1})
                    recorded.set()
                    assert release.wait(WAIT), "never released"  # the service's own work, still going on
            except Exception as error:  # asserted on below
                errors.append(error)
            finally:
                recorded.set()
                db.session.remove()

    def quick_writer():
        with app.app_context():
            try:
                with unit_of_work() as session:
                    record_event(session, "quick", "network", {"n": 2})
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    try:
        assert recorded.wait(WAIT)
        assert _holders_of_the_events_lock() == 0  # recording an event takes no lock: the commit will
        quick = threading.Thread(target=quick_writer)
        quick.start()
        quick.join(WAIT)
        assert not quick.is_alive(), "the second writer waited for the first one's work"
        assert errors == []
        # A reader now sees the quick event; the slow one, not committed, has no id yet.
        seen = events_after(db.session, start, {"network"})
        assert [e.kind for e in seen] == ["quick"]
        db.session.rollback()
    finally:
        release.set()
        slow.join(WAIT)
    assert errors == []
    # The slow event committed last, so its id is higher: "after the quick one" does not skip it.
    after = events_after(db.session, seen[-1].id, {"network"})
    assert [e.kind for e in after] == ["slow"]
    assert [e.kind for e in events_after(db.session, start, {"network"})] == ["quick", "slow"]


def test_an_event_has_its_id_at_commit_and_then_is_called_with_it(app):
    written = []
    with unit_of_work() as session:
        row = record_event(session, "note", "network", {}, then=written.append)
        session.flush()
        assert row.id is None  # not written before the commit (the events lock is taken there)
    assert written == [row] and row.id == latest_event_id()


def test_a_savepoint_rolled_back_takes_its_events_and_leaves_the_others(app, monkeypatch):
    published = []
    monkeypatch.setattr(events, "_publisher", published.append)
    start = latest_event_id()
    db.session.rollback()
    with unit_of_work() as session:
        record_event(session, "before", "network", {})
        with pytest.raises(RuntimeError), session.begin_nested():
            record_event(session, "inside", "network", {})
            raise RuntimeError("refused")
        with session.begin_nested():
            record_event(session, "kept", "network", {})
        record_event(session, "after", "network", {})
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.id > start).order_by(Event.id))]
    assert kinds == ["before", "kept", "after"]
    assert [m["kind"] for m in published] == ["before", "kept", "after"]


def test_a_rolled_back_transaction_leaves_nothing_for_the_next(app):
    start = latest_event_id()
    db.session.rollback()
    with pytest.raises(RuntimeError), unit_of_work() as session:
        record_event(session, "lost", "network", {})
        raise RuntimeError("the service failed")
    with unit_of_work() as session:
        record_event(session, "next", "network", {})
    assert [e.kind for e in events_after(db.session, start)] == ["next"]
