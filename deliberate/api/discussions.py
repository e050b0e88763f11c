"""API: threads and comments — read what you may; comment and edit your comments (``write``).

The writes call the same services as the discussion pages (deliberate/discussions/services.py)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..discussions import queries, services
from ..discussions.models import SUBJECT_KINDS, Comment, Thread
from ..errors import NotFound
from ..extensions import db
from . import present
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from, listing_query
from .openapi import PAGE_PARAMS, Param, operation, page, path_id
from .schemas import ref

KIND = Param("subject_kind", "path", {"type": "string", "enum": list(SUBJECT_KINDS)},
             "What the discussion is about: standard, section, amendment or vote.", True)
SUBJECT = path_id("subject_id", "The subject's numeric id.")
THREAD = path_id("thread_id", "The thread's id.")
COMMENT = path_id("comment_id", "The comment's id.")


def _readable_subject(kind: str, subject_id: int):
    return queries.readable_subject(kind, subject_id, current_person())


def _comment(comment_id: int) -> Comment:
    comment = queries.get_comment(comment_id)
    _readable_subject(comment.thread.subject_kind, comment.thread.subject_id)
    return comment


@operation(bp, "GET", "/discussions/{subject_kind}/{subject_id}/threads", summary="List a subject's threads",
           tag="Discussions", params=(KIND, SUBJECT, *PAGE_PARAMS),
           response=(200, page("Thread"), "A page of threads: the main one (untitled) and titled topics."))
def list_threads(subject_kind: str, subject_id: int, query: dict[str, Any]):
    """The threads on a standard, section, amendment or vote (a thread exists once someone comments)."""
    subject = _readable_subject(subject_kind, subject_id)

    def with_counts(threads: list[Thread]) -> list[dict[str, Any]]:
        counts = dict(db.session.execute(select(Comment.thread_id, func.count(Comment.id))
                                         .where(Comment.thread_id.in_([t.id for t in threads]))
                                         .group_by(Comment.thread_id)).all()) if threads else {}
        return [present.thread(t, counts.get(t.id, 0)) for t in threads]

    return listing_query(select(Thread).where(Thread.subject_kind == subject.kind, Thread.subject_id == subject.id),
                         column=Thread.id, query=query, serialise_page=with_counts)


@operation(bp, "GET", "/threads/{thread_id}/comments", summary="List a thread's comments", tag="Discussions",
           params=(THREAD, *PAGE_PARAMS), response=(200, page("Comment"), "A page of comments, oldest first."))
def list_comments(thread_id: int, query: dict[str, Any]):
    """A thread's comments in the order they were posted (replies name their `parent_id`). Hidden
    comments show the steward's reason; their words only to stewards and their author."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(_("There is no such thread."))
    _readable_subject(thread.subject_kind, thread.subject_id)
    person = current_person()
    return listing_query(select(Comment).where(Comment.thread_id == thread.id), lambda c: present.comment(c, person),
                         column=Comment.id, query=query)


@operation(bp, "GET", "/comments/{comment_id}", summary="Get a comment", tag="Discussions", params=(COMMENT,),
           response=(200, ref("Comment"), "The comment."))
def get_comment(comment_id: int):
    """One comment."""
    return present.comment(_comment(comment_id), current_person())


@operation(bp, "POST", "/discussions/{subject_kind}/{subject_id}/comments", summary="Post a comment",
           tag="Discussions", scope="write", token="required", params=(KIND, SUBJECT), body="NewComment",
           errors=(409,), response=(201, ref("Comment"), "The comment (or, for a retried `client_id`, the one "
                                                         "already posted)."),
           example={"body": "Could we say *members* rather than *users* here?", "client_id": "my-script-0001"})
def post_comment(subject_kind: str, subject_id: int, body: dict[str, Any]):
    """Comment on a subject, or reply (`parent_id`), or post in a titled topic (`thread_id`). Delegates
    of member co-ops and stewards take part; `coop` names the co-op you speak for if you have several."""
    subject = _readable_subject(subject_kind, subject_id)
    comment = services.post_comment(
        actor=current_person(), subject_kind=subject.kind, subject_id=subject.id, body=body["body"],
        parent_id=body.get("parent_id"), quote=body.get("quote"), client_id=body.get("client_id"),
        coop=coop_from(body), thread_id=body.get("thread_id"))
    return present.comment(db.session.get(Comment, comment.id), current_person()), 201


@operation(bp, "PATCH", "/comments/{comment_id}", summary="Edit your comment", tag="Discussions", scope="write",
           token="required", params=(COMMENT,), body="EditComment", errors=(409,),
           response=(200, ref("Comment"), "The comment with its new wording (the old one stays in its history)."),
           example={"body": "Could we say *member-owners* here?"})
def edit_comment(comment_id: int, body: dict[str, Any]):
    """Reword your own comment (not once a steward has hidden it)."""
    _comment(comment_id)
    comment = services.edit_comment(actor=current_person(), comment_id=comment_id, body=body["body"])
    return present.comment(db.session.get(Comment, comment.id), current_person())
