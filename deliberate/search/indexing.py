"""Keep the search index in step with what it indexes, inside the same transaction.

One listener, on every session's ``after_flush``, looks at what the flush wrote (standards,
sections and their revisions, amendments and their drafts, comments) and re-reads each touched
thing from the database into its ``search_documents`` row. Re-reading, rather than trusting the
objects in memory, means the row always matches what was committed, whichever service wrote
it; a rolled-back transaction takes its index changes with it. On SQLite the row's words are
also copied into the FTS5 table (same rowid); PostgreSQL's GIN index follows the row by itself.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from sqlalchemy import Connection, delete, event, func, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..database import id_of, utcnow
from ..discussions.models import Comment, Thread
from ..proposals.models import Amendment, AmendmentDraft
from ..standards.models import Revision, Section, Standard
from .models import SearchDocument
from .schema import FTS_TABLE
from .text import clean, plain_text

DOCUMENTS = SearchDocument.__table__
# Proposed wording is indexed only where the amendment writes new words (a removal's or a
# move's text is the section's own, already indexed there).
_NEW_WORDING = ("modify", "retitle", "insert")


@dataclass(frozen=True)
class Document:
    kind: str
    ref_id: int
    title: str
    body: str
    updated_at: datetime
    standard_id: int | None = None
    amendment_id: int | None = None
    hidden: bool = False


# Reading one source into its document (None: it does not exist or is not searchable) ---------

def _standard(conn: Connection, ident: int) -> Document | None:
    row = conn.execute(select(Standard.title, Standard.summary, Standard.created_at)
                       .where(Standard.id == ident)).first()
    if row is None:
        return None
    return Document("standard", ident, clean(row.title), plain_text(row.summary), row.created_at, standard_id=ident)


def _section(conn: Connection, ident: int) -> Document | None:
    row = conn.execute(select(Section.standard_id, Section.retired_at, Revision.title, Revision.body,
                              Revision.created_at)
                       .join(Revision, Revision.id == Section.head_revision_id)
                       .where(Section.id == ident)).first()
    if row is None or row.retired_at is not None:
        return None  # no text yet, or removed by an adopted amendment (its history stays readable)
    return Document("section", ident, clean(row.title), plain_text(row.body), row.created_at,
                    standard_id=row.standard_id)


def _amendment(conn: Connection, ident: int) -> Document | None:
    row = conn.execute(select(Amendment.standard_id, Amendment.kind, Amendment.title, Amendment.summary,
                              Amendment.rationale, Amendment.updated_at, AmendmentDraft.proposed_title,
                              AmendmentDraft.proposed_body)
                       .outerjoin(AmendmentDraft, AmendmentDraft.id == Amendment.head_draft_id)
                       .where(Amendment.id == ident)).first()
    if row is None:
        return None
    parts = [row.summary, row.rationale]
    if row.kind in _NEW_WORDING:
        parts += [row.proposed_title or "", row.proposed_body or ""]
    return Document("amendment", ident, clean(row.title), "\n".join(filter(None, map(plain_text, parts))),
                    row.updated_at, standard_id=row.standard_id, amendment_id=ident)


def _comment(conn: Connection, ident: int) -> Document | None:
    row = conn.execute(select(Comment.body, Comment.hidden_at, Comment.created_at, Comment.edited_at,
                              Thread.subject_kind, Thread.subject_id, Thread.standard_id, Thread.title)
                       .join(Thread, Thread.id == Comment.thread_id)
                       .where(Comment.id == ident)).first()
    if row is None:
        return None
    return Document("comment", ident, clean(row.title), plain_text(row.body), row.edited_at or row.created_at,
                    standard_id=row.standard_id,
                    amendment_id=row.subject_id if row.subject_kind == "amendment" else None,
                    hidden=row.hidden_at is not None)


READERS: dict[str, Callable[[Connection, int], Document | None]] = {
    "standard": _standard, "section": _section, "amendment": _amendment, "comment": _comment,
}

# Which documents a written object touches.
_TOUCHES: dict[type, Callable[[object], Iterable[tuple[str, int]]]] = {
    Standard: lambda o: [("standard", id_of(o))],
    Section: lambda o: [("section", id_of(o))],
    Revision: lambda o: [("section", o.section_id)],
    Amendment: lambda o: [("amendment", id_of(o))],
    AmendmentDraft: lambda o: [("amendment", o.amendment_id)],
    Comment: lambda o: [("comment", id_of(o))],
}


# The attributes a document reads from its source object, where a source is often written for
# other reasons: a comment written with none of them changed (its posted_event_id, set under the
# events lock at commit) leaves its document as it is.
_INDEXED: dict[type, tuple[str, ...]] = {
    Comment: ("body", "hidden_at", "created_at", "edited_at", "thread_id"),
}


def _indexed_change(obj) -> bool:
    names = _INDEXED.get(type(obj))
    if names is None:
        return True
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


# Writing -------------------------------------------------------------------------------------

def reindex(conn: Connection, targets: Iterable[tuple[str, int]]) -> None:
    """Bring the documents of ``targets`` ((kind, id) pairs) in line with their sources."""
    for kind, ident in sorted({t for t in targets if t[1] is not None}):
        document = READERS[kind](conn, ident)
        if document is None:
            _remove(conn, kind, ident)
        else:
            _store(conn, document)


def _store(conn: Connection, doc: Document) -> None:
    values = {"kind": doc.kind, "ref_id": doc.ref_id, "standard_id": doc.standard_id,
              "amendment_id": doc.amendment_id, "hidden": doc.hidden, "title": doc.title[:300],
              "body": doc.body, "updated_at": doc.updated_at or utcnow()}
    current = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.kind == doc.kind,
                                                   DOCUMENTS.c.ref_id == doc.ref_id)).mappings().first()
    if current is not None and all(current[name] == value for name, value in values.items()):
        return
    sqlite = conn.dialect.name == "sqlite"
    insert = sqlite_insert if sqlite else pg_insert
    statement = insert(DOCUMENTS).values(**values)
    # An upsert, so that two writers indexing the same new thing cannot collide.
    statement = statement.on_conflict_do_update(
        index_elements=[DOCUMENTS.c.kind, DOCUMENTS.c.ref_id],
        set_={name: statement.excluded[name] for name in values if name not in ("kind", "ref_id")},
    ).returning(DOCUMENTS.c.id)
    doc_id = conn.execute(statement).scalar_one()
    if sqlite:
        conn.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": doc_id})
        conn.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
                     {"id": doc_id, "title": values["title"], "body": values["body"]})


def _remove(conn: Connection, kind: str, ident: int) -> None:
    doc_id = conn.execute(select(DOCUMENTS.c.id).where(DOCUMENTS.c.kind == kind,
                                                       DOCUMENTS.c.ref_id == ident)).scalar()
    if doc_id is None:
        return
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": doc_id})
    conn.execute(delete(DOCUMENTS).where(DOCUMENTS.c.id == doc_id))


@event.listens_for(Session, "after_flush")
def _reindex_after_flush(session: Session, _context) -> None:
    targets: set[tuple[str, int]] = set()
    dirty = (obj for obj in session.dirty if _indexed_change(obj))
    for obj in chain(session.new, dirty, session.deleted):
        touches = _TOUCHES.get(type(obj))
        if touches is not None:
            targets.update(touches(obj))
    if targets:
        reindex(session.connection(), targets)


def rebuild(session: Session) -> int:
    """Index everything afresh (after restoring a backup, or upgrading an existing database).

    Runs in the caller's transaction; returns how many documents the index holds afterwards.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DELETE FROM {FTS_TABLE}"))
    conn.execute(delete(DOCUMENTS))
    sources = {"standard": Standard.id, "section": Section.id, "amendment": Amendment.id, "comment": Comment.id}
    for kind, column in sources.items():
        reindex(conn, ((kind, ident) for ident in conn.execute(select(column)).scalars()))
    return conn.execute(select(func.count()).select_from(DOCUMENTS)).scalar_one()
