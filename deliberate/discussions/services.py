"""Discussion operations: one function per intention, the actor passed explicitly.

Each writes in one unit of work and records its event there; the event is published to the
subject's room only after the commit. HTTP views and socket handlers call these same functions.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..members.models import Cooperative, Person
from ..members.services import acting_coop
from ..proposals.models import AmendmentDraft
from ..realtime.events import Event, record_event
from ..standards.models import Revision, Section
from ..text.paragraphs import split_paragraphs
from . import permissions
from .models import BODY_LIMIT, CLIENT_ID_LIMIT, QUOTE_LIMIT, REASON_LIMIT, TITLE_LIMIT, Comment, CommentEdit, Thread
from .presenting import comment_payload
from .subjects import Subject, load_subject

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_\-:.]{1,%d}$" % CLIENT_ID_LIMIT)
_QUOTE_BREAKS = re.compile(r"[\r\n\t]")
_ANCHOR_INTS = ("revision_id", "draft_id", "paragraph")


# Checking what people wrote -------------------------------------------------------------------

def clean_body(body: Any) -> str:
    return limits.clean_text(body, "body", BODY_LIMIT, required=_("Please write your comment."), too_long=lambda count: _(
        "A comment is at most %(BODY_LIMIT)s characters; this one has %(count)s.",
        BODY_LIMIT=format_decimal(BODY_LIMIT), count=format_decimal(count)))


def clean_quote(quote: Any) -> str | None:
    # A quote may be selected across lines: its line breaks become spaces before it is checked.
    quote = _QUOTE_BREAKS.sub(" ", quote) if isinstance(quote, str) else ""
    quote = limits.clean_text(quote, "quote", QUOTE_LIMIT, multiline=False, too_long=lambda _n: _(
        "Quote at most %(QUOTE_LIMIT)s characters of the text.", QUOTE_LIMIT=format_decimal(QUOTE_LIMIT)))
    return quote or None


def clean_client_id(client_id: Any) -> str | None:
    if client_id is None or client_id == "":
        return None
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise InvalidInput(_("The page sent a malformed comment id. Please reload and try again."))
    return client_id


def _clean_reason(reason: Any) -> str:
    return limits.clean_text(reason, "reason", REASON_LIMIT, required=_("Say publicly why the comment is hidden."),
                             multiline=False, too_long=lambda _n: _("Keep the reason under %(REASON_LIMIT)s characters.",
                                                                    REASON_LIMIT=REASON_LIMIT))


def _clean_title(title: Any) -> str:
    return limits.clean_text(title, "title", TITLE_LIMIT, required=_("Give the new topic a title."), multiline=False,
                             too_long=lambda _n: _("Titles are at most %(TITLE_LIMIT)s characters.", TITLE_LIMIT=TITLE_LIMIT))


def _locate(source: str, quote: str | None, paragraph: int | None) -> tuple[int, int] | None:
    """Character offsets of ``quote`` in ``source`` (within the paragraph when one is named)."""
    if not quote:
        return None
    start_of_paragraph = 0
    if paragraph is not None:
        paragraphs = split_paragraphs(source)
        if 1 <= paragraph <= len(paragraphs):
            start_of_paragraph = source.find(paragraphs[paragraph - 1])
            at = source.find(quote, max(start_of_paragraph, 0))
            if at >= 0:
                return at, at + len(quote)
    at = source.find(quote)
    return (at, at + len(quote)) if at >= 0 else None


def clean_anchor(session: Session, anchor: Any, subject: Subject, quote: str | None) -> dict[str, Any] | None:
    """Check where a quote comes from, against a known revision or draft; offsets are computed here."""
    if anchor in (None, "", {}):
        return None
    if not isinstance(anchor, dict):
        raise InvalidInput(_("The quoted place is not understood."))
    values: dict[str, int] = {}
    for name in _ANCHOR_INTS:
        value = anchor.get(name)
        if value is None or value == "":
            continue
        number = limits.parse_id(value)
        if number is None:
            raise InvalidInput(_("The quoted place is not understood."))
        values[name] = number
    clean: dict[str, Any] = {}
    source = None
    key = anchor.get("section_key")
    if isinstance(key, str) and limits.has_control_characters(key, multiline=False):
        raise InvalidInput(_("The quoted passage is not from this text."))  # no section has such a key
    if subject.kind in ("standard", "section") and ("revision_id" in values or isinstance(key, str) and key):
        if "revision_id" in values:
            revision = session.get(Revision, values["revision_id"])
            section = session.get(Section, revision.section_id) if revision is not None else None
        else:
            section = session.scalars(select(Section).where(Section.standard_id == subject.standard_id,
                                                            Section.key == key[:80])).first()
            revision = section.head if section is not None else None
        if section is None or revision is None or section.standard_id != subject.standard_id or (
                subject.kind == "section" and section.id != subject.id):
            raise InvalidInput(_("The quoted passage is not from this text."))
        clean.update(section_key=section.key, revision_id=revision.id)
        source = revision.body
    elif subject.kind == "amendment" and "draft_id" in values:
        draft = session.get(AmendmentDraft, values["draft_id"])
        if draft is None or draft.amendment_id != subject.id:
            raise InvalidInput(_("The quoted passage is not from this amendment."))
        clean["draft_id"] = draft.id
        source = draft.proposed_body
    if "paragraph" in values and values["paragraph"] <= 10_000:
        clean["paragraph"] = values["paragraph"]
    if source is not None:
        span = _locate(source, quote, clean.get("paragraph"))
        if span is not None:
            clean["start"], clean["end"] = span
    return clean or None


# Threads ------------------------------------------------------------------------------------

def _default_thread(session: Session, subject: Subject, actor: Person) -> Thread:
    """The subject's default thread, created on its first comment (safe when two arrive at once)."""
    values = {"subject_kind": subject.kind, "subject_id": subject.id, "standard_id": subject.standard_id,
              "title": "", "created_by_id": actor.id, "created_at": utcnow()}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Thread).values(**values).on_conflict_do_nothing(
        index_elements=["subject_kind", "subject_id", "title"]))
    return session.scalars(select(Thread).where(Thread.subject_kind == subject.kind,
                                                Thread.subject_id == subject.id, Thread.title == "")).one()


def _thread_for(session: Session, subject: Subject, actor: Person, thread_id: int | None,
                parent: Comment | None) -> Thread:
    if parent is not None:
        return parent.thread
    if thread_id is not None:
        thread = session.get(Thread, thread_id)
        if thread is None or (thread.subject_kind, thread.subject_id) != (subject.kind, subject.id):
            raise NotFound(_("That topic is not part of this discussion."))
        return thread
    return _default_thread(session, subject, actor)


def _subject_of(thread: Thread) -> Subject:
    return load_subject(thread.subject_kind, thread.subject_id)


def _optional_id(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    number = limits.parse_id(value)
    if number is None:
        raise InvalidInput(_("The %(what)s is not understood.", what=what))
    return number


# Comments -----------------------------------------------------------------------------------

def _by_client_id(session: Session, actor: Person, client_id: str | None) -> Comment | None:
    if client_id is None:
        return None
    return session.scalars(select(Comment).where(Comment.author_id == actor.id,
                                                 Comment.client_id == client_id)).first()


def _same_post(comment: Comment, subject_kind: Any, subject_id: Any) -> Comment:
    """A retry: the comment already made with this client id, if it was made on this subject."""
    if (comment.thread.subject_kind, comment.thread.subject_id) != (subject_kind, subject_id):
        raise Conflict(_("This comment id was already used for another comment. Please reload and try again."))
    return comment


def post_comment(*, actor: Person | None, subject_kind: str, subject_id: int, body: str,
                 parent_id: int | None = None, quote: str | None = None, anchor: dict | None = None,
                 client_id: str | None = None, coop: Cooperative | None = None,
                 thread_id: int | None = None) -> Comment:
    """Post a comment (or a reply) on a subject's thread; a retry with the same client id
    returns the comment already made instead of a duplicate."""
    client_id = clean_client_id(client_id)
    subject = load_subject(subject_kind, subject_id)
    if not permissions.can_read(actor, subject):
        raise NotFound(_("There is nothing to discuss here."))
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to take part in the discussion."))
    if client_id is not None:
        existing = _by_client_id(db.session, actor, client_id)
        if existing is not None:
            return _same_post(existing, subject.kind, subject.id)
    check_can_comment(actor, subject)
    coop = acting_coop(actor, coop)
    body, quote = clean_body(body), clean_quote(quote)
    parent_id, thread_id = _optional_id(parent_id, "reply"), _optional_id(thread_id, "topic")
    try:
        with unit_of_work() as session:
            existing = _by_client_id(session, actor, client_id)
            if existing is not None:
                return _same_post(existing, subject.kind, subject.id)
            parent = session.get(Comment, parent_id) if parent_id is not None else None
            if parent_id is not None and (parent is None or (parent.thread.subject_kind, parent.thread.subject_id)
                                          != (subject.kind, subject.id)):
                raise NotFound(_("The comment you are replying to is not part of this discussion."))
            thread = _thread_for(session, subject, actor, thread_id, parent)
            comment = Comment(thread_id=thread.id, parent_id=parent_id, author_id=actor.id,
                              coop_id=coop.id if coop else None, body=body, quote=quote,
                              anchor=clean_anchor(session, anchor, subject, quote), client_id=client_id,
                              created_at=utcnow())
            session.add(comment)
            session.flush()
            _announce(session, "comment_posted", comment, subject, actor, first=True)
    except IntegrityError:
        # Two deliveries of the same post raced (PostgreSQL): the other one won; return its comment.
        existing = _by_client_id(db.session, actor, client_id)
        if existing is None:
            raise
        return _same_post(existing, subject.kind, subject.id)
    return comment


def check_can_comment(actor: Person | None, subject: Subject) -> None:
    """Refuse commenting (or the reply form) on a readable subject to whoever may not take part."""
    if not permissions.can_comment(actor, subject):
        raise PermissionDenied(_("Only delegates of member co-ops and stewards can take part in discussions."))


def check_can_edit_comment(actor: Person | None, comment: Comment, subject: Subject) -> None:
    """Refuse rewording a comment (or its edit form) to anyone but its author, and once hidden."""
    if not permissions.can_edit_comment(actor, comment, subject):
        raise PermissionDenied(_("Only the comment's author can change it (and not once a steward has hidden it)."))


def start_thread(*, actor: Person | None, subject_kind: str, subject_id: int, title: str, body: str,
                 quote: str | None = None, anchor: dict | None = None, client_id: str | None = None,
                 coop: Cooperative | None = None) -> Comment:
    """Start a titled topic on a subject with its first comment (returned)."""
    client_id = clean_client_id(client_id)
    subject = load_subject(subject_kind, subject_id)
    if not permissions.can_read(actor, subject):
        raise NotFound(_("There is nothing to discuss here."))
    if not permissions.can_start_thread(actor, subject):
        raise PermissionDenied(_("Only delegates of member co-ops and stewards can start a topic."))
    if client_id is not None and (existing := _by_client_id(db.session, actor, client_id)) is not None:
        return _same_post(existing, subject.kind, subject.id)
    coop = acting_coop(actor, coop)
    title, body, quote = _clean_title(title), clean_body(body), clean_quote(quote)
    try:
        return _start_thread(actor, subject, title, body, quote, anchor, client_id, coop)
    except IntegrityError:
        # A race with a retry of the same post, or with a topic of the same title (PostgreSQL).
        existing = _by_client_id(db.session, actor, client_id)
        if existing is not None:
            return _same_post(existing, subject.kind, subject.id)
        raise Conflict(_("There is already a topic with this title here."),
                       field_errors={"title": [_("Already used here.")]}) from None


def _start_thread(actor: Person, subject: Subject, title: str, body: str, quote: str | None, anchor: Any,
                  client_id: str | None, coop: Cooperative | None) -> Comment:
    with unit_of_work() as session:
        if (existing := _by_client_id(session, actor, client_id)) is not None:
            return _same_post(existing, subject.kind, subject.id)
        taken = session.scalar(select(Thread.id).where(Thread.subject_kind == subject.kind,
                                                       Thread.subject_id == subject.id, Thread.title == title))
        if taken is not None:
            raise Conflict(_("There is already a topic with this title here."),
                           field_errors={"title": [_("Already used here.")]})
        thread = Thread(subject_kind=subject.kind, subject_id=subject.id, standard_id=subject.standard_id,
                        title=title, created_by_id=actor.id, created_at=utcnow())
        session.add(thread)
        session.flush()
        record_event(session, "thread_started", subject.room,
                     {"thread_id": thread.id, "title": title, "subject_kind": subject.kind,
                      "subject_id": subject.id, "standard_id": subject.standard_id}, actor_id=actor.id)
        comment = Comment(thread_id=thread.id, author_id=actor.id, coop_id=coop.id if coop else None, body=body,
                          quote=quote, anchor=clean_anchor(session, anchor, subject, quote), client_id=client_id,
                          created_at=utcnow())
        comment.thread = thread
        session.add(comment)
        session.flush()
        _announce(session, "comment_posted", comment, subject, actor, first=True)
    return comment


def _announce(session: Session, kind: str, comment: Comment, subject: Subject, actor: Person,
              first: bool = False) -> None:
    def written(event: Event) -> None:  # at commit, once the event has its id (realtime.events)
        comment.last_event_id = event.id
        if first:
            comment.posted_event_id = event.id

    record_event(session, kind, subject.room, comment_payload(comment, subject), actor_id=actor.id, then=written)


def _load_for_update(session: Session, comment_id: Any, actor) -> tuple[Comment, Subject]:
    comment_id = _optional_id(comment_id, "comment")
    comment = None
    if comment_id is not None:
        # Lock the row alone (not its outer-joined author and co-op), then read it afresh.
        session.execute(select(Comment.id).where(Comment.id == comment_id).with_for_update())
        comment = session.scalars(select(Comment).where(Comment.id == comment_id)
                                  .execution_options(populate_existing=True)).first()
    if comment is None:
        raise NotFound(_("There is no such comment."))
    subject = _subject_of(comment.thread)
    if not permissions.can_read(actor, subject):
        raise NotFound(_("There is no such comment."))
    return comment, subject


def edit_comment(*, actor: Person | None, comment_id: int, body: str) -> Comment:
    """The author rewords their comment; the earlier wording is kept in its history."""
    with unit_of_work() as session:
        comment, subject = _load_for_update(session, comment_id, actor)
        check_can_edit_comment(actor, comment, subject)
        body = clean_body(body)
        if comment.body == body:
            return comment
        now = utcnow()
        session.add(CommentEdit(comment_id=comment.id, body=comment.body, edited_at=now))
        comment.body = body
        comment.edited_at = now
        session.flush()
        _announce(session, "comment_edited", comment, subject, actor)
    return comment


def hide_comment(*, actor: Person | None, comment_id: int, reason: str) -> Comment:
    """A steward hides a comment with a public reason; it is never silently deleted."""
    if not permissions.can_moderate(actor):
        raise PermissionDenied(_("Only stewards can hide comments."))
    reason = _clean_reason(reason)
    with unit_of_work() as session:
        comment, subject = _load_for_update(session, comment_id, actor)
        if comment.is_hidden:
            raise Conflict(_("This comment is already hidden."))
        comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = utcnow(), actor.id, reason
        session.flush()
        _announce(session, "comment_hidden", comment, subject, actor)
    return comment


def unhide_comment(*, actor: Person | None, comment_id: int) -> Comment:
    """A steward shows a hidden comment again (the hiding stays in the event record)."""
    if not permissions.can_moderate(actor):
        raise PermissionDenied(_("Only stewards can show hidden comments again."))
    with unit_of_work() as session:
        comment, subject = _load_for_update(session, comment_id, actor)
        if not comment.is_hidden:
            raise Conflict(_("This comment is not hidden."))
        comment.hidden_at = comment.hidden_by_id = comment.hidden_reason = None
        session.flush()
        _announce(session, "comment_unhidden", comment, subject, actor)
    return comment
