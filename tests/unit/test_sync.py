"""Differential synchronisation (deliberate.realtime.sync): invariant 6, convergence
without losing anyone's typing, over a network that loses, repeats and reorders."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from deliberate.realtime.sync import (
    ClientSession,
    RejoinRequired,
    ServerSession,
    SyncError,
    checksum,
    server_receive,
)

DRAFT = (
    "1. Members decide together.\n\n"
    "2. Each co-op has one vote.\n\n"
    "3. Surplus is shared by the members."
)


def wire(message: dict) -> dict:
    """What the other side receives: the message after a trip through JSON."""
    return json.loads(json.dumps(message))


def has_full_text(reply: dict) -> bool:
    return any("full_text" in edit for edit in reply["edits"])


class Hub:
    """A server with one stored session per client, reloaded from JSON on every
    message as if each message were handled by a different process."""

    def __init__(self, doc: str) -> None:
        self.doc = doc
        self.rows: dict[str, str] = {}

    def join(self, name: str) -> ClientSession:
        self.rows[name] = json.dumps(ServerSession.start(self.doc).to_dict())
        return ClientSession.start(self.doc)

    def handle(self, name: str, message: dict) -> dict:
        session = ServerSession.from_dict(json.loads(self.rows[name]))
        self.doc, session, reply = server_receive(self.doc, session, wire(message))
        self.rows[name] = json.dumps(session.to_dict())
        return wire(reply)

    def round(self, name: str, client: ClientSession) -> None:
        """One lossless round trip for ``client``."""
        client.receive(self.handle(name, client.make_message(client.text)))


def test_checksum_is_sha1_of_utf8() -> None:
    assert checksum("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert checksum("é") == hashlib.sha1(b"\xc3\xa9").hexdigest()


def test_quiet_document_sends_no_edits() -> None:
    session = ServerSession.start(DRAFT)
    client = ClientSession.start(DRAFT)
    doc, session, reply = server_receive(DRAFT, session, client.make_message(DRAFT))
    assert doc == DRAFT
    assert reply == {"ack_n": 0, "edits": []}
    assert client.receive(reply) == DRAFT


def test_concurrent_edits_in_different_paragraphs_both_survive() -> None:
    hub = Hub(DRAFT)
    ana, ben = hub.join("ana"), hub.join("ben")
    ana_text = ana.text.replace("decide together", "decide together, openly")
    ben_text = ben.text.replace("by the members", "by the members fairly")
    # Both messages leave before either reply arrives.
    to_ana = hub.handle("ana", ana.make_message(ana_text))
    to_ben = hub.handle("ben", ben.make_message(ben_text))
    ana.receive(to_ana)
    ben.receive(to_ben)
    for _ in range(2):
        hub.round("ana", ana)
        hub.round("ben", ben)
    assert "decide together, openly." in hub.doc
    assert "by the members fairly." in hub.doc
    assert ana.text == ben.text == hub.doc


def test_concurrent_edits_in_the_same_sentence_merge() -> None:
    hub = Hub("Each co-op has one vote.")
    ana, ben = hub.join("ana"), hub.join("ben")
    ana.receive(hub.handle("ana", ana.make_message("Each member co-op has one vote.")))
    ben.receive(hub.handle("ben", ben.make_message("Each co-op has exactly one vote.")))
    for _ in range(2):
        hub.round("ana", ana)
        hub.round("ben", ben)
    assert hub.doc == ana.text == ben.text == "Each member co-op has exactly one vote."


@pytest.mark.parametrize(
    ("base", "first", "second", "merged"),
    [
        (  # the same spot: both words, whole, in the order they arrived
            "Each co-op has one vote.",
            "Each member co-op has one vote.",
            "Each worker co-op has one vote.",
            "Each member worker co-op has one vote.",
        ),
        (  # a word changed by one, a word added by the other
            "Each co-op has one vote.",
            "Each co-op has two votes.",
            "Each co-op has one equal vote.",
            "Each co-op has two equal votes.",
        ),
        (  # emoji count two UTF-16 units on the wire, one character here
            "\U0001f30d Members decide. \U0001f91d Co-ops vote.",
            "\U0001f30d All members decide. \U0001f91d Co-ops vote.",
            "\U0001f30d Members decide. \U0001f91d Co-ops vote \U0001f5f3.",
            "\U0001f30d All members decide. \U0001f91d Co-ops vote \U0001f5f3.",
        ),
    ],
)
def test_concurrent_edits_merge(base: str, first: str, second: str, merged: str) -> None:
    hub = Hub(base)
    ana, ben = hub.join("ana"), hub.join("ben")
    to_ana = hub.handle("ana", ana.make_message(first))
    to_ben = hub.handle("ben", ben.make_message(second))
    ana.receive(to_ana)
    ben.receive(to_ben)
    for _ in range(2):
        hub.round("ana", ana)
        hub.round("ben", ben)
    assert hub.doc == ana.text == ben.text == merged


def test_word_typed_into_a_sentence_someone_deleted_is_kept() -> None:
    hub = Hub("Members decide. Each co-op has one vote. Surplus is shared.")
    ana, ben = hub.join("ana"), hub.join("ben")
    to_ana = hub.handle("ana", ana.make_message("Members decide. Surplus is shared."))
    typed = "Members decide. Each co-op has one equal vote. Surplus is shared."
    to_ben = hub.handle("ben", ben.make_message(typed))
    ana.receive(to_ana)
    ben.receive(to_ben)
    for _ in range(2):
        hub.round("ana", ana)
        hub.round("ben", ben)
    assert hub.doc == ana.text == ben.text
    assert "equal" in hub.doc and "one vote" not in hub.doc


def test_duplicate_message_is_idempotent() -> None:
    session = ServerSession.start(DRAFT)
    client = ClientSession.start(DRAFT)
    other_change = DRAFT.replace("one vote", "one equal vote")
    message = client.make_message(DRAFT.replace("together", "together, openly"))
    doc, session, reply = server_receive(other_change, session, wire(message))
    again_doc, again_session, again_reply = server_receive(doc, session, wire(message))
    assert (again_doc, again_session, again_reply) == (doc, session, reply)
    assert "together, openly" in doc and "one equal vote" in doc

    text = client.receive(wire(reply))
    state = replace(client, edit_stack=list(client.edit_stack))
    assert client.receive(wire(reply)) == text == doc
    assert client == state


def test_duplicate_after_another_clients_change_does_not_fork_the_shadow() -> None:
    hub = Hub(DRAFT)
    ana, ben = hub.join("ana"), hub.join("ben")
    message = ana.make_message(ana.text.replace("Members", "All members"))
    first = hub.handle("ana", message)
    hub.round("ben", ben)  # nothing to send, but keeps ben current
    ben.text = ben.text.replace("one vote", "one vote only")
    hub.round("ben", ben)
    second = hub.handle("ana", message)  # the network delivers the copy late
    ana.receive(second)
    ana.receive(first)
    for _ in range(2):
        for name, client in (("ana", ana), ("ben", ben)):
            hub.round(name, client)
    assert ana.text == ben.text == hub.doc
    assert "All members" in hub.doc and "one vote only" in hub.doc


def test_older_message_arriving_after_a_newer_one_changes_nothing() -> None:
    hub = Hub(DRAFT)
    ana = hub.join("ana")
    older = ana.make_message(ana.text + "\n\n4. Education")
    newer = ana.make_message(DRAFT + "\n\n4. Education for all.")
    ana.receive(hub.handle("ana", newer))
    doc, row = hub.doc, hub.rows["ana"]
    ana.receive(hub.handle("ana", older))
    assert (hub.doc, hub.rows["ana"]) == (doc, row)
    assert ana.text == hub.doc == DRAFT + "\n\n4. Education for all."


def test_lost_reply_is_recovered_from_the_backup_shadow() -> None:
    session = ServerSession.start(DRAFT)
    client = ClientSession.start(DRAFT)
    doc = DRAFT.replace("one vote", "one vote, always")  # typed by someone else
    first = client.make_message(DRAFT.replace("Members", "All members"))
    doc, session, lost = server_receive(doc, session, wire(first))
    assert lost["edits"] and (session.shadow_m, session.backup_m) == (1, 0)

    # The reply never arrives; the client keeps typing and sends its whole stack.
    second = client.make_message(client.text + "\n\n4. Education.")
    assert [e["n"] for e in second["edits"]] == [0, 1]
    doc, session, reply = server_receive(doc, session, wire(second))
    assert not has_full_text(reply)
    client.receive(wire(reply))
    client.receive(wire(lost))  # arrives at last: stale, ignored
    doc, session, reply = server_receive(doc, session, client.make_message(client.text))
    client.receive(wire(reply))

    assert client.text == doc
    for words in ("All members", "one vote, always", "4. Education."):
        assert doc.count(words) == 1


def test_lost_reply_followed_by_a_poll_resends_the_pending_edit() -> None:
    session = ServerSession.start(DRAFT)
    client = ClientSession.start(DRAFT)
    doc = DRAFT + " Amended."
    doc, session, lost = server_receive(doc, session, client.make_message(DRAFT))
    doc, session, reply = server_receive(doc, session, client.make_message(DRAFT))
    assert reply == lost
    assert client.receive(wire(reply)) == doc


def test_corrupted_server_shadow_triggers_full_text_recovery() -> None:
    hub = Hub(DRAFT)
    ana = hub.join("ana")
    session = ServerSession.from_dict(json.loads(hub.rows["ana"]))
    hub.rows["ana"] = json.dumps(replace(session, shadow_text=session.shadow_text + "#").to_dict())
    hub.doc = hub.doc.replace("one vote", "one vote only")

    reply = hub.handle("ana", ana.make_message(ana.text.replace("Members", "All members")))
    assert has_full_text(reply)
    assert hub.doc == DRAFT.replace("one vote", "one vote only")  # the edit could not apply
    ana.receive(reply)
    assert "All members" in ana.text and "one vote only" in ana.text  # typing kept
    hub.round("ana", ana)
    hub.round("ana", ana)
    assert ana.text == hub.doc == DRAFT.replace("one vote", "one vote only").replace(
        "Members", "All members"
    )


def test_corrupted_client_shadow_asks_for_a_resync() -> None:
    hub = Hub(DRAFT)
    ana = hub.join("ana")
    ana.shadow_text += "#"  # a bit flipped in both: no edit of its own to send
    ana.text += "#"
    hub.doc = hub.doc.replace("one vote", "one vote only")
    ana.receive(hub.handle("ana", ana.make_message(ana.text)))
    assert ana.resync and "only" not in ana.text

    message = ana.make_message(ana.text.replace("Members", "All members"))
    assert message["resync"] is True
    reply = hub.handle("ana", message)
    assert has_full_text(reply)
    ana.receive(reply)
    assert not ana.resync
    hub.round("ana", ana)
    hub.round("ana", ana)
    assert ana.text == hub.doc
    assert "All members" in hub.doc and "one vote only" in hub.doc and "#" not in hub.doc


def test_unparseable_patch_gets_a_full_text_not_an_error() -> None:
    session = ServerSession.start(DRAFT)
    edit = {"n": 0, "m": 0, "patch": "@@ nonsense", "checksum": checksum(DRAFT)}
    doc, session, reply = server_receive(DRAFT, session, {"ack_m": 0, "edits": [edit]})
    assert doc == DRAFT
    assert reply["edits"] == [{"n": 0, "m": 0, "full_text": DRAFT}]


def _conversation(persist: bool) -> tuple[str, list[dict]]:
    """A conversation with a lost reply; with ``persist`` the server session goes
    through JSON between messages, as when each message reaches another process."""

    def store(session: ServerSession) -> ServerSession:
        if not persist:
            return session
        return ServerSession.from_dict(json.loads(json.dumps(session.to_dict())))

    session = store(ServerSession.start(DRAFT))
    client = ClientSession.start(DRAFT)
    doc = DRAFT.replace("one vote", "one vote only")
    replies = []
    typing = [
        DRAFT.replace("Members", "All members"),
        DRAFT.replace("Members", "All members") + "\n\n4. Education.",
        None,
        None,
    ]
    for step, text in enumerate(typing):
        message = client.make_message(client.text if text is None else text)
        doc, session, reply = server_receive(doc, session, wire(message))
        session = store(session)
        replies.append(reply)
        if step != 0:  # the first reply is lost
            client.receive(wire(reply))
    assert client.text == doc
    return doc, replies


def test_session_continues_in_another_process_mid_conversation() -> None:
    assert _conversation(persist=True) == _conversation(persist=False)


def test_stored_session_is_compact_and_validated() -> None:
    stored = ServerSession.start(DRAFT).to_dict()
    assert stored["backup_text"] is None  # identical to the shadow: stored once
    assert ServerSession.from_dict(stored) == ServerSession.start(DRAFT)
    with pytest.raises(SyncError):
        ServerSession.from_dict({**stored, "shadow_n": "1"})
    with pytest.raises(SyncError):
        ServerSession.from_dict({**stored, "format": 99})


def test_server_receive_leaves_the_given_session_unchanged() -> None:
    session = ServerSession.start(DRAFT)
    client = ClientSession.start(DRAFT)
    server_receive(DRAFT, session, client.make_message(DRAFT + " More."))
    assert session == ServerSession.start(DRAFT)


@pytest.mark.parametrize(
    "message",
    [
        None,
        [],
        {"edits": []},
        {"ack_m": -1, "edits": []},
        {"ack_m": True, "edits": []},
        {"ack_m": 0, "edits": "@@"},
        {"ack_m": 0, "edits": [None]},
        {"ack_m": 0, "edits": [{"n": 0, "m": 0}]},
        {"ack_m": 0, "edits": [{"n": 0, "m": 0, "full_text": "clients cannot send this"}]},
        {"ack_m": 0, "edits": [{"n": 0.0, "m": 0, "patch": "", "checksum": ""}]},
        {"ack_m": 0, "edits": [{"n": 0, "m": 0, "patch": "+\ud800", "checksum": ""}]},
    ],
)
def test_malformed_messages_are_rejected(message: object) -> None:
    with pytest.raises(SyncError):
        server_receive(DRAFT, ServerSession.start(DRAFT), message)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message",
    [
        {"ack_m": 3, "edits": []},
        {"ack_m": 0, "edits": [{"n": 0, "m": 2, "patch": "", "checksum": checksum(DRAFT)}]},
    ],
)
def test_client_ahead_of_the_session_must_rejoin(message: dict) -> None:
    with pytest.raises(RejoinRequired):
        server_receive(DRAFT, ServerSession.start(DRAFT), message)


def test_patch_coordinates_count_utf16_units_like_javascript() -> None:
    before = "\U0001f30d\U0001f30d\U0001f30d hello"
    client = ClientSession.start(before)
    message = client.make_message(before + "!")
    # The context is the last eight code points (two emoji and " hello"); it starts
    # after the first emoji, at UTF-16 unit 2 (code point 1), and is 10 units long.
    assert message["edits"][0]["patch"].startswith("@@ -3,10 +3,11 @@")
    doc, _, reply = server_receive(before, ServerSession.start(before), message)
    assert doc == before + "!" and reply["edits"] == []


# Emoji and accents often, any other character (never a lone surrogate) sometimes.
TEXTS = st.text(
    st.sampled_from("ab \n\u00e9\U0001f30d\U0001f91d") | st.characters(codec="utf-8"),
    max_size=40,
)


@settings(max_examples=200, deadline=None, database=None)
@given(before=TEXTS, after=TEXTS)
def test_any_change_travels_exactly_both_ways(before: str, after: str) -> None:
    client = ClientSession.start(before)
    message = client.make_message(after)
    doc, session, reply = server_receive(before, ServerSession.start(before), message)
    assert doc == after and reply["edits"] == []

    client = ClientSession.start(before)
    message = client.make_message(before)
    doc, session, reply = server_receive(after, ServerSession.start(before), message)
    assert not has_full_text(reply)
    assert client.receive(wire(reply)) == after and not client.resync
    assert session.shadow_text == client.shadow_text == after


# -- chaos: typing, loss, duplication and reordering, then a quiet period ----------

SEED_WORDS = "the members decide together and the members share the surplus of the co-op "


class Chaos(RuleBasedStateMachine):
    """Two or three clients type marker words while the network misbehaves."""

    def __init__(self) -> None:
        super().__init__()
        self.hub = Hub(SEED_WORDS)
        self.names: list[str] = []
        self.clients: dict[str, ClientSession] = {}
        self.up: dict[str, list[str]] = {}  # messages in flight to the server
        self.down: dict[str, list[str]] = {}  # replies in flight to the client
        self.typed: set[str] = set()
        self.reached_server: set[str] = set()

    @initialize(count=st.integers(2, 3))
    def join(self, count: int) -> None:
        for i in range(count):
            name = "abc"[i]
            self.names.append(name)
            self.clients[name] = self.hub.join(name)
            self.up[name], self.down[name] = [], []

    def pick(self, who: int) -> str:
        return self.names[who % len(self.names)]

    @rule(who=st.integers(0, 2), where=st.integers(0, 10_000))
    def type_marker(self, who: int, where: int) -> None:
        name = self.pick(who)
        client = self.clients[name]
        text = client.text
        # Only at the start of a word, so no marker is typed inside another word.
        starts = [i for i in range(len(text) + 1) if i == 0 or text[i - 1] == " "]
        at = starts[where % len(starts)]
        marker = f"{name}{len(self.typed)}x"
        self.typed.add(marker)
        client.text = text[:at] + marker + " " + text[at:]

    @rule(who=st.integers(0, 2))
    def send(self, who: int) -> None:
        name = self.pick(who)
        client = self.clients[name]
        self.up[name].append(json.dumps(client.make_message(client.text)))

    @rule(who=st.integers(0, 2), which=st.integers(0, 20), keep_a_copy=st.booleans())
    def deliver_to_server(self, who: int, which: int, keep_a_copy: bool) -> None:
        name = self.pick(who)
        queue = self.up[name]
        if queue:
            raw = queue[which % len(queue)] if keep_a_copy else queue.pop(which % len(queue))
            reply = self.hub.handle(name, json.loads(raw))
            assert not has_full_text(reply), "recovery without corruption"
            self.reached_server |= set(self.hub.doc.split()) & self.typed
            self.down[name].append(json.dumps(reply))

    @rule(who=st.integers(0, 2), which=st.integers(0, 20), keep_a_copy=st.booleans())
    def deliver_to_client(self, who: int, which: int, keep_a_copy: bool) -> None:
        name = self.pick(who)
        queue = self.down[name]
        if queue:
            raw = queue[which % len(queue)] if keep_a_copy else queue.pop(which % len(queue))
            self.clients[name].receive(json.loads(raw))
            assert not self.clients[name].resync, "checksum failed without corruption"

    @rule(who=st.integers(0, 2), which=st.integers(0, 20), upstream=st.booleans())
    def lose(self, who: int, which: int, upstream: bool) -> None:
        queue = (self.up if upstream else self.down)[self.pick(who)]
        if queue:
            queue.pop(which % len(queue))

    def teardown(self) -> None:
        if not self.names:
            return
        # Quiet period: whatever is still in flight is lost, then lossless rounds.
        for _ in range(3):
            for name in self.names:
                self.hub.round(name, self.clients[name])
        words = self.hub.doc.split()
        for name, client in self.clients.items():
            assert client.text == client.shadow_text == self.hub.doc, name
            assert not client.edit_stack, name
        # Invariant 6: what reached the server survives; and as markers are only
        # typed between words (distinct positions), so does every marker typed at
        # all, whole and exactly once.
        assert self.reached_server <= set(words)
        assert sorted(w for w in words if w in self.typed) == sorted(self.typed)
        assert set(SEED_WORDS.split()) <= set(words)


Chaos.TestCase.settings = settings(
    max_examples=150, stateful_step_count=50, deadline=None, database=None
)
TestChaosConvergesAndKeepsEveryMarker = Chaos.TestCase
