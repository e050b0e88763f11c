"""How a comment is shown: its safe HTML, its author's label, and the live event payload.

Both the pages and the events use these, so a comment inserted live looks exactly like one
rendered with the page.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..members.presenting import is_gone, person_label
from ..text.markdown import render
from .models import Comment
from .subjects import Subject

COMMENT_EVENTS = ("comment_posted", "comment_edited", "comment_hidden", "comment_unhidden")


def author_label(comment: Comment) -> str:
    """"Ana Pérez", or "a former delegate of Kazi Riders" once the person is erased."""
    return person_label(comment.author, comment.coop, with_coop=False)


def coop_label(comment: Comment) -> str:
    if is_gone(comment.author):
        return ""  # already in the author's label: "a former delegate of X"
    if comment.coop is not None:
        return comment.coop.name
    return _("steward") if comment.author is not None and comment.author.is_steward else ""


def hidden_notice(reason: str | None) -> str:
    return _("Hidden by a steward: %(reason)s", reason=reason or _("no reason recorded"))


def hidden_html(reason: str | None) -> Markup:
    return Markup('<p class="hidden-notice">{}</p>').format(escape(hidden_notice(reason)))


def removed_html() -> Markup:
    return Markup('<p class="removed-notice">{}</p>').format(_("Removed at the author's request."))


def body_html(comment: Comment) -> Markup:
    if comment.removed_at is not None:
        return removed_html()
    return render(comment.body)


def comment_payload(comment: Comment, subject: Subject, *, redacted: bool | None = None) -> dict[str, Any]:
    """The JSON dict of a comment event: ids and safe HTML, never the ORM object.

    A hidden comment carries only the steward's notice (``redacted`` defaults to whether it is
    hidden), so its words never travel to people who may not see them.
    """
    redacted = comment.is_hidden if redacted is None else redacted
    return {
        "comment_id": comment.id,
        "thread_id": comment.thread_id,
        "thread_title": comment.thread.title if comment.thread is not None else "",
        "subject_kind": subject.kind,
        "subject_id": subject.id,
        "standard_id": subject.standard_id,
        "parent_id": comment.parent_id,
        "html": str(hidden_html(comment.hidden_reason) if redacted else body_html(comment)),
        "quote": None if redacted else comment.quote,
        "anchor": None if redacted else comment.anchor,
        "client_id": comment.client_id,
        "author_id": comment.author_id,
        "author_name": author_label(comment),
        "coop_id": comment.coop_id,
        "coop_name": coop_label(comment),
        "created_at": comment.created_at.isoformat() if comment.created_at else None,
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "hidden": comment.is_hidden,
        "hidden_reason": comment.hidden_reason if comment.is_hidden else None,
    }
