"""The server's outgoing edits (deliberate.realtime.sync): patches built from the diff with a fixed
margin of context (applied by position to the exact shadow), and a full text for a tab the change
log no longer knows, instead of a whole-text diff."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.realtime import sync
from deliberate.realtime.changelog import ChangeLog
from deliberate.realtime.sync import ClientSession, ServerSession, change_log, server_receive

WORDS = "members decide together share surplus the co-op vote one each platform of and".split()


def wire(message: dict) -> dict:
    return json.loads(json.dumps(message))


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


# Emoji (two UTF-16 units), accents, newlines and percent signs (escaped in patch text).
CHARS = st.sampled_from("ab \n%+\u00e9\U0001f30d\U0001f91d") | st.characters(codec="utf-8")
TEXTS = st.text(CHARS, max_size=80)


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, str]:
    """A text and the same text after a few insertions, deletions and replacements."""
    base = draw(TEXTS)
    target = base
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(target)))
        end = draw(st.integers(at, min(len(target), at + 10)))
        target = target[:at] + draw(st.text(CHARS, max_size=8)) + target[end:]
    return base, target


@settings(max_examples=400, deadline=None, database=None)
@given(pair=edited() | st.tuples(TEXTS, TEXTS), margin=st.integers(0, 6))
def test_margin_patch_applied_to_the_shadow_gives_exactly_the_server_text(pair: tuple[str, str], margin: int) -> None:
    base, target = pair
    # On the wire (UTF-16 coordinates, escaped text), as the server sends it:
    assert sync._apply_exact(base, sync._patch_text(base, target, exact=True)) == target
    # By position in code points, with any margin:
    diffs = sync._diff(base, target)
    sync._DMP.diff_cleanupEfficiency(diffs)
    patches = sync._hunks(diffs, margin)
    current = base
    for patch in patches:
        source, result = sync._DMP.diff_text1(patch.diffs), sync._DMP.diff_text2(patch.diffs)
        assert current[patch.start2 : patch.start2 + len(source)] == source
        assert (patch.length1, patch.length2) == (len(source), len(result))
        current = current[: patch.start2] + result + current[patch.start2 + len(source) :]
    assert current == target
    for patch in patches:  # no more context than the margin on either side
        ops = [op for op, _ in patch.diffs]
        assert ops and any(op != sync._EQUAL for op in ops)
        assert ops[0] != sync._EQUAL or len(patch.diffs[0][1]) <= margin
        assert ops[-1] != sync._EQUAL or len(patch.diffs[-1][1]) <= margin


@settings(max_examples=300, deadline=None, database=None)
@given(pair=edited())
def test_the_servers_edit_on_the_wire_turns_the_shadow_into_the_live_text(pair: tuple[str, str]) -> None:
    base, target = pair
    log = change_log()
    log.advance(base, target)
    edit = sync._server_edit(base, target, 0, 0, log)
    if base == target:
        assert edit is None
        return
    edit = wire(edit)
    assert edit["checksum"] == sync.checksum(base)
    assert sync._apply_exact(base, edit["patch"]) == target


def test_server_patch_carries_only_a_few_characters_of_context() -> None:
    rng = random.Random(1)
    base = prose(rng, 2000)
    target = base[:5000] + "REALLY " + base[5000:]
    log = change_log()
    log.advance(base, target)
    edit = sync._server_edit(base, target, 0, 0, log)
    assert edit is not None and sync._apply_exact(base, edit["patch"]) == target
    assert len(edit["patch"]) < 50  # four characters each side: dmp would widen them until unique


def test_a_tab_the_change_log_forgot_gets_the_full_text_and_loses_nothing_it_typed() -> None:
    rng = random.Random(7)
    doc = prose(rng, 600)  # about 4 KB
    log = ChangeLog(sync._diff, max_versions=10)
    tab, tab_row = ClientSession.start(doc), ServerSession.start(doc)
    other, other_row = ClientSession.start(doc), ServerSession.start(doc)

    def sync_other(text: str) -> None:
        nonlocal doc, other_row
        doc, other_row, reply = server_receive(doc, other_row, wire(other.make_message(text)), log)
        other.receive(wire(reply))

    # Someone rewrites every word, then makes a dozen more changes: the tab's shadow is older
    # than anything the log keeps, and differs from the live text everywhere.
    sync_other(doc.upper())
    for i in range(12):
        sync_other(other.text + f" more{i}")

    tab.text = "alpha " + tab.text
    first = wire(tab.make_message(tab.text))
    doc, tab_row, first_reply = server_receive(doc, tab_row, first, log)
    assert "alpha" in doc
    (edit,) = first_reply["edits"]
    assert edit["full_text"] == doc  # not a patch made from a 50 ms diff of 4 KB

    # Before that reply arrives, the tab types again and sends; the server drops that edit
    # (made before the recovery), and the tab folds it back in when the full text arrives.
    tab.text = tab.text + " beta"
    doc, tab_row, second_reply = server_receive(doc, tab_row, wire(tab.make_message(tab.text)), log)
    assert "beta" not in doc
    tab.receive(first_reply)
    tab.receive(second_reply)
    assert "alpha" in tab.text and tab.text.endswith(" beta")
    for _ in range(2):
        doc, tab_row, reply = server_receive(doc, tab_row, wire(tab.make_message(tab.text)), log)
        tab.receive(wire(reply))
    assert "alpha" in doc and doc.endswith(" beta") and tab.text == doc
    assert "more11" in doc


def test_a_tab_the_log_does_not_know_but_one_word_behind_gets_a_patch() -> None:
    rng = random.Random(3)
    doc = prose(rng, 600)
    tab, tab_row = ClientSession.start(doc), ServerSession.start(doc)
    live = doc.replace(" ", " new ", 1)
    log = change_log()  # restarted: it knows neither the tab's shadow nor how live came about
    _, _, reply = server_receive(live, tab_row, wire(tab.make_message(tab.text)), log)
    (edit,) = reply["edits"]
    assert "patch" in edit
    assert tab.receive(wire(reply)) == live


# -- chaos with recoveries: full texts while the network loses, repeats and reorders --------

from hypothesis.stateful import rule  # noqa: E402

from tests.unit.test_sync import Chaos  # noqa: E402


class RecoveringChaos(Chaos):
    """The chaos test, with the server's shadows now and then damaged: every recovery (a full
    text, while edits are in flight both ways) keeps every word typed, exactly once."""

    @rule(who=st.integers(0, 2))
    def damage_server_shadow(self, who: int) -> None:
        name = self.pick(who)
        row = json.loads(self.hub.rows[name])
        row["backup_text"] = row["backup_text"] if row["backup_text"] is not None else row["shadow_text"]
        row["shadow_text"] += "#"
        self.hub.rows[name] = json.dumps(row)

    @rule(who=st.integers(0, 2), which=st.integers(0, 20), keep_a_copy=st.booleans())
    def deliver_to_server(self, who: int, which: int, keep_a_copy: bool) -> None:
        name = self.pick(who)
        queue = self.up[name]
        if queue:
            raw = queue[which % len(queue)] if keep_a_copy else queue.pop(which % len(queue))
            reply = self.hub.handle(name, json.loads(raw))
            self.reached_server |= set(self.hub.doc.split()) & self.typed
            self.down[name].append(json.dumps(reply))

    @rule(who=st.integers(0, 2), which=st.integers(0, 20), keep_a_copy=st.booleans())
    def deliver_to_client(self, who: int, which: int, keep_a_copy: bool) -> None:
        name = self.pick(who)
        queue = self.down[name]
        if queue:
            raw = queue[which % len(queue)] if keep_a_copy else queue.pop(which % len(queue))
            self.clients[name].receive(json.loads(raw))


    def teardown(self) -> None:
        # Each damaged shadow costs a recovery, and each recovery a round more before the word
        # it carries reaches the others: three more lossless rounds than the plain chaos test.
        for _ in range(3):
            for name in self.names:
                self.hub.round(name, self.clients[name])
        super().teardown()


RecoveringChaos.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None, database=None)
TestChaosWithRecoveriesKeepsEveryMarker = RecoveringChaos.TestCase
