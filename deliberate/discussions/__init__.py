"""Threads and comments on standards, sections, amendments and votes."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Threads on standards, sections and amendments (an amendment's discussion has its own room),
    and the comments' part in a person's rights. Votes register their own (``voting.init_app``)."""
    from ..members import rights as person_rights
    from ..realtime.catch_up import register_redactor
    from ..realtime.rooms import register_room
    from . import presenting, queries, rights, subjects

    subjects.register_subject("standard", subjects.load_standard, subjects.standard_readable)
    subjects.register_subject("section", subjects.load_section, subjects.standard_readable)
    subjects.register_subject("amendment", subjects.load_amendment, subjects.amendment_readable)
    register_room("amendment", subjects.amendment_room_reader)
    # A comment hidden since it was posted or edited is replayed (catch-up) as its steward's notice.
    register_redactor(presenting.COMMENT_EVENTS, queries.redact_for)
    person_rights.register(erase=[rights.erase_comments], export={"comments": rights.export_comments})
    from . import presence

    # Shared through Redis when the processes share a message queue; in this process otherwise.
    presence.configure(app.config.get("SOCKETIO_MESSAGE_QUEUE"))
