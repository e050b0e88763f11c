"""``/witness.jsonl``: the witness log as JSON lines, for anyone to copy; ``/witness``: what it is
and how to keep watch over it. Both are the same for everyone and set no cookie."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..errors import InvalidInput
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
    """The whole log; ``?after=N``, only the entries after ``seq`` N (a copy kept up to N grows
    by them: each new entry's ``prev`` links it to the copy's last hash)."""
    after = request.args.get("after", "-1")
    if not re.fullmatch(r"-1|[0-9]{1,18}", after):
        raise InvalidInput(_("“after” is the seq of the last entry you have: a whole number from -1."),
                           field_errors={"after": [_("Give a whole number from -1.")]})
    entries = services.entries(db.session, int(after))
    response = Response(chain.dumps(entries), mimetype="application/x-ndjson")
    # The log's head, also when no entry follows N (then the answer is empty, and changes with it).
    latest = services.head(db.session) if int(after) >= 0 else None
    response.set_etag(chain.head(entries) if int(after) < 0 else f"{after}-{latest[1] if latest else ''}")
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)


@bp.get("/witness")
def page() -> Any:
    recent = services.recent(db.session, RECENT)  # not the whole log: it only grows
    return render_template("witness/index.html", head=recent[-1] if recent else None,
                           count=recent[-1]["seq"] + 1 if recent else 0, recent=list(reversed(recent)),
                           log_url=url_for(".log", _external=True))
