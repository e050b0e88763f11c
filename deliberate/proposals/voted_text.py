"""The text of a vote on amendments, as people read it.

A vote on an amendment is bound to JSON (``adoption.frozen_text``: kind, section, base revision,
title, body, position), and a vote on competing amendments to a list of those. The vote page shows
each as what it changes: the amendment, a sentence saying what it does, and its word diff against
the base revision it was written on (revisions never change, so the diff is the one voted on).
Read from the vote's stored text, never from the amendment's current draft.
"""
from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..standards.models import Revision
from ..voting.subjects import TextPart
from .models import Amendment
from .queries import change_view


def parse(text: str) -> list[dict[str, Any]] | None:
    """The amendments in a vote's frozen text (one, or a group's list); None if it is not that."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) and isinstance(item.get("amendment"), int) for item in items):
        return None
    return items


def readable(text: str) -> list[TextPart]:
    """Each amendment of the frozen ``text`` as a heading, a sentence and a word diff."""
    items = parse(text)
    if items is None:
        return [TextPart(markdown=text)]
    amendment_ids = sorted({item["amendment"] for item in items})
    base_ids = sorted({item["base_revision"] for item in items if isinstance(item.get("base_revision"), int)})
    amendments = {a.id: a for a in db.session.scalars(select(Amendment).where(Amendment.id.in_(amendment_ids)))}
    bases = {r.id: r for r in db.session.scalars(select(Revision).where(Revision.id.in_(base_ids)))} if base_ids else {}
    return [_part(item, amendments.get(item["amendment"]), bases.get(item.get("base_revision"))) for item in items]


def _part(item: dict[str, Any], amendment: Amendment | None, base: Revision | None) -> TextPart:
    kind, title, body = item.get("kind"), str(item.get("title") or ""), str(item.get("body") or "")
    position = item.get("position")
    heading = f"{amendment.reference} · {amendment.title}" if amendment is not None \
        else _("Amendment %(id)s", id=item["amendment"])
    was = base.title if base is not None else title
    if kind == "policy":
        from ..policies.changes import voted_policy_part

        return voted_policy_part(heading, amendment, item)
    if kind == "insert":
        return TextPart(heading, _("Adds a new section at place %(position)s.", position=position),
                        change=change_view("", "", title, body))
    if base is None:  # only inserts have no base: show the words as they are
        return TextPart(heading, markdown=f"**{title}**\n\n{body}" if title else body)
    if kind == "delete":
        return TextPart(heading, _("Removes the section “%(title)s”.", title=was),
                        change=change_view(base.title, base.body, "", ""))
    if kind == "move":
        return TextPart(heading, _("Moves the section “%(title)s” to place %(position)s. Its words do not change.",
                                   title=was, position=position))
    return TextPart(heading, _("Changes the section “%(title)s”.", title=was),
                    change=change_view(base.title, base.body, title, body))
