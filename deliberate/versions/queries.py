"""Reads for the public page, version pages, the changelog and comparisons.

Every page reads a fixed number of queries whatever the number of sections, versions or
amendments (tests/web/test_query_counts.py counts them): lists are loaded with one ``IN`` query
each, never one query per row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..members.models import Person
from ..proposals.models import Amendment, AmendmentDraft
from ..proposals.queries import ChangeView, change_view
from ..standards.models import Section, Standard
from ..text import diff as textdiff
from ..text import diff_html
from ..text.markdown import render as render_markdown
from ..text.paragraphs import number_paragraphs
from ..voting.models import Vote
from . import chain, numbering, services
from .models import ChangelogEntry, Version, VersionSection


def get_standard(slug: str) -> Standard:
    """The standard alone (its working sections are not loaded: version pages do not need them)."""
    standard = db.session.scalar(select(Standard).where(Standard.slug == slug))
    if standard is None:
        raise NotFound(_("There is no standard at this address."))
    return standard


def latest_ratified(standard: Standard) -> Version | None:
    return db.session.scalar(select(Version).where(Version.standard_id == standard.id, Version.state == "ratified")
                             .options(selectinload(Version.sections))
                             .order_by(Version.ratified_at.desc(), Version.id.desc()).limit(1))


def check_version_number(number: str | None) -> None:
    """NotFound unless ``number`` is a well-formed version number (asked before anything is loaded)."""
    if not numbering.is_number(number):
        raise NotFound(_("There is no version with that number."))


def get_version(standard: Standard, number: str, attempt: int | None = None) -> Version:
    """The version with this number: the ratified one, else its latest attempt (or the given one)."""
    check_version_number(number)
    query = select(Version).where(Version.standard_id == standard.id, Version.number == number) \
        .options(selectinload(Version.sections))
    if attempt is not None:
        query = query.where(Version.attempt == attempt)
    candidates = list(db.session.scalars(query.order_by(Version.attempt.desc())))
    if not candidates:
        raise NotFound(_("“%(title)s” has no version %(number)s.", title=standard.title, number=number))
    return next((v for v in candidates if v.state == "ratified"), candidates[0])


def get_version_by_id(version_id: int) -> Version:
    version = db.session.get(Version, version_id)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def ratified_versions(standard: Standard) -> list[Version]:
    """Every ratified version, newest first."""
    return list(db.session.scalars(select(Version).where(Version.standard_id == standard.id,
                                                         Version.state == "ratified")
                                   .order_by(Version.ratified_at.desc(), Version.id.desc())))


def pending_candidate(standard: Standard) -> Version | None:
    return services.pending_candidate(db.session, standard.id)


# The public page ----------------------------------------------------------------------------------

@dataclass
class Reading:
    """What the public page of a standard shows: a ratified version (the default once there is
    one) or the working draft, and what the switch between them says."""

    mode: str  # "version" or "draft"
    sections: list[Any]
    version: Version | None
    latest: Version | None
    draft_differs: bool


def working_sections(standard: Standard) -> list[Section]:
    """The working draft's sections in order, with their head revisions and nothing else (the
    public page shows no authors: loading them would cost queries that vary with the data)."""
    return list(db.session.scalars(
        select(Section).where(Section.standard_id == standard.id, Section.retired_at.is_(None))
        .options(lazyload("*"), joinedload(Section.head).lazyload("*")).order_by(Section.position)))


def working_heads(standard: Standard) -> list[tuple[str, int | None]]:
    """Each current section's key and head revision id, in order (two columns: no revision loaded)."""
    return [tuple(row) for row in db.session.execute(
        select(Section.key, Section.head_revision_id).where(Section.standard_id == standard.id, Section.retired_at.is_(None))
        .order_by(Section.position))]


def reading(standard: Standard, draft: bool = False) -> Reading:
    """The standard's page: its latest ratified version unless the working draft is asked for."""
    latest = latest_ratified(standard)
    if latest is None or draft:
        working = working_sections(standard)
        heads = [(s.key, s.head_revision_id) for s in working]
    else:  # the version's text is shown: the draft is only compared with it
        heads = working_heads(standard)
    differs = latest is not None and heads != [(s.key, s.revision_id) for s in latest.sections]
    if latest is None or draft:
        return Reading("draft", working, None, latest, differs)
    return Reading("version", latest.sections, latest, latest, differs)


# A version's page ---------------------------------------------------------------------------------

@dataclass
class VersionPage:
    version: Version
    standard: Standard
    sections: list[VersionSection]
    vote: Vote | None
    ratified: list[Version]
    previous: Version | None
    amendments: list[Amendment]
    entry: ChangelogEntry | None
    open_vote: Vote | None = None
    assembled_by: str | None = None


def version_page(standard: Standard, version: Version) -> VersionPage:
    vote = db.session.get(Vote, version.vote_id) if version.vote_id else None
    ratified = ratified_versions(standard)
    previous = next((v for v in ratified if v.id == version.previous_id), None)
    amendments = _amendments(version.amendment_ids or [])
    entry = db.session.scalar(select(ChangelogEntry).where(ChangelogEntry.version_id == version.id))
    open_vote = vote if vote is not None and vote.state == "open" else None
    assembled_by = db.session.scalar(select(Person.name).where(Person.id == version.created_by_id)) \
        if version.created_by_id else None
    return VersionPage(version, standard, list(version.sections), vote, ratified, previous, amendments, entry,
                       open_vote, assembled_by)


@dataclass(frozen=True)
class RenderedParagraph:
    """A numbered paragraph of a version, its Markdown already rendered (the text never changes)."""

    number: int
    label: str
    html: Markup


def numbered_sections(version: Version) -> dict[int, tuple[RenderedParagraph, ...]]:
    """Each section's paragraphs, numbered for citation ("2 ¶3") and rendered, by section row id."""
    return {s.id: _numbered(s.body, s.position) for s in version.sections}


@lru_cache(maxsize=4096)
def _numbered(body: str, position: int) -> tuple[RenderedParagraph, ...]:
    # Keyed by the text itself: the same words always render the same, whatever the database.
    return tuple(RenderedParagraph(p.number, p.label, render_markdown(p.text))
                 for p in number_paragraphs(body, str(position)))


def _amendments(ids: list[int]) -> list[Amendment]:
    if not ids:
        return []
    # Only what the pages show: the amendment, its current draft and that draft's base revision.
    query = select(Amendment).where(Amendment.id.in_(ids)).options(
        lazyload("*"), joinedload(Amendment.head).options(lazyload("*"), joinedload(AmendmentDraft.base).lazyload("*")))
    found = {a.id: a for a in db.session.scalars(query)}
    return [found[i] for i in ids if i in found]


# The changelog ------------------------------------------------------------------------------------

@lru_cache(maxsize=2048)
def _cached_change(kind: str, old_title: str, old_body: str, new_title: str, new_body: str) -> ChangeView:
    # Word diffs of adopted amendments never change (their drafts are immutable): compute each once.
    return change_view(old_title, old_body, new_title, new_body)


def adopted_change(amendment: Amendment) -> ChangeView:
    """The word diff of an adopted amendment against its base (as proposals.queries.amendment_change)."""
    draft = amendment.head
    base = draft.base
    if amendment.kind == "insert" or base is None:
        return _cached_change("insert", "", "", draft.proposed_title, draft.proposed_body)
    if amendment.kind == "delete":
        return _cached_change("delete", base.title, base.body, "", "")
    return _cached_change(amendment.kind, base.title, base.body, draft.proposed_title, draft.proposed_body)


@dataclass
class ChangelogAmendment:
    amendment: Amendment
    section: Section | None
    change: ChangeView


@dataclass
class ChangelogItem:
    version: Version
    entry: ChangelogEntry | None
    vote: Vote | None
    amendments: list[ChangelogAmendment]
    previous_number: str | None


@dataclass
class Changelog:
    standard: Standard
    items: list[ChangelogItem]
    pending: Version | None
    pending_vote: Vote | None
    not_ratified: list[Version]
    maturity_votes: list[Vote]
    head: str | None
    numbers: list[str] = field(default_factory=list)
    votes: dict[int, Vote] = field(default_factory=dict)  # the versions' votes and the maturity votes, by id


def changelog(standard: Standard) -> Changelog:
    """Every version of the standard, newest first, with its amendments' word diffs and votes."""
    versions = list(db.session.scalars(select(Version).where(Version.standard_id == standard.id)
                                       .order_by(Version.id.desc())))
    ratified = sorted((v for v in versions if v.state == "ratified"), key=lambda v: v.sort_key, reverse=True)
    entries = {e.version_id: e for e in db.session.scalars(
        select(ChangelogEntry).where(ChangelogEntry.standard_id == standard.id))}
    vote_ids = {v.vote_id for v in versions if v.vote_id}
    # The versions' votes and the standard's maturity votes, in one query.
    related = list(db.session.scalars(select(Vote).where(
        or_(Vote.id.in_(sorted(vote_ids)), and_(Vote.subject_kind == "maturity", Vote.subject_id == standard.id)))
        .order_by(Vote.id)))
    votes = {v.id: v for v in related}
    amendment_ids = [i for v in ratified for i in (v.amendment_ids or [])]
    amendments = {a.id: a for a in _amendments(amendment_ids)}
    section_ids = {a.section_id for a in amendments.values() if a.section_id}
    sections = {s.id: s for s in db.session.scalars(
        select(Section).where(Section.id.in_(sorted(section_ids)))
        .options(lazyload("*"), joinedload(Section.head).lazyload("*")))} if section_ids else {}
    by_id = {v.id: v for v in versions}
    items = []
    for version in ratified:
        listed = [ChangelogAmendment(amendments[i], sections.get(amendments[i].section_id),
                                     adopted_change(amendments[i]))
                  for i in version.amendment_ids or [] if i in amendments]
        previous = by_id.get(version.previous_id)
        items.append(ChangelogItem(version, entries.get(version.id), votes.get(version.vote_id), listed,
                                   previous.number if previous else None))
    pending = next((v for v in versions if v.state == "candidate"), None)
    heads = sorted(entries.values(), key=lambda e: e.seq)
    return Changelog(standard=standard, items=items, pending=pending,
                     pending_vote=votes.get(pending.vote_id) if pending and pending.vote_id else None,
                     not_ratified=[v for v in versions if v.state == "failed"],
                     maturity_votes=[v for v in related if v.subject_kind == "maturity"],
                     head=heads[-1].hash if heads else None, numbers=[v.number for v in ratified], votes=votes)


def export_changelog(standard: Standard) -> str:
    """The changelog as JSON lines, exactly as stored (what ``deliberate verify`` checks)."""
    rows = db.session.scalars(select(ChangelogEntry.entry).where(ChangelogEntry.standard_id == standard.id)
                              .order_by(ChangelogEntry.seq))
    return chain.dumps_jsonl(rows)


# Comparing ----------------------------------------------------------------------------------------

DRAFT = "draft"


@dataclass
class Comparison:
    standard: Standard
    old_ref: str
    new_ref: str
    old_version: Version | None
    new_version: Version | None
    entries: list[dict[str, Any]]
    numbers: list[str]

    @property
    def changed(self) -> int:
        return sum(1 for e in self.entries if e["status"] != "unchanged")


def _side(standard: Standard, ref: str) -> tuple[Version | None, list[dict[str, Any]]]:
    if ref == DRAFT:
        return None, services.working_snapshot(db.session, standard.id)
    if not numbering.is_number(ref):
        raise InvalidInput(_("“%(ref)s” is not a version number (like 1.0) or “draft”.", ref=ref))
    version = get_version(standard, ref)
    return version, [{"key": s.key, "kind": s.kind, "title": s.title, "body": s.body} for s in version.sections]


def compare(standard: Standard, old_ref: str | None, new_ref: str | None) -> Comparison:
    """Whole-document diff between two versions (or a version and the working draft).

    Defaults: from the version before the latest ratified one to the latest (or to the draft)."""
    ratified = ratified_versions(standard)
    numbers = [v.number for v in ratified]
    new_ref = (new_ref or "").strip() or (numbers[0] if numbers else DRAFT)
    if not old_ref:
        older = [n for n in numbers if new_ref == DRAFT or numbering.sort_key(n) < numbering.sort_key(new_ref)]
        old_ref = older[0] if older else (numbers[-1] if numbers else DRAFT)
    old_ref = old_ref.strip()
    old_version, old = _side(standard, old_ref)
    new_version, new = _side(standard, new_ref)
    entries = _cached_document_diff(_freeze(old), _freeze(new))
    return Comparison(standard, old_ref, new_ref, old_version, new_version, entries, numbers)


def _freeze(sections: list[dict[str, Any]]) -> tuple:
    return tuple((s["key"], s["kind"], s["title"], s["body"]) for s in sections)


@lru_cache(maxsize=256)
def _cached_document_diff(old: tuple, new: tuple) -> list[dict[str, Any]]:
    def thaw(rows: tuple) -> list[dict[str, str]]:
        return [{"key": k, "kind": kind, "title": t, "body": b} for k, kind, t, b in rows]

    entries = textdiff.document_diff(thaw(old), thaw(new))
    titles_old = {k: t for k, _kind, t, _b in old}
    titles_new = {k: t for k, _kind, t, _b in new}
    for entry in entries:
        entry["inline_title"] = diff_html.inline_html(entry["title_ops"])
        entry["inline_body"] = diff_html.inline_html(entry["body_ops"])
        entry["title"] = titles_new.get(entry["key"]) or titles_old.get(entry["key"], "")
    return entries
