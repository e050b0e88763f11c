"""Differential synchronisation of one co-edited draft (pure: no Flask, no database).

Neil Fraser, "Differential Synchronization" (2009), section 4, guaranteed delivery.
Each side keeps a *shadow* of what it believes the other side has, numbered by ``n``
(edits made by the client) and ``m`` (edits made by the server). An edit turns the
shadow at ``(n, m)`` into the shadow at ``(n + 1, m)`` (client edit) or ``(n, m + 1)``
(server edit). Unacknowledged edits stay on the sender's *edit stack* and are resent
with every message, so messages may be lost, repeated or reordered. Edits apply
exactly to shadows (checked by checksum) and are merged into the live texts, with
the shadow as common ancestor (see ``_merge`` for why not a fuzzy patch).

Wire format (JSON-safe dicts)
-----------------------------
An edit is one of::

    {"n": int, "m": int, "patch": str, "checksum": str}   # patch edit
    {"n": int, "m": int, "full_text": str}                 # recovery edit (server only)

``patch`` is ``diff_match_patch.patch_toText`` output whose coordinates count UTF-16
code units, as diff-match-patch for JavaScript does (the same as Python's output
unless the text holds characters beyond the BMP, such as emoji). ``checksum`` is the
SHA-1 hex digest of the UTF-8 shadow text that the patch applies to.

Client to server::

    {"ack_m": int,          # the client's m: it has applied server edits below m
     "edits": [edit, ...],  # its whole unacknowledged stack, oldest first
     "resync": true}        # optional: a server edit failed its checksum here

Server to client::

    {"ack_n": int,          # the server's n: it has applied client edits below n
     "edits": [edit, ...]}  # its unacknowledged stack for this client (at most one)

The server takes each client edit ``(n, m)`` against its shadow ``(N, M)`` so:
``n < N``: a duplicate, dropped. ``n == N, m == M``: applied. ``m`` equal to the
backup's: our last reply was lost, so the shadow is restored from the backup and the
edit applied; the pending server edit is discarded, and the client never applied it
(a client applies only server edits tagged with its own ``n``). ``m`` below the
backup's: made before a recovery the client has yet to see, dropped (the client folds
it back in). A wrong checksum, a patch that does not apply exactly, or a gap in
``n``: a recovery edit with the whole document; so too, instead of a patch, for a shadow the
change log no longer knows whose patch would be longer than the text (``_server_edit``). The server sends a new edit only once
the previous one is acknowledged, so one backup shadow always suffices. The client
needs none: no edit it applied is ever undone.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from diff_match_patch import diff_match_patch, patch_obj

from .changelog import ChangeLog

try:  # the C++ core of diff-match-patch, when installed; the pure-Python engine otherwise
    import fast_diff_match_patch as _fast
except ImportError:  # pragma: no cover - depends on the environment
    _fast = None

__all__ = [
    "ChangeLog",
    "ClientSession",
    "Edit",
    "Message",
    "RejoinRequired",
    "ServerSession",
    "SyncError",
    "change_log",
    "checksum",
    "server_receive",
]

Edit = dict[str, Any]
Message = dict[str, Any]

STATE_FORMAT = 1


_TOKEN = re.compile(r"\s+|[^\s]+")


class _WordFirst(diff_match_patch):
    """diff-match-patch whose quick first pass (its "line mode", for texts over 100 characters)
    aligns words instead of lines, then re-diffs each replaced block character by character.

    A tab that has been away for a few seconds while many people typed has a shadow that differs
    from the live text in many scattered places. A character-level diff of such texts costs about
    (length × number of differences) steps: 0.5 s in Python for 5 KB with a hundred scattered
    words, the Diff_Timeout, at every sync. Words turn a 5 KB text into about 800 symbols, and
    the diff into milliseconds. The diff may be less than minimal inside a replaced block of
    words; any correct diff keeps the merge correct (``_merge`` only needs an alignment).
    """

    def diff_linesToChars(self, text1: str, text2: str) -> tuple[str, str, list[str]]:  # noqa: N802 - dmp's name
        tokens: list[str] = [""]
        codes: dict[str, int] = {}

        def encode(text: str) -> str:
            out = []
            for token in _TOKEN.findall(text):
                code = codes.get(token)
                if code is None:
                    code = codes[token] = len(tokens)
                    tokens.append(token)
                out.append(chr(code))
            return "".join(out)

        return encode(text1), encode(text2), tokens

    def diff_lineMode(self, text1: str, text2: str, deadline: float) -> list[tuple[int, str]]:  # noqa: N802
        # dmp's own, without its semantic clean-up of the word diff: at word level that clean-up
        # swallows the single spaces between changed words into one block as big as the text,
        # which the character-level pass then re-diffs at full cost.
        text1, text2, tokens = self.diff_linesToChars(text1, text2)
        diffs = self.diff_main(text1, text2, False, deadline)
        self.diff_charsToLines(diffs, tokens)
        result: list[tuple[int, str]] = []
        deleted = inserted = ""
        for op, text in [*diffs, (_EQUAL, "")]:
            if op == _DELETE:
                deleted += text
            elif op == _INSERT:
                inserted += text
            else:
                if deleted and inserted:
                    result += self.diff_main(deleted, inserted, False, deadline)
                elif deleted:
                    result.append((_DELETE, deleted))
                elif inserted:
                    result.append((_INSERT, inserted))
                deleted = inserted = ""
                if text:
                    result.append((_EQUAL, text))
        self.diff_cleanupMerge(result)
        return result


def _make_dmp() -> diff_match_patch:
    dmp = _WordFirst()
    # A diff cut short by the timeout is still correct, only coarser: a larger patch,
    # a merge that places runs at the start of a bigger block. It bounds the CPU a
    # pathological paste can take while the caller holds the document's lock.
    dmp.Diff_Timeout = 0.5
    # Used only to fold edits into a recovery text, where no common base is known.
    dmp.Match_Threshold = 0.5
    dmp.Match_Distance = 1000
    # Patch_DeleteThreshold (0.5) and Patch_Margin (4) keep their defaults.
    return dmp


_DMP = _make_dmp()
_EQUAL, _DELETE, _INSERT = (
    diff_match_patch.DIFF_EQUAL,
    diff_match_patch.DIFF_DELETE,
    diff_match_patch.DIFF_INSERT,
)
_FAST_OPS = {"=": _EQUAL, "-": _DELETE, "+": _INSERT}
ENGINE = "c++" if _fast is not None else "python"


def _diff(text1: str, text2: str, timeout: float | None = None) -> list[tuple[int, str]]:
    """A character diff of two texts, as dmp's ``diff_main`` gives it (uncleaned).

    With many people typing, a tab's shadow and the live text differ in many scattered places,
    and a diff costs about (length × differences) steps: half a second in pure Python for 5 KB
    and a hundred scattered words. The C++ core does the same work about a hundred times faster;
    the pure-Python engine (words first, see ``_WordFirst``) is the fallback. Either gives a
    correct diff, which is all ``_merge`` and ``_patch_text`` need. ``timeout`` (seconds) overrides
    ``Diff_Timeout``: a diff cut short is still correct, only coarser.
    """
    timeout = _DMP.Diff_Timeout if timeout is None else timeout
    if ENGINE == "c++":
        return [(_FAST_OPS[op], text) for op, text in _fast.diff(text1, text2, timelimit=timeout,
                                                                 checklines=False, cleanup="No", counts_only=False)]
    return _DMP.diff_main(text1, text2, True, time.time() + timeout)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_astral(text: str) -> bool:
    """Whether ``text`` holds a character beyond the BMP (two UTF-16 units). ``isascii`` costs
    nothing (CPython knows it of every string), and most texts are ASCII: the search over the
    whole text, a few a message on texts of many kilobytes, is left for the others."""
    return not text.isascii() and _ASTRAL.search(text) is not None


def _has_lone_surrogate(text: str) -> bool:
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


class SyncError(ValueError):
    """A message or stored session that does not follow the format above."""


class RejoinRequired(SyncError):
    """The client claims versions the server never issued; it must start a new session."""


def checksum(text: str) -> str:
    """Return the SHA-1 hex digest of ``text`` encoded as UTF-8."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


# -- patches on the wire (UTF-16 coordinates) -------------------------------------


def _utf16_len(text: str) -> int:
    return len(text) + len(_ASTRAL.findall(text))


def _utf16_to_index(text: str, units: int) -> int | None:
    """Code-point index of UTF-16 offset ``units`` in ``text``; None if there is none."""
    index = units
    for before, match in enumerate(_ASTRAL.finditer(text)):
        start = match.start() + before  # where this character starts, in units
        if units <= start:
            break
        if units == start + 1:
            return None  # between the two halves of a surrogate pair
        index -= 1
    return index if 0 <= index <= len(text) else None


def change_log() -> ChangeLog:
    """A log of one document's changes for ``server_receive`` (see ``changelog``)."""
    return ChangeLog(_diff)


def _logged_diff(log: ChangeLog | None, base: str, target: str) -> list[tuple[int, str]] | None:
    """A diff of ``base`` and ``target`` composed from ``log``, or None if it does not know them.

    A composed diff may delete a piece and insert it again at the same place (a tab's own word,
    undone on its way back to the version its shadow was, then merged by the server): dmp's
    merge clean-up folds such pairs back into equalities, as a diff of the texts would have them.
    """
    diffs = log.diff(base, target) if log is not None else None
    if diffs is not None:
        _DMP.diff_cleanupMerge(diffs)
    return diffs


def _hunks(diffs: list[tuple[int, str]], margin: int) -> list[patch_obj]:
    """Patches of ``diffs`` with ``margin`` characters of context on each side (fewer at the
    text's ends), changes less than two margins apart in one hunk; ``start2`` counts in the
    text with the earlier hunks applied, as dmp's ``patch_make`` has it.

    dmp's ``patch_make`` widens each hunk's context until it is unique in the text
    (``patch_addContext``: a ``find`` and ``rfind`` over the whole text per hunk), so that a
    fuzzy ``patch_apply`` could place it in a text that moved. The server's patches are only
    ever applied by position to the exact shadow they were made from (``applyExact`` in
    diffsync.js, ``_apply_exact`` here, both after checking the shadow's checksum; a mismatch
    asks for a full text), so their context needs no uniqueness: this costs the size of the
    change, not of the text.
    """
    patches: list[patch_obj] = []
    patch: patch_obj | None = None
    at1 = at2 = 0  # in the base; in the text with the earlier hunks applied
    before = ""  # the equality just before, if any
    last = len(diffs) - 1
    for index, (op, text) in enumerate(diffs):
        size = len(text)
        if op == _EQUAL:
            if patch is not None:
                if size <= 2 * margin and index != last:
                    patch.diffs.append((op, text))
                    patch.length1 += size
                    patch.length2 += size
                else:
                    after = text[:margin]
                    if after:
                        patch.diffs.append((op, after))
                        patch.length1 += len(after)
                        patch.length2 += len(after)
                    patches.append(patch)
                    patch = None
            at1, at2, before = at1 + size, at2 + size, text
            continue
        if patch is None:
            context = before[len(before) - margin:] if margin else ""
            patch = patch_obj()
            patch.start1, patch.start2 = at1 - len(context), at2 - len(context)
            patch.length1 = patch.length2 = len(context)
            if context:
                patch.diffs.append((_EQUAL, context))
        patch.diffs.append((op, text))
        if op == _DELETE:
            patch.length1 += size
            at1 += size
        else:
            patch.length2 += size
            at2 += size
        before = ""
    if patch is not None:
        patches.append(patch)
    return patches


def _patch_text(base: str, target: str, diffs: list[tuple[int, str]] | None = None, *,
                exact: bool = False) -> str:
    """Wire patch text turning ``base`` into ``target`` (``diffs``: a diff of them, if known).

    ``exact``: margins of context only (``_hunks``), for the server's edits; a client's edits
    are made with dmp's ``patch_make``, as the page (diffsync.js) makes them. Both are applied
    only by position, to the exact shadow they were made from.
    """
    if diffs is None:
        diffs = _diff(base, target)
    _DMP.diff_cleanupEfficiency(diffs)
    patches = _hunks(diffs, _DMP.Patch_Margin) if exact else _DMP.patch_make(base, diffs)
    if _has_astral(base) or _has_astral(target):
        current = base
        for patch in patches:
            # Contexts roll: start2 counts in the text with the earlier patches applied.
            source, result = _DMP.diff_text1(patch.diffs), _DMP.diff_text2(patch.diffs)
            start = patch.start2
            current = current[:start] + result + current[start + len(source) :]
            patch.start1 = patch.start2 = _utf16_len(current[:start])
            patch.length1, patch.length2 = _utf16_len(source), _utf16_len(result)
    return _patches_text(patches)


class _Escapes(dict):
    """``str.translate`` table giving what dmp's patch text writes for each character:
    ``urllib.parse.quote`` of its UTF-8 bytes, with dmp's safe characters left as they are."""

    SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~" "!~*'();/?:@&=+$,# ")

    def __init__(self) -> None:
        super().__init__({code: chr(code) if chr(code) in self.SAFE else f"%{code:02X}" for code in range(128)})

    def __missing__(self, code: int) -> str:
        escaped = "".join(f"%{byte:02X}" for byte in chr(code).encode("utf-8"))
        if len(self) < 4096:  # the characters of a few scripts; others are escaped each time
            self[code] = escaped
        return escaped


_ESCAPES = _Escapes()
_OP_MARK = {_INSERT: "+", _DELETE: "-", _EQUAL: " "}


def _coords(start: int, length: int) -> str:
    if length == 0:
        return f"{start},0"
    if length == 1:
        return str(start + 1)
    return f"{start + 1},{length}"


def _patches_text(patches: list[patch_obj]) -> str:
    """dmp's ``patch_toText``, the same text (tests/unit/test_sync_wire.py), at a fraction of the
    cost: one ``str.translate`` per piece instead of ``urllib.parse.quote`` of its bytes. A server
    edit for a tab that missed a few seconds of a hundred people's typing has dozens of hunks."""
    out: list[str] = []
    for patch in patches:
        out.append(f"@@ -{_coords(patch.start1, patch.length1)} +{_coords(patch.start2, patch.length2)} @@\n")
        for op, data in patch.diffs:
            out.append(_OP_MARK[op] + data.translate(_ESCAPES) + "\n")
    return "".join(out)


def _parse_patches(patch_text: str) -> list[patch_obj] | None:
    try:
        return _DMP.patch_fromText(patch_text)
    except (ValueError, IndexError):
        return None


def _apply_exact(base: str, patch_text: str) -> str | None:
    """Apply a wire patch to the exact text it was made from; None if a hunk is not in place."""
    patches = _parse_patches(patch_text)
    if patches is None:
        return None
    current = base
    astral = _has_astral(current)  # else UTF-16 offsets are indexes
    for patch in patches:
        source, result = _DMP.diff_text1(patch.diffs), _DMP.diff_text2(patch.diffs)
        start = _utf16_to_index(current, patch.start2) if astral else patch.start2
        astral = astral or _has_astral(result)
        if start is None or start > len(current) or current[start : start + len(source)] != source:
            return None
        current = current[:start] + result + current[start + len(source) :]
    return current


# -- merging into live text -------------------------------------------------------


def _runs(diffs: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """Each run of changes in ``diffs`` as (position in text1, deleted, inserted)."""
    runs: list[tuple[int, str, str]] = []
    position, deleted, inserted = 0, "", ""
    for op, text in [*diffs, (_EQUAL, "")]:
        if op == _EQUAL:
            if deleted or inserted:
                runs.append((position, deleted, inserted))
                position += len(deleted)
                deleted = inserted = ""
            position += len(text)
        elif op == _DELETE:
            deleted += text
        else:
            inserted += text
    return runs


def _untouched(align: list[tuple[int, str]], start: int, end: int) -> list[tuple[int, int]]:
    """Spans of text2 holding the characters of text1[start:end] that text2 kept."""
    spans, in1, in2 = [], 0, 0
    for op, text in align:
        if op == _EQUAL:
            low, high = max(in1, start), min(in1 + len(text), end)
            if low < high:
                spans.append((in2 + low - in1, in2 + high - in1))
        in1 += 0 if op == _INSERT else len(text)
        in2 += 0 if op == _DELETE else len(text)
    return spans


def _merge(base: str, target: str, live: str, log: ChangeLog | None = None) -> str:
    """Carry the change from ``base`` to ``target`` over to ``live``, which also left ``base``.

    Fraser patches the live text with a fuzzy match (dmp's ``patch_apply``). The
    shadow is the common ancestor, so each run of the change is placed through a diff
    of ``base`` against ``live`` instead, a three-way merge: no run is dropped and
    none lands inside a word someone else has just typed. In this module's chaos test
    (three people typing into one sentence over a lossy network) ``patch_apply`` did
    one or the other in about one run in ten; this merge in none of thousands. Diffs
    are minimal, with edits slid to word boundaries (semantic lossless cleanup). With a ``log``
    that knows both ``base`` and ``live`` (the server's), their alignment is composed from the
    changes that led from one to the other, not diffed from the texts.
    """
    if live == base:
        return target
    if target in (base, live):
        return live  # nothing to carry over, or someone made the very same change
    align = _logged_diff(log, base, live)
    change, align = _diff(base, target), _diff(base, live) if align is None else align
    _DMP.diff_cleanupSemanticLossless(change)
    _DMP.diff_cleanupSemanticLossless(align)
    edits: list[tuple[int, int, str]] = []
    for start, deleted, inserted in _runs(change):
        at = _DMP.diff_xIndex(align, start)  # after anything typed at that spot in live
        if live[at : at + len(deleted)] == deleted:
            edits.append((at, at + len(deleted), inserted))
            continue
        # Someone changed what this run deletes: delete only what they left as it
        # was, keep what they typed, and put ours where the run began.
        edits.extend((a, b, "") for a, b in _untouched(align, start, start + len(deleted)))
        edits.append((at, at, inserted))
    # Right to left keeps positions valid; at one position the later run goes first,
    # which leaves the runs in their original order.
    ordered = sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True)
    for _, (a, b, text) in ordered:
        live = live[:a] + text + live[b:]
    return live


def _new_edit(base: str, target: str, n: int, m: int) -> Edit | None:
    """A client's edit turning its shadow ``base`` into ``target``."""
    if base == target:
        return None
    return {"n": n, "m": m, "patch": _patch_text(base, target), "checksum": checksum(base)}


QUICK_DIFF_TIMEOUT = 0.05
# Below this length a text is diffed in well under a millisecond and a patch is never dear.
FULL_TEXT_FROM = 2000


def _server_edit(base: str, target: str, n: int, m: int, log: ChangeLog | None) -> Edit | None:
    """The server's edit turning a tab's shadow ``base`` into the live ``target``.

    Its diff is read off the change log when it knows both texts. When it does not (the tab
    fell behind the versions it keeps, or the log restarted), the texts are diffed, but with a
    ``log`` (the server's), only for ``QUICK_DIFF_TIMEOUT`` instead of ``Diff_Timeout`` (a
    diff cut short is correct but coarse); and an edit whose patch would be longer than the
    text itself is sent as the full text (``{"full_text": ...}``, which the client takes as a
    recovery: it puts its unacknowledged typing back on top), for texts of ``FULL_TEXT_FROM``
    characters or more. A tab far behind costs a full-text message rather than half a second of
    the server's CPU.
    """
    if base == target:
        return None
    diffs = _logged_diff(log, base, target)
    if diffs is None and log is not None:
        diffs = _diff(base, target, QUICK_DIFF_TIMEOUT)
    patch = _patch_text(base, target, diffs, exact=True)
    if log is not None and len(patch) > len(target) >= FULL_TEXT_FROM:
        return {"n": n, "m": m, "full_text": target}
    return {"n": n, "m": m, "patch": patch, "checksum": checksum(base)}


# -- validation --------------------------------------------------------------------


def _version(value: Any, what: str) -> int:
    if type(value) is not int or value < 0:
        raise SyncError(f"{what} must be a non-negative integer")
    return value


def _text(value: Any, what: str) -> str:
    # JSON can carry a lone surrogate ("\\ud800"); no UTF-8 text, checksum or row can.
    if not isinstance(value, str) or _has_lone_surrogate(value):
        raise SyncError(f"{what} must be a Unicode string")
    return value


def _edits(value: Any, *, full_text_allowed: bool) -> list[Edit]:
    if not isinstance(value, list):
        raise SyncError("edits must be a list")
    edits = []
    for raw in value:
        if not isinstance(raw, dict):
            raise SyncError("an edit must be an object")
        edit: Edit = {"n": _version(raw.get("n"), "n"), "m": _version(raw.get("m"), "m")}
        if full_text_allowed and "full_text" in raw:
            edit["full_text"] = _text(raw["full_text"], "full_text")
        else:
            edit["patch"] = _text(raw.get("patch"), "patch")
            edit["checksum"] = _text(raw.get("checksum"), "checksum")
        edits.append(edit)
    return edits


# -- server side -------------------------------------------------------------------


@dataclass
class ServerSession:
    """The server's state for one client on one document; store it with ``to_dict``.

    With an empty ``edit_stack`` the backup equals the shadow. With a patch edit
    pending, ``backup_m == shadow_m - 1`` and that edit turns ``backup_text`` into
    ``shadow_text``. After a recovery the backup equals the shadow: a full text is
    never rolled back.
    """

    shadow_text: str
    shadow_n: int = 0
    shadow_m: int = 0
    backup_text: str = ""
    backup_m: int = 0
    edit_stack: list[Edit] = field(default_factory=list)

    @classmethod
    def start(cls, doc_text: str) -> ServerSession:
        """A session for a client just given ``doc_text`` (see ``ClientSession.start``)."""
        return cls(shadow_text=doc_text, backup_text=doc_text)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot from which ``from_dict`` continues, in any process."""
        return {
            "format": STATE_FORMAT,
            "shadow_text": self.shadow_text,
            "shadow_n": self.shadow_n,
            "shadow_m": self.shadow_m,
            # Usually identical to the shadow: store it once.
            "backup_text": None if self.backup_text == self.shadow_text else self.backup_text,
            "backup_m": self.backup_m,
            "edit_stack": [dict(edit) for edit in self.edit_stack],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerSession:
        """Rebuild a session saved by ``to_dict``; raises ``SyncError`` if it is not one."""
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise SyncError("not a stored sync session")
        shadow = _text(data.get("shadow_text"), "shadow_text")
        backup = data.get("backup_text")
        return cls(
            shadow_text=shadow,
            shadow_n=_version(data.get("shadow_n"), "shadow_n"),
            shadow_m=_version(data.get("shadow_m"), "shadow_m"),
            backup_text=shadow if backup is None else _text(backup, "backup_text"),
            backup_m=_version(data.get("backup_m"), "backup_m"),
            edit_stack=_edits(data.get("edit_stack"), full_text_allowed=True),
        )

    def _sync_backup(self) -> None:
        self.backup_text, self.backup_m = self.shadow_text, self.shadow_m

    def _recover(self, doc_text: str) -> None:
        self.edit_stack = [{"n": self.shadow_n, "m": self.shadow_m, "full_text": doc_text}]
        self.shadow_text = doc_text
        self.shadow_m += 1
        self._sync_backup()


def server_receive(
    doc_text: str, session: ServerSession, message: Message, log: ChangeLog | None = None
) -> tuple[str, ServerSession, Message]:
    """Apply a client's message; return the new document, the new session and the reply.

    ``session`` is left unchanged. Hold the document's lock from reading ``doc_text``
    until the new text and session are stored, and store both before sending the
    reply. Raises ``SyncError`` for a malformed message, ``RejoinRequired`` when the
    client is ahead of this session (say, a session restored from an old backup).

    ``log`` (one per document, ``change_log()``, used by one caller at a time) records
    each change made here, so that the diffs of a shadow against the live text are
    composed from the changes since that shadow's version rather than computed from the
    two whole texts: the same result (any correct diff does), at a cost that follows
    the number of changes instead of the length of the text.
    """
    if not isinstance(message, dict):
        raise SyncError("a message must be an object")
    ack_m = _version(message.get("ack_m"), "ack_m")
    edits = _edits(message.get("edits", []), full_text_allowed=False)
    if ack_m > session.shadow_m or any(e["m"] > session.shadow_m for e in edits):
        raise RejoinRequired("the client has server versions this session never sent")

    s = replace(session, edit_stack=list(session.edit_stack))
    doc = doc_text
    if ack_m == s.shadow_m and s.edit_stack:
        s.edit_stack = []  # the client has everything we sent
        s._sync_backup()
    recovered = False
    for edit in edits:
        n, m = edit["n"], edit["m"]
        if n < s.shadow_n or m < s.backup_m:
            continue  # applied already, or to be folded in by the client's recovery
        if m < s.shadow_m:  # our last reply was lost
            s.shadow_text, s.shadow_m, s.edit_stack = s.backup_text, s.backup_m, []
        applied = None
        if n == s.shadow_n and edit["checksum"] == checksum(s.shadow_text):
            applied = _apply_exact(s.shadow_text, edit["patch"])
        if applied is None:
            s._recover(doc)
            recovered = True
            break
        if log is not None:
            log.derive(s.shadow_text, applied)
        merged = _merge(s.shadow_text, applied, doc, log)
        if log is not None:
            log.advance(doc, merged)
        doc = merged
        s.shadow_text = applied
        s.shadow_n += 1
        s.edit_stack = []  # an edit tagged with our m proves the client has it all
        s._sync_backup()

    pending_full_text = any("full_text" in e for e in s.edit_stack)
    # A stale copy of a resync request (acknowledging less than our backup) is ignored.
    if message.get("resync") is True and not (recovered or pending_full_text):
        if ack_m >= s.backup_m:
            s._recover(doc)
    if not s.edit_stack:
        outgoing = _server_edit(s.shadow_text, doc, s.shadow_n, s.shadow_m, log)
        if outgoing is not None and "full_text" in outgoing:
            s._recover(doc)  # a full text is never rolled back (see ServerSession)
        elif outgoing is not None:
            s._sync_backup()
            s.edit_stack = [outgoing]
            s.shadow_text = doc
            s.shadow_m += 1
    reply = {"ack_n": s.shadow_n, "edits": [dict(e) for e in s.edit_stack]}
    return doc, s, reply


# -- client side -------------------------------------------------------------------


@dataclass
class ClientSession:
    """The client's side: its live ``text``, its shadow of the server and its edit stack.

    Kept in memory (and mirrored in the browser's JavaScript); a reload starts a new
    session on both sides.
    """

    text: str
    shadow_text: str
    shadow_n: int = 0
    shadow_m: int = 0
    edit_stack: list[Edit] = field(default_factory=list)
    resync: bool = False
    # The shadow each stacked edit was made from, by its n (kept here, never sent).
    edit_bases: dict[int, str] = field(default_factory=dict)

    @classmethod
    def start(cls, text: str) -> ClientSession:
        """A session on ``text``, the document as given to ``ServerSession.start``."""
        return cls(text=text, shadow_text=text)

    def make_message(self, current_text: str) -> Message:
        """Take ``current_text`` as the client's text and return the message to send.

        A change since the shadow becomes a new edit on the stack; the whole stack is
        sent, so a lost message costs nothing but the wait for the next one.
        """
        self.text = current_text
        edit = _new_edit(self.shadow_text, current_text, self.shadow_n, self.shadow_m)
        if edit is not None:
            self.edit_stack.append(edit)
            self.edit_bases[self.shadow_n] = self.shadow_text
            self.shadow_text = current_text
            self.shadow_n += 1
        message: Message = {"ack_m": self.shadow_m, "edits": [dict(e) for e in self.edit_stack]}
        if self.resync:
            message["resync"] = True
        return message

    def receive(self, reply: Message) -> str:
        """Apply a server reply (any copy, in any order) and return the client's new text."""
        if not isinstance(reply, dict):
            raise SyncError("a reply must be an object")
        ack_n = _version(reply.get("ack_n"), "ack_n")
        for edit in _edits(reply.get("edits", []), full_text_allowed=True):
            if "full_text" in edit:
                if edit["m"] >= self.shadow_m:
                    self._reset(edit)
                continue
            if edit["m"] != self.shadow_m or edit["n"] != self.shadow_n:
                # Seen already, or made before the server had our latest edits: the
                # server discards it itself when they arrive.
                continue
            applied = None
            if edit["checksum"] == checksum(self.shadow_text):
                applied = _apply_exact(self.shadow_text, edit["patch"])
            if applied is None:
                self.resync = True
                break
            self.text = _merge(self.shadow_text, applied, self.text)
            self.shadow_text = applied
            self.shadow_m += 1
        self.edit_stack = [e for e in self.edit_stack if e["n"] >= ack_n]
        self.edit_bases = {n: base for n, base in self.edit_bases.items() if n >= ack_n}
        return self.text

    def _reset(self, recovery: Edit) -> None:
        # Keep the typing the server has not applied: the stacked edits it never got (from
        # edit ``recovery["n"]`` on) and what was typed since the last message. The shadow that
        # edit was made from is one the server had too, so the full text descends from it:
        # a three-way merge with it as the common ancestor carries them all over. (The client
        # applies a server edit only once the server has all its edits, so none since that
        # shadow: nothing the full text already holds is carried twice.) A fuzzy patch_apply of
        # the stacked patches lost them when others had changed the text around them.
        base = self.edit_bases.get(recovery["n"], self.shadow_text)
        self.text = _merge(base, self.text, recovery["full_text"])
        self.shadow_text = recovery["full_text"]
        self.shadow_n, self.shadow_m = recovery["n"], recovery["m"] + 1
        self.edit_stack = []
        self.edit_bases = {}
        self.resync = False
