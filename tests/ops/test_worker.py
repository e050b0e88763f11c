"""The background worker as operators run it: ``flask --app deliberate worker`` in real processes.

Two workers on one database at once (as a host runs a second for availability, or the embedded
server beside one): every due vote closes exactly once, every reminder is sent once, every webhook
delivery reaches the receiver once. ``--once`` does one pass and exits; SIGTERM stops a worker
cleanly, after the pass under way. Runs on SQLite, or on PostgreSQL when DATABASE_URL says so.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import db
from deliberate.realtime.events import Event, record_event
from deliberate.voting import services as voting
from deliberate.voting.models import LedgerEntry, Vote
from deliberate.webhooks import services as webhooks
from deliberate.webhooks import signing
from deliberate.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.live_server import http_server

ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """A local webhook receiver: notes the delivery id of every POST, answers 200 after ``delay``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.received: list[str] = []
        self.arrived = threading.Event()
        self.url = ""


@contextmanager
def receiving(delay: float = 0.0) -> Iterator[Receiver]:
    receiver = Receiver(delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.received.append(self.headers[signing.DELIVERY_HEADER])
            receiver.arrived.set()
            time.sleep(receiver.delay)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            """Quiet: the test reads what was received."""

    with http_server(Handler) as base:
        receiver.url = f"{base}/hook"
        yield receiver


class Worker:
    """One ``flask --app deliberate worker`` process; its output (stdout and the log) goes to a file."""

    def __init__(self, database_url: str, instance: Path, log: Path, *args: str, seconds: float = 0.2) -> None:
        self.log = log
        self.env = {**os.environ, "DATABASE_URL": database_url, "DELIBERATE_INSTANCE": str(instance),
                    "DELIBERATE_ENV": "development", "PYTHONUNBUFFERED": "1",
                    "VOTE_SCHEDULER_SECONDS": str(seconds), "WEBHOOK_WORKER_SECONDS": str(seconds)}
        for name in ("SECRET_KEY", "SOCKETIO_MESSAGE_QUEUE", "PYTEST_XDIST_WORKER", "LOG_FORMAT"):
            self.env.pop(name, None)
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with open(self.log, "ab") as handle:
            self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "deliberate", "worker", *self.args],
                                            cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT)
        return self

    def output(self) -> str:
        return self.log.read_text()

    def wait_until_running(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "Deliberate worker: running" not in self.output():
            assert self.process.poll() is None, f"the worker exited:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{self.output()[-3000:]}"
            time.sleep(0.05)

    def terminate(self, timeout: float = 40) -> int:
        """SIGTERM, and the exit status (killed, and a failure, if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"the worker did not stop on SIGTERM:\n{self.output()[-3000:]}") from None


@pytest.fixture
def workers(database_url, tmp_path):
    """``workers(n, *args)``: start n worker processes sharing one fresh instance folder (as on a first
    boot); every one still running at the end is killed."""
    started: list[Worker] = []
    instance = tmp_path / "instance"
    instance.mkdir()

    def start(count: int = 1, *args: str, seconds: float = 0.2) -> list[Worker]:
        db.session.commit()  # nothing of the test's left open (SQLite: no lock held)
        made = [Worker(database_url, instance, tmp_path / f"worker{len(started) + i}.log", *args, seconds=seconds)
                for i in range(count)]
        started.extend(made)
        return [worker.start() for worker in made]

    yield start
    for worker in started:
        if worker.process is not None and worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)


def wait_for(condition, timeout: float = 60, message: str = "the workers to finish"):
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        time.sleep(0.1)


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


# Two at once --------------------------------------------------------------------------------------

DUE, REMINDED, BURST = 5, 3, 20  # votes closing soon; votes closing a day later (reminded); a burst of deliveries


def test_two_workers_at_once_close_each_vote_once_remind_once_and_deliver_once(app, steward, make_coop, make_delegate,
                                                                                 workers):
    voters = [make_delegate() for _ in range(3)]
    applicants = [make_coop("applicant").id for _ in range(DUE + REMINDED)]
    with receiving(delay=0.02) as receiver:
        webhooks.create_webhook(actor=steward, coop=None, url=receiver.url, events=list(signing.EVENT_TYPES),
                                allow_private=True)
        pair = workers(2)
        for worker in pair:
            worker.wait_until_running()
        # Both are running. The work is set to fall due for both at one moment, ``release``: votes
        # closing then, and votes closing a day later (their reminders are due then).
        now = utcnow()
        release = now + timedelta(seconds=3)
        due = [voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant, now=now,
                                closes_at=release).id for applicant in applicants[:DUE]]
        later = [voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant, now=now,
                                  closes_at=release + timedelta(days=1)).id for applicant in applicants[DUE:]]
        # And a burst of deliveries, all committed at once (one event each, as a busy moment makes).
        with unit_of_work() as session:
            for n in range(BURST):
                record_event(session, "vote_opened", f"vote:{later[0]}", {"vote_id": later[0], "burst": n})
        db.session.rollback()

        def finished():
            closed = count(select(Vote.id).where(Vote.id.in_(due), Vote.state == "closed"))
            reminded = count(select(Vote.id).where(Vote.id.in_(later), Vote.reminders_sent_at.is_not(None)))
            pending = count(select(WebhookDelivery.id).where(WebhookDelivery.status != "delivered"))
            deliveries = count(select(WebhookDelivery.id))
            return closed == DUE and reminded == REMINDED and pending == 0 and deliveries == 2 * DUE + REMINDED + BURST
        wait_for(finished)
        time.sleep(1.0)  # a few more passes of both: anything done twice would show now
        statuses = [worker.terminate() for worker in pair]
        outputs = [worker.output() for worker in pair]
        assert statuses == [0, 0], outputs
        assert all("worker: stopped" in output for output in outputs), outputs
        assert not any("Traceback" in output for output in outputs), outputs

        db.session.rollback()
        for vote_id in due:
            vote = db.session.get(Vote, vote_id)
            kinds = Counter(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.vote_id == vote_id)))
            assert vote.state == "closed" and vote.result is not None and kinds["closed"] == 1, (vote_id, kinds)
            closed_events = db.session.scalars(select(Event.scope).where(Event.kind == "vote_closed",
                                                                         Event.payload["vote_id"].as_integer() == vote_id))
            assert sorted(closed_events) == sorted([f"vote:{vote_id}", "network"])
        for vote_id in later:
            assert db.session.get(Vote, vote_id).state == "open"
        # Each voter's delegate reminded once per vote that was due to close within a day; the
        # votes closing in a second may have been reminded too, also at most once.
        reminders = Counter((e.payload["vote_id"], e.scope) for e in db.session.scalars(
            select(Event).where(Event.kind == "vote_reminder")))
        assert set(reminders.values()) == {1}, reminders
        for vote_id in later:
            assert {scope for (v, scope) in reminders if v == vote_id} == {f"user:{d.id}" for d in voters}
        # Every delivery (a vote_opened for each vote, a vote_closed for each closed one) arrived once.
        guids = list(db.session.scalars(select(WebhookDelivery.guid)))
        assert len(guids) == 2 * DUE + REMINDED + BURST
        assert sorted(receiver.received) == sorted(guids), Counter(receiver.received).most_common(3)
        assert count(select(WebhookAttempt.id)) == len(guids)
    # Both did work: the test raced two workers, not one worker and a bystander.
    assert all("webhooks:" in output or "vote scheduler:" in output for output in outputs), outputs


# One pass, and stopping ---------------------------------------------------------------------------

def test_once_does_one_pass_and_exits(app, steward, make_coop, make_delegate, workers):
    make_delegate()
    with receiving() as receiver:
        webhooks.create_webhook(actor=steward, coop=None, url=receiver.url, events=list(signing.EVENT_TYPES),
                                allow_private=True)
        now = utcnow()
        vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=make_coop("applicant").id,
                                closes_at=now - timedelta(minutes=1), now=now - timedelta(hours=1))
        vote_id = vote.id
        (only_votes,) = workers(1, "--once", "--only", "votes")
        assert only_votes.process.wait(timeout=60) == 0, only_votes.output()
        assert f"closed': [{vote_id}]" in only_votes.output() and "webhooks:" not in only_votes.output()
        db.session.rollback()
        assert db.session.get(Vote, vote_id).state == "closed" and receiver.received == []
        (once,) = workers(1, "--once")
        assert once.process.wait(timeout=60) == 0, once.output()
        assert "delivered=2" in once.output()  # vote_opened and vote_closed
        assert len(receiver.received) == 2


def test_an_unknown_job_is_refused(app):
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--only", "mail-merge"])
    assert result.exit_code == 2
    assert "no such job: mail-merge" in result.output and "votes, proxies, webhooks, mail" in result.output


def test_sigterm_stops_an_idle_worker_at_once(app, workers):
    (worker,) = workers(1, seconds=60)
    worker.wait_until_running()
    started = time.monotonic()
    assert worker.terminate(timeout=20) == 0
    assert time.monotonic() - started < 10
    assert "worker: stopping (signal 15)" in worker.output() and "worker: stopped" in worker.output()


def test_sigterm_lets_the_delivery_under_way_finish(app, steward, make_coop, make_delegate, workers):
    make_delegate()
    with receiving(delay=2.0) as receiver:
        webhooks.create_webhook(actor=steward, coop=None, url=receiver.url, events=list(signing.EVENT_TYPES),
                                allow_private=True)
        voting.open_vote(actor=steward, subject_kind="admission", subject_id=make_coop("applicant").id,
                         closes_at=utcnow() + timedelta(days=7))
        (worker,) = workers(1, "--only", "webhooks")
        assert receiver.arrived.wait(60), worker.output()
        stopping = time.monotonic()
        assert worker.terminate() == 0, worker.output()
        assert time.monotonic() - stopping > 1.0  # it waited for the receiver's answer
    db.session.rollback()
    (delivery,) = db.session.scalars(select(WebhookDelivery))
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.claim_token is None
    assert receiver.received == [delivery.guid]
