"""Votes of the member co-ops: rules and records (pure), the services that open, cast and close,
and the subjects other features put to a vote."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Admission of a co-op is decided by vote; each vote has a room (``vote:{id}``), secret when
    its rule is, where its discussion also goes; ballots and objections are in a person's export."""
    from ..discussions.subjects import readable_by_room
    from ..discussions.subjects import register_subject as register_discussion_subject
    from ..members import rights as person_rights
    from ..realtime.rooms import register_room, register_secret_rooms
    from . import admission, rights, rooms
    from .subjects import register_subject

    register_subject(admission.HANDLER)
    register_room("vote", rooms.can_join)
    register_secret_rooms("vote", rooms.is_secret, withheld=rooms.WITHHELD)
    register_discussion_subject("vote", rooms.discussion_subject, readable_by_room)
    person_rights.register(export={"ballots": rights.export_ballots, "objections": rights.export_objections})
    from .. import worker
    from . import scheduler

    # Closes due votes, publishes secret votes' turnout in batches, sends reminders.
    worker.register(app, worker.Job("votes", scheduler.tick, scheduler.interval))
