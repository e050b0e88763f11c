"""Reads behind the contribution records: a release's record (per person and per co-op), a co-op's
and a person's contributions across releases. Nothing here writes; the counting is
``counting.py`` (pure), fed with plain data read from the provenance the platform already keeps.

The word counts of a ratified version never change (its text and its revisions are immutable), so
they are kept per app, keyed by the version's id and content hash. They are kept with the ids of
the people as they were when counted: anyone erased since is folded into "a former delegate of X"
when the record is presented, exactly as a fresh count would do (erasure clears the person on the
revision and keeps the co-op). Amendments and objections are read afresh each time (cheap).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..members.models import Cooperative, Person
from ..members.permissions import can_see_coop
from ..members.presenting import former_delegate, is_gone
from ..proposals.models import Amendment, Coauthor
from ..standards.models import Revision, RevisionCredit, Standard
from ..text.diff import count_words
from ..text.normalise import normalise
from ..versions.models import Version, VersionSection
from ..voting.models import Objection, Vote
from . import counting
from .counting import AmendmentCredit, Link, ObjectionCredit, Tally

Key = tuple[int | None, int | None]  # (person id, co-op id); (None, X): a former delegate of X
_CACHE = "deliberate_credit_words"
_CACHE_SIZE = 512


@dataclass
class PersonRow:
    """One person (for one co-op) in a release's record; ``person`` is None once erased."""

    person: Person | None
    coop: Cooperative | None
    tally: Tally

    @property
    def label(self) -> str:
        if self.person is None:
            return former_delegate(self.coop) if self.coop is not None else _("Not recorded")
        return self.person.name


@dataclass
class CoopRow:
    coop: Cooperative | None
    tally: Tally

    @property
    def label(self) -> str:
        return self.coop.name if self.coop is not None else _("Not on behalf of a co-op")


@dataclass
class ReleaseRecord:
    standard: Standard
    version: Version
    previous: Version | None
    people: list[PersonRow]
    coops: list[CoopRow]
    total_words: int
    amendments: dict[int, Amendment] = field(default_factory=dict)

    def references(self, ids: Iterable[int]) -> list[str]:
        """Amendment references ("A12") for a row's ids, in order."""
        return [self.amendments[i].reference if i in self.amendments else f"A{i}" for i in sorted(ids)]

    def amendment_links(self, tally: Tally) -> list[tuple[str, int]]:
        """(reference, id) of every amendment a tally counts, proposed or co-authored, in order."""
        return [(ref, i) for ref, i in zip(self.references(tally.proposed | tally.coauthored),
                                           sorted(tally.proposed | tally.coauthored))]


# Words ----------------------------------------------------------------------------------------

def _text(title: str, body: str) -> str:
    return f"{title}\n\n{body}"


def _chains(version: Version) -> list[list[Link]]:
    """Each section of ``version`` as its chain of revisions, oldest first, with who is credited."""
    snapshots = list(db.session.scalars(select(VersionSection).where(VersionSection.version_id == version.id)
                                        .order_by(VersionSection.position)))
    held = {vs.revision_id for vs in snapshots if vs.revision_id}
    heads = {r.id: (r.section_id, r.number) for r in db.session.execute(
        select(Revision.id, Revision.section_id, Revision.number).where(Revision.id.in_(held)))} if held else {}
    previous: dict[int, int] = {}  # section id -> the revision number the previous release held
    if version.previous_id:
        for section_id, number in db.session.execute(
                select(Revision.section_id, Revision.number).join(VersionSection, VersionSection.revision_id == Revision.id)
                .where(VersionSection.version_id == version.previous_id)):
            previous[section_id] = number
    section_ids = {section_id for section_id, _number in heads.values()}
    rows = list(db.session.execute(
        select(Revision.id, Revision.section_id, Revision.number, Revision.title, Revision.body, Revision.author_id,
               Revision.coop_id, Revision.amendment_id)
        .where(Revision.section_id.in_(section_ids)).order_by(Revision.section_id, Revision.number))) \
        if section_ids else []
    revision_ids = [row.id for row in rows]
    credits: dict[int, list[Key]] = {}
    if revision_ids:
        for revision_id, person_id, coop_id in db.session.execute(
                select(RevisionCredit.revision_id, RevisionCredit.person_id, RevisionCredit.coop_id)
                .where(RevisionCredit.revision_id.in_(revision_ids)).order_by(RevisionCredit.id)):
            credits.setdefault(revision_id, []).append((person_id, coop_id))
    amendment_ids = {row.amendment_id for row in rows if row.amendment_id}
    coauthors: dict[int, list[Key]] = {}
    if amendment_ids:
        for amendment_id, person_id, coop_id in db.session.execute(
                select(Coauthor.amendment_id, Coauthor.person_id, Coauthor.coop_id)
                .where(Coauthor.amendment_id.in_(amendment_ids)).order_by(Coauthor.id)):
            coauthors.setdefault(amendment_id, []).append((person_id, coop_id))
    by_section: dict[int, list] = {}
    for row in rows:
        by_section.setdefault(row.section_id, []).append(row)

    chains = []
    for snapshot in snapshots:
        final = _text(snapshot.title, snapshot.body)
        if snapshot.revision_id not in heads:  # no provenance kept: nobody is recorded as writing it
            chains.append([Link(final, ())])
            continue
        section_id, number = heads[snapshot.revision_id]
        chain = []
        for row in by_section.get(section_id, []):
            if row.number > number:
                break
            authors = [(row.author_id, row.coop_id), *coauthors.get(row.amendment_id, []), *credits.get(row.id, [])]
            chain.append(Link(_text(row.title, row.body), tuple(authors),
                              new=section_id not in previous or row.number > previous[section_id]))
        if not chain or normalise(chain[-1].text) != normalise(final):
            chain.append(Link(final, ()))  # the snapshot differs from its revision: the difference is unrecorded
        chains.append(chain)
    return chains


def _word_tallies(version: Version) -> dict[Hashable, tuple[int, int]]:
    """Words (and new words) per (person, co-op) surviving into ``version``; cached once ratified."""
    if version.state != "ratified":
        return _count(version)
    store = current_app.extensions.setdefault(_CACHE, (threading.Lock(), OrderedDict()))
    lock, cache = store
    key = (version.id, version.content_hash)
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    counted = _count(version)
    with lock:
        cache[key] = counted
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return counted


def _count(version: Version) -> dict[Hashable, tuple[int, int]]:
    totals: dict[Hashable, list[int]] = {}
    for chain in _chains(version):
        for person, (words, new) in counting.attribute_words(chain).items():
            entry = totals.setdefault(person if person is not None else (None, None), [0, 0])
            entry[0] += words
            entry[1] += new
    return {person: (w, n) for person, (w, n) in totals.items()}


# Amendments and objections ----------------------------------------------------------------------

def _amendments(version: Version) -> dict[int, Amendment]:
    ids = list(version.amendment_ids or [])
    return {a.id: a for a in db.session.scalars(select(Amendment).where(Amendment.id.in_(ids)))} if ids else {}


def _amendment_credits(amendments: dict[int, Amendment]) -> dict[int, AmendmentCredit]:
    return {a.id: AmendmentCredit(a.id, (a.author_id, a.coop_id), tuple((c.person_id, c.coop_id) for c in a.coauthors))
            for a in amendments.values() if a.state == "adopted"}


def _objection_credits(credits: dict[int, AmendmentCredit]) -> list[ObjectionCredit]:
    """Objections resolved by one of the release's amendments, in votes whose ballots are public (in
    a secret vote, who objected is part of the secret)."""
    if not credits:
        return []
    found = db.session.execute(select(Objection, Vote).join(Vote, Vote.id == Objection.vote_id)
                               .where(Objection.status == "resolved", Objection.resolved_amendment_id.in_(list(credits)))
                               .order_by(Objection.id))
    return [ObjectionCredit(o.id, (o.raised_by_id, o.coop_id), credits[o.resolved_amendment_id].authors,
                            (o.resolved_by_id, None) if o.resolved_by_id else None)
            for o, vote in found if not vote.secret]


# The record -----------------------------------------------------------------------------------

def release_record(version: Version) -> ReleaseRecord:
    """Who contributed what to ``version``: per person (and co-op) and per co-op."""
    standard = db.session.get(Standard, version.standard_id)
    amendments = _amendments(version)
    credits = _amendment_credits(amendments)
    tallies = counting.release_tallies((), credits.values(), _objection_credits(credits))
    for person, (words, new) in _word_tallies(version).items():
        tally = tallies.setdefault(person, Tally())
        tally.words += words
        tally.new_words += new
    people, coops = _load(tallies)

    def current(key: Hashable) -> Key:
        person_id, coop_id = key  # type: ignore[misc]
        return (person_id if person_id in people else None, coop_id)

    by_person = counting.combine(tallies, current)
    by_coop = counting.combine(by_person, lambda key: key[1])
    person_rows = [PersonRow(people.get(pid) if pid else None, coops.get(cid) if cid else None, tally)
                   for (pid, cid), tally in by_person.items() if not tally.is_empty()]
    coop_rows = [CoopRow(coops.get(cid) if cid else None, tally) for cid, tally in by_coop.items() if not tally.is_empty()]
    person_rows.sort(key=lambda r: (-r.tally.words, -len(r.tally.proposed), r.person is None, r.label.casefold()))
    coop_rows.sort(key=lambda r: (r.coop is None, -r.tally.words, r.label.casefold()))
    previous = db.session.get(Version, version.previous_id) if version.previous_id else None
    total = sum(t.words for t in tallies.values())
    return ReleaseRecord(standard, version, previous, person_rows, coop_rows, total, amendments)


def _load(tallies: dict[Hashable, Tally]) -> tuple[dict[int, Person], dict[int, Cooperative]]:
    """The people still named (not erased) and the co-ops of a record's keys."""
    person_ids = {k[0] for k in tallies if isinstance(k, tuple) and k[0]}
    coop_ids = {k[1] for k in tallies if isinstance(k, tuple) and k[1]}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))
              if not is_gone(p)} if person_ids else {}
    coops = {c.id: c for c in db.session.scalars(select(Cooperative).where(Cooperative.id.in_(coop_ids)))} \
        if coop_ids else {}
    return people, coops


def text_words(version: Version) -> int:
    """The words of the version's text (titles and bodies), counted as the record counts them."""
    return sum(count_words(normalise(_text(s.title, s.body))) for s in version.sections)


def ratified_versions() -> list[Version]:
    """Every ratified version of every standard, oldest first."""
    return list(db.session.scalars(select(Version).where(Version.state == "ratified")
                                   .order_by(Version.ratified_at, Version.id)))


@dataclass
class Across:
    """One release in a co-op's or a person's contributions."""

    record: ReleaseRecord
    tally: Tally
    coop: Cooperative | None = None


def coop_contributions(coop: Cooperative) -> list[Across]:
    """The co-op's tally in every ratified release it contributed to, oldest first."""
    found = []
    for version in ratified_versions():
        record = release_record(version)
        row = next((r for r in record.coops if r.coop is not None and r.coop.id == coop.id), None)
        if row is not None:
            found.append(Across(record, row.tally, coop))
    return found


def person_contributions(person: Person) -> list[Across]:
    """The person's tally (per co-op they acted for) in every ratified release, oldest first."""
    if is_gone(person):
        return []
    found = []
    for version in ratified_versions():
        record = release_record(version)
        found += [Across(record, r.tally, r.coop) for r in record.people
                  if r.person is not None and r.person.id == person.id]
    return found


def get_person(person_id: int) -> Person:
    """A person whose contributions may be shown: not erased (their work now reads under their co-op)."""
    person = db.session.get(Person, person_id)
    if is_gone(person):
        raise NotFound(_("There is no one with public contributions at this address."))
    return person


def person_page(person_id: int) -> tuple[Person, list[Across]]:
    """A person and their contributions; a page exists only for someone who contributed to a ratified
    release (no directory of everyone by id)."""
    person = get_person(person_id)
    found = person_contributions(person)
    if not found:
        raise NotFound(_("There is no one with public contributions at this address."))
    return person, found


def visible_coop(slug: str, viewer: Person | None) -> Cooperative:
    """The co-op by its slug, if ``viewer`` may see it (an applicant is not public)."""
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None or not can_see_coop(viewer, coop):
        raise NotFound(_("There is no co-op with that name whose contributions can be shown."))
    return coop
