"""Searching: one query per page of results, filtered by what the reader may see.

Permissions are applied twice. The SQL filter mirrors the read rules (standards are public; a draft
amendment and the comments on it only for its authors and the stewards; hidden comments only for
the stewards) so
that pages fill up and paging works; then every hit on the page is checked again with the
features' own predicates (``proposals.permissions.can_read``, ``discussions.permissions``), so
if the two ever drifted apart a hit could only go missing, never leak.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce

from markupsafe import Markup
from sqlalchemy import and_, column, exists, func, literal_column, or_, select, table, true
from sqlalchemy.orm import aliased

from ..discussions import permissions as discussion_permissions
from ..discussions.models import Comment
from ..discussions.subjects import load_subject
from ..errors import DomainError
from ..extensions import db
from ..members.permissions import is_steward
from ..proposals import permissions as proposal_permissions
from ..proposals.models import Amendment, Coauthor
from ..standards.models import Section, Standard
from ..standards.permissions import can_read_standard
from .indexing import DOCUMENTS
from .models import DOCUMENT_KINDS
from .schema import FTS_TABLE, PG_CONFIG, PG_VECTOR
from .text import MARK_END, MARK_START, Term, describe, fts5_match, marked, parse_query

PER_PAGE = 20
MAX_PAGE = 50
_PG_HEADLINE = (f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=30, MinWords=12, ShortWord=2, '
                'MaxFragments=2, FragmentDelimiter=" … "')
_PG_TITLE = f'StartSel="{MARK_START}", StopSel="{MARK_END}", HighlightAll=true'
_PG_CFG = literal_column(f"'{PG_CONFIG}'::regconfig")
_PG_VECTOR = literal_column(PG_VECTOR)


@dataclass(frozen=True)
class Hit:
    """One result, ready to show: title and snippet are safe HTML with the matches marked."""

    kind: str
    ref_id: int
    title: Markup
    snippet: Markup
    updated_at: datetime
    standard_slug: str | None = None
    standard_title: str | None = None
    section_key: str | None = None
    amendment_id: int | None = None
    amendment_state: str | None = None
    hidden: bool = False


@dataclass
class Results:
    query: str
    terms: list[Term]
    kind: str | None = None
    standard: Standard | None = None
    page: int = 1
    per_page: int = PER_PAGE
    hits: list[Hit] = field(default_factory=list)
    has_next: bool = False

    @property
    def understood(self) -> str:
        return describe(self.terms)


def _signed_in(person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def _visible(person, amendments):
    """The SQL mirror of the read rules (see the module docstring)."""
    if is_steward(person):
        return true()
    readable_amendment = or_(DOCUMENTS.c.amendment_id.is_(None), amendments.opened_at.is_not(None))
    if _signed_in(person):
        readable_amendment = or_(readable_amendment, amendments.author_id == person.id,
                                 exists().where(Coauthor.amendment_id == DOCUMENTS.c.amendment_id,
                                                Coauthor.person_id == person.id))
    return and_(DOCUMENTS.c.hidden.is_(False), readable_amendment)


def search(person, query: str | None, *, kind: str | None = None, standard: Standard | None = None,
           page: int = 1, per_page: int = PER_PAGE) -> Results:
    """A page of what ``person`` (None for an observer) may read that matches ``query``."""
    terms = parse_query(query)
    kind = kind if kind in DOCUMENT_KINDS else None
    page = min(max(int(page or 1), 1), MAX_PAGE)
    results = Results(query=query or "", terms=terms, kind=kind, standard=standard, page=page, per_page=per_page)
    if not terms:
        return results
    amendments = aliased(Amendment)
    sections = aliased(Section)
    columns = [DOCUMENTS.c.id, DOCUMENTS.c.kind, DOCUMENTS.c.ref_id, DOCUMENTS.c.hidden, DOCUMENTS.c.amendment_id,
               DOCUMENTS.c.standard_id,
               DOCUMENTS.c.updated_at, DOCUMENTS.c.title, Standard.slug, Standard.title.label("standard_title"),
               sections.key.label("section_key"), amendments.state.label("amendment_state")]
    filters = [_visible(person, amendments)]
    if kind:
        filters.append(DOCUMENTS.c.kind == kind)
    if standard is not None:
        filters.append(DOCUMENTS.c.standard_id == standard.id)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        tsquery = reduce(lambda a, b: a.op("&&")(b), [func.phraseto_tsquery(_PG_CFG, t.text) for t in terms])
        weighted = func.setweight(func.to_tsvector(_PG_CFG, DOCUMENTS.c.title), literal_column("'A'")).op("||")(
            func.setweight(func.to_tsvector(_PG_CFG, DOCUMENTS.c.body), literal_column("'B'")))
        rank = func.ts_rank_cd(weighted, tsquery)
        source = DOCUMENTS
        filters.append(_PG_VECTOR.op("@@")(tsquery))
        order = [rank.desc(), DOCUMENTS.c.updated_at.desc(), DOCUMENTS.c.id.desc()]
    else:
        fts = literal_column(FTS_TABLE)
        rank = func.bm25(fts, 4.0, 1.0)  # lower is better; titles weigh four times the body
        columns += [func.highlight(fts, 0, MARK_START, MARK_END).label("title_marked"),
                    func.snippet(fts, 1, MARK_START, MARK_END, "…", 24).label("snippet")]
        source = _fts_join()
        filters.append(fts.op("MATCH")(fts5_match(terms)))
        order = [rank, DOCUMENTS.c.updated_at.desc(), DOCUMENTS.c.id.desc()]
    statement = (select(*columns)
                 .select_from(source)
                 .outerjoin(Standard, Standard.id == DOCUMENTS.c.standard_id)
                 .outerjoin(sections, and_(DOCUMENTS.c.kind == "section", sections.id == DOCUMENTS.c.ref_id))
                 .outerjoin(amendments, amendments.id == DOCUMENTS.c.amendment_id)
                 .where(*filters).order_by(*order)
                 .limit(per_page + 1).offset((page - 1) * per_page))
    rows = db.session.execute(statement).mappings().all()
    results.has_next = len(rows) > per_page
    rows = rows[:per_page]
    marks = _pg_headlines([r["id"] for r in rows], tsquery) if postgres and rows else {}
    readable = _readable(person, rows)
    for row in rows:
        if (row["kind"], row["ref_id"]) not in readable:
            continue
        title, snippet = marks.get(row["id"], (row.get("title_marked"), row.get("snippet")))
        results.hits.append(Hit(
            kind=row["kind"], ref_id=row["ref_id"], title=marked(title or row["title"]), snippet=marked(snippet),
            updated_at=row["updated_at"], standard_slug=row["slug"], standard_title=row["standard_title"],
            section_key=row["section_key"], amendment_id=row["amendment_id"],
            amendment_state=row["amendment_state"], hidden=row["hidden"]))
    return results


def _fts_join():
    fts = table(FTS_TABLE, column("rowid"))
    return fts.join(DOCUMENTS, DOCUMENTS.c.id == fts.c.rowid)


def _pg_headlines(ids: list[int], tsquery) -> dict[int, tuple[str, str]]:
    """Marked title and snippet for the page's rows only (ts_headline reads the whole text)."""
    rows = db.session.execute(select(DOCUMENTS.c.id,
                                     func.ts_headline(_PG_CFG, DOCUMENTS.c.title, tsquery, _PG_TITLE),
                                     func.ts_headline(_PG_CFG, DOCUMENTS.c.body, tsquery, _PG_HEADLINE))
                              .where(DOCUMENTS.c.id.in_(ids)))
    return {ident: (title, body) for ident, title, body in rows}


def _readable(person, rows) -> set[tuple[str, int]]:
    """The hits ``person`` may read, by the features' own predicates (one query per kind)."""
    person = person if _signed_in(person) else None
    ok: set[tuple[str, int]] = set()
    standard_ids = {r["standard_id"] for r in rows if r["kind"] in ("standard", "section")}
    if standard_ids:
        readable = {s.id for s in db.session.scalars(select(Standard).where(Standard.id.in_(standard_ids)))
                    if can_read_standard(person, s)}
        ok |= {(r["kind"], r["ref_id"]) for r in rows
               if r["kind"] in ("standard", "section") and r["standard_id"] in readable}
    amendment_ids = [r["ref_id"] for r in rows if r["kind"] == "amendment"]
    if amendment_ids:
        for amendment in db.session.scalars(select(Amendment).where(Amendment.id.in_(amendment_ids))):
            if proposal_permissions.can_read(person, amendment):
                ok.add(("amendment", amendment.id))
    comment_ids = [r["ref_id"] for r in rows if r["kind"] == "comment"]
    if comment_ids:
        subjects: dict[tuple[str, int], bool] = {}
        for comment in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids))):
            key = (comment.thread.subject_kind, comment.thread.subject_id)
            if key not in subjects:
                try:
                    subjects[key] = discussion_permissions.can_read(person, load_subject(*key))
                except DomainError:
                    subjects[key] = False
            if subjects[key] and (not comment.is_hidden or is_steward(person)):
                ok.add(("comment", comment.id))
    return ok

