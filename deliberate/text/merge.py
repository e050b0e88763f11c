"""Three-way overlap check and rebase of amendments.  Never fuzzy.

An amendment ("ours") was written against a base text; meanwhile another
change was adopted ("theirs").  Both are diffed against the base at word level
and expressed as edit regions over base token positions.  If no region of one
side overlaps or touches a region of the other, both sets of edits are applied
to the base exactly.  Otherwise the amendment is conflicted and a person must
rebase it: nothing is ever guessed, shifted or blended (DESIGN invariant 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate
from typing import Literal

from deliberate.text.diff import diff_texts, tokenise
from deliberate.text.normalise import normalise

__all__ = ["Conflict", "MergeResult", "three_way", "rebase"]

MergeStatus = Literal["clean", "conflict", "unchanged"]


@dataclass(frozen=True)
class Conflict:
    """One place where both sides changed the same words.

    ``base``, ``ours`` and ``theirs`` are the text of that place in each
    version; the offsets are character offsets into each (normalised) text.
    """

    base: str
    ours: str
    theirs: str
    base_start: int
    base_end: int
    ours_start: int
    ours_end: int
    theirs_start: int
    theirs_end: int


@dataclass
class MergeResult:
    """Outcome of a three-way merge; ``text`` is ``None`` when conflicted."""

    status: MergeStatus
    text: str | None
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True, order=True)
class _Region:
    start: int  # base token index
    end: int  # exclusive; equal to start for a pure insertion
    text: str  # replacement text


def _regions(base: str, other: str) -> list[_Region]:
    """Edit regions turning ``base`` into ``other``, in base token positions."""
    out: list[_Region] = []
    pos = 0
    start: int | None = None
    repl: list[str] = []
    for op, text in diff_texts(base, other):
        if op == 0:
            if start is not None:
                out.append(_Region(start, pos, "".join(repl)))
                start, repl = None, []
            pos += len(tokenise(text))  # runs are token-aligned, so this is exact
            continue
        if start is None:
            start = pos
        if op == -1:
            pos += len(tokenise(text))
        else:
            repl.append(text)
    if start is not None:
        out.append(_Region(start, pos, "".join(repl)))
    return out


def three_way(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge an amendment (``ours``) onto the adopted text (``theirs``).

    All three texts are normalised.  Returns ``unchanged`` (text = theirs) when
    the amendment changes nothing, ``clean`` with both sets of edits applied
    when no edit region of one side overlaps or touches one of the other, and
    ``conflict`` (text ``None``) listing every such place otherwise.  Edits
    separated only by whitespace count as touching; identical edits made on
    both sides are applied once.
    """
    base, ours, theirs = normalise(base), normalise(ours), normalise(theirs)
    if ours == base:
        return MergeResult("unchanged", theirs, [])
    if theirs == base or theirs == ours:
        return MergeResult("clean", ours, [])

    tokens = tokenise(base)
    offsets = [0, *accumulate(map(len, tokens))]
    # words_before[i]: non-whitespace tokens among tokens[:i]; two edits with
    # only whitespace between them are at the same word position.
    words_before = [0, *accumulate(0 if t.isspace() else 1 for t in tokens)]
    tagged = sorted(
        [(r, 0) for r in _regions(base, ours)] + [(r, 1) for r in _regions(base, theirs)],
        key=lambda rs: (rs[0].start, rs[0].end, rs[1]),
    )

    # Sweep into clusters of regions that overlap or touch, transitively.
    clusters: list[list[tuple[_Region, int]]] = []
    reach = -1
    for region, side in tagged:
        if clusters and (
            region.start <= reach or words_before[region.start] == words_before[reach]
        ):
            clusters[-1].append((region, side))
            reach = max(reach, region.end)
        else:
            clusters.append([(region, side)])
            reach = region.end

    applied: list[_Region] = []
    conflicts: list[Conflict] = []
    shift = [0, 0]  # chars added so far by each side, to locate its offsets
    for cluster in clusters:
        mine = [r for r, s in cluster if s == 0]
        other = [r for r, s in cluster if s == 1]
        if mine and other and mine != other:
            conflicts.append(_conflict(base, tokens, offsets, mine, other, shift))
        else:
            applied.extend(mine or other)
        for side, regions in ((0, mine), (1, other)):
            shift[side] += sum(len(r.text) - (offsets[r.end] - offsets[r.start]) for r in regions)
    if conflicts:
        return MergeResult("conflict", None, conflicts)

    out: list[str] = []
    pos = 0
    for region in applied:
        out.append(base[offsets[pos] : offsets[region.start]])
        out.append(region.text)
        pos = region.end
    out.append(base[offsets[pos] :])
    return MergeResult("clean", "".join(out), [])


def _conflict(
    base: str,
    tokens: list[str],
    offsets: list[int],
    mine: list[_Region],
    other: list[_Region],
    shift: list[int],
) -> Conflict:
    start = min(r.start for r in mine + other)
    end = max(r.end for r in mine + other)

    def version(regions: list[_Region]) -> str:
        parts: list[str] = []
        pos = start
        for r in regions:
            parts += [*tokens[pos : r.start], r.text]
            pos = r.end
        return "".join(parts + tokens[pos:end])

    ours, theirs = version(mine), version(other)
    b0, b1 = offsets[start], offsets[end]
    return Conflict(
        base=base[b0:b1],
        ours=ours,
        theirs=theirs,
        base_start=b0,
        base_end=b1,
        ours_start=b0 + shift[0],
        ours_end=b0 + shift[0] + len(ours),
        theirs_start=b0 + shift[1],
        theirs_end=b0 + shift[1] + len(theirs),
    )


def rebase(base: str, ours: str, theirs: str) -> MergeResult:
    """Rebase an amendment written against ``base`` onto the current ``theirs``.

    Same rules as :func:`three_way`; on success ``text`` is the amendment's
    proposed text as it now reads on top of the current text.
    """
    return three_way(base, ours, theirs)
