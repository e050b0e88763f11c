"""Small pieces the API views share: the next-page link and co-ops named in request bodies."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, select

from ..errors import InvalidInput
from ..extensions import db
from ..members.models import Cooperative
from .pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, page_body, paginate


def coop_from(body: dict[str, Any], field: str = "coop") -> Cooperative | None:
    slug = body.get(field)
    if slug is None or slug == "":
        return None
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None:
        raise InvalidInput(_("There is no co-op with that slug."), field_errors={field: [_("Unknown co-op.")]})
    return coop


def listing(items, serialise, *, key, query: dict[str, Any], descending: bool = False) -> dict[str, Any]:
    """One page of ``items`` (a list already filtered per row for the reader) as the API's list body."""
    page, next_cursor = paginate(items, key=key, limit=query.get("limit"), cursor=query.get("cursor"),
                                 descending=descending)
    return _body([serialise(item) for item in page], next_cursor)


def listing_query(statement: Select, serialise=None, *, column, query: dict[str, Any], descending: bool = False,
                  serialise_page=None) -> dict[str, Any]:
    """One page of a query's rows, cut in SQL (``WHERE column > :after ORDER BY column LIMIT n+1``):
    for lists that need no per-row permission filter, so the database never reads past the page.
    ``column`` is the page's stable key (unique). ``serialise`` presents one row; or
    ``serialise_page`` presents the page's rows at once (for figures counted in one query)."""
    limit = query.get("limit") or DEFAULT_LIMIT
    cursor = query.get("cursor")
    if cursor:
        after = decode_cursor(cursor)
        statement = statement.where(column < after if descending else column > after)
    order = column.desc() if descending else column
    rows = list(db.session.scalars(statement.order_by(order).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = encode_cursor(_key_of(page[-1], column)) if len(rows) > limit else None
    items = serialise_page(page) if serialise_page is not None else [serialise(row) for row in page]
    return _body(items, next_cursor)


def _key_of(row: Any, column) -> int:
    return getattr(row, column.key)


def _body(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    next_url = None
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args, cursor=next_cursor)
    return page_body(items, next_cursor, next_url)
