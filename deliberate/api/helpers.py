"""Small pieces the API views share: the next-page link and co-ops named in request bodies."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from ..members.models import Cooperative
from .pagination import page_body, paginate


def coop_from(body: dict[str, Any], field: str = "coop") -> Cooperative | None:
    slug = body.get(field)
    if slug is None or slug == "":
        return None
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None:
        raise InvalidInput(_("There is no co-op with that slug."), field_errors={field: [_("Unknown co-op.")]})
    return coop


def listing(items, serialise, *, key, query: dict[str, Any], descending: bool = False) -> dict[str, Any]:
    """One page of ``items`` as the API's list body, with the link to the next page."""
    page, next_cursor = paginate(items, key=key, limit=query.get("limit"), cursor=query.get("cursor"),
                                 descending=descending)
    next_url = None
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args, cursor=next_cursor)
    return page_body([serialise(item) for item in page], next_cursor, next_url)
