"""A document's recent versions and the change between each and the next, so that a diff between
two of them is composed from the changes instead of computed from the texts (pure: no Flask, no
database).

With a hundred people typing into one section, the server's sync (``sync.server_receive``) diffs
each tab's shadow (the version of the text it last sent that tab) against the live text twice:
once to place the tab's edit (``_merge``), once for the edit it sends back. Both texts are long
and differ in as many places as words were typed meanwhile; a character diff of them costs about
(length × differences), and grows with the delay it causes. The server made every one of those
changes itself, in order, each one small and cheap to diff (``advance``). The diff from version
*v* to version *w* is the composition of the changes since *v*: its cost follows the number of
changes, not the length of the text (``ChangeLog``: one pass over the pieces the kept versions
are made of).

Nothing here is trusted blindly: every diff it gives is checked to turn the first text into the
second exactly (``diff`` returns None otherwise, and when it does not know the texts), and the
caller then diffs the texts as before. So the log can only make a sync cheaper, never different
in what it means: a diff is any correct alignment of the two texts, and the protocol's guarantees
(differential synchronisation: shadows, checksums, nothing lost) do not depend on which one.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

Diff = list[tuple[int, str]]

DELETE, EQUAL, INSERT = -1, 0, 1  # diff-match-patch's operation codes


def text1(diff: Iterable[tuple[int, str]]) -> str:
    """The source text of ``diff``."""
    return "".join(text for op, text in diff if op != INSERT)


def text2(diff: Iterable[tuple[int, str]]) -> str:
    """The result text of ``diff``."""
    return "".join(text for op, text in diff if op != DELETE)


def invert(diff: Iterable[tuple[int, str]]) -> Diff:
    """The diff undoing ``diff``: from its result back to its source."""
    return [(-op, text) for op, text in diff]


def _joined(diff: list[tuple[int, str]]) -> Diff:
    """``diff`` with empty pieces dropped and neighbours of one kind joined (same texts)."""
    out: Diff = []
    for op, text in diff:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def compose(first: Iterable[tuple[int, str]], second: Iterable[tuple[int, str]]) -> Diff:
    """One diff doing ``first`` (a → b) then ``second`` (b → c): a → c.

    Raises ValueError if ``second`` does not start from the text ``first`` ends with. A piece
    ``first`` inserted and ``second`` deletes cancels out; a piece deleted and inserted again at
    the same place is left as it is (``text1`` and ``text2`` are what count).
    """
    out: Diff = []
    xs = iter([d for d in first if d[1]])
    ys = iter([d for d in second if d[1]])
    x, y = next(xs, None), next(ys, None)
    while x is not None or y is not None:
        if x is not None and x[0] == DELETE:
            out.append(x)
            x = next(xs, None)
            continue
        if y is not None and y[0] == INSERT:
            out.append(y)
            y = next(ys, None)
            continue
        if x is None or y is None:
            raise ValueError("the second diff does not start from the first one's result")
        (x_op, x_text), (y_op, y_text) = x, y
        size = min(len(x_text), len(y_text))
        piece = x_text[:size]
        if piece != y_text[:size]:
            raise ValueError("the second diff does not start from the first one's result")
        if x_op == EQUAL:
            out.append((y_op, piece))  # kept, or deleted by the second
        elif y_op == EQUAL:
            out.append((INSERT, piece))  # inserted by the first, kept by the second
        # inserted by the first and deleted by the second: nothing
        x = (x_op, x_text[size:]) if len(x_text) > size else next(xs, None)
        y = (y_op, y_text[size:]) if len(y_text) > size else next(ys, None)
    return _joined(out)


class ChangeLog:
    """The recent versions of one document's text, woven together.

    The *weave* holds every piece of text that was in any version still kept, in document order,
    each with the version that inserted it and the one that deleted it (None: still there). The
    diff from version *v* to version *w* reads off it in one pass: a piece there at both is equal,
    there at *v* only deleted, at *w* only inserted. Recording a change walks it once.

    ``advance(before, after)`` records a change (it restarts the log if ``before`` is not its
    latest text: a change made elsewhere, say by another server process). ``derive(base, text)``
    notes a text that is not a version but one small edit away from one (a tab's shadow with the
    tab's own edit applied). ``diff(a, b)`` gives a diff of two such texts, checked, or None.
    ``diff_function`` diffs two texts (used for the small changes only).

    It keeps at least the latest ``max_versions // 2`` versions: with a hundred people typing
    (about 70 changes a second) that is over 5 s, longer than a tab waits for a reply, so even a
    tab whose last messages were dropped (services.CLIENT_PATIENCE) finds its shadow here, and
    more than twice the longest pause between a tab's pulls (2 s, coedit.js). Reading a diff off
    the weave costs a pass over its pieces (two or three per version kept), and so does recording
    a change: keeping 2,000 versions made those passes the larger part of a sync's cost. A shadow
    older than the log is diffed from the texts (the C++ core, a few milliseconds).
    """

    def __init__(self, diff_function: Callable[[str, str], Diff], max_versions: int = 800,
                 max_derived: int = 256):
        self._diff = diff_function
        self.max_versions, self.max_derived = max_versions, max_derived
        # [text, inserted by version, deleted by version or None]; pieces there before the oldest
        # version kept count as inserted by it.
        self._weave: list[list] = []
        # Versions are known by their texts' hashes (the texts are not kept: the weave holds
        # them); a collision costs nothing but a diff of the texts, as every diff is checked.
        self._versions: deque[tuple[int, int]] = deque()
        self._version_of: dict[int, int] = {}
        self._latest_text: str | None = None
        self._latest = -1
        self._derived: OrderedDict[str, tuple[str, Diff]] = OrderedDict()

    @property
    def latest(self) -> str | None:
        return self._latest_text

    def _restart(self, text: str) -> None:
        self._latest += 1
        self._weave = [[text, self._latest, None]] if text else []
        self._versions = deque([(self._latest, hash(text))])
        self._version_of = {hash(text): self._latest}
        self._latest_text = text

    def advance(self, before: str, after: str) -> None:
        """Record that the document's text went from ``before`` to ``after``."""
        if before == after:
            return
        latest = self.latest
        if latest is None or (latest is not before and latest != before):
            self._restart(before)
        self._latest += 1
        version = self._latest
        try:
            self._weave = self._woven(self._diff(before, after), version)
        except IndexError:  # the weave did not hold ``before``: start again from ``after``
            self._restart(after)
            return
        self._versions.append((version, hash(after)))
        self._version_of[hash(after)] = version
        self._latest_text = after
        if len(self._versions) > self.max_versions:
            self._forget(len(self._versions) - self.max_versions // 2)

    def _woven(self, change: Diff, version: int) -> list[list]:
        """The weave with ``change`` (a diff of the latest text) made by ``version``."""
        weave, out = self._weave, []
        i = 0
        for op, text in change:
            if op == INSERT:
                out.append([text, version, None])
                continue
            size = len(text)
            while size:
                piece = weave[i]
                i += 1
                if piece[2] is not None:  # gone before: not in ``before``
                    out.append(piece)
                    continue
                if len(piece[0]) > size:  # split it
                    weave.insert(i, [piece[0][size:], piece[1], None])
                    piece = [piece[0][:size], piece[1], None]
                piece = piece if op == EQUAL else [piece[0], piece[1], version]
                out.append(piece)
                size -= len(piece[0])
        out.extend(weave[i:])
        return out

    def _forget(self, count: int) -> None:
        """Drop the ``count`` oldest versions, and the pieces only they held."""
        for _ in range(count):
            old_version, old = self._versions.popleft()
            if self._version_of.get(old) == old_version:
                del self._version_of[old]
        first = self._versions[0][0]
        weave: list[list] = []
        for text, born, died in self._weave:
            if died is not None and died <= first:
                continue
            born = max(born, first)
            if weave and weave[-1][1] == born and weave[-1][2] == died:
                weave[-1][0] += text
            else:
                weave.append([text, born, died])
        self._weave = weave

    def derive(self, base: str, text: str) -> None:
        """Note that ``text`` is ``base`` with a small edit (a tab's edit applied to its shadow)."""
        if base == text or hash(text) in self._version_of:
            return
        self._derived[text] = (base, self._diff(base, text))
        self._derived.move_to_end(text)
        while len(self._derived) > self.max_derived:
            self._derived.popitem(last=False)

    def _span(self, start: int, end: int) -> Diff:
        """The diff from version ``start`` to version ``end`` (``start <= end``), off the weave.

        The pieces of one kind that follow each other are gathered and joined once: joining them
        one by one copied the long equal stretches again at every piece."""
        out: Diff = []
        run: list[str] = []
        run_op = None
        for text, born, died in self._weave:
            if died is None:  # still there: most pieces
                if born > end:
                    continue
                op = EQUAL if born <= start else INSERT
            else:
                before = born <= start < died
                after = born <= end < died
                if before:
                    op = EQUAL if after else DELETE
                elif after:
                    op = INSERT
                else:
                    continue
            if op != run_op:
                if run:
                    out.append((run_op, "".join(run)))
                run, run_op = [text], op
            else:
                run.append(text)
        if run:
            out.append((run_op, "".join(run)))
        return out

    def diff(self, a: str, b: str) -> Diff | None:
        """A diff turning ``a`` into ``b`` read off the recorded changes, checked; None when the
        log cannot tell (the caller diffs the texts)."""
        if a == b:
            return [(EQUAL, a)] if a else []
        end = self._version_of.get(hash(b))
        if end is None:
            return None
        lead: Diff | None = None  # from a to `text`, while walking back to a version
        text = a
        for _ in range(8):
            if hash(text) in self._version_of:
                break
            derived = self._derived.get(text)
            if derived is None:
                return None
            text, change = derived[0], invert(derived[1])
            lead = change if lead is None else compose(lead, change)
        else:
            return None
        start = self._version_of[hash(text)]
        if start > end:
            return None
        try:
            body = self._span(start, end)
            result = body if lead is None else compose(lead, body)
        except ValueError:  # a stale note: texts that do not meet
            return None
        if text1(result) != a or text2(result) != b:
            return None
        return result
