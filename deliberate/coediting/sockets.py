"""Socket events for co-editing: thin, the same services as everything else.

``coedit_join`` → {ok, text, version}; ``coedit_sync`` (a sync.ClientSession message) →
{ok, reply, version}; ``coedit_save`` → {ok, number}. After a batch of syncs that changed the text
(services.sync), the room gets an ephemeral ``draft_changed`` with the version it reached (no
text: each tab that has not reached that version pulls its own patch with its next sync), at most
one per document every quarter of a second (announcing.py). Every
handler goes through the one adapter (realtime/adapter.py): a refusal is a raised domain error.

Imported by the app factory (deliberate/__init__.py) before ``socketio.init_app``.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_socketio import emit, leave_room

from .. import limits
from ..errors import PermissionDenied
from ..extensions import socketio
from ..members.services import find_coop
from ..realtime.adapter import join, person, person_id, socket_event
from . import services
from .announcing import Announcer

log = logging.getLogger(__name__)


def _send_draft_changed(ref: services.DocumentRef, version: int, first: bool) -> None:
    # Sent at once from the syncing tab's handler (its reply brought it the version), or later
    # from a background task for the changes folded together.
    socketio.emit("draft_changed", {"doc": ref.key, "version": version}, to=ref.room,
                  skip_sid=request.sid if first else None)


def _later(delay: float, callback) -> None:
    def run() -> None:
        socketio.sleep(delay)
        try:
            callback()
        except Exception:  # a lost announcement costs a tab its pull until the next one
            log.exception("could not announce a draft change")

    socketio.start_background_task(run)


_announcer = Announcer(_send_draft_changed, _later)


def _editor():
    """The signed-in person: only they may edit (observers are refused before any service runs)."""
    editor = person()
    if editor is None:
        raise PermissionDenied(_("Sign in to edit."))
    return editor


@socket_event("coedit_join", limit="read")
def on_join(data: dict[str, Any]):
    editor = _editor()
    document, _draft, result = services.join(actor=editor, doc_key=data.get("doc"), client_id=data.get("client_id"),
                                             resume=bool(data.get("resume")))
    join(document.room)  # Gone if the socket disconnected before its join was handled
    emit("editor_joined", {"doc": document.key, "name": editor.name}, to=document.room, include_self=False)
    return {"ok": True, **result}


@socket_event("coedit_sync", limit="sync")
def on_sync(data: dict[str, Any]):
    # Many a second per tab: the socket's person as it connected (realtime/identity.py), not loaded
    # again; the batch checks what they may do (services.sync_as).
    editor_id = person_id()
    if editor_id is None:
        _editor()  # an observer: refused
    coop_id = data.get("coop_id")
    document, reply, changed, version = services.sync_as(
        person_id=editor_id, doc_key=data.get("doc"), client_id=str(data.get("client_id") or ""),
        message=data.get("message"), coop_id=limits.parse_id(coop_id.strip() if isinstance(coop_id, str) else coop_id),
        deadline=time.monotonic() + services.CLIENT_PATIENCE)
    if changed:
        _announcer.announce(document, version)
    return {"ok": True, "reply": reply, "version": version}


@socket_event("coedit_save", limit="write")
def on_save(data: dict[str, Any]):
    editor = _editor()
    result = services.save(actor=editor, doc_key=data.get("doc"), message=data.get("message") or "",
                           coop=find_coop(data.get("coop_id")))
    return {"ok": True, "number": result.number}


@socket_event("coedit_leave", limit="read")
def on_leave(data: dict[str, Any]):
    doc = str(data.get("doc") or "")
    if ":" in doc:
        leave_room(f"coedit_{doc}")
    return {"ok": True}

