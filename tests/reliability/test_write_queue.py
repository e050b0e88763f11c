"""SQLite writers in one process queue on a lock before BEGIN IMMEDIATE (deliberate.database).

SQLite's own busy handler polls with sleeps of up to 100 ms and in no order; under the load bench
some ballots waited seconds for the write lock. Writers now wait their turn on a lock that hands
over at once, and only the writer whose turn it is asks SQLite for the write lock.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from deliberate.database import unit_of_work
from deliberate.extensions import db
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock; PostgreSQL locks rows")


def test_a_second_writer_waits_its_turn_before_asking_sqlite(app):
    begins: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, *args):
        if statement.startswith("BEGIN IMMEDIATE"):
            begins.append(threading.current_thread().name)

    first_in, release_first, second_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer(name: str, hold: bool) -> None:
        with app.app_context():
            try:
                with unit_of_work() as session:
                    session.execute(text("CREATE TABLE IF NOT EXISTS queue_probe (who TEXT)"))
                    session.execute(text("INSERT INTO queue_probe VALUES (:who)"), {"who": name})
                    if hold:
                        first_in.set()
                        assert release_first.wait(timeout=30)
                if not hold:
                    second_done.set()
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    first = threading.Thread(target=writer, args=("first", True), name="first")
    second = threading.Thread(target=writer, args=("second", False), name="second")
    first.start()
    assert first_in.wait(timeout=30)
    second.start()
    # The second writer is queued in the process, not polling SQLite's lock.
    assert not second_done.wait(timeout=0.5)
    assert begins == ["first"]
    release_first.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert not errors, errors
    assert begins == ["first", "second"]
    event.remove(db.engine, "before_cursor_execute", _seen)
    db.session.remove()
    assert [row[0] for row in db.session.execute(text("SELECT who FROM queue_probe ORDER BY rowid"))] == ["first", "second"]


def test_a_unit_of_work_may_nest_in_one_thread(app):
    """A service called inside another's unit of work takes the same thread's lock again instead
    of waiting on itself for ever (a plain Lock would hang here)."""
    finished, errors = threading.Event(), []

    def nested() -> None:
        with app.app_context():
            try:
                with unit_of_work() as outer:
                    outer.execute(text("CREATE TABLE IF NOT EXISTS nest_probe (n INTEGER)"))
                    with unit_of_work() as inner:
                        inner.execute(text("INSERT INTO nest_probe VALUES (1)"))
                finished.set()
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=nested, daemon=True)
    thread.start()
    assert finished.wait(timeout=30), errors or "the nested unit of work waited on its own lock"
    assert not errors
    assert db.session.execute(text("SELECT count(*) FROM nest_probe")).scalar() == 1
