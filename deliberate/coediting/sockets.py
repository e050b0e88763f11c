"""Socket events for co-editing: thin, the same services as everything else.

``coedit_join`` → {ok, text, version}; ``coedit_sync`` (a sync.ClientSession message) →
{ok, reply}; ``coedit_save`` → {ok, number}. After a sync that changed the text, the room gets an
ephemeral ``draft_changed`` (no text: each tab pulls its own patch with its next sync).
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room

from ..errors import DomainError
from ..extensions import socketio
from ..members.services import find_coop
from ..realtime.ratelimit import rate_limited
from . import services


def _person():
    return current_user if current_user.is_authenticated else None


def _refuse(error: DomainError) -> dict[str, Any]:
    return {"ok": False, "error": error.message, "code": error.code}


def _data(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


@socketio.on("coedit_join")
@rate_limited("read")
def on_join(data: Any):
    data = _data(data)
    person = _person()
    if person is None:
        return {"ok": False, "error": _("Sign in to edit."), "code": "forbidden"}
    try:
        document, _draft, result = services.join(actor=person, doc_key=data.get("doc"), client_id=data.get("client_id"),
                                                     resume=bool(data.get("resume")))
    except DomainError as error:
        return _refuse(error)
    try:
        join_room(document.room)
    except ValueError:
        return {"ok": False, "error": _("Not connected.")}
    emit("editor_joined", {"doc": document.key, "name": person.name}, to=document.room, include_self=False)
    return {"ok": True, **result}


@socketio.on("coedit_sync")
@rate_limited("sync")
def on_sync(data: Any):
    data = _data(data)
    person = _person()
    if person is None:
        return {"ok": False, "error": _("Sign in to edit."), "code": "forbidden"}
    try:
        document, reply, changed, version = services.sync(actor=person, doc_key=data.get("doc"),
                                                          client_id=str(data.get("client_id") or ""),
                                                          message=data.get("message"), coop=find_coop(data.get("coop_id")))
    except DomainError as error:
        return _refuse(error)
    if changed:
        emit("draft_changed", {"doc": document.key, "version": version}, to=document.room, include_self=False)
    return {"ok": True, "reply": reply, "version": version}


@socketio.on("coedit_save")
@rate_limited("write")
def on_save(data: Any):
    data = _data(data)
    person = _person()
    if person is None:
        return {"ok": False, "error": _("Sign in to edit."), "code": "forbidden"}
    try:
        result = services.save(actor=person, doc_key=data.get("doc"), message=data.get("message") or "",
                               coop=find_coop(data.get("coop_id")))
        number = result.number
    except DomainError as error:
        return _refuse(error)
    return {"ok": True, "number": number}


@socketio.on("coedit_leave")
@rate_limited("read")
def on_leave(data: Any):
    data = _data(data)
    doc = str(data.get("doc") or "")
    if ":" in doc:
        leave_room(f"coedit_{doc}")
    return {"ok": True}

