"""Word-level diffs of standards' text, built on diff-match-patch.

Texts are normalised, cut into word / whitespace / punctuation tokens, each
distinct token is mapped to one character (diff-match-patch's ``linesToChars``
trick, but for words) and the character strings are diffed.  Every edit
therefore starts and ends on a token boundary, which is what the merge and
blame code rely on.

Speed without a timeout.  diff-match-patch's exact algorithm costs roughly
the square of the number of edits, so texts are first cut into sentences and
lines, and sentences found exactly once in both texts are matched in order
(patience diff).  Only the changed stretches between them are tokenised and
go through ``diff_main``, always with ``Diff_Timeout = 0``: a timeout makes the
answer depend on machine load and can turn a small change in a big text into
"delete everything, insert everything".  A stretch needing far more edits than
its length suggests is cut at its unique words instead (see ``_diff_gap``).
Everything is deterministic.

Two engines diff the changed stretches: the C++ core of diff-match-patch
(fast-diff-match-patch) when it is installed, else the pure-Python one.  They
give identical runs (tests/unit/test_text_diff_engines.py): the budget above is
applied to the C++ answer exactly as the Python bisect applies it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, groupby, islice
from math import isqrt
from operator import itemgetter
from typing import Any, Literal

from diff_match_patch import diff_match_patch

from deliberate.text.normalise import normalise

try:  # the C++ core of diff-match-patch; the pure-Python one below gives the same diffs
    from fast_diff_match_patch import diff as _cxx_diff
except ImportError:  # pragma: no cover - a runtime dependency, absent only on odd platforms
    _cxx_diff = None

__all__ = [
    "Op",
    "apply_ops",
    "count_words",
    "diff_texts",
    "document_diff",
    "is_unchanged",
    "stats",
    "tokenise",
    "word_diff",
]

OpKind = Literal["equal", "insert", "delete"]
_KIND = {0: "equal", 1: "insert", -1: "delete"}


@dataclass(frozen=True)
class Op:
    """One run of a diff: text kept (``equal``), added or removed."""

    kind: OpKind
    text: str


# --- tokenising -------------------------------------------------------------


def _class_body(codes: list[int]) -> str:
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


# For ASCII text, where the whitespace class can be spelt out (faster in re).
_ASCII_RE = re.compile(r"\w+(?:['\-]\w+)*|[ \t\r\f\v\x1c-\x1f]+|\n+|[^\w\s]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _unicode_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Token patterns for text within the BMP, and for any text.

    Python's ``\\w`` leaves out combining marks, which would cut Hindi, Thai or
    decomposed accents into pieces in the middle of a word, so marks are added.
    A character class holding astral ranges is slow in ``re``, and so is any
    mark class on plain ASCII, hence three patterns in all; each cuts exactly
    like the most general one on the texts it is used for.  Built on first use
    of non-ASCII text (~30 ms).
    """
    bmp = [c for c in range(0x10000) if unicodedata.category(chr(c))[0] == "M"]
    astral = [c for c in range(0x10000, 0x20000) if unicodedata.category(chr(c))[0] == "M"]
    astral.extend(range(0xE0100, 0xE01F0))  # variation selectors supplement
    patterns = []
    for marks in (_class_body(bmp), _class_body(bmp + astral) + "\\U0001f3fb-\\U0001f3ff"):
        word = rf"\w+(?:[{marks}]+\w*)*|[{marks}]+\w*(?:[{marks}]+\w*)*"
        # Apostrophes and hyphens inside a word keep "don't" and "co-op" whole;
        # marks, emoji modifiers and ZWJ sequences stay with their symbol.
        other = rf"[^\w\s](?:[{marks}]|\u200d[^\s])*"
        patterns.append(re.compile(rf"(?:{word})(?:['\u2019\-](?:{word}))*|\n+|[^\S\n]+|{other}"))
    return patterns[0], patterns[1]


def _token_re(*texts: str) -> re.Pattern[str]:
    """The cheapest token pattern that cuts all of ``texts`` correctly."""
    if all(t.isascii() for t in texts):
        return _ASCII_RE
    bmp, full = _unicode_res()
    return full if any(_ASTRAL.search(t) for t in texts) else bmp


def tokenise(text: str) -> list[str]:
    """Split ``text`` into word, whitespace and punctuation tokens.

    ``"".join(tokenise(t)) == t`` always holds, and tokenising a slice that
    starts and ends on token boundaries gives the same tokens.  Whitespace runs
    with line breaks are separate from spaces, so breaks are tokens of their own.
    """
    return _token_re(text).findall(text)


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_" or unicodedata.category(token[0])[0] == "M"


# Token classes for sliding edits to natural boundaries (see _TokenDMP).
_WORD, _PUNCT, _SPACE, _BREAK, _BLANK = range(5)


def _token_class(token: str) -> int:
    if token[0] == "\n":
        return _BLANK if len(token) > 1 else _BREAK
    if token[0].isspace():
        return _SPACE
    return _WORD if _is_word(token) else _PUNCT


# A chunk runs to a line break or to "[.!?;:] " before a non-space.  Both
# sides of such a cut are whole tokens (the space is a token of its own, and a
# line-break run is taken whole), so chunks are token-aligned.
_CHUNK_RE = re.compile(r"[^\n.!?;:]*(?:[.!?;:](?! \S)[^\n.!?;:]*)*(?:[.!?;:] (?=\S)|\n+|\Z)")


def _chunks(text: str) -> list[str]:
    """Cut text into sentences and lines; chunks only serve as anchors."""
    return [c for c in _CHUNK_RE.findall(text) if c]


# Private characters for tokens: anything but surrogates, which cannot live in
# a str.  The first 256 stay free so encoded strings remain readable in a debugger.
_CODES = (range(0x100, 0xD800), range(0xE000, 0x110000))
_CAPACITY = sum(map(len, _CODES))


class _CodeTable(dict):  # type: ignore[type-arg]
    """token -> private character, a new character for each token not seen before.

    Lookups of known tokens stay in C (``map(table.__getitem__, tokens)``);
    only a new token calls ``__missing__``.  ``tokens`` given at construction
    get their characters in bulk, also in C.
    """

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        self._free = map(chr, chain(*_CODES))
        # zip stops at the first exhausted iterator, taking it first: no character is lost.
        super().__init__(zip(dict.fromkeys(tokens), self._free))
        # code point -> token: the table str.translate decodes with, in C.
        self.tokens: dict[int, str] = dict(zip(map(ord, self.values()), self.keys()))

    def __missing__(self, token: str) -> str:
        if len(self) >= _CAPACITY:
            raise ValueError("text has too many distinct words to diff")
        char = self[token] = next(self._free)
        self.tokens[ord(char)] = token
        return char


# A lone ASCII punctuation mark beside a word is a token of its own in every token pattern
# (an apostrophe or a hyphen joins two words only with a word after it).
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~")
_EMPTY, _UNSPLIT = "\x00", "\x01"  # below U+0100: never token codes (see _CODES)


class _PieceCodes(dict):  # type: ignore[type-arg]
    """Space-free piece of a chunk -> the codes of its tokens.

    The empty piece (two spaces in a row, or a space at a chunk's end) gives
    ``_EMPTY``; a piece that starts or ends with whitespace other than the line
    breaks closing its chunk gives ``_UNSPLIT``: the space beside it would not be
    a token of its own there (see ``_Codebook._encode``).
    """

    def __init__(self, table: _CodeTable, find: Any) -> None:
        super().__init__({"": _EMPTY})
        self._get, self._find = table.__getitem__, find

    def __missing__(self, piece: str) -> str:
        if piece.isalnum():  # a whole word: \w+ in every token pattern
            code = self._get(piece)
        elif piece[-1] in _ASCII_PUNCT and piece[:-1].isalnum():  # "word," or "word."
            code = self._get(piece[:-1]) + self._get(piece[-1])
        elif piece[0] in _ASCII_PUNCT and piece[1:].isalnum():  # "(word"
            code = self._get(piece[0]) + self._get(piece[1:])
        elif piece[0].isspace() or piece.rstrip("\n")[-1:].isspace():
            code = _UNSPLIT
        else:
            code = "".join(map(self._get, self._find(piece)))
        self[piece] = code
        return code


class _Codebook:
    """One private character per distinct token, and each given chunk encoded.

    Tokenising is the costly part of a diff (one regex match per token), so a
    chunk is cut at its spaces first, in C.  A space between two non-space
    characters is always a token of its own, whatever the token pattern, so
    the chunk's codes are its pieces' codes joined by the space's code, and a
    piece seen before (most words are) costs one dictionary lookup.  A chunk
    with two spaces in a row, or a space beside other whitespace, is tokenised
    whole.  Either way the chunk gets exactly the codes of ``tokenise(chunk)``.
    """

    def __init__(self, old: str, new: str, chunks: Iterable[str]) -> None:
        find = _token_re(old, new).findall
        splits = {c: c.split(" ") for c in chunks}
        # The words among the pieces get their codes in bulk; other pieces one by one.
        words = [p for p in dict.fromkeys(chain.from_iterable(splits.values())) if p.isalnum()]
        table = _CodeTable([" ", *words])
        self.tokens: dict[int, str] = table.tokens  # code point -> token
        self._get, self._find, self._space = table.__getitem__, find, table[" "]
        pieces = _PieceCodes(table, find)
        pieces.update(zip(words, map(table.__getitem__, words)))
        self._pieces = pieces.__getitem__
        self.chunks: dict[str, str] = {c: self._encode(c, pieces) for c, pieces in splits.items()}

    def _encode(self, chunk: str, pieces: list[str]) -> str:
        code = self._space.join(map(self._pieces, pieces))
        if _UNSPLIT in code or _EMPTY in code[1:-1]:
            return "".join(map(self._get, self._find(chunk)))
        return code.strip(_EMPTY)  # a space at either end: the empty piece beyond it

    def encode(self, chunk: str) -> str:
        """Encode one more chunk (new tokens get new characters)."""
        code = self.chunks.get(chunk)
        if code is None:
            code = self.chunks[chunk] = self._encode(chunk, chunk.split(" "))
        return code

    def decode(self, encoded: str) -> str:
        return encoded.translate(self.tokens)


# --- diff-match-patch on tokens ---------------------------------------------


def _score(c1: int | None, c2: int | None) -> int:
    # diff-match-patch's boundary score, judged on token classes instead of
    # the (meaningless) private characters.
    if c1 is None or c2 is None:
        return 6
    if c1 == _BLANK or c2 == _BLANK:
        return 5
    if c1 == _BREAK or c2 == _BREAK:
        return 4
    space1, space2 = c1 >= _SPACE, c2 >= _SPACE
    if c1 == _PUNCT and space2:
        return 3
    if space1 or space2:
        return 2
    if c1 == _PUNCT or c2 == _PUNCT:
        return 1
    return 0


class _TooManyEdits(Exception):
    """The edit budget of a bounded diff ran out."""


class _TokenDMP(diff_match_patch):
    """diff-match-patch whose lossless cleanup understands token classes."""

    def __init__(self, tokens: Mapping[int, str]) -> None:
        super().__init__()
        self.Diff_Timeout = 0  # never trade correctness for time
        self.edit_budget = 0  # max edit steps per bisect; 0 = unlimited
        self.cxx = False  # diff gaps with the C++ core (see _cxx_exact)
        self._tokens = tokens
        self._classes: dict[str, int] = {}  # filled lazily: few chars are ever scored

    def diff_bisect(self, text1: str, text2: str, deadline: float) -> list[tuple[int, str]]:
        """Myers' middle snake, bounded by a number of edits instead of a clock.

        Same algorithm as diff-match-patch's, minus the clock: the result never
        depends on machine speed.  Raises ``_TooManyEdits`` when the budget
        runs out so the caller can cut the problem up instead.
        """
        n, m = len(text1), len(text2)
        max_d = (n + m + 1) // 2
        steps = min(max_d, self.edit_budget) if self.edit_budget else max_d
        offset, size = max_d, 2 * max_d
        fwd = [-1] * size
        fwd[offset + 1] = 0
        rev = fwd[:]
        delta = n - m
        front = delta % 2 != 0  # odd total: the forward path meets the reverse one
        k1lo = k1hi = k2lo = k2hi = 0  # keep the k loops inside the grid
        for d in range(steps):
            for k1 in range(-d + k1lo, d + 1 - k1hi, 2):
                i = offset + k1
                down = k1 == -d or (k1 != d and fwd[i - 1] < fwd[i + 1])
                x1 = fwd[i + 1] if down else fwd[i - 1] + 1
                y1 = x1 - k1
                while x1 < n and y1 < m and text1[x1] == text2[y1]:
                    x1 += 1
                    y1 += 1
                fwd[i] = x1
                if x1 > n:
                    k1hi += 2
                elif y1 > m:
                    k1lo += 2
                elif front:
                    j = offset + delta - k1
                    if 0 <= j < size and rev[j] != -1 and x1 >= n - rev[j]:
                        return self.diff_bisectSplit(text1, text2, x1, y1, deadline)
            for k2 in range(-d + k2lo, d + 1 - k2hi, 2):
                i = offset + k2
                down = k2 == -d or (k2 != d and rev[i - 1] < rev[i + 1])
                x2 = rev[i + 1] if down else rev[i - 1] + 1
                y2 = x2 - k2
                while x2 < n and y2 < m and text1[-x2 - 1] == text2[-y2 - 1]:
                    x2 += 1
                    y2 += 1
                rev[i] = x2
                if x2 > n:
                    k2hi += 2
                elif y2 > m:
                    k2lo += 2
                elif not front:
                    j = offset + delta - k2
                    if 0 <= j < size and fwd[j] != -1 and fwd[j] >= n - x2:
                        x1 = fwd[j]
                        return self.diff_bisectSplit(text1, text2, x1, offset + x1 - j, deadline)
        if steps < max_d:
            raise _TooManyEdits
        return [(-1, text1), (1, text2)]  # nothing in common: the exact answer

    def _cls(self, char: str) -> int:
        cls = self._classes.get(char)
        if cls is None:
            cls = self._classes[char] = _token_class(self._tokens[ord(char)])
        return cls

    def _pair_score(self, eq1: str, edit: str, eq2: str) -> int:
        cls = self._cls
        return _score(cls(eq1[-1]) if eq1 else None, cls(edit[0])) + _score(
            cls(edit[-1]), cls(eq2[0]) if eq2 else None
        )

    def diff_cleanupSemanticLossless(self, diffs: list[tuple[int, str]]) -> None:
        """Slide single edits between equalities to the best token boundary."""
        pointer = 1
        while pointer < len(diffs) - 1:
            if diffs[pointer - 1][0] == 0 and diffs[pointer + 1][0] == 0:
                eq1, edit, eq2 = diffs[pointer - 1][1], diffs[pointer][1], diffs[pointer + 1][1]
                common = self.diff_commonSuffix(eq1, edit)
                if common:
                    moved = edit[-common:]
                    eq1, edit, eq2 = eq1[:-common], moved + edit[:-common], moved + eq2
                best = (eq1, edit, eq2)
                best_score = self._pair_score(eq1, edit, eq2)
                while edit and eq2 and edit[0] == eq2[0]:
                    eq1, edit, eq2 = eq1 + edit[0], edit[1:] + eq2[0], eq2[1:]
                    score = self._pair_score(eq1, edit, eq2)
                    if score >= best_score:  # >= prefers trailing whitespace
                        best_score, best = score, (eq1, edit, eq2)
                if diffs[pointer - 1][1] != best[0]:
                    if best[0]:
                        diffs[pointer - 1] = (0, best[0])
                    else:
                        del diffs[pointer - 1]
                        pointer -= 1
                    diffs[pointer] = (diffs[pointer][0], best[1])
                    if best[2]:
                        diffs[pointer + 1] = (0, best[2])
                    else:
                        del diffs[pointer + 1]
                        pointer -= 1
            pointer += 1


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest run of ``pairs`` (sorted by first item) increasing in the second."""
    tails: list[int] = []  # smallest second item ending a run of each length
    tail_idx: list[int] = []
    back: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        back.append(tail_idx[pos - 1] if pos else -1)
        if pos == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[pos], tail_idx[pos] = j, k
    out: list[tuple[int, int]] = []
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    out.reverse()
    return out


def _anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Matching (i, j) positions of ``a`` and ``b`` found by patience diff.

    Common heads and tails match; in between, items unique on both sides are
    matched in order, and each stretch between them is searched again.
    """
    out: list[tuple[int, int]] = []
    stack: list[tuple[int, ...]] = [(0, len(a), 0, len(b))]
    while stack:  # explicit stack: deep recursion is possible on odd inputs
        task = stack.pop()
        if len(task) == 2:
            out.append((task[0], task[1]))
            continue
        alo, ahi, blo, bhi = task
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            out.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        end_a = ahi
        while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
        todo: list[tuple[int, ...]] = []
        # One item left on each side: they differ, so there is nothing to anchor.
        if alo < ahi and blo < bhi and (ahi - alo > 1 or bhi - blo > 1):
            count_a, count_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
            where_b = {x: j for j, x in enumerate(b[blo:bhi], blo) if count_b[x] == 1}
            pairs = [
                (i, where_b[x])
                for i, x in enumerate(a[alo:ahi], alo)
                if count_a[x] == 1 and x in where_b
            ]
            prev_a, prev_b = alo, blo
            for i, j in _lis(pairs):
                if prev_a < i and prev_b < j:  # else nothing lies between to match
                    todo.append((prev_a, i, prev_b, j))
                todo.append((i, j))
                prev_a, prev_b = i + 1, j + 1
            if todo:
                todo.append((prev_a, ahi, prev_b, bhi))
        todo += [(i, i - ahi + bhi) for i in range(ahi, end_a)]
        stack.extend(reversed(todo))
    return out


_SMALL_GAP = 64  # tokens on both sides together: always diffed exactly
_CXX_OPS = {"=": 0, "-": -1, "+": 1}


def _cxx_works() -> bool:
    """Whether the C++ core is importable and sees every code point as one character.

    It reads strings as ``wchar_t``; where that is 16 bits wide, characters
    past the BMP would arrive as surrogate pairs and the diffs would differ.
    """
    if _cxx_diff is None:
        return False
    try:
        got = _cxx_diff("\U0001f600\u0100", "\u0100\U0010fffd", timelimit=0, checklines=False,
                        cleanup="No", counts_only=False)
    except Exception:  # noqa: BLE001 - any failure means: use the Python engine
        return False
    return [tuple(d) for d in got] == [("-", "\U0001f600"), ("=", "\u0100"), ("+", "\U0010fffd")]


CXX_AVAILABLE = _cxx_works()


def _cxx_exact(a: str, b: str, mid_a: str, mid_b: str, budget: int) -> list[tuple[int, str]] | None:
    """``diff_main(a, b)`` from the C++ core, or None where the Python engine runs out of budget.

    Without a timeout both cores find the same minimal diff.  What the C++ one
    cannot do is stop after ``budget`` edit steps, so the minimal number of
    edits D it found tells whether ``_TokenDMP.diff_bisect`` would have: its
    first loop meets the middle snake at step ceil(D / 2), and every nested
    bisect needs fewer steps.  ``mid_a`` and ``mid_b`` are ``a`` and ``b``
    without their common head and tail, as diff_main cuts them.
    """
    bounded = False
    if budget and budget < (len(mid_a) + len(mid_b) + 1) // 2:
        short, long = (mid_a, mid_b) if len(mid_a) < len(mid_b) else (mid_b, mid_a)
        # Otherwise diff_compute answers without bisecting.
        bounded = len(short) > 1 and short not in long
    if bounded and len(mid_a) + len(mid_b) > 16 * budget:
        # A lower bound on D first: the C++ core has no budget, and a heavily
        # rewritten long stretch costs it far more than the answer "over budget".
        common = (Counter(mid_a) & Counter(mid_b)).total()
        if (len(mid_a) + len(mid_b) - 2 * common + 1) // 2 >= budget:
            return None
    got = _cxx_diff(a, b, timelimit=0, checklines=False, cleanup="No", counts_only=False)
    ops = _CXX_OPS
    out = [(ops[op], text) for op, text in got]
    if bounded and (sum(len(text) for op, text in out if op) + 1) // 2 >= budget:
        return None
    return out


def _diff_gap(dmp: _TokenDMP, a: str, b: str, anchored: bool = False) -> list[tuple[int, str]]:
    """Diff one stretch between anchors, exactly unless it is heavily rewritten.

    Exact Myers costs about the square of the number of edits, so a stretch of
    n tokens gets a budget of about sqrt(n) edit steps: scattered changes stay
    well inside it.  Past the budget the stretch is cut at the tokens it has
    exactly once on each side, and the pieces are diffed the same way.  Only a
    piece over budget with no such token left is shown as replaced whole.
    Deterministic: no clock is involved.
    """
    if not a or not b:
        return [(-1, a)] if a else [(1, b)] if b else []
    # Most gaps are one sentence with a word or two changed: trim and settle
    # the trivial middles here, skipping diff_main's per-call overhead.
    head = dmp.diff_commonPrefix(a, b)
    tail = dmp.diff_commonSuffix(a[head:], b[head:])
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if (
        not mid_a
        or not mid_b
        or (len(mid_a) == 1 and mid_a not in mid_b)
        or (len(mid_b) == 1 and mid_b not in mid_a)
    ):
        quick = [(0, a[:head])] if head else []
        quick += [d for d in ((-1, mid_a), (1, mid_b)) if d[1]]
        if tail:
            quick.append((0, a[len(a) - tail :]))
        return quick
    n = len(a) + len(b)
    budget = 0 if n <= _SMALL_GAP else max(16, isqrt(2 * n))
    if dmp.cxx:
        exact = _cxx_exact(a, b, mid_a, mid_b, budget)
        if exact is not None:
            return exact
    else:
        dmp.edit_budget = budget
        try:
            return dmp.diff_main(a, b, False)
        except _TooManyEdits:
            pass
    pairs = [] if anchored else _anchors(a, b)
    if not pairs:
        return [(-1, a), (1, b)]
    out: list[tuple[int, str]] = []
    prev_a = prev_b = 0
    for i, j in [*pairs, (len(a), len(b))]:
        # _anchors already searched each piece for unique tokens: no second pass.
        out += _diff_gap(dmp, a[prev_a:i], b[prev_b:j], anchored=True)
        if i < len(a):
            out.append((0, a[i]))
        prev_a, prev_b = i + 1, j + 1
    return out


_PLAIN = diff_match_patch()


def _shared_ends(gone: str, added: str) -> tuple[int, int, int]:
    """Where the common head and tail of a gap's two sides end, on a token boundary of both.

    Returns ``(head, tail, tail_added)``: ``gone[:head] == added[:head]`` and
    ``gone[tail:] == added[tail_added:]``.  A cut falls just after a space that a
    non-space character follows, which is a token boundary whatever the token
    pattern, so the three parts of each side tokenise as the whole side does
    and the shared parts need tokenising once.  Either end may be empty.
    """
    common = _PLAIN.diff_commonPrefix(gone, added)
    head = gone.rfind(" ", 0, common) + 1  # just after the last space of the common head
    if head and any(head < len(side) and side[head].isspace() for side in (gone, added)):
        head = 0
    common_tail = _PLAIN.diff_commonSuffix(gone[common:], added[common:])
    tail = len(gone)
    if common_tail > 1:
        space = gone.find(" ", tail - common_tail)  # a space inside the common tail
        if space != -1 and space + 1 < tail and not gone[space + 1].isspace():
            tail = space + 1
    return head, tail, tail + len(added) - len(gone)


def _joined_if_tidy(region: list[tuple[int, str]]) -> list[tuple[int, str]] | None:
    """The region's runs after diff_cleanupMerge and diff_cleanupSemantic, when those would
    only join neighbouring kept runs; None when the full cleanups must run.

    Most regions are kept text with replaced stretches in between.  When each
    replaced stretch is independent (its two sides share no first or last
    token, and neither side's first token occurs in the other, so no end of one
    overlaps the start of the other) and no kept run between two of them is
    short enough for the semantic cleanup to fold it into an edit, both
    cleanups leave the runs as they are.  Neither looks inside the first and
    last kept runs then, so the context there need not be tokenised.  The tests
    compare this with the full cleanups.
    """
    runs = [(op, "".join([text for _, text in run])) for op, run in
            groupby([d for d in region if d[1]], itemgetter(0))]
    count = len(runs)
    if count < 4 or count % 3 != 1 or runs[0][0] != 0:
        return None
    for k in range(1, count, 3):
        (op_gone, gone), (op_added, added), (op_kept, kept) = runs[k : k + 3]
        if op_gone != -1 or op_added != 1 or op_kept != 0:
            return None
        if added[0] in gone or gone[0] in added or gone[-1] == added[-1]:
            return None
        # diff_cleanupSemantic folds a kept run no longer than the larger side of the edit
        # before it and of the edit after it.
        if k + 3 < count and len(kept) <= max(len(gone), len(added)) and len(kept) <= max(
            len(runs[k + 3][1]), len(runs[k + 4][1]) if k + 4 < count else 0
        ):
            return None
    return runs


def _decode_region(book: _Codebook, runs: list[tuple[int, str]], first: str, head: str,
                   last: str, tail: str) -> list[tuple[int, str]]:
    """Decode a region's runs; kept text that starts with ``head`` (the code of the anchored
    chunk ``first``) or ends with ``tail`` (the code of ``last``) takes that chunk's own text."""
    if len(runs) < 2:
        return [(op, book.decode(text)) for op, text in runs if text]
    out = [(op, book.decode(text)) for op, text in runs[1:-1] if text]
    (op, text), (op_end, end) = runs[0], runs[-1]
    if op == 0 and text.startswith(head):
        out.insert(0, (0, first + book.decode(text[len(head) :])))
    elif text:
        out.insert(0, (op, book.decode(text)))
    if op_end == 0 and end.endswith(tail):
        out.append((0, book.decode(end[: len(end) - len(tail)]) + last))
    elif end:
        out.append((op_end, book.decode(end)))
    return out


def diff_texts(old: str, new: str, engine: Literal["auto", "cxx", "python"] = "auto"
               ) -> list[tuple[int, str]]:
    """Diff two normalised texts into (op, text) runs: -1 delete, 0 keep, 1 insert.

    Every run starts and ends on a token boundary.  Sentences matched as
    anchors are kept as they are; each changed stretch is token-diffed with one
    anchored sentence of context on either side, so only the changed parts of
    a long text are ever tokenised.  Runs of two or more unchanged sentences
    are never folded into a neighbouring edit by the semantic cleanup.

    ``engine`` picks the core that diffs the changed stretches: the C++ one
    (fast-diff-match-patch) or the pure-Python one; both give the same runs,
    and "auto" takes the C++ one when it is installed.
    """
    if engine == "cxx" and not CXX_AVAILABLE:
        raise RuntimeError("fast-diff-match-patch is not installed")
    a, b = _chunks(old), _chunks(new)
    # Changed stretches between anchored chunks: a[i0:i1] became b[j0:j1].
    gaps: list[tuple[int, int, int, int]] = []
    prev_a = prev_b = 0
    for i, j in [*_anchors(a, b), (len(a), len(b))]:
        if prev_a < i or prev_b < j:
            gaps.append((prev_a, i, prev_b, j))
        prev_a, prev_b = i + 1, j + 1
    # A region is a gap with the anchored chunk on either side as context; gaps at most two
    # anchored chunks apart share one region.
    regions: list[list[tuple[int, int, int, int]]] = []
    for gap in gaps:
        if regions and gap[0] - regions[-1][-1][1] <= 2:
            regions[-1].append(gap)
        else:
            regions.append([gap])
    # The context at a region's two ends is only tokenised when the region needs the full
    # cleanups (see _joined_if_tidy); until then one placeholder character stands for it.
    # Each gap's two sides share a head and a tail, tokenised once (see _shared_ends).
    offsets = [0, *accumulate(map(len, a))]
    offsets_b = [0, *accumulate(map(len, b))]
    pieces: list[tuple[str, str, str, str, str]] = []  # per gap: head, old, new, tail, kept after
    for group in regions:
        for k, (i0, i1, j0, j1) in enumerate(group):
            gone, added = old[offsets[i0] : offsets[i1]], new[offsets_b[j0] : offsets_b[j1]]
            head, tail, tail_b = _shared_ends(gone, added)
            after = old[offsets[i1] : offsets[group[k + 1][0]]] if k + 1 < len(group) else ""
            pieces.append((gone[:head], gone[head:tail], added[head:tail_b], gone[tail:], after))
    book = _Codebook(old, new, chain.from_iterable(pieces))
    encode = book.encode
    dmp = _TokenDMP(book.tokens)
    dmp.cxx = engine == "cxx" or (engine == "auto" and CXX_AVAILABLE)
    out: list[tuple[int, str]] = []
    kept_from = 0  # where the old text not yet in out starts
    gap_pieces = iter(pieces)
    for group in regions:
        start, end = group[0][0], group[-1][1]
        first = a[start - 1] if start else ""
        last = a[end] if end < len(a) else ""
        begin = offsets[start - 1 if start else 0]
        if kept_from < begin:
            out.append((0, old[kept_from:begin]))
        kept_from = offsets[end + 1 if last else end]
        # Characters below U+0100 are never token codes (see _CODES).
        region = [(0, book.chunks.get(first) or "\x01")] if first else []
        for shared_head, gone, added, shared_tail, after in islice(gap_pieces, len(group)):
            head = encode(shared_head) if shared_head else ""
            tail = encode(shared_tail) if shared_tail else ""
            region += _diff_gap(dmp, head + encode(gone) + tail, head + encode(added) + tail)
            if after:
                region.append((0, encode(after)))
        if last:
            region.append((0, book.chunks.get(last) or "\x02"))
        head = region[0][1] if first else "\0"
        tail = region[-1][1] if last else "\0"
        runs = _joined_if_tidy(region)
        if runs is None:
            if first:
                region[0] = (0, book.encode(first))
            if last:
                region[-1] = (0, book.encode(last))
            head, tail = book.chunks.get(first, "\0"), book.chunks.get(last, "\0")
            runs = [d for d in region if d[1]]
            dmp.diff_cleanupMerge(runs)
            dmp.diff_cleanupSemantic(runs)  # merges small equalities into readable edits
        out += _decode_region(book, runs, first, head, last, tail)
    if kept_from < len(old):
        out.append((0, old[kept_from:]))
    # Join neighbouring runs of the same kind (regions end and start with kept text).
    return [(op, "".join([text for _, text in run])) for op, run in groupby(out, itemgetter(0))]


# --- public API -------------------------------------------------------------


def word_diff(old: str, new: str) -> list[Op]:
    """Return the word-level diff turning ``old`` into ``new``.

    Both texts are normalised first, so line-ending or trailing-space changes
    never show as edits.  Deletions come before insertions at the same place.
    """
    old, new = normalise(old), normalise(new)
    if old == new:
        return [Op("equal", old)] if old else []
    return [Op(_KIND[op], text) for op, text in diff_texts(old, new)]


def apply_ops(old: str, ops: Sequence[Op]) -> str:
    """Apply ``ops`` to (normalised) ``old`` and return the new text.

    Raises ``ValueError`` if the ops were not computed against this text.
    """
    old = normalise(old)
    out: list[str] = []
    pos = 0
    for op in ops:
        if op.kind == "insert":
            out.append(op.text)
            continue
        end = pos + len(op.text)
        if old[pos:end] != op.text:
            raise ValueError(f"ops do not match the text at offset {pos}")
        if op.kind == "equal":
            out.append(op.text)
        pos = end
    if pos != len(old):
        raise ValueError("ops do not cover the whole text")
    return "".join(out)


def is_unchanged(ops: Sequence[Op]) -> bool:
    """True when ``ops`` contain no insertion or deletion."""
    return all(op.kind == "equal" for op in ops)


def _count_words(text: str) -> int:
    return sum(1 for t in tokenise(text) if _is_word(t))


def count_words(text: str) -> int:
    """How many words ``text`` holds, as diffs count them (punctuation and spaces are not words)."""
    return _count_words(text)


def stats(ops: Sequence[Op]) -> dict[str, int]:
    """Count words added and removed: ``{"words_added": n, "words_removed": m}``."""
    added = sum(_count_words(op.text) for op in ops if op.kind == "insert")
    removed = sum(_count_words(op.text) for op in ops if op.kind == "delete")
    return {"words_added": added, "words_removed": removed}


def _field(section: Any, name: str) -> Any:
    return section[name] if isinstance(section, Mapping) else getattr(section, name)


def document_diff(
    old_sections: Sequence[Mapping[str, Any]], new_sections: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Compare two versions of a whole standard, section by section.

    Sections are matched by their stable ``key``.  Each entry holds ``key``,
    ``status`` (``added``, ``removed``, ``changed``, ``unchanged`` or
    ``moved``), ``title_ops``, ``body_ops``, ``old_index``, ``new_index`` and
    ``moved`` (true when the section changed place, even if it also changed).
    Entries follow the new order; removed sections appear after the section
    that preceded them in the old order.
    """
    old_keys = [_field(s, "key") for s in old_sections]
    new_keys = [_field(s, "key") for s in new_sections]
    for keys in (old_keys, new_keys):
        if len(set(keys)) != len(keys):
            raise ValueError("section keys must be unique")
    old_at = {k: i for i, k in enumerate(old_keys)}
    new_at = {k: j for j, k in enumerate(new_keys)}
    # Sections outside the longest run kept in order are the ones that moved.
    common = [(old_at[k], new_at[k]) for k in old_keys if k in new_at]
    stayed = {i for i, _ in _lis(common)}

    def entry(key: Any, status: str, i: int | None, j: int | None) -> dict[str, Any]:
        old = old_sections[i] if i is not None else {"title": "", "body": ""}
        new = new_sections[j] if j is not None else {"title": "", "body": ""}
        title_ops = word_diff(_field(old, "title"), _field(new, "title"))
        body_ops = word_diff(_field(old, "body"), _field(new, "body"))
        moved = i is not None and j is not None and i not in stayed
        if status == "kept":
            if not (is_unchanged(title_ops) and is_unchanged(body_ops)):
                status = "changed"
            else:
                status = "moved" if moved else "unchanged"
        return {
            "key": key,
            "status": status,
            "title_ops": title_ops,
            "body_ops": body_ops,
            "old_index": i,
            "new_index": j,
            "moved": moved,
        }

    removed_after: dict[int | None, list[int]] = {}
    last_kept: int | None = None
    for i, key in enumerate(old_keys):
        if key in new_at:
            last_kept = i
        else:
            removed_after.setdefault(last_kept, []).append(i)
    out = [entry(old_keys[i], "removed", i, None) for i in removed_after.get(None, [])]
    for j, key in enumerate(new_keys):
        i = old_at.get(key)
        out.append(entry(key, "added" if i is None else "kept", i, j))
        if i is not None:
            out += [entry(old_keys[r], "removed", r, None) for r in removed_after.get(i, [])]
    return out
