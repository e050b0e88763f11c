"""The official JavaScript socket.io-client, run by node, over a real port: it signs in with the
session cookie, follows a standard, receives a comment, disconnects, misses one, reconnects and
gets it from the events table."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD
from tests.live_server import serving

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(not NODE or not (ROOT / "node_modules" / "socket.io-client").exists(),
                                reason="needs node and `make vendor` (npm ci)")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None}


def test_node_client_misses_nothing_across_a_reconnect(app, steward, make_delegate, make_standard):
    from deliberate.discussions.services import post_comment

    reader = make_delegate(email="reader@example.org")
    standard = make_standard()
    room = f"standard:{standard.id}"
    section_id = standard.sections[0].id
    with serving(app) as base:
        node = subprocess.Popen([NODE, str(ROOT / "tests" / "js" / "catch_up_client.js"), base, reader.email,
                                 TEST_PASSWORD, room], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env={"NODE_PATH": str(ROOT / "node_modules"), "PATH": "/usr/bin:/bin"})

        def read():
            line = json.loads(node.stdout.readline())
            assert "error" not in line, line["error"]
            return line

        def go():
            node.stdin.write("go\n")
            node.stdin.flush()

        try:
            assert read() == {"step": "joined", "ok": True}
            first = post_comment(actor=steward, subject_kind="section", subject_id=section_id, body="First, live.")
            go()
            received = read()
            assert received["step"] == "received" and "First, live." in received["body"]
            assert read() == {"step": "disconnected"}
            second = post_comment(actor=steward, subject_kind="section", subject_id=section_id,
                                  body="Second, while you were away.")
            go()
            caught = read()
            assert caught["step"] == "caught_up" and caught["replayed"] >= 1
            assert "Second, while you were away." in caught["body"]
            assert caught["id"] > received["id"] and first.id != second.id
            assert node.wait(timeout=15) == 0
        finally:
            if node.poll() is None:
                node.kill()
            node.stdin.close()
            node.stdout.close()
