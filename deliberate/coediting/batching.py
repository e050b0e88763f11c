"""Group commit: the sync messages that arrive for one document while its previous batch is being
written are applied together, in one transaction (pure: threads only, no Flask, no database).

With one transaction per message, a hundred people typing into one section queue on the
document's lock, each waiting for a commit of its own; the queue grows faster than it drains and
every round trip grows with it. Here whoever arrives when nobody is working on the document
leads: it takes every message waiting, runs them in order through ``run_batch`` (one transaction
that locks the document, applies each message as the one-at-a-time code would, and stores the
text and every shadow before returning), and hands the lead to the first message that arrived
meanwhile. Nobody replies before the batch holding their message is committed, so what was
acknowledged is still durable, and the order of the messages is the order they arrived in.
Batches grow with the load by themselves: under light load every batch holds one message.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Job:
    """One message waiting to be applied; ``run_batch`` fills in ``result`` or ``error``."""

    payload: Any
    result: Any = None
    error: BaseException | None = None
    done: bool = False
    _lead: bool = False
    _wake: threading.Event = field(default_factory=threading.Event, repr=False)


@dataclass
class _Queue:
    waiting: list[Job] = field(default_factory=list)
    busy: bool = False


class Combiner:
    """Runs the jobs of each key in batches, one batch at a time per key (see the module doc)."""

    def __init__(self, max_batch: int = 200):
        self._lock = threading.Lock()
        self._queues: dict[Hashable, _Queue] = {}
        self.max_batch = max_batch
        self.batches = 0  # how many batches ran (tests, benches)

    def submit(self, key: Hashable, job: Job, run_batch: Callable[[list[Job]], None]) -> Job:
        """Apply ``job`` with the other jobs of ``key`` waiting now; return it once its batch is
        done (``job.result`` / ``job.error``). ``run_batch(jobs)`` must set each job's result or
        error; if it raises, every job of its batch gets that exception."""
        with self._lock:
            queue = self._queues.setdefault(key, _Queue())
            queue.waiting.append(job)
            lead = not queue.busy
            queue.busy = True
        while not lead:
            job._wake.wait()
            job._wake.clear()
            if job.done:
                return job
            lead = job._lead
        with self._lock:
            batch, queue.waiting = queue.waiting[: self.max_batch], queue.waiting[self.max_batch :]
        try:
            run_batch(batch)
        except BaseException as error:  # the whole transaction failed: every message in it did
            for each in batch:
                if each.error is None:
                    each.error = error
        finally:
            with self._lock:
                self.batches += 1
                for each in batch:
                    each.done = True
                if queue.waiting:
                    queue.waiting[0]._lead = True
                    queue.waiting[0]._wake.set()
                else:
                    queue.busy = False
                    del self._queues[key]
            for each in batch:
                if each is not job:
                    each._wake.set()
        return job
