"""The discussions' part in a person's rights: their comments on erasure, and in their export.

Registered with ``members.rights`` by ``discussions.init_app``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from ..database import utcnow
from ..extensions import db
from ..members import rights
from ..members.models import Person
from ..realtime.events import Event
from . import presence
from .models import Comment, CommentEdit, Thread
from .presenting import COMMENT_EVENTS, author_label, coop_label, hidden_html, removed_html


def erase_comments(person: Person) -> None:
    """The person's comments lose their author; their words too if the person chose so.

    Removed comments keep their place (replies stay attached) and read "Removed at the author's
    request"; their earlier wordings go as well. The stored live events about them are redrawn
    the same way, so catching up after a reconnect never brings the name or the words back.
    """
    session = db.session
    remove = rights.removes_comments()
    now = utcnow()
    comments = {c.id: c for c in session.scalars(select(Comment).where(Comment.author_id == person.id))}
    for comment in comments.values():
        comment.author = None
        if remove:
            comment.body, comment.quote, comment.anchor, comment.removed_at = "", None, None, now
    if remove and comments:
        session.execute(delete(CommentEdit).where(CommentEdit.comment_id.in_(list(comments))))
    session.flush()
    for event in session.scalars(select(Event).where(Event.kind.in_(COMMENT_EVENTS))):
        comment = comments.get((event.payload or {}).get("comment_id"))
        if comment is not None:
            event.payload = _redrawn(dict(event.payload), comment)
    presence.forget_person(person.id)


def _redrawn(payload: dict[str, Any], comment: Comment) -> dict[str, Any]:
    payload.update(author_id=None, author_name=author_label(comment), coop_name=coop_label(comment))
    if comment.removed_at is not None:
        payload.update(quote=None, anchor=None)
        if not payload.get("hidden"):
            payload["html"] = str(removed_html())
    elif payload.get("hidden"):
        payload["html"] = str(hidden_html(payload.get("hidden_reason")))
    return payload


def export_comments(person: Person) -> list[dict[str, Any]]:
    """Every comment the person wrote, with its earlier wordings."""
    session = db.session
    comments = session.scalars(select(Comment).where(Comment.author_id == person.id).order_by(Comment.id)).all()
    history: dict[int, list[CommentEdit]] = {}
    if comments:
        for edit in session.scalars(select(CommentEdit).where(CommentEdit.comment_id.in_([c.id for c in comments]))
                                    .order_by(CommentEdit.id)):
            history.setdefault(edit.comment_id, []).append(edit)
    return [_comment(c, c.thread, history.get(c.id, [])) for c in comments]


def _comment(comment: Comment, thread: Thread, edits: list[CommentEdit]) -> dict[str, Any]:
    return {
        "id": comment.id,
        "thread": {"id": thread.id, "title": thread.title, "subject_kind": thread.subject_kind,
                   "subject_id": thread.subject_id},
        "parent_id": comment.parent_id,
        "coop": comment.coop.name if comment.coop else None,
        "body": comment.body,
        "quote": comment.quote,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "hidden_by_a_steward": comment.is_hidden,
        "hidden_reason": comment.hidden_reason,
        "earlier_wordings": [{"body": e.body, "until": e.edited_at.isoformat()} for e in edits],
    }
