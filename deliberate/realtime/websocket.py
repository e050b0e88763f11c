"""One race of simple-websocket (1.1), made harmless: closing a WebSocket the browser has just closed.

When the server closes a WebSocket (a sign-out ends its sockets, realtime/disconnect.py; Engine.IO's
writer thread closes the socket when its queue ends) while the browser's own close is arriving,
``simple_websocket.ws.Base.close`` checks ``connected`` and then has wsproto send a close frame; the
reader thread may have taken the peer's close in between, and wsproto, closed by then, refuses with
``LocalProtocolError``. Both sides did close, so nothing is wrong, but the exception ended Engine.IO's
writer thread and reached the log as "Exception in thread". Here that close is a no-op; any other
refusal is raised as before. Tested in tests/realtime/test_websocket_close.py.
"""
from __future__ import annotations

from typing import Any


def tolerate_closing_a_closed_socket() -> None:
    """Make ``simple_websocket``'s ``close`` quiet on a connection wsproto already has closed (once
    per process; the app factory calls it)."""
    from simple_websocket import ws
    from wsproto.connection import ConnectionState
    from wsproto.utilities import LocalProtocolError

    close = ws.Base.close
    if getattr(close, "tolerates_closed", False):
        return

    def tolerant_close(self: Any, reason: int | None = None, message: str | None = None) -> None:
        try:
            close(self, reason, message)
        except LocalProtocolError:
            if self.ws.state is not ConnectionState.CLOSED:
                raise
            self.connected = False

    tolerant_close.tolerates_closed = True  # type: ignore[attr-defined]
    ws.Base.close = tolerant_close
