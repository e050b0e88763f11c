"""Standards, their sections and the immutable revisions of each section."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The standards' part in a person's data export."""
    from ..members import rights as person_rights
    from . import rights

    person_rights.register(export={"revisions": rights.export_revisions})
