"""Background work: one loop per job, run in the worker process or inside the embedded server.

``flask --app deliberate worker`` runs every registered job in one long-running process (a
production host runs it beside gunicorn, see docs/deployment.md); ``python -m deliberate.serve``
(the embedded ``make run``) runs the very same jobs in threads of its own process.

A job is a name, a ``tick(app)`` that does one pass, and an ``interval(app)`` in seconds (0 turns
the job off). Features register their jobs in their ``init_app`` with :func:`register`. Every
job must be safe when two workers run it at once (row locks, ``SKIP LOCKED``, idempotent steps):
hosts run a second worker for availability, and the embedded server may run beside a worker.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    tick: Callable[[Flask], Any]
    interval: Callable[[Flask], float]
    # Woken early by this event when set (e.g. a webhook was queued): the job runs at once.
    wake: threading.Event | None = None


def jobs(app: Flask) -> dict[str, Job]:
    return app.extensions.setdefault("deliberate.jobs", {})


def register(app: Flask, job: Job) -> None:
    """Register a background job on this app (keyed by name: registering twice keeps one)."""
    jobs(app)[job.name] = job


def run_once(app: Flask, names: list[str] | None = None) -> dict[str, Any]:
    """One pass of every job (or of the named ones), in order; a failing job does not stop the rest."""
    results: dict[str, Any] = {}
    for name, job in jobs(app).items():
        if names and name not in names:
            continue
        try:
            results[name] = job.tick(app)
        except Exception:  # logged, retried at the next pass
            log.exception("background job %s failed", name)
            results[name] = None
    return results


def _loop(app: Flask, job: Job, seconds: float, stop: threading.Event) -> None:
    while not stop.is_set():
        if job.wake is not None:
            job.wake.wait(seconds)
            job.wake.clear()
        else:
            stop.wait(seconds)
        if stop.is_set():
            break
        try:
            job.tick(app)
        except Exception:  # keep the loop alive: the next pass retries
            log.exception("background job %s failed", job.name)


def start(app: Flask, stop: threading.Event | None = None, names: list[str] | None = None) -> threading.Event:
    """Start one daemon thread per enabled job; setting the returned Event stops them all."""
    stop = stop or threading.Event()
    _start_threads(app, stop, names)
    return stop


def _start_threads(app: Flask, stop: threading.Event, names: list[str] | None) -> list[threading.Thread]:
    threads = []
    for name, job in jobs(app).items():
        if names and name not in names:
            continue
        seconds = job.interval(app)
        if seconds <= 0:
            log.info("background job %s is off", name)
            continue
        thread = threading.Thread(target=_loop, args=(app, job, seconds, stop), name=f"job-{name}", daemon=True)
        thread.start()
        threads.append(thread)
        log.info("background job %s started: every %g seconds", name, seconds)
    return threads


def _wake_all(app: Flask) -> None:
    for job in jobs(app).values():
        if job.wake is not None:
            job.wake.set()


# How long a stopping worker waits for the passes under way (a webhook pass may be sending): less
# than systemd's 90 seconds before SIGKILL. A pass cut short is safe anyway (each step commits on
# its own; an unfinished delivery's claim expires and it is sent again).
STOP_SECONDS = 30.0


def serve_forever(app: Flask, names: list[str] | None = None, stop: threading.Event | None = None,
                  grace: float = STOP_SECONDS) -> None:
    """Run the jobs until SIGTERM/SIGINT (or ``stop`` is set), then wait for the passes under way to
    finish (``grace`` seconds at most) before returning."""
    import signal
    import time

    stop = stop or threading.Event()

    def _stop(signum, frame):  # noqa: ARG001
        log.info("worker: stopping (signal %s)", signum)
        stop.set()
        _wake_all(app)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    threads = _start_threads(app, stop, names)
    while not stop.wait(1.0):
        pass
    _wake_all(app)
    deadline = time.monotonic() + grace
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0.0))
    unfinished = [thread.name for thread in threads if thread.is_alive()]
    if unfinished:
        log.warning("worker: stopped with passes still running in %s", ", ".join(unfinished))
    else:
        log.info("worker: stopped")
