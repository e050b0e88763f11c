"""The JSON API v1 and its OpenAPI document, calling the same services as the web pages."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """A person's API tokens: deleted on erasure, listed (never their hashes) in their export."""
    from ..members import rights as person_rights
    from . import tokens

    person_rights.register(erase=[tokens._erase_tokens], export={"api_tokens": tokens._export_tokens})
