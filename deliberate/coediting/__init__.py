"""Live co-editing of a section's working draft or an amendment's text (differential sync)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Co-editing rooms (one per document) and the editing sessions' part in a person's rights."""
    from ..members import rights as person_rights
    from ..realtime.rooms import register_room
    from . import rights, rooms

    register_room("coedit_section", rooms.can_join_section)
    register_room("coedit_amendment", rooms.can_join_amendment)
    person_rights.register(erase=[rights.erase_sync_sessions], export={"live_editing": rights.export_live_editing})
