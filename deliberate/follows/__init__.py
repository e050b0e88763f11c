"""Following standards, and the notifications a person gets about what they follow."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """What a person follows and how far they read: their part in a person's rights."""
    from ..members import rights as person_rights
    from . import rights

    person_rights.register(erase=[rights.erase_follows],
                           export={"follows": rights.export_follows, "notifications": rights.export_notifications})
