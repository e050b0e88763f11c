"""Reads for discussion pages and replays: everything the templates need, computed here.

Templates never query or check permissions: :func:`thread_view` hands them the threads of a
subject with each comment's HTML, labels and ``can_*`` flags already decided.
"""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from ..errors import NotFound
from ..extensions import db
from ..realtime.events import Event
from ..standards.models import Section, Standard
from ..text.paragraphs import paragraph_anchor
from . import permissions
from .models import BODY_LIMIT, QUOTE_LIMIT, Comment, CommentEdit, Thread
from .presenting import COMMENT_EVENTS, author_label, body_html, coop_label, hidden_html, hidden_notice
from .subjects import Subject, load_subject

# Replies deeper than this are shown at this depth (still replies, just not indented further).
MAX_DEPTH = 4
# On a subject's own page (a standard, a principle, an amendment) each thread shows its most
# recently active conversations, so the page stays quick to read and to serve however long the
# discussion grows; the discussion page (discussions.subject) shows every comment.
RECENT = 20


@dataclass
class CommentView:
    id: int
    thread_id: int
    parent_id: int | None
    author: str
    coop: str
    created_at: datetime
    edited_at: datetime | None
    html: Markup
    quote: str | None
    anchor_label: str
    anchor_href: str
    # Where discussions.js shows a marker beside the quoted paragraph.
    anchor_section: str
    anchor_paragraph: int | None
    hidden: bool
    hidden_notice: str
    show_hidden_body: bool
    hidden_body: Markup | None
    can_edit: bool
    can_reply: bool
    can_hide: bool
    can_unhide: bool
    last_event_id: int
    depth: int = 0
    replies: list[CommentView] = field(default_factory=list)


@dataclass
class ThreadBlock:
    id: int | None
    title: str
    comments: list[CommentView]
    count: int
    earlier: int = 0  # comments of this thread left out of a recent-only view

    @property
    def is_default(self) -> bool:
        return self.title == ""


@dataclass
class ThreadView:
    """One subject's discussion, ready for ``templates/discussions/_thread.html``."""

    subject: Subject
    room: str
    threads: list[ThreadBlock]
    count: int
    can_comment: bool
    can_moderate: bool
    signed_in: bool
    person_id: int | None
    coop_choices: list[tuple[str, str]]
    last_event_id: int
    client_id: str
    # What "Quote in a comment" records: the section key and revision, or the amendment's draft.
    anchor: dict[str, Any]
    body_limit: int = BODY_LIMIT
    quote_limit: int = QUOTE_LIMIT

    @property
    def default_thread(self) -> ThreadBlock:
        return self.threads[0]


def latest_event_id() -> int:
    return db.session.scalar(select(func.max(Event.id))) or 0


def _anchor_for(subject: Subject) -> dict[str, Any]:
    target = subject.target
    if isinstance(target, Section):
        return {"kind": "section", "section_key": target.key, "revision_id": target.head_revision_id}
    if isinstance(target, Standard):
        # Two columns of the current sections (the relationship would load every head revision
        # with its author, co-op and credits, for a page that needs none of them).
        heads = db.session.execute(select(Section.key, Section.head_revision_id)
                                   .where(Section.standard_id == target.id, Section.retired_at.is_(None))
                                   .order_by(Section.position))
        return {"kind": "standard", "revisions": {key: head for key, head in heads}}
    if subject.kind == "amendment":
        return {"kind": "amendment", "draft_id": target.head_draft_id}
    return {"kind": subject.kind}


def _anchor_text(anchor: dict | None, subject: Subject) -> tuple[str, str]:
    """A citation ("¶2 of member-ownership") and a link to the paragraph, when we know it."""
    if not anchor:
        return "", ""
    paragraph = anchor.get("paragraph")
    key = anchor.get("section_key")
    label = f"¶{paragraph}" if paragraph else ""
    # The paragraph's own id (unique on a page of several sections); on a standard's page, else its section.
    href = f"#{paragraph_anchor(key, paragraph)}" if key and paragraph else ""
    if key and subject.kind == "standard":
        label = (_("¶%(paragraph)s in %(section)s", paragraph=paragraph, section=key) if paragraph
                 else _("in %(section)s", section=key))
        href = href or f"#{key}"
    return label, href


def coop_choices(person) -> list[tuple[str, str]]:
    if not permissions.has_voice(person):
        return []
    choices = [(str(c.id), c.name) for c in person.acting_coops]
    if person.is_steward:
        choices.append(("", _("No co-op (as steward)")))
    return choices


def recent_window(comments: list[tuple[int, int | None, int]], limit: int) -> set[int]:
    """The comments to show when each thread shows only its ``limit`` most recently active
    conversations, from ``(id, parent_id, thread_id)`` in id order.

    A conversation is a top-level comment with every reply under it; its activity is its newest
    comment, so a reply to an old comment brings the whole conversation back into view. A reply
    whose parent is unknown starts a conversation of its own (as :func:`thread_view` shows it).
    """
    root: dict[int, int] = {}
    newest: dict[int, int] = {}
    thread_of: dict[int, int] = {}
    for comment_id, parent_id, thread_id in comments:
        top = root.get(parent_id, comment_id) if parent_id is not None else comment_id
        root[comment_id] = top
        newest[top] = max(newest.get(top, 0), comment_id)
        thread_of.setdefault(top, thread_id)
    conversations: dict[int, list[int]] = defaultdict(list)
    for top, thread_id in thread_of.items():
        conversations[thread_id].append(top)
    kept: set[int] = set()
    for tops in conversations.values():
        kept.update(sorted(tops, key=newest.__getitem__, reverse=True)[:limit])
    return {comment_id for comment_id, top in root.items() if top in kept}


def _threads_of(subject: Subject) -> list[Thread]:
    return list(db.session.scalars(select(Thread).where(Thread.subject_kind == subject.kind,
                                                        Thread.subject_id == subject.id)
                                   .order_by(Thread.title != "", Thread.id)))


def _comment_outline(threads: list[Thread]) -> list[tuple[int, int | None, int]]:
    if not threads:
        return []
    return [tuple(row) for row in db.session.execute(
        select(Comment.id, Comment.parent_id, Comment.thread_id)
        .where(Comment.thread_id.in_([t.id for t in threads])).order_by(Comment.id))]


def shown_on_subject_page(subject: Subject, comment_id: int) -> bool:
    """Whether the subject's own page (which shows recent conversations) shows this comment."""
    return comment_id in recent_window(_comment_outline(_threads_of(subject)), RECENT)


def readable_subject(subject_kind: str, subject_id: int, person) -> Subject:
    """The subject of a discussion, or NotFound when it does not exist or the person may not read it."""
    person = person if getattr(person, "is_authenticated", False) else None
    subject = load_subject(subject_kind, subject_id)
    if not permissions.can_read(person, subject):
        raise NotFound(_("There is nothing to discuss here."))
    return subject


def get_comment(comment_id: int) -> Comment:
    """The comment, or NotFound (whoever may read it: ask ``permissions.can_read`` of its subject)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment


def thread_view(subject_kind: str, subject_id: int, person, *, recent: int | None = None,
                since: int | None = None) -> ThreadView:
    """The threads of a subject, with every comment the person may see rendered and flagged;
    with ``recent``, only each thread's ``recent`` most recently active conversations (the
    others are counted in ``ThreadBlock.earlier``). ``since``: the newest event id, when the view
    read it before anything else (it is read here otherwise)."""
    person = person if getattr(person, "is_authenticated", False) else None
    # First: whatever commits after this is replayed, never missed.
    last_event_id = latest_event_id() if since is None else since
    subject = readable_subject(subject_kind, subject_id, person)
    threads = _threads_of(subject)
    outline = _comment_outline(threads)
    totals = Counter(thread_id for _id, _parent, thread_id in outline)
    if not outline:
        comments = []
    elif recent is None:
        comments = list(db.session.scalars(select(Comment).where(Comment.thread_id.in_([t.id for t in threads]))
                                           .order_by(Comment.id)))
    else:
        shown = recent_window(outline, recent)
        comments = list(db.session.scalars(select(Comment).where(Comment.id.in_(shown)).order_by(Comment.id)))
    can_comment = permissions.can_comment(person, subject)
    moderator = permissions.can_moderate(person)
    views: dict[int, CommentView] = {}
    children: dict[tuple[int, int | None], list[CommentView]] = defaultdict(list)
    for comment in comments:
        view = _comment_view(comment, subject, person, can_comment, moderator)
        views[comment.id] = view
        parent = comment.parent_id if comment.parent_id in views else None
        if parent is not None:
            view.depth = min(views[parent].depth + 1, MAX_DEPTH)
        children[(comment.thread_id, parent)].append(view)
    for view in views.values():
        view.replies = children.get((view.thread_id, view.id), [])
    shown_per_thread = Counter(comment.thread_id for comment in comments)
    blocks = [ThreadBlock(t.id, t.title, children.get((t.id, None), []), totals[t.id],
                          earlier=totals[t.id] - shown_per_thread[t.id]) for t in threads]
    if not blocks or blocks[0].title != "":
        blocks.insert(0, ThreadBlock(None, "", [], 0))
    return ThreadView(subject=subject, room=subject.room, threads=blocks, count=len(outline),
                      can_comment=can_comment, can_moderate=moderator, signed_in=person is not None,
                      person_id=person.id if person else None, coop_choices=coop_choices(person),
                      last_event_id=last_event_id, client_id=new_client_id(), anchor=_anchor_for(subject))


def new_client_id() -> str:
    """A fresh id for a form, so that sending it twice posts once."""
    return f"f-{uuid.uuid4()}"


def _comment_view(comment: Comment, subject: Subject, person, can_comment: bool, moderator: bool) -> CommentView:
    hidden = comment.is_hidden
    label, href = _anchor_text(comment.anchor, subject)
    show_hidden_body = hidden and permissions.can_see_hidden_body(person, comment)
    return CommentView(
        id=comment.id, thread_id=comment.thread_id, parent_id=comment.parent_id, author=author_label(comment),
        coop=coop_label(comment), created_at=comment.created_at, edited_at=comment.edited_at,
        html=hidden_html(comment.hidden_reason) if hidden else body_html(comment),
        quote=None if hidden else comment.quote, anchor_label=label, anchor_href=href,
        anchor_section="" if hidden else (comment.anchor or {}).get("section_key", ""),
        anchor_paragraph=None if hidden else (comment.anchor or {}).get("paragraph"), hidden=hidden,
        hidden_notice=hidden_notice(comment.hidden_reason) if hidden else "",
        show_hidden_body=show_hidden_body, hidden_body=body_html(comment) if show_hidden_body else None,
        can_edit=permissions.can_edit_comment(person, comment, subject), can_reply=can_comment,
        can_hide=moderator and not hidden, can_unhide=moderator and hidden,
        last_event_id=comment.last_event_id or 0)


@dataclass
class CommentPage:
    """A single comment with its subject, for the reply, edit, hide and history pages."""

    comment: Comment
    subject: Subject
    view: CommentView
    body_html: Markup
    history: list[CommentEdit]


def comment_page(comment_id: int, person) -> CommentPage:
    person = person if getattr(person, "is_authenticated", False) else None
    comment = get_comment(comment_id)
    subject = load_subject(comment.thread.subject_kind, comment.thread.subject_id)
    if not permissions.can_read(person, subject):
        raise NotFound(_("There is no such comment."))
    view = _comment_view(comment, subject, person, permissions.can_comment(person, subject),
                         permissions.can_moderate(person))
    visible = not comment.is_hidden or permissions.can_see_hidden_body(person, comment)
    history = list(db.session.scalars(select(CommentEdit).where(CommentEdit.comment_id == comment.id)
                                      .order_by(CommentEdit.id.desc()))) if visible else []
    return CommentPage(comment, subject, view, body_html(comment) if visible else view.html, history)


def redact_for(person, message: dict[str, Any]) -> dict[str, Any]:
    """A replayed comment event as this person may see it now: a comment hidden since it was
    posted or edited travels as its steward's notice, unless the person may see hidden words."""
    if message.get("kind") not in COMMENT_EVENTS or not message.get("comment_id"):
        return message
    comment = db.session.get(Comment, message["comment_id"])
    if comment is None or not comment.is_hidden or permissions.can_see_hidden_body(person, comment):
        return message
    return {**message, "html": str(hidden_html(comment.hidden_reason)), "quote": None, "anchor": None,
            "hidden": True, "hidden_reason": comment.hidden_reason}
