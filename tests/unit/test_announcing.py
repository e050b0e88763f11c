"""The co-editing room's announcements: at most one per document and window, never the last one lost."""
from __future__ import annotations

import random
import threading
import time

from deliberate.coediting.announcing import Announcer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Harness:
    """An announcer on a fake clock whose planned announcements run when the test says."""

    def __init__(self, window: float = 0.25) -> None:
        self.clock = Clock()
        self.sent: list[tuple[str, int, bool, float]] = []
        self.planned: list[tuple[float, object]] = []
        self.announcer = Announcer(self.send, self.later, window=window, clock=self.clock)

    def send(self, key, value, first) -> None:
        self.sent.append((key, value, first, self.clock.now))

    def later(self, delay, callback) -> None:
        assert delay >= 0
        self.planned.append((self.clock.now + delay, callback))

    def run_due(self) -> None:
        due = [p for p in self.planned if p[0] <= self.clock.now]
        self.planned = [p for p in self.planned if p[0] > self.clock.now]
        for _, callback in sorted(due, key=lambda p: p[0]):
            callback()


def test_the_first_change_is_announced_at_once_in_the_callers_thread():
    h = Harness()
    h.announcer.announce("section:1", 7)
    assert h.sent == [("section:1", 7, True, 100.0)]
    assert h.planned == []


def test_changes_within_the_window_are_folded_into_one_announcement_of_the_newest_version():
    h = Harness()
    h.announcer.announce("section:1", 1)
    for version, at in ((2, 100.05), (3, 100.1), (4, 100.2)):
        h.clock.now = at
        h.announcer.announce("section:1", version)
    assert len(h.planned) == 1 and h.planned[0][0] == 100.25  # one planned, at the window's end
    h.clock.now = 100.25
    h.run_due()
    assert h.sent == [("section:1", 1, True, 100.0), ("section:1", 4, False, 100.25)]


def test_the_next_window_starts_at_the_folded_announcement():
    h = Harness()
    h.announcer.announce("d", 1)
    h.clock.now = 100.1
    h.announcer.announce("d", 2)
    h.clock.now = 100.25
    h.run_due()
    h.clock.now = 100.3  # 0.05 s after the folded one: folded again
    h.announcer.announce("d", 3)
    assert [s[1] for s in h.sent] == [1, 2]
    assert h.planned[0][0] == 100.5
    h.clock.now = 100.8
    h.run_due()
    h.clock.now = 101.2  # a quiet window later: at once again
    h.announcer.announce("d", 4)
    assert [(s[1], s[2]) for s in h.sent] == [(1, True), (2, False), (3, False), (4, True)]


def test_documents_are_announced_independently():
    h = Harness()
    h.announcer.announce("a", 1)
    h.announcer.announce("b", 1)
    h.clock.now = 100.1
    h.announcer.announce("a", 2)
    assert [(s[0], s[1]) for s in h.sent] == [("a", 1), ("b", 1)]
    h.clock.now = 100.3
    h.run_due()
    assert [(s[0], s[1]) for s in h.sent] == [("a", 1), ("b", 1), ("a", 2)]


def test_random_schedules_never_lose_the_newest_version_nor_exceed_one_per_window():
    rng = random.Random(19)
    for _ in range(200):
        h = Harness(window=0.25)
        version = 0
        for _ in range(rng.randrange(1, 60)):
            h.clock.now += rng.choice((0.0, 0.01, 0.05, 0.2, 0.3, 1.0))
            h.run_due()
            version += 1
            h.announcer.announce("d", version)
        h.clock.now += 1
        h.run_due()
        assert h.sent[-1][1] == version  # the room learns of the last change
        times = [s[3] for s in h.sent]
        assert all(b - a >= 0.25 - 1e-9 for a, b in zip(times, times[1:], strict=False))
        assert [s[1] for s in h.sent] == sorted(s[1] for s in h.sent)


def test_real_threads_and_timers():
    sent: list[int] = []
    done = threading.Event()

    def send(key, value, first):
        sent.append(value)
        if value == 50:
            done.set()

    def later(delay, callback):
        threading.Timer(delay, callback).start()

    announcer = Announcer(send, later, window=0.05)
    threads = [threading.Thread(target=lambda v=v: announcer.announce("d", v)) for v in range(1, 50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.01)
    announcer.announce("d", 50)
    assert done.wait(2)
    assert len(sent) <= 3 and sent[-1] == 50


def test_reset_forgets_every_document_and_drops_what_was_planned():
    h = Harness()
    h.announcer.announce("d", 1)
    h.clock.now = 100.1
    h.announcer.announce("d", 2)
    h.announcer.reset()
    h.clock.now = 100.3
    h.run_due()  # the planned one finds nothing to send
    h.announcer.announce("d", 3)  # at once again
    assert [(s[1], s[2]) for s in h.sent] == [(1, True), (3, True)]
