"""A document's change log (deliberate.realtime.changelog): diffs composed from the changes the
server made are correct diffs of the texts, and the sync protocol run with a log keeps every
word and converges, as without one (tests/unit/test_sync.py)."""
from __future__ import annotations

import json
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.realtime import sync
from deliberate.realtime.changelog import DELETE, EQUAL, INSERT, ChangeLog, compose, invert, text1, text2
from deliberate.realtime.sync import ClientSession, ServerSession, change_log, server_receive

from .test_sync import SEED_WORDS, Chaos, Hub, wire

texts = st.text(alphabet="ab \n", max_size=30)


def _edit(text: str, rng: random.Random) -> str:
    """``text`` with one random small insertion, deletion or replacement (a new text each time:
    what it inserts holds a letter no other edit inserts)."""
    start = rng.randrange(len(text) + 1)
    end = min(len(text), start + rng.choice([0, 0, 1, 3]))
    return text[:start] + rng.choice(["", " ", "w "]) + chr(0x100 + rng.randrange(10_000)) + text[end:]


@given(a=texts, b=texts, c=texts)
def test_composing_two_diffs_turns_the_first_text_into_the_last(a: str, b: str, c: str) -> None:
    first, second = sync._diff(a, b), sync._diff(b, c)
    both = compose(first, second)
    assert (text1(both), text2(both)) == (a, c)
    assert (text1(invert(first)), text2(invert(first))) == (b, a)


def test_composing_diffs_that_do_not_meet_is_refused() -> None:
    with pytest.raises(ValueError):
        compose([(EQUAL, "ab")], [(EQUAL, "ax")])
    with pytest.raises(ValueError):
        compose([(INSERT, "ab")], [(EQUAL, "abc")])


def test_what_one_diff_inserts_and_the_next_deletes_leaves_no_trace() -> None:
    assert compose([(EQUAL, "a"), (INSERT, "xy"), (EQUAL, "b")], [(EQUAL, "ax"), (DELETE, "y"), (EQUAL, "b")]) == [
        (EQUAL, "a"), (INSERT, "x"), (EQUAL, "b")]


@given(seed=st.integers(0, 10_000), steps=st.integers(1, 40))
def test_the_log_gives_a_correct_diff_between_any_two_versions(seed: int, steps: int) -> None:
    rng = random.Random(seed)
    log = ChangeLog(sync._diff, max_versions=25)
    versions = ["members share the surplus"]
    for _ in range(steps):
        versions.append(_edit(versions[-1], rng))
        log.advance(versions[-2], versions[-1])
    known = 0
    for _ in range(20):
        a, b = rng.choice(versions), rng.choice(versions)
        diff = log.diff(a, b)
        if diff is not None:
            known += 1
            assert (text1(diff), text2(diff)) == (a, b)
    # It keeps at least the latest half of max_versions.
    start = versions[max(0, len(versions) - 12)]
    assert log.diff(start, versions[-1]) is not None


@given(seed=st.integers(0, 10_000))
def test_a_text_one_edit_away_from_a_version_is_known_too(seed: int) -> None:
    rng = random.Random(seed)
    log = ChangeLog(sync._diff)
    v0 = "the members decide together"
    v1 = _edit(v0, rng)
    log.advance(v0, v1)
    v2 = _edit(v1, rng)
    log.advance(v1, v2)
    mine = _edit(v0, rng)  # a tab's own edit on its shadow v0
    mine_again = _edit(mine, rng)
    log.derive(v0, mine)
    log.derive(mine, mine_again)
    for a in (mine, mine_again):
        diff = log.diff(a, v2)
        assert diff is not None
        assert (text1(diff), text2(diff)) == (a, v2)


def test_the_log_says_nothing_of_texts_it_never_saw_and_restarts_on_a_change_made_elsewhere() -> None:
    log = ChangeLog(sync._diff)
    log.advance("one two", "one two three")
    assert log.diff("one", "one two three") is None
    assert log.diff("one two three", "one two") is None  # backwards: not composed
    log.advance("other text", "other text here")  # not from its latest: it starts again
    assert log.diff("one two", "one two three") is None
    assert log.diff("other text", "other text here") == [(EQUAL, "other text"), (INSERT, " here")]


def test_a_stale_note_is_checked_not_trusted() -> None:
    log = ChangeLog(sync._diff)
    log.advance("abc", "abcd")
    log._derived["zzz"] = ("abc", [(EQUAL, "ab"), (INSERT, "q"), (EQUAL, "c")])  # does not make "zzz"
    assert log.diff("zzz", "abcd") is None


def test_many_tabs_typing_through_one_log_use_it_and_keep_every_word(monkeypatch) -> None:
    """Twenty tabs type words in turn, each syncing with a stale shadow: with a log the long diffs
    are composed (the text diff runs only on small changes), and everyone converges on a text
    holding every word once."""
    rng = random.Random(7)
    log = change_log()
    doc = SEED_WORDS * 5
    tabs = {}
    for i in range(20):
        tabs[i] = [ServerSession.start(doc), ClientSession.start(doc)]
    long_diffs = []
    real_diff = sync._diff

    def counting(a: str, b: str):
        result = real_diff(a, b)
        if sum(len(t) for op, t in result if op != EQUAL) > 60:
            long_diffs.append((a, b))
        return result

    monkeypatch.setattr(sync, "_diff", counting)
    log._diff = counting
    typed = []
    for step in range(200):
        i = rng.randrange(20)
        server, client = tabs[i]
        if rng.random() < 0.7:
            word = f"t{i}w{step}"
            typed.append(word)
            spaces = [k for k, c in enumerate(client.text) if c == " "]
            at = rng.choice(spaces)
            client.text = client.text[:at] + " " + word + client.text[at:]
        message = wire(client.make_message(client.text))
        doc, tabs[i][0], reply = server_receive(doc, server, message, log)
        client.receive(wire(reply))
        assert not client.resync
    server_diffs = len(long_diffs)
    for _ in range(2):
        for i, (server, client) in tabs.items():
            doc, tabs[i][0], reply = server_receive(doc, server, wire(client.make_message(client.text)), log)
            client.receive(wire(reply))
    assert all(client.text == doc for _server, client in tabs.values())
    assert sorted(re.findall(r"t\d+w\d+", doc)) == sorted(typed)
    assert server_diffs == 0  # every long diff the server needed came from the log


class LoggedHub(Hub):
    """The chaos test's server, with a change log (kept across messages, as in a process)."""

    def __init__(self, doc: str) -> None:
        super().__init__(doc)
        self.log = change_log()

    def handle(self, name: str, message: dict) -> dict:
        session = ServerSession.from_dict(json.loads(self.rows[name]))
        self.doc, session, reply = server_receive(self.doc, session, wire(message), self.log)
        self.rows[name] = json.dumps(session.to_dict())
        return wire(reply)


class LoggedChaos(Chaos):
    def __init__(self) -> None:
        super().__init__()
        self.hub = LoggedHub(SEED_WORDS)


LoggedChaos.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None, database=None)
TestChaosWithAChangeLogConvergesAndKeepsEveryMarker = LoggedChaos.TestCase
