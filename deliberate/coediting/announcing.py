"""At most one ``draft_changed`` per document and window: the first change is announced at once,
the changes that follow within the window in one announcement at its end, carrying the newest
version (pure: threads only, no Flask, no database).

An announcement carries no text: it tells each tab of the room that there is a newer version,
and the tab pulls its own patch with its next sync, paced (coedit.js: at most one pull per 400 ms
to 2 s). With a hundred people typing, the batches that change the text come dozens of times a
second; announcing each one to a hundred sockets wrote thousands of frames a second, each waking
a socket's writer thread, for tabs that could not pull more often anyway. Folded into one per
window, a tab learns of a change at most ``window`` seconds later, and the room's traffic follows
the window instead of the typing.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

# How long the changes after an announcement wait to be announced together. Tabs pull at most once
# per 400 ms (coedit.js ``gap``): announcing more often tells them nothing they can act on.
WINDOW = 0.25


class Announcer:
    """Announce ``value`` for ``key`` through ``send(key, value, first)``, at most once per ``window``.

    ``first`` is True for an announcement sent at once, in the caller's thread (whose own tab
    already knows the version); a folded announcement is sent at the window's end by
    ``later(delay, callback)`` (a background task), with the newest value given meanwhile.
    """

    def __init__(self, send: Callable[[Hashable, Any, bool], None],
                 later: Callable[[float, Callable[[], None]], None],
                 window: float = WINDOW, clock: Callable[[], float] = time.monotonic):
        self._send, self._later, self.window, self._clock = send, later, window, clock
        self._lock = threading.Lock()
        self._last: dict[Hashable, float] = {}  # when each key was last announced
        self._pending: dict[Hashable, Any] = {}  # the value a planned announcement will carry

    def announce(self, key: Hashable, value: Any) -> None:
        with self._lock:
            now = self._clock()
            if key in self._pending:  # planned already: it will carry this value
                self._pending[key] = value
                return
            last = self._last.get(key)
            if last is None or now - last >= self.window:
                self._last[key] = now
                if len(self._last) > 1024:
                    self._forget(now)
                first = True
            else:
                self._pending[key] = value
                first = False
        if first:
            self._send(key, value, True)
        else:
            self._later(last + self.window - now, lambda: self._flush(key))

    def _flush(self, key: Hashable) -> None:
        with self._lock:
            if key not in self._pending:
                return
            value = self._pending.pop(key)
            self._last[key] = self._clock()
        self._send(key, value, False)

    def reset(self) -> None:
        """Forget every document (tests: a document id used again by the next test is announced at
        once, and a folded announcement still planned is not sent)."""
        with self._lock:
            self._last.clear()
            self._pending.clear()

    def _forget(self, now: float) -> None:
        self._last = {key: at for key, at in self._last.items() if now - at < self.window or key in self._pending}
