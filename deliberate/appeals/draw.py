"""Drawing a council at random from a published seed, so that anyone can check the draw. Pure.

The method (docs/appeals.md, "How the council is drawn"), small enough to redo by hand with any
SHA-256 tool:

1. The **seed** is ``SHA-256("deliberate-council-v1\\n" + witness_head + "\\n" + record_head)`` in
   lowercase hex, where ``witness_head`` is the head of the network's witness log when the council
   is convened (64 zeros while the log is empty) and ``record_head`` the hash of the objection
   record's last entry before the draw. Neither existed when the objection was filed, and the
   platform does not choose either alone: the witness head is fixed by votes closed and versions
   ratified (each already published), the record head by the objection's own public steps.
2. The **eligible** co-ops (member co-ops not party to the objection) are sorted by slug.
3. A stream of numbers: the *k*-th number (k = 0, 1, 2 …) is the first 8 bytes, big-endian, of
   ``SHA-256(seed + ":" + str(k))`` (ASCII). To pick below *m*, numbers at or above
   ``2**64 - 2**64 % m`` are skipped (no modulo bias), the next is reduced modulo *m*.
4. Fisher–Yates from the end: for i = n-1 down to 1, pick j below i+1 and swap positions i and j.
   The shuffled list is the **draw order**: the first ``size`` co-ops sit on the council; when a
   member is dismissed, the next in the order not yet seated replaces it.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

SEED_PREFIX = "deliberate-council-v1"
GENESIS = "0" * 64
_SPACE = 1 << 64


class DrawError(ValueError):
    """A seed or a list of co-ops a draw cannot be made from."""


def _hex64(value: str, name: str) -> str:
    if not (isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)):
        raise DrawError(f"{name} must be 64 lowercase hex characters")
    return value


def derive_seed(witness_head: str, record_head: str) -> str:
    """The seed of a draw: SHA-256 over the prefix, the witness log's head and the record's head."""
    text = f"{SEED_PREFIX}\n{_hex64(witness_head, 'witness_head')}\n{_hex64(record_head, 'record_head')}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class Stream:
    """The draw's numbers: SHA-256(seed ":" k) for k = 0, 1, …, first 8 bytes big-endian."""

    def __init__(self, seed: str):
        self.seed = _hex64(seed, "seed")
        self.counter = 0

    def next64(self) -> int:
        digest = hashlib.sha256(f"{self.seed}:{self.counter}".encode("ascii")).digest()
        self.counter += 1
        return int.from_bytes(digest[:8], "big")

    def below(self, m: int) -> int:
        """A number in [0, m), by rejection: the same for everyone who follows the method."""
        if m < 1:
            raise DrawError("cannot pick below a number smaller than 1")
        limit = _SPACE - _SPACE % m
        while True:
            value = self.next64()
            if value < limit:
                return value % m


def draw_order(seed: str, eligible: Iterable[str]) -> list[str]:
    """Every eligible co-op (by slug) in the order the seed draws them (the council is the
    beginning of it). The input order does not matter: the slugs are sorted first."""
    items = sorted(eligible)
    if len(set(items)) != len(items):
        raise DrawError("a co-op appears twice among the eligible")
    stream = Stream(seed)
    for i in range(len(items) - 1, 0, -1):
        j = stream.below(i + 1)
        items[i], items[j] = items[j], items[i]
    return items


def seated(order: Sequence[str], size: int, dismissed: Iterable[str] = ()) -> list[str]:
    """Who sits on the council: the first ``size`` of the draw order, each dismissed member
    replaced by the next one in the order that was not dismissed (fewer if the order runs out)."""
    gone = set(dismissed)
    return [slug for slug in order if slug not in gone][:max(size, 0)]


def check_draw(seed: str, eligible: Iterable[str], order: Sequence[str], witness_head: str | None = None,
               record_head: str | None = None) -> list[str]:
    """Problems with a published draw (empty when it holds): the seed derives from the heads
    (when they are given) and the order is the one the seed gives over the eligible co-ops."""
    problems = []
    try:
        if witness_head is not None and record_head is not None and derive_seed(witness_head, record_head) != seed:
            problems.append("the seed is not SHA-256 of the witness head and the record head")
        expected = draw_order(seed, eligible)
    except DrawError as error:
        return [*problems, str(error)]
    if list(order) != expected:
        problems.append("the draw order is not the one the seed gives over the eligible co-ops")
    return problems
