"""``/witness.jsonl``: the witness log as JSON lines, for anyone to copy; ``/witness``: what it is
and how to keep watch over it. Both are the same for everyone and set no cookie."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import chain, services

bp = Blueprint("witness", __name__)

RECENT = 20


def head_for_footer() -> tuple[int, str] | None:
    try:
        return services.head(db.session)
    except SQLAlchemyError:  # an error page rendered after the database failed: leave the head out
        return None


@bp.get("/witness.jsonl")
def log() -> Any:
    entries = services.entries(db.session)
    response = Response(chain.dumps(entries), mimetype="application/x-ndjson")
    response.set_etag(chain.head(entries))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)


@bp.get("/witness")
def page() -> Any:
    entries = services.entries(db.session)
    return render_template("witness/index.html", head=entries[-1] if entries else None, count=len(entries),
                           recent=list(reversed(entries[-RECENT:])),
                           log_url=url_for(".log", _external=True))
