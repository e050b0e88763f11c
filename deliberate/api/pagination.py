"""Cursor pagination: every list is ordered by a stable key, and a page ends where the next begins.

The cursor is opaque to clients (base64url of a versioned key); a page is ``limit`` items (at
most ``MAX_LIMIT``) after the cursor's key. Lists small enough to be built by the services (and
filtered by permission in Python) are paginated here, after filtering, so a page never reveals
what the reader may not see.
"""
from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import ApiError

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

LIMIT_PARAM = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
CURSOR_PARAM = {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,64}$"}


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = raw.partition(":")
        if version != "v1" or not (value.isascii() and value.isdigit()) or len(value) > 12:
            raise ValueError(raw)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("This cursor is not one we gave out: start again from the first page.", status=400,
                       code="bad_cursor", field_errors={"cursor": ["Unknown cursor."]}) from None


def paginate(items: Sequence[T], *, key: Callable[[T], int], limit: int | None, cursor: str | None,
             descending: bool = False) -> tuple[list[T], str | None]:
    """The page of ``items`` (already in ``key`` order) after ``cursor``; and the next cursor."""
    limit = limit or DEFAULT_LIMIT
    if cursor:
        after = decode_cursor(cursor)
        items = [i for i in items if (key(i) < after if descending else key(i) > after)]
    page = list(items[:limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (encode_cursor(key(page[-1])) if more and page else None)


def page_body(items: list[dict[str, Any]], next_cursor: str | None, next_url: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor, "next": next_url}
