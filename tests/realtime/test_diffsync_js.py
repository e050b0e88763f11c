"""The browser's synchronisation client (static/js/diffsync.js), run in node against the Python server.

Random typing by two JavaScript clients, with lost and repeated messages in both directions,
converges: every client ends with the server's text, and every word anyone typed is there.
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from deliberate.realtime.sync import ServerSession, checksum, server_receive

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(not NODE or not (ROOT / "node_modules" / "diff-match-patch").exists(),
                                reason="needs node and `make vendor` (npm ci)")


class Node:
    def __init__(self):
        self.process = subprocess.Popen([NODE, str(ROOT / "tests" / "js" / "diffsync_driver.js")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env={"NODE_PATH": str(ROOT / "node_modules"), "PATH": "/usr/bin:/bin"})

    def __call__(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert "error" not in answer, answer["error"]
        return answer

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()


@pytest.fixture
def node():
    driver = Node()
    yield driver
    driver.close()


@pytest.mark.parametrize("text", ["", "plain ascii", "Cooperativa de Lucía — ñ, ü, 中文", "emoji 🤝 co-op 🌍"])
def test_sha1_matches_python(node, text):
    assert node(op="sha1", text=text)["sha1"] == checksum(text)


def test_two_clients_edit_different_paragraphs(node):
    doc = "Members own the platform.\n\nEach member holds one share."
    sessions = {0: ServerSession.start(doc), 1: ServerSession.start(doc)}
    for c in (0, 1):
        node(op="start", client=c, text=doc)
    texts = {0: doc.replace("own", "jointly own"), 1: doc.replace("one share", "one equal share")}
    for _ in range(3):
        for c in (0, 1):
            message = node(op="message", client=c, text=texts[c])["message"]
            doc, sessions[c], reply = server_receive(doc, sessions[c], message)
            texts[c] = node(op="receive", client=c, reply=reply)["text"]
    assert doc == texts[0] == texts[1] == "Members jointly own the platform.\n\nEach member holds one equal share."


@pytest.mark.parametrize("seed", range(12))
def test_random_typing_with_losses_converges_and_keeps_every_word(node, seed):
    rng = random.Random(seed)
    doc = "Members decide together how the platform is run and how surpluses are shared."
    clients = (0, 1)
    sessions = {c: ServerSession.start(doc) for c in clients}
    texts = {c: doc for c in clients}
    for c in clients:
        node(op="start", client=c, text=doc)
    typed = []
    for step in range(40):
        c = rng.choice(clients)
        if rng.random() < 0.6:
            words = texts[c].split(" ")
            marker = f"w{seed}x{step}"
            words.insert(rng.randrange(len(words) + 1), marker)
            texts[c] = " ".join(words)
            typed.append(marker)
        message = node(op="message", client=c, text=texts[c])["message"]
        if rng.random() < 0.2:
            continue  # the message is lost
        for _ in range(2 if rng.random() < 0.2 else 1):  # sometimes delivered twice
            doc, sessions[c], reply = server_receive(doc, sessions[c], json.loads(json.dumps(message)))
            # The server keeps sessions in the database: a round trip through JSON each time.
            sessions[c] = ServerSession.from_dict(json.loads(json.dumps(sessions[c].to_dict())))
        if rng.random() < 0.2:
            continue  # the reply is lost
        texts[c] = node(op="receive", client=c, reply=reply)["text"]
    for _ in range(4):  # a quiet network
        for c in clients:
            message = node(op="message", client=c, text=texts[c])["message"]
            doc, sessions[c], reply = server_receive(doc, sessions[c], message)
            texts[c] = node(op="receive", client=c, reply=reply)["text"]
    assert texts[0] == texts[1] == doc
    for marker in typed:
        assert doc.split().count(marker) == 1, (marker, doc)


def _edited(rng: random.Random, base: str) -> str:
    alphabet = "ab \n%+é🌍🤝中"
    target = base
    for _ in range(rng.randrange(7)):
        at = rng.randrange(len(target) + 1)
        end = min(len(target), at + rng.randrange(11))
        target = target[:at] + "".join(rng.choice(alphabet) for _ in range(rng.randrange(9))) + target[end:]
    return target


def test_the_servers_margin_patches_apply_exactly_in_the_page(node):
    """The server's patches (margins of context, not unique ones) applied by diffsync.js's applyExact
    to the shadow they were made from give exactly the server's text, emoji (UTF-16) included."""
    from deliberate.realtime import sync

    rng = random.Random(19)
    for _ in range(300):
        base = "".join(rng.choice("ab \n%é🌍中") for _ in range(rng.randrange(80)))
        target = _edited(rng, base) if rng.random() < 0.8 else "".join(rng.choice("ab 🌍") for _ in range(30))
        if base == target:
            continue
        patch = sync._patch_text(base, target, exact=True)
        assert node(op="applyExact", base=base, patch=patch)["text"] == target, (base, target, patch)


def test_a_page_the_change_log_forgot_gets_the_full_text_and_keeps_its_typing(node):
    """A tab behind everything the server's change log keeps gets the whole text (not a patch of a
    long diff); its edit the server dropped meanwhile and its typing since are merged back on top."""
    from deliberate.realtime import sync
    from deliberate.realtime.changelog import ChangeLog
    from deliberate.realtime.sync import ClientSession

    rng = random.Random(5)
    doc = " ".join(rng.choice("members decide together share surplus co-op vote".split()) for _ in range(600))
    log = ChangeLog(sync._diff, max_versions=10)
    start, tab = doc, ServerSession.start(doc)
    node(op="start", client=0, text=doc)
    other, other_row = ClientSession.start(doc), ServerSession.start(doc)
    for i in range(13):  # someone rewrites every word, then adds a dozen more
        other.text = doc.upper() if i == 0 else other.text + f" more{i}"
        doc, other_row, reply = server_receive(doc, other_row, other.make_message(other.text), log)
        other.receive(json.loads(json.dumps(reply)))

    def send(text):
        nonlocal doc, tab
        message = node(op="message", client=0, text=text)["message"]
        doc, tab, reply = server_receive(doc, tab, json.loads(json.dumps(message)), log)
        return json.loads(json.dumps(reply))

    typed = "alpha " + start
    first_reply = send(typed)
    assert "alpha" in doc and first_reply["edits"][0]["full_text"] == doc
    typed += " beta"  # before that reply arrives: this edit is dropped by the server
    second_reply = send(typed)
    assert "beta" not in doc
    typed = node(op="receive", client=0, reply=first_reply)["text"]
    typed = node(op="receive", client=0, reply=second_reply)["text"]
    assert "alpha" in typed and typed.endswith(" beta")
    for _ in range(2):
        typed = node(op="receive", client=0, reply=send(typed))["text"]
    assert typed == doc and "alpha" in doc and doc.endswith(" beta") and "more12" in doc
