"""The co-editing page (coedit.js) pulls others' edits without flooding the server: with a hundred
people typing, every tab syncing after every ``draft_changed`` made more syncs the faster the server
answered. Runs the page in node on a stub page, a stub socket and a fake clock
(tests/js/coedit_page_driver.js): the times are the fake clock's, nothing here is timed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
DRIVER = ROOT / "tests" / "js" / "coedit_page_driver.js"

pytestmark = pytest.mark.skipif(not NODE or not (ROOT / "node_modules" / "diff-match-patch").is_dir(),
                                reason="needs node and node_modules (make vendor)")


def syncs_sent(steps) -> list[int]:
    """When (ms after the page joined, on the fake clock) the page sent a sync, given ``steps``."""
    done = subprocess.run([NODE, str(DRIVER)], input=json.dumps(steps), capture_output=True, text=True, timeout=30,
                          check=True, env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")})
    return json.loads(done.stdout)["syncs"]


def test_an_announcement_heard_while_a_sync_is_out_costs_nothing_if_the_reply_brings_that_version():
    # The tab's sync is out (sent 50 ms after joining) when the room announces version 2; the
    # reply brings version 2: nothing more to fetch, so no second sync (the 2 s one aside).
    assert syncs_sent([["advance", 100], ["draft_changed", 2], ["advance", 500], ["ack", 2], ["advance", 1000]]) == [50]


def test_an_announcement_the_reply_did_not_bring_is_pulled_once_after_it():
    sent = syncs_sent([["advance", 100], ["draft_changed", 3], ["advance", 500], ["ack", 2], ["advance", 1000]])
    assert len(sent) == 2 and sent[1] > 600


def test_pulls_are_paced_to_the_round_trip_not_one_per_announcement():
    # Round trips of 50 ms: at most one pull per 400 ms after the last sync, however many
    # versions are announced meanwhile.
    steps = [["advance", 100], ["ack", 1]]
    for version in range(2, 12):
        steps += [["draft_changed", version], ["advance", 20]]
    sent = syncs_sent(steps)
    assert sent == [50]  # 300 ms after the last sync: not yet
    sent = syncs_sent([*steps, ["advance", 200]])
    assert sent == [50, 450]


def test_typing_is_sent_300_ms_after_the_keystroke_even_while_pulls_are_paced():
    sent = syncs_sent([["advance", 100], ["ack", 1], ["draft_changed", 2], ["type", "a"], ["advance", 1000]])
    assert sent == [50, 400]


def test_a_quiet_tab_still_syncs_after_2_s_without_one():
    # Checked every 500 ms: the first check 2 s after the last sync (sent at 50 ms) is at 2,500 ms.
    assert syncs_sent([["advance", 100], ["ack", 1], ["advance", 2300]]) == [50]
    assert syncs_sent([["advance", 100], ["ack", 1], ["advance", 2400]]) == [50, 2500]
