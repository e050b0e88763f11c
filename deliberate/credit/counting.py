"""Counting contributions to a release (pure: no Flask, no database).

The method, in the words the page uses (docs/credit.md says the same):

1. **Words.** For each section of the ratified version, its revisions are walked from the first to
   the one the version holds, and each pair of consecutive texts is compared word by word with the
   platform's diff (``deliberate.text.diff``). A word kept from one revision to the next keeps its
   writer; a word added is written by the newer revision. What counts is only the words that
   survive into the version's text (title and body): words written and later removed count for
   nobody. The surviving words of all revisions always add up to the words of the text.
2. **Sharing a revision's words.** A revision written by several people (live co-editing, or an
   adopted amendment with co-authors) shares its surviving words equally among everyone credited
   with it, the person who saved it (or proposed the amendment) first. When the words do not divide
   evenly, the words left over go one each to the people in that order. Every word goes to exactly
   one person, so the totals still add up.
3. **New words** are those written by revisions made since the previous ratified version.
4. **Amendments**: an amendment adopted in the release counts once for the person who proposed it
   and once for each co-author.
5. **Objections**: an objection resolved by an amendment adopted in the release counts for the
   person (and co-op) who raised it, for each author of the resolving amendment, and for the steward
   who recorded the resolution.

No score combines these: each count is shown as it is, with the amendments and objections it
counts, so anyone can check it.

A contributor is any hashable value (the services use ``(person_id, coop_id)``); ``None`` stands
for words nobody is recorded as writing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from deliberate.text.diff import count_words
from deliberate.text.paragraphs import blame

__all__ = [
    "AmendmentCredit",
    "Link",
    "ObjectionCredit",
    "Tally",
    "attribute_words",
    "combine",
    "release_tallies",
    "share",
    "surviving_words",
]


@dataclass(frozen=True)
class Link:
    """One revision in a section's chain: its text, who is credited with it (the person who saved
    it first), and whether it was written since the previous release."""

    text: str
    authors: tuple[Hashable, ...] = ()
    new: bool = True


@dataclass(frozen=True)
class AmendmentCredit:
    """An amendment adopted in the release: its id, who proposed it, who co-authored it."""

    id: int
    proposer: Hashable
    coauthors: tuple[Hashable, ...] = ()

    @property
    def authors(self) -> tuple[Hashable, ...]:
        return _unique((self.proposer, *self.coauthors))


@dataclass(frozen=True)
class ObjectionCredit:
    """An objection resolved by an amendment of the release: who raised it, who wrote the
    amendment that resolved it, and who recorded the resolution (``None`` if no one is known)."""

    id: int
    raiser: Hashable
    resolvers: tuple[Hashable, ...] = ()
    recorder: Hashable = None


@dataclass
class Tally:
    """What one contributor (or one co-op) brought to a release: plain counts and the ids behind them."""

    words: int = 0
    new_words: int = 0
    proposed: set[int] = field(default_factory=set)
    coauthored: set[int] = field(default_factory=set)
    objections_raised: set[int] = field(default_factory=set)
    objections_resolved: set[int] = field(default_factory=set)
    resolutions_recorded: set[int] = field(default_factory=set)

    def add(self, other: Tally) -> None:
        """Add ``other`` into this tally (words add up; the same amendment or objection counts once)."""
        self.words += other.words
        self.new_words += other.new_words
        self.proposed |= other.proposed
        self.coauthored |= other.coauthored
        self.objections_raised |= other.objections_raised
        self.objections_resolved |= other.objections_resolved
        self.resolutions_recorded |= other.resolutions_recorded

    def counts(self) -> dict[str, int]:
        """The plain counts, by name (what the pages, the CSV and the JSON show)."""
        return {"words": self.words, "new_words": self.new_words, "amendments_proposed": len(self.proposed),
                "amendments_coauthored": len(self.coauthored), "objections_raised": len(self.objections_raised),
                "objections_resolved": len(self.objections_resolved),
                "resolutions_recorded": len(self.resolutions_recorded)}

    def is_empty(self) -> bool:
        return not any(self.counts().values())


def _unique(items: Iterable[Hashable]) -> tuple[Hashable, ...]:
    return tuple(dict.fromkeys(items))


def surviving_words(texts: Sequence[str]) -> list[int]:
    """For a chain of texts (oldest first), how many words of the last text each one wrote.

    ``sum(result) == count_words(texts[-1])`` always holds (text normalised as diffs do).
    """
    if not texts:
        return []
    result = [0] * len(texts)
    for passage in blame([{"id": i, "text": t} for i, t in enumerate(texts)]):
        result[passage.revision_id] += count_words(passage.text)
    return result


def share(words: int, authors: Sequence[Hashable]) -> dict[Hashable, int]:
    """Share ``words`` equally among ``authors`` (duplicates count once, order kept); the words
    left over go one each to the first authors. No authors: all to ``None`` (unattributed)."""
    people = _unique(authors) or (None,)
    each, left = divmod(words, len(people))
    return {person: each + (1 if i < left else 0) for i, person in enumerate(people)}


def attribute_words(chain: Sequence[Link]) -> dict[Hashable, tuple[int, int]]:
    """Words of the chain's last text per contributor: ``{contributor: (words, new_words)}``.

    Contributors with no surviving word are left out. The words add up to the last text's words.
    """
    totals: dict[Hashable, list[int]] = {}
    for link, words in zip(chain, surviving_words([link.text for link in chain])):
        if not words:
            continue
        for person, part in share(words, link.authors).items():
            if part:
                entry = totals.setdefault(person, [0, 0])
                entry[0] += part
                if link.new:
                    entry[1] += part
    return {person: (w, n) for person, (w, n) in totals.items()}


def release_tallies(chains: Iterable[Sequence[Link]], amendments: Iterable[AmendmentCredit] = (),
                    objections: Iterable[ObjectionCredit] = ()) -> dict[Hashable, Tally]:
    """Every contributor's tally for one release, from its sections' chains, its adopted
    amendments and the objections those amendments resolved."""
    tallies: dict[Hashable, Tally] = {}

    def of(person: Hashable) -> Tally:
        return tallies.setdefault(person, Tally())

    for chain in chains:
        for person, (words, new) in attribute_words(chain).items():
            of(person).words += words
            of(person).new_words += new
    for amendment in amendments:
        of(amendment.proposer).proposed.add(amendment.id)
        for person in _unique(amendment.coauthors):
            if person != amendment.proposer:
                of(person).coauthored.add(amendment.id)
    for objection in objections:
        of(objection.raiser).objections_raised.add(objection.id)
        for person in _unique(objection.resolvers):
            of(person).objections_resolved.add(objection.id)
        if objection.recorder is not None:
            of(objection.recorder).resolutions_recorded.add(objection.id)
    return tallies


def combine(tallies: dict[Hashable, Tally], group: Callable[[Hashable], Hashable]) -> dict[Hashable, Tally]:
    """Merge contributors' tallies into groups (e.g. by co-op): words add up, and an amendment or
    objection counts once per group however many of its people took part."""
    merged: dict[Hashable, Tally] = {}
    for person, tally in tallies.items():
        merged.setdefault(group(person), Tally()).add(tally)
    return merged
